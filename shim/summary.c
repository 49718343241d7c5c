/* summary.c -- the per-request summary line, built by hand and written whole. */
#include "summary.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "digits.h"
#include "out.h"
#include "record.h"
#include "tag.h"

static size_t put(char *out, size_t at, const char *s, size_t n)
{
    memcpy(out + at, s, n);
    return at + n;
}

static size_t put_dec(char *out, size_t at, uint64_t v)
{
    char d[DIGITS_MAX];
    size_t n;
    const char *p = digits_u64(d, v, &n);
    return put(out, at, p, n);
}

/* Printable ASCII but quotes and percent as is; anything else %XX (no space can appear). */
static size_t put_clean(char *out, size_t at, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '"' && c != '%' && c != '\\') {
            out[at++] = (char)c;
        } else {
            out[at++] = '%';
            out[at++] = hex[c >> 4];
            out[at++] = hex[c & 15];
        }
    }
    return at;
}

size_t summary_line(char *out, const struct reqctx *req, uint16_t code, uint64_t bytes, uint64_t dur_us)
{
    size_t at = put(out, 0, "reqtag: summary method=", 23);
    size_t mlen = req->mlen <= REQTAG_MAX_METHOD ? req->mlen : 0;
    size_t plen = req->plen <= REQTAG_MAX_PATH ? req->plen : 0;
    at = put_clean(out, at, req->method, mlen);
    at = put(out, at, " path=", 6);
    at = put_clean(out, at, req->path, plen);
    at = put(out, at, " status=", 8);
    at = put_dec(out, at, code);
    at = put(out, at, " bytes=", 7);
    at = put_dec(out, at, bytes);
    at = put(out, at, " duration_us=", 13);
    return put_dec(out, at, dur_us);
}

void summary_write(const struct reqctx *req, uint16_t code, uint64_t bytes)
{
    int saved = errno;
    uint64_t dur = ctx_elapsed_ns(req) / 1000u;
    char line[TAG_MAX + SUMMARY_MAX + 1];
    char rec[RECORD_MAX(SUMMARY_MAX)];
    if (reqtag_cfg.output == OUTPUT_TEXT) {
        size_t at = out_tag(req, line, TAG_MAX);
        at += summary_line(line + at, req, code, bytes, dur);
        line[at++] = '\n';
        out_raw(2, line, at);
    } else {
        size_t n = summary_line(line, req, code, bytes, dur);
        struct record_ctx rc;
        out_record_ctx(req, &rc);
        size_t r = reqtag_cfg.output == OUTPUT_JSON ? record_json(rec, &rc, line, n) : record_logfmt(rec, &rc, line, n);
        out_raw(2, rec, r);
    }
    errno = saved;
}
