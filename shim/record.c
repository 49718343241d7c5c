/* record.c -- JSON and logfmt records by hand: UTF-8 checked byte by byte, everything escaped. */
#include "record.h"

#include <string.h>

#include "digits.h"

static const char hexd[] = "0123456789abcdef";

static size_t put(char *out, size_t at, const char *s, size_t n)
{
    memcpy(out + at, s, n);
    return at + n;
}

static size_t put_dec(char *out, size_t at, int64_t v)
{
    char d[DIGITS_MAX];
    size_t n;
    if (v < 0)
        out[at++] = '-';
    const char *p = digits_u64(d, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, &n);
    return put(out, at, p, n);
}

static size_t put2(char *out, size_t at, unsigned v)
{
    out[at] = (char)('0' + v / 10 % 10);
    out[at + 1] = (char)('0' + v % 10);
    return at + 2;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

size_t record_time(int64_t sec, long usec, char out[RECORD_TIME_LEN])
{
    int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
    int64_t rem = sec - days * 86400, y;
    unsigned mo, d;
    civil(days, &y, &mo, &d);
    if (y < 0 || y > 9999)
        y = 0;
    size_t at = 0;
    at = put2(out, at, (unsigned)(y / 100));
    at = put2(out, at, (unsigned)(y % 100));
    out[at++] = '-';
    at = put2(out, at, mo);
    out[at++] = '-';
    at = put2(out, at, d);
    out[at++] = 'T';
    at = put2(out, at, (unsigned)(rem / 3600));
    out[at++] = ':';
    at = put2(out, at, (unsigned)(rem / 60 % 60));
    out[at++] = ':';
    at = put2(out, at, (unsigned)(rem % 60));
    out[at++] = '.';
    unsigned long u = usec < 0 || usec > 999999 ? 0 : (unsigned long)usec;
    for (int i = 5; i >= 0; i--) {
        out[at + (size_t)i] = (char)('0' + u % 10);
        u /= 10;
    }
    at += 6;
    out[at++] = 'Z';
    return at;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the byte does not start one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Escape line for a double-quoted JSON string (json != 0) or logfmt value. */
static size_t put_escaped(char *out, size_t at, const char *line, size_t n, int json)
{
    const unsigned char *p = (const unsigned char *)line;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = utf8_len(p + i, n - i);
        if (len > 1) {
            at = put(out, at, line + i, len);
            i += len;
            continue;
        }
        i++;
        switch (c) {
        case '"': at = put(out, at, "\\\"", 2); continue;
        case '\\': at = put(out, at, "\\\\", 2); continue;
        case '\n': at = put(out, at, "\\n", 2); continue;
        case '\r': at = put(out, at, "\\r", 2); continue;
        case '\t': at = put(out, at, "\\t", 2); continue;
        default: break;
        }
        if (json && (c == '\b' || c == '\f')) {
            at = put(out, at, c == '\b' ? "\\b" : "\\f", 2);
            continue;
        }
        if (c >= 0x20 && c < 0x7f && len == 1) {
            out[at++] = (char)c;
        } else if (json) {
            char u[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
            at = put(out, at, u, 6);
        } else {
            char x[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
            at = put(out, at, x, 4);
        }
    }
    return at;
}

size_t record_json(char *out, const struct record_ctx *rc, const char *line, size_t n)
{
    char t[RECORD_TIME_LEN];
    size_t at = put(out, 0, "{\"time\":\"", 9);
    at = put(out, at, t, record_time(rc->sec, rc->usec, t));
    at = put(out, at, "\"", 1);
    if (rc->id != NULL && rc->idlen > 0) {
        at = put(out, at, ",\"req_id\":\"", 11);
        at = put_escaped(out, at, rc->id, rc->idlen, 1);
        at = put(out, at, "\"", 1);
    }
    at = put(out, at, ",\"pid\":", 7);
    at = put_dec(out, at, rc->pid);
    at = put(out, at, ",\"tid\":", 7);
    at = put_dec(out, at, rc->tid);
    for (unsigned k = 0; k < rc->nfields && k < REQTAG_MAX_FIELDS; k++) {
        at = put(out, at, ",\"", 2);
        at = put_escaped(out, at, rc->fname[k], rc->fname_len[k], 1);
        at = put(out, at, "\":\"", 3);
        at = put_escaped(out, at, rc->fval[k], rc->flen[k], 1);
        at = put(out, at, "\"", 1);
    }
    at = put(out, at, ",\"msg\":\"", 8);
    at = put_escaped(out, at, line, n, 1);
    return put(out, at, "\"}\n", 3);
}

size_t record_logfmt(char *out, const struct record_ctx *rc, const char *line, size_t n)
{
    char t[RECORD_TIME_LEN];
    size_t at = put(out, 0, "time=", 5);
    at = put(out, at, t, record_time(rc->sec, rc->usec, t));
    if (rc->id != NULL && rc->idlen > 0) {
        at = put(out, at, " req_id=", 8);
        at = put_escaped(out, at, rc->id, rc->idlen, 0);
    }
    at = put(out, at, " pid=", 5);
    at = put_dec(out, at, rc->pid);
    at = put(out, at, " tid=", 5);
    at = put_dec(out, at, rc->tid);
    for (unsigned k = 0; k < rc->nfields && k < REQTAG_MAX_FIELDS; k++) {
        at = put(out, at, " ", 1);
        at = put_escaped(out, at, rc->fname[k], rc->fname_len[k], 0);
        at = put(out, at, "=", 1);
        bool quote = rc->flen[k] == 0;
        for (size_t i = 0; i < rc->flen[k]; i++) {
            unsigned char c = (unsigned char)rc->fval[k][i];
            quote |= c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f;
        }
        if (quote)
            at = put(out, at, "\"", 1);
        at = put_escaped(out, at, rc->fval[k], rc->flen[k], 0);
        if (quote)
            at = put(out, at, "\"", 1);
    }
    at = put(out, at, " msg=\"", 6);
    at = put_escaped(out, at, line, n, 0);
    return put(out, at, "\"\n", 2);
}
