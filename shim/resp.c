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

/* A framing header's value (vlen bytes, no line end but maybe a CR; at least sizeof r->val of them
 * means a value cut there, which is not trusted). */
static void value_done(struct resp *r, const char *val, size_t vlen)
{
    bool whole = vlen < sizeof r->val;
    size_t n = whole ? token_trim_end(val, vlen) : 0;
    if (r->hdr == HDR_CL) {
        uint64_t v = 0;
        bool ok = whole && token_decimal(val, n, &v);
        if (!ok || (r->cl_state == 1 && v != r->length))
            r->cl_state = 2;
        else if (r->cl_state == 0) {
            r->cl_state = 1;
            r->length = v;
        }
    } else if (r->hdr == HDR_TE) {
        r->chunked = whole && token_chunked_last(val, n);
        if (!r->chunked)
            r->cl_state = 2; /* a coding we cannot follow: only the close ends this body */
    }
    r->hdr = HDR_NONE;
}

/* A whole status line start in the buffer ("HTTP/1.x NNN" and one of SP CR LF): taken at once,
 * as the byte states would. */
static bool status_line(struct resp *r, const char *p)
{
    int code = resp_status_code(p);
    if (code < 0)
        return false;
    r->code = (uint16_t)code;
    r->pos = 3;
    return true;
}

/* 8 bytes equal to lit's, letters in any case. OR-ing 0x20 folds case but also turns CR into '-'
 * and 0x1a into ':': the caller checks those positions exactly. */
static bool folded_is(const char *p, const char *lit)
{
    return (token_load8(p) | 0x2020202020202020ull) == token_load8(lit);
}

/* Could a header name starting with f (already OR-ed with 0x20) be one of w's? */
static bool watched_first(const struct watch *w, unsigned char f)
{
    for (unsigned k = 0; k < w->n && k < WATCH_MAX; k++)
        if (w->len[k] == 0 || (unsigned char)(w->name[k][0] | 0x20) == f)
            return true;
    return false;
}

/* One complete header line (without its '\n') that starts with a letter somebody asked for:
 * the framing names are matched 8 bytes at a time. */
static void header_line(struct resp *r, const struct watch *w, const char *line, size_t n, unsigned char f)
{
    const char *v = NULL;
    if (w != NULL && watched_first(w, f)) {
        const char *colon = memchr(line, ':', n);
        if (colon != NULL)
            r->wseen |= watch_names(w, line, (size_t)(colon - line));
    }
    const char *end = line + n;
    if (f == 'c' && n >= 15 && folded_is(line, "content-") && folded_is(line + 7, "-length:") && line[7] == '-' &&
        line[14] == ':') {
        r->hdr = HDR_CL;
        v = line + 15;
    } else if (f == 't' && n >= 18 && folded_is(line, "transfer") && folded_is(line + 8, "-encodin") &&
               folded_is(line + 10, "ncoding:") && line[8] == '-' && line[17] == ':') {
        r->hdr = HDR_TE;
        v = line + 18;
    } else {
        return;
    }
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    value_done(r, v, (size_t)(end - v));
}

/* What a byte at a line's start asks for: 1, a look by the byte states (CR, LF: a blank line or
 * one cut); 2, a look at the name (the first letters of the framing names). */
static const uint8_t line_start[256] = {['\r'] = 1, ['\n'] = 1, ['C'] = 2, ['c'] = 2, ['T'] = 2, ['t'] = 2};

/* From p[i] on, in R_REASON or R_SKIP (the rest of a line to pass over) or R_LINE (a header line
 * starts at i that is not blank): every whole line at once, a line only looked at when its first
 * letter could start a name somebody asked for. Returns where the byte states go on: a line
 * starting with CR or LF (R_LINE), a line not whole in the buffer (R_NAME set up), or n while
 * passing over a line that does not end here. */
static size_t lines(struct resp *r, const char *p, size_t i, size_t n, const struct watch *w)
{
    const unsigned char *u = (const unsigned char *)p;
    unsigned any = w != NULL ? 2 : 0; /* watched names can start with anything */
    bool skipping = r->phase != R_LINE;
    unsigned look = skipping ? 0 : line_start[u[i]] | any;
    size_t base = i, scanned = i;
    uint32_t mask = 0;
    for (;;) {
        while (mask == 0) {
            if (scanned >= n) {
                if (skipping)
                    return n;
                r->phase = R_NAME;
                r->pos = 0;
                r->cand = 3;
                r->wcand = watch_begin(w);
                return i;
            }
            mask = token_line_ends(p, &scanned, n, &base);
        }
        size_t nl = base + (size_t)__builtin_ctz(mask);
        mask &= mask - 1;
        if (look & 2)
            header_line(r, w, p + i, nl - i, (unsigned char)(u[i] | 0x20));
        skipping = false;
        i = nl + 1;
        if (i >= n)
            break;
        look = line_start[u[i]] | any;
        if (look & 1)
            break;
    }
    r->phase = R_LINE;
    return i;
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

/* The line ends from p[from] on, 64 bytes at a time (bit k: p[from + k]); near the end the
 * buffer's last 32 bytes stand in for what is left (n >= 32, from < n). */
static inline __attribute__((always_inline)) uint64_t ends64(const char *p, size_t from, size_t n)
{
    size_t left = n - from;
    if (left >= 64)
        return (token_nl16(p + from) | token_nl16(p + from + 16) << 16) |
               (uint64_t)(token_nl16(p + from + 32) | token_nl16(p + from + 48) << 16) << 32;
    uint64_t end = token_nl16(p + n - 32) | token_nl16(p + n - 16) << 16;
    if (left <= 32)
        return end >> (32 - left);
    return (token_nl16(p + from) | token_nl16(p + from + 16) << 16) | end >> (64 - left) << 32;
}

/* A Content-Length line's value from u[i] on: digits, then only blanks and CR before the '\n'
 * (what header_line and value_done take as valid: at most 18 digits, shorter than r->val).
 * Returns where its '\n' is, 0 for anything else. */
static inline __attribute__((always_inline)) size_t length_value(const unsigned char *u, size_t i, size_t n,
                                                                 uint64_t *v)
{
    i += u[i] == ' '; /* the usual one (u[i] is in the buffer: the caller made sure) */
    while (i < n && (u[i] == ' ' || u[i] == '\t'))
        i++;
    size_t start = i;
    uint64_t x = 0;
    for (unsigned d; i < n && (d = u[i] - (unsigned)'0') <= 9; i++)
        x = x * 10 + d;
    if (i - start - 1 > 17) /* none, or more than 18 */
        return 0;
    *v = x;
    if (i + 1 < n && u[i] == '\r' && u[i + 1] == '\n') /* the usual end */
        return i + 1;
    while (i < n && (u[i] == ' ' || u[i] == '\t' || u[i] == '\r'))
        i++;
    return i < n && u[i] == '\n' && i - start < sizeof ((struct resp *)0)->val ? i : 0;
}

size_t resp_whole(struct resp *r, const char *p, size_t n, uint64_t total, bool head_req, uint16_t *code,
                  bool *done)
{
    const unsigned char *u = (const unsigned char *)p;
    if (r->phase != R_START || n < 34)
        return 0;
    unsigned status = resp_final_status(p, n);
    if (status == 0)
        return 0;
    /* From line start to line start by the line ends, looking only at lines whose first byte
     * could start a framing name or a blank line; whatever is not plain gives up. The last two
     * bytes are left out of the walk: a line start and the byte after it are in the buffer. */
    uint64_t length = 0;
    bool has_length = false;
    size_t base = 12, i, last = n - 2;
    uint64_t mask = ends64(p, base, last);
    for (;;) {
        while (mask == 0) {
            base += 64;
            if (base >= last)
                return 0;
            mask = ends64(p, base, last);
        }
        i = base + (unsigned)__builtin_ctzll(mask) + 1;
        mask &= mask - 1;
        unsigned look = line_start[u[i]];
        if (look == 0)
            continue;
        if (look & 1)
            break;
        if (i + 18 > n) /* too near the end for a name and a blank line: the byte states do it */
            return 0;
        if ((u[i] | 0x20) == 'c') {
            if (!folded_is(p + i, "content-") || !folded_is(p + i + 7, "-length:") || p[i + 7] != '-' ||
                p[i + 14] != ':')
                continue;
            if (has_length || length_value(u, i + 15, n, &length) == 0)
                return 0;
            has_length = true;
        } else if (folded_is(p + i, "transfer") && folded_is(p + i + 8, "-encodin") &&
                   folded_is(p + i + 10, "ncoding:") && p[i + 8] == '-' && p[i + 17] == ':') {
            return 0;
        }
    }
    if (u[i] != '\r' || u[i + 1] != '\n')
        return 0;
    size_t head = i + 2;
    uint64_t rest = total - head;
    if (head_req || status == 204 || status == 304) {
        if (rest > 0) /* the next response starts here */
            return 0;
        *done = true;
    } else if (!has_length || rest > length) {
        return 0;
    } else {
        *done = rest == length;
    }
    *code = (uint16_t)status;
    if (!*done) { /* the scanner idle had everything else as next_message() left it */
        r->code = (uint16_t)status;
        r->cl_state = 1;
        r->length = length;
        body_start(&r->body, false, length - rest);
        r->phase = R_BODY;
    }
    return head;
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

/* resp_feed and resp_feed_watch: one body, built twice (without a watch it is shorter). */
static inline __attribute__((always_inline)) size_t feed(struct resp *r, const char *p, size_t n,
                                                         enum resp_status *status, uint16_t *code,
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
                r->phase = R_REASON; /* "HTTP/1.x NNN"; the byte after the code starts the reason */
                i = lines(r, p, i + 12, n, w);
                if (r->phase == R_LINE && w == NULL && n - i >= 2 && p[i] == '\r' && p[i + 1] == '\n') {
                    /* the usual head, whole in the buffer: done in one go */
                    *status = RESP_HEAD;
                    *code = r->code;
                    r->phase = R_AWAIT;
                    return i + 2;
                }
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
        case R_LINE:
            if (c == '\r' || c == '\n') {
                if (w != NULL && !r->blank_told) {
                    r->blank_told = 1;
                    /* A bare CR at a line's start: no line is added to this head (see scan.c). */
                    if (c == '\n' || !token_bare_cr(p + i, n - i)) {
                        *status = RESP_BLANK;
                        *code = r->code;
                        return i;
                    }
                }
                if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
                    i++; /* CR LF at once: the same as CR, then LF */
                } else if (c == '\r') {
                    /* The blank line has begun: a line added before the LF would split its CR LF
                     * (a write that the kernel cut right after the CR). */
                    r->blank_told = 1;
                    break;
                }
                *status = RESP_HEAD;
                *code = r->code;
                r->phase = R_AWAIT; /* resp_body() says what follows */
                return i + 1;
            }
            __attribute__((fallthrough)); /* a header line starts here */
        case R_REASON:
        case R_SKIP:
            i = lines(r, p, i, n, w);
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
                value_done(r, r->val, r->vlen);
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

size_t resp_feed(struct resp *r, const char *p, size_t n, enum resp_status *status, uint16_t *code)
{
    return feed(r, p, n, status, code, NULL);
}

size_t resp_feed_watch(struct resp *r, const char *p, size_t n, enum resp_status *status, uint16_t *code,
                       const struct watch *w)
{
    return feed(r, p, n, status, code, w);
}
