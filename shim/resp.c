/* resp.c -- follow the responses a server writes: status line, framing headers, body (whole lines at once when they can be). */
#include "resp.h"

#include <stdbool.h>
#include <string.h>

#include "token.h"

enum phase {
    R_START, R_VERSION, R_CODE, R_REASON, R_LINE, R_NAME, R_VALUE, R_SKIP,
    R_AWAIT,  /* a head ended; resp_body() has not been told about its body yet */
    R_BODY, R_OPAQUE,
};
enum { HDR_NONE, HDR_CL, HDR_TE };

static const char cl_name[] = "content-length";
static const char te_name[] = "transfer-encoding";

void resp_init(struct resp *r)
{
    memset(r, 0, sizeof *r);
    r->phase = R_START;
}

bool resp_in_body(const struct resp *r)
{
    return r->phase == R_BODY;
}

void resp_abandon(struct resp *r)
{
    r->phase = R_OPAQUE;
}

static void next_message(struct resp *r)
{
    r->phase = R_START;
    r->wseen = 0;
    r->blank_told = 0;
    r->pos = 0;
    r->chunked = 0;
    r->cl_state = 0;
    r->length = 0;
}

static void value_done(struct resp *r)
{
    bool whole = r->vlen < sizeof r->val; /* a value cut at sizeof val is not trusted */
    size_t n = token_trim_end(r->val, r->vlen);
    if (r->hdr == HDR_CL) {
        uint64_t v = 0;
        bool ok = whole && token_decimal(r->val, n, &v);
        if (!ok || (r->cl_state == 1 && v != r->length))
            r->cl_state = 2;
        else if (r->cl_state == 0) {
            r->cl_state = 1;
            r->length = v;
        }
    } else if (r->hdr == HDR_TE) {
        r->chunked = whole && token_chunked_last(r->val, n);
        if (!r->chunked)
            r->cl_state = 2; /* a coding we cannot follow: only the close ends this body */
    }
    r->hdr = HDR_NONE;
}

/* A whole status line start in the buffer ("HTTP/1.x NNN" and one of SP CR LF): taken at once,
 * as the byte states would. */
static bool status_line(struct resp *r, const char *p)
{
    if (memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
        return false;
    for (int k = 9; k < 12; k++)
        if (p[k] < '0' || p[k] > '9')
            return false;
    if (p[12] != ' ' && p[12] != '\r' && p[12] != '\n')
        return false;
    r->code = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
    r->pos = 3;
    return true;
}

/* One complete header line (without its '\n'): the name matched whole, a framing value copied. */
static void whole_line(struct resp *r, const struct watch *w, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (colon == NULL)
        return;
    size_t nlen = (size_t)(colon - line);
    r->wseen |= watch_names(w, line, nlen);
    r->hdr = token_name_is(line, nlen, cl_name, sizeof cl_name - 1)   ? HDR_CL
             : token_name_is(line, nlen, te_name, sizeof te_name - 1) ? HDR_TE
                                                                 : HDR_NONE;
    if (r->hdr == HDR_NONE)
        return;
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    size_t vlen = (size_t)(end - v);
    r->vlen = (uint8_t)(vlen < sizeof r->val ? vlen : sizeof r->val);
    memcpy(r->val, v, r->vlen);
    value_done(r);
}

bool resp_body(struct resp *r, bool no_body)
{
    if (r->phase != R_AWAIT)
        return false;
    if (no_body) {
        next_message(r);
        return true;
    } else if (r->chunked) {
        body_start(&r->body, true, 0);
        r->phase = R_BODY;
    } else if (r->cl_state == 1 && r->length > 0) {
        body_start(&r->body, false, r->length);
        r->phase = R_BODY;
    } else if (r->cl_state == 1) {
        next_message(r);
        return true;
    } else {
        r->phase = R_OPAQUE; /* delimited by the connection's close */
    }
    return false;
}

bool resp_idle(const struct resp *r)
{
    return r->phase == R_START;
}

bool resp_unseen(struct resp *r, uint64_t n)
{
    enum body_status st;
    if (r->phase != R_BODY || !body_unseen(&r->body, n, &st)) {
        r->phase = R_OPAQUE;
        return false;
    }
    if (st == BODY_DONE)
        next_message(r);
    return true;
}

size_t resp_feed(struct resp *r, const char *p, size_t n, enum resp_status *status, uint16_t *code)
{
    return resp_feed_watch(r, p, n, status, code, NULL);
}

size_t resp_feed_watch(struct resp *r, const char *p, size_t n, enum resp_status *status, uint16_t *code,
                       const struct watch *w)
{
    size_t i = 0;
    *status = RESP_NEED_MORE;
    while (i < n || r->phase == R_OPAQUE) {
        if (r->phase == R_OPAQUE) {
            *status = RESP_OPAQUE;
            return n;
        }
        unsigned char c = (unsigned char)p[i];
        switch (r->phase) {
        case R_START:
            r->pos = 0;
            r->phase = R_VERSION;
            if (n - i >= 13 && status_line(r, p + i)) {
                i += 12; /* "HTTP/1.x NNN"; the byte after the code starts the reason */
                r->phase = R_REASON;
            }
            continue;
        case R_VERSION:
            if (r->pos < 7 ? c == (unsigned char)"HTTP/1."[r->pos] : r->pos == 7 ? (c >= '0' && c <= '9') : c == ' ') {
                r->pos++;
                if (r->pos == 9) {
                    r->phase = R_CODE;
                    r->pos = 0;
                    r->code = 0;
                }
                break;
            }
            r->phase = R_OPAQUE;
            continue;
        case R_CODE:
            if (c >= '0' && c <= '9' && r->pos < 3) {
                r->code = (uint16_t)(r->code * 10 + (c - '0'));
                r->pos++;
                break;
            }
            if (r->pos == 3 && (c == ' ' || c == '\r' || c == '\n')) {
                r->phase = R_REASON;
                continue;
            }
            r->phase = R_OPAQUE;
            continue;
        case R_REASON:
        case R_SKIP: {
            /* The reason phrase and headers we do not follow: jump to the line's end. */
            const char *nl = memchr(p + i, '\n', n - i);
            if (nl == NULL)
                return n;
            i = (size_t)(nl - p) + 1;
            r->phase = R_LINE;
            continue;
        }
        case R_LINE:
            if ((c == '\r' || c == '\n') && w != NULL && !r->blank_told) {
                r->blank_told = 1;
                *status = RESP_BLANK;
                *code = r->code;
                return i;
            }
            if (c == '\r')
                break;
            if (c == '\n') {
                *status = RESP_HEAD;
                *code = r->code;
                r->phase = R_AWAIT; /* resp_body() says what follows */
                return i + 1;
            }
            {
                /* The usual case, a whole header line in this buffer: look at its name at once. */
                const char *nl = memchr(p + i, '\n', n - i);
                if (nl != NULL) {
                    whole_line(r, w, p + i, (size_t)(nl - (p + i)));
                    i = (size_t)(nl - p) + 1;
                    continue;
                }
            }
            r->phase = R_NAME;
            r->pos = 0;
            r->cand = 3;
            r->wcand = watch_begin(w);
            continue;
        case R_NAME:
            if (c == ':') {
                r->hdr = HDR_NONE;
                if ((r->cand & 1) && r->pos == sizeof cl_name - 1)
                    r->hdr = HDR_CL;
                else if ((r->cand & 2) && r->pos == sizeof te_name - 1)
                    r->hdr = HDR_TE;
                r->wseen |= watch_end(w, r->wcand, r->pos);
                r->vlen = 0;
                r->phase = r->hdr == HDR_NONE ? R_SKIP : R_VALUE;
            } else if (c == '\n') {
                r->phase = R_LINE;
            } else {
                uint8_t keep = 0;
                unsigned char l = token_lower(c);
                if ((r->cand & 1) && r->pos < sizeof cl_name - 1 && (unsigned char)cl_name[r->pos] == l)
                    keep |= 1;
                if ((r->cand & 2) && r->pos < sizeof te_name - 1 && (unsigned char)te_name[r->pos] == l)
                    keep |= 2;
                r->cand = keep;
                r->wcand = watch_step(w, r->wcand, r->pos, l);
                if (r->pos < 0xffff)
                    r->pos++;
                if (r->cand == 0 && r->wcand == 0)
                    r->phase = R_SKIP; /* a name nobody asked for: jump to the line's end */
            }
            break;
        case R_VALUE:
            if (c == '\n') {
                value_done(r);
                r->phase = R_LINE;
            } else if ((c == ' ' || c == '\t') && r->vlen == 0) {
                /* leading white space */
            } else if (r->vlen < sizeof r->val) {
                r->val[r->vlen++] = (char)c;
            }
            break;
        case R_BODY: {
            enum body_status bs;
            i += body_feed(&r->body, p + i, n - i, &bs);
            if (bs == BODY_DONE) {
                next_message(r);
                *status = RESP_DONE;
                return i;
            }
            if (bs == BODY_BAD)
                r->phase = R_OPAQUE; /* reported below, even when nothing is left to feed */
            continue;
        }
        default:
            r->phase = R_OPAQUE;
            *status = RESP_OPAQUE;
            return n;
        }
        i++;
    }
    return n;
}
