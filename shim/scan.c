/* scan.c -- incremental HTTP/1.x request-head scanner: a whole head at once, else whole lines, byte steps only for lines cut between reads. */
#include "scan.h"

#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "reqid.h"
#include "token.h"

enum phase {
    P_START,        /* before a request line; empty lines are skipped */
    P_METHOD,
    P_TARGET,
    P_VERSION,      /* "HTTP/1.x", then the line end */
    P_LINE,         /* at the start of a header line */
    P_NAME,
    P_VALUE_WS,     /* optional white space before a value */
    P_VALUE,
    P_SKIP,         /* rest of a line we do not care about */
    P_BODY,         /* a body to skip (body.c follows its framing) */
    P_OPAQUE,       /* not HTTP/1.x: never look again */
};

enum { H_CL = 0xf0, H_TE = 0xf1, H_NONE = 0xff };
enum { CAND_CL = 1u << REQTAG_MAX_HEADERS, CAND_TE = 1u << (REQTAG_MAX_HEADERS + 1), CAND_F0 = REQTAG_MAX_HEADERS + 2 };
enum { MAX_METHOD = 32 };

static const char cl_name[] = "content-length";
static const char te_name[] = "transfer-encoding";

/* RFC 9110 token characters. */
static const uint8_t tchar[256] = {
    ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, ['0' ... '9'] = 1, ['!'] = 1, ['#' ... '\''] = 1, ['*'] = 1,
    ['+'] = 1,         ['-'] = 1,         ['.'] = 1,         ['^'] = 1, ['_'] = 1,           ['`'] = 1,
    ['|'] = 1,         ['~'] = 1,
};

static int is_tchar(unsigned char c)
{
    return tchar[c];
}

static unsigned hexv(char c)
{
    return (c >= '0' && c <= '9') ? (unsigned)(c - '0') : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10) : 0;
}

static void new_request(struct scan *s)
{
    s->phase = P_START;
    s->held = 0;
    s->wseen = 0;
    s->blank_told = 0;
    s->best_rank = 0xff;
    s->best_len = 0;
    s->cl_state = 0;
    s->chunked = 0;
    s->body_left = 0;
    s->fseen = 0;
    s->fheld = 0;
    s->dropped = DROP_NONE;
    memset(s->flen, 0, sizeof s->flen);
}

/* A head ended: the next request, after the body its framing says it has (none, or unknown: opaque). */
static inline void next_request(struct scan *s, int chunked, int cl, uint64_t len)
{
    new_request(s);
    if (cl == 2 && !chunked) {
        s->phase = P_OPAQUE;
    } else if (chunked || (cl == 1 && len > 0)) {
        body_start(&s->body, chunked, len);
        s->phase = P_BODY;
    }
}

void scan_init(struct scan *s)
{
    memset(s, 0, sizeof *s);
    new_request(s);
}

bool scan_opaque(const struct scan *s)
{
    return s->phase == P_OPAQUE;
}

/* Why a value reqid_safe() refused was refused (the value is not kept, only this). */
static uint8_t unsafe_why(size_t n)
{
    return n > REQTAG_MAX_ID ? DROP_LONG : DROP_UNSAFE;
}

void scan_abandon(struct scan *s)
{
    s->phase = P_OPAQUE;
}

static void start_name(struct scan *s, const struct reqtag_config *cfg, const struct watch *w)
{
    s->wcand = watch_begin(w);
    s->phase = P_NAME;
    s->pos = 0;
    s->cand = CAND_CL | CAND_TE | ((1u << cfg->nheaders) - 1) | (((1u << cfg->nfields) - 1) << CAND_F0);
}

/* Narrow the candidate names by the byte at position pos of the name. */
static void match_name(struct scan *s, const struct reqtag_config *cfg, unsigned char c, const struct watch *w)
{
    c = token_lower(c);
    s->wcand = watch_step(w, s->wcand, s->pos, c);
    uint32_t keep = 0;
    for (unsigned i = 0; i < cfg->nheaders && i < REQTAG_MAX_HEADERS; i++)
        if ((s->cand & (1u << i)) && s->pos < cfg->header_len[i] && (unsigned char)cfg->header[i][s->pos] == c)
            keep |= 1u << i;
    if ((s->cand & CAND_CL) && s->pos < sizeof cl_name - 1 && (unsigned char)cl_name[s->pos] == c)
        keep |= CAND_CL;
    if ((s->cand & CAND_TE) && s->pos < sizeof te_name - 1 && (unsigned char)te_name[s->pos] == c)
        keep |= CAND_TE;
    for (unsigned k = 0; k < cfg->nfields && k < REQTAG_MAX_FIELDS; k++)
        if ((s->cand & (1u << (CAND_F0 + k))) && s->pos < cfg->field_hdr_len[k] &&
            (unsigned char)cfg->field_hdr[k][s->pos] == c)
            keep |= 1u << (CAND_F0 + k);
    s->cand = keep;
    if (s->pos < 0xffff)
        s->pos++;
}

/* At the colon: which REQTAG_FIELDS entry this line is, plus one; 0: none. */
static uint8_t field_done(const struct scan *s, const struct reqtag_config *cfg)
{
    for (unsigned k = 0; k < cfg->nfields && k < REQTAG_MAX_FIELDS; k++)
        if ((s->cand & (1u << (CAND_F0 + k))) && s->pos == cfg->field_hdr_len[k])
            return (uint8_t)(k + 1);
    return 0;
}

/* A field's value: the first one of its header, printable ASCII, short enough. */
static void field_value(struct scan *s, struct scan_buf *b, size_t n)
{
    unsigned k = (unsigned)s->fhdr - 1;
    if (k >= REQTAG_MAX_FIELDS || (s->fseen & (1u << k)))
        return;
    s->fseen |= (uint8_t)(1u << k);
    if (s->bad || n == 0 || n > REQTAG_MAX_FIELD || n > sizeof b->cur)
        return;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)b->cur[i] < 0x20 || (unsigned char)b->cur[i] > 0x7e)
            return;
    memcpy(b->fval[k], b->cur, n);
    s->flen[k] = (uint8_t)n;
    s->fheld = s->fhdr;
}

/* At the colon: which header is this line, if any we care about. */
static uint8_t name_done(const struct scan *s, const struct reqtag_config *cfg)
{
    if ((s->cand & CAND_CL) && s->pos == sizeof cl_name - 1)
        return H_CL;
    if ((s->cand & CAND_TE) && s->pos == sizeof te_name - 1)
        return H_TE;
    for (unsigned i = 0; i < cfg->nheaders && i < REQTAG_MAX_HEADERS; i++)
        if ((s->cand & (1u << i)) && s->pos == cfg->header_len[i])
            return (uint8_t)i;
    return H_NONE;
}

static void keep_byte(struct scan *s, struct scan_buf *b, unsigned char c)
{
    if (s->cur_len < sizeof b->cur)
        b->cur[s->cur_len++] = (char)c;
    else if (c != ' ' && c != '\t' && c != '\r')
        s->bad = 1;
}

static void value_done(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg)
{
    size_t n = token_trim_end(b->cur, s->cur_len < sizeof b->cur ? s->cur_len : sizeof b->cur);
    if (s->fhdr != 0)
        field_value(s, b, n); /* first: a traceparent ID below rewrites cur */
    s->fhdr = 0;
    if (s->hdr == H_CL) {
        uint64_t v = 0;
        bool ok = !s->bad && token_decimal(b->cur, n, &v);
        if (!ok || (s->cl_state == 1 && v != s->body_left))
            s->cl_state = 2;
        else if (s->cl_state == 0) {
            s->cl_state = 1;
            s->body_left = v;
        }
    } else if (s->hdr == H_TE) {
        s->chunked = token_chunked_last(b->cur, n);
        if (s->bad)
            s->cl_state = 2; /* a transfer-encoding we could not read: do not guess the framing */
    } else if (s->hdr < cfg->nheaders && s->hdr < s->best_rank && s->bad) {
        s->dropped = DROP_LONG; /* bytes past what the buffer keeps */
        s->dropped_hdr = s->hdr;
    } else if (s->hdr < cfg->nheaders && s->hdr < s->best_rank) {
        /* Usable now; it becomes the best only if the next line does not fold onto it. */
        if (cfg->header_traceparent[s->hdr]) {
            char tid[32];
            if (reqid_traceparent(b->cur, n, tid)) {
                s->held_flags = (uint8_t)((hexv(b->cur[53]) << 4) | hexv(b->cur[54]));
                memcpy(b->cur, tid, 32);
                s->cur_len = 32;
                s->held = 1;
            } else {
                s->dropped = DROP_TRACEPARENT;
                s->dropped_hdr = s->hdr;
            }
        } else if (reqid_safe(b->cur, n)) {
            s->cur_len = (uint16_t)n;
            s->held = 1;
            s->held_flags = 0;
        } else {
            s->dropped = unsafe_why(n);
            s->dropped_hdr = s->hdr;
        }
        s->held_rank = s->hdr;
    }
    s->hdr = H_NONE;
}

/* Index of the first ' ' or '\r' in p[0..n), n when none; p[0..avail) may be read. */
static inline size_t sp_or_cr(const char *p, size_t n, size_t avail)
{
    size_t i = 0;
#ifdef __SSE2__
    for (; i < n && avail - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        uint32_t m = (uint32_t)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m) < n ? i + (size_t)__builtin_ctz(m) : n;
    }
#endif
    while (i < n && p[i] != ' ' && p[i] != '\r')
        i++;
    return i < n ? i : n;
}

struct req_line {
    size_t mlen, plen;
    const char *target;
};

/* A whole request line (n bytes without its '\n'; avail >= n of them may be read): METHOD SP
 * target SP HTTP/1.x, then CRs. On anything else it returns false: the byte states decide (and
 * stop looking). */
static inline __attribute__((always_inline)) bool parse_request_line(const char *line, size_t n, size_t avail,
                                                                     struct req_line *rl)
{
    size_t m = 0;
    if (n > 4 && memcmp(line, "GET ", 4) == 0)
        m = 3; /* most requests: the method's bytes need no look each */
    while (m < n && m <= MAX_METHOD && is_tchar((unsigned char)line[m]))
        m++;
    if (m == 0 || m > MAX_METHOD || m == n || line[m] != ' ')
        return false;
    const char *target = line + m + 1, *end = line + n;
    size_t plen = sp_or_cr(target, (size_t)(end - target), avail - m - 1);
    if (target + plen == end || target[plen] != ' ')
        return false; /* no second space, or a CR in the target */
    const char *v = target + plen + 1;
    if (end - v < 8 || !token_http1(v))
        return false;
    for (const char *q = v + 8; q < end; q++)
        if (*q != '\r')
            return false;
    rl->mlen = m;
    rl->target = target;
    rl->plen = plen;
    return true;
}

/* The request line in the byte states' buffer; false changes nothing. */
static bool request_line(struct scan *s, struct scan_buf *b, const char *line, size_t n)
{
    struct req_line rl;
    if (!parse_request_line(line, n, n + 1, &rl))
        return false;
    s->method_head = (rl.mlen == 4 && memcmp(line, "HEAD", 4) == 0) ? 5 : 0;
    s->mlen = (uint8_t)(rl.mlen < REQTAG_MAX_METHOD ? rl.mlen : REQTAG_MAX_METHOD);
    memcpy(b->method, line, s->mlen);
    s->plen = (uint8_t)(rl.plen < REQTAG_MAX_PATH ? rl.plen : REQTAG_MAX_PATH);
    memcpy(b->path, rl.target, s->plen);
    return true;
}

/* Could a header name starting with c be one we look for? Most lines answer no here. */
static bool wanted_first(const struct reqtag_config *cfg, unsigned c)
{
    return cfg->names_at[c & 0xff] != 0;
}

/* One complete header line (without its '\n'), as the byte-by-byte states would take it: the
 * name up to the colon is matched whole; a value we keep is copied at once. */
static void whole_line(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg, const struct watch *w,
                       const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (colon == NULL)
        return; /* not a header line we can use */
    size_t nlen = (size_t)(colon - line);
    s->wseen |= watch_names(w, line, nlen);
    s->hdr = H_NONE;
    if (token_name_is(line, nlen, cl_name, sizeof cl_name - 1))
        s->hdr = H_CL;
    else if (token_name_is(line, nlen, te_name, sizeof te_name - 1))
        s->hdr = H_TE;
    for (unsigned k = 0; s->hdr == H_NONE && k < cfg->nheaders && k < REQTAG_MAX_HEADERS; k++)
        if (token_name_is(line, nlen, cfg->header[k], cfg->header_len[k]))
            s->hdr = (uint8_t)k;
    s->fhdr = 0;
    for (unsigned k = 0; k < cfg->nfields && k < REQTAG_MAX_FIELDS; k++)
        if (s->fhdr == 0 && token_name_is(line, nlen, cfg->field_hdr[k], cfg->field_hdr_len[k]))
            s->fhdr = (uint8_t)(k + 1);
    if (s->hdr == H_NONE && s->fhdr == 0)
        return;
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    size_t vlen = (size_t)(end - v), keep = vlen < sizeof b->cur ? vlen : sizeof b->cur;
    memcpy(b->cur, v, keep);
    s->cur_len = (uint16_t)keep;
    s->bad = 0;
    for (size_t i = keep; i < vlen; i++)
        if (v[i] != ' ' && v[i] != '\t' && v[i] != '\r')
            s->bad = 1;
    value_done(s, b, cfg);
}

/* The line after a kept value started without folding: the value stands. */
static void commit_held(struct scan *s, struct scan_buf *b)
{
    if (s->held && s->held_rank < s->best_rank && s->cur_len <= REQTAG_MAX_ID) {
        memcpy(b->best, b->cur, s->cur_len);
        s->best_len = (uint8_t)s->cur_len;
        s->best_rank = s->held_rank;
        s->best_flags = s->held_flags;
    }
    s->held = 0;
    s->fheld = 0;
}

/* At the start of header lines, with no watch: take whole lines one after another without going
 * round the byte states. Returns the offset of the first byte not taken (a line cut between
 * reads, a fold, the blank line, anything odd): the byte states go on from there. */
static size_t whole_lines(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg, const char *buf,
                          size_t i, size_t len)
{
    /* Above ' ': not a fold (SP, HT), not the blank line (CR, LF). A byte that cannot start a
     * name starts no wanted one either: its line is passed over, as the byte states would. */
    while (i < len && (unsigned char)buf[i] > ' ') {
        const char *nl = memchr(buf + i, '\n', len - i);
        if (nl == NULL)
            break;
        if (s->held || s->fheld)
            commit_held(s, b); /* this line does not fold onto the last value */
        s->hdr = H_NONE;
        s->fhdr = 0;
        if (wanted_first(cfg, (unsigned char)buf[i]))
            whole_line(s, b, cfg, NULL, buf + i, (size_t)(nl - (buf + i)));
        i = (size_t)(nl - buf) + 1;
    }
    return i;
}

/* The empty line: report the head (pointing into b) and set up its body's framing. */
static void head_done(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg, struct scan_head *head)
{
    head->is_head = s->method_head == 5;
    head->mlen = s->mlen < REQTAG_MAX_METHOD ? s->mlen : REQTAG_MAX_METHOD;
    head->plen = s->plen < REQTAG_MAX_PATH ? s->plen : REQTAG_MAX_PATH;
    head->method = b->method;
    head->path = b->path;
    head->id = b->best;
    head->dropped = s->dropped;
    head->dropped_hdr = s->dropped_hdr;
    head->idlen = 0;
    head->traceparent = 0;
    head->trace_flags = 0;
    if (s->best_rank != 0xff && s->best_len <= REQTAG_MAX_ID) {
        head->idlen = s->best_len;
        head->traceparent = s->best_rank < cfg->nheaders && cfg->header_traceparent[s->best_rank];
        head->trace_flags = s->best_flags;
    }
    memcpy(head->flen, s->flen, sizeof head->flen); /* field_value() kept each within REQTAG_MAX_FIELD */
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++)
        head->field[k] = b->fval[k];
    next_request(s, s->chunked, s->cl_state, s->body_left);
}

/* What whole_head() has found so far besides what it wrote into the head. */
struct fast {
    uint8_t best_rank; /* rank of the ID in the head; 0xff: none */
    uint8_t fseen;     /* fields whose header was seen (the first one counts) */
    uint8_t cl_state, chunked;
    uint8_t dropped, dropped_hdr; /* enum scan_drop, as in struct scan_head */
    uint64_t body_left;
};

/* Is the line (m bytes) name:..., the name in any case? */
static bool name_at(const char *l, size_t m, const char *name, size_t len)
{
    return m > len && l[len] == ':' && token_name_is(l, len, name, len);
}

/* A header line whose first letter is wanted (m bytes, no '\n'), taken as whole_line() and
 * value_done() take it. False: a value longer than the byte states keep, left to them. */
__attribute__((noinline)) /* a line or two a head: the loop over all lines keeps its registers */
static bool fast_line(struct fast *f, const struct reqtag_config *cfg, struct scan_head *h, const char *l, size_t m,
                      unsigned cand)
{
    uint8_t hdr = H_NONE;
    unsigned fk = REQTAG_MAX_FIELDS;
    size_t nlen = 0;
    do { /* only the names starting with this line's first letter; usually one */
        unsigned k = (unsigned)__builtin_ctz(cand);
        cand &= cand - 1;
        const char *name;
        size_t len;
        if (k >= NAME_FIELD0)
            name = cfg->field_hdr[k - NAME_FIELD0], len = cfg->field_hdr_len[k - NAME_FIELD0];
        else if (k >= NAME_HDR0)
            name = cfg->header[k - NAME_HDR0], len = cfg->header_len[k - NAME_HDR0];
        else if (k == NAME_CL)
            name = cl_name, len = sizeof cl_name - 1;
        else
            name = te_name, len = sizeof te_name - 1;
        if (!name_at(l, m, name, len))
            continue;
        nlen = len;
        if (k >= NAME_FIELD0) {
            if (fk == REQTAG_MAX_FIELDS)
                fk = k - NAME_FIELD0;
        } else if (hdr == H_NONE) {
            hdr = k >= NAME_HDR0 ? (uint8_t)(k - NAME_HDR0) : k == NAME_CL ? H_CL : H_TE;
        }
    } while (cand != 0);
    if (hdr == H_NONE && fk == REQTAG_MAX_FIELDS)
        return true;
    const char *v = l + nlen + 1, *end = l + m;
    v += v < end && *v == ' '; /* the usual single space, without the loop's two tests */
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    end -= end > v && end[-1] == '\r'; /* the usual CR, likewise */
    size_t n = token_trim_end(v, (size_t)(end - v));
    if (n > sizeof ((struct scan_buf *)0)->cur)
        return false; /* the byte states keep a cut value and call it bad: theirs to say */
    if (fk < REQTAG_MAX_FIELDS && !(f->fseen & (1u << fk))) {
        f->fseen |= (uint8_t)(1u << fk);
        bool ok = n > 0 && n <= REQTAG_MAX_FIELD;
        for (size_t i = 0; ok && i < n; i++)
            ok = (unsigned char)v[i] >= 0x20 && (unsigned char)v[i] <= 0x7e;
        if (ok) {
            h->flen[fk] = (uint8_t)n;
            h->field[fk] = v;
        }
    }
    if (hdr == H_CL) {
        uint64_t x = 0;
        if (!token_decimal(v, n, &x) || (f->cl_state == 1 && x != f->body_left))
            f->cl_state = 2;
        else if (f->cl_state == 0) {
            f->cl_state = 1;
            f->body_left = x;
        }
    } else if (hdr == H_TE) {
        f->chunked = token_chunked_last(v, n);
    } else if (hdr < cfg->nheaders && hdr < f->best_rank) {
        char tid[32];
        if (!cfg->header_traceparent[hdr]) {
            if (!reqid_safe(v, n)) {
                f->dropped = unsafe_why(n);
                f->dropped_hdr = hdr;
                return true;
            }
            h->id = v;
            h->idlen = (uint8_t)n;
            h->trace_flags = 0;
        } else {
            if (!reqid_traceparent(v, n, tid)) {
                f->dropped = DROP_TRACEPARENT;
                f->dropped_hdr = hdr;
                return true;
            }
            h->id = v + 3; /* the trace-id, where reqid_traceparent took it from */
            h->idlen = 32;
            h->trace_flags = (uint8_t)((hexv(v[53]) << 4) | hexv(v[54]));
        }
        h->traceparent = cfg->header_traceparent[hdr];
        f->best_rank = hdr;
    }
    return true;
}

/* At a request's start with no watch: the whole head in p[0..n), its lines found in one pass and
 * only those whose first letter is wanted looked at. Returns the bytes the head took (its
 * answers in *h, pointing into p) or 0, having changed nothing in s, when the head does not end
 * in p or holds anything unusual (folding, a CR line start, a request line the byte states must
 * judge, an over-long value): the byte states take it from the start. */
static inline __attribute__((always_inline)) size_t whole_head(struct scan *s, const struct reqtag_config *cfg,
                                                               const char *p, size_t n, struct scan_head *h)
{
    size_t base = 0, scanned = 0;
    uint32_t mask = 0;
    while (mask == 0) {
        if (scanned >= n)
            return 0;
        mask = token_line_ends(p, &scanned, n, &base);
    }
    size_t e = base + (size_t)__builtin_ctz(mask);
    mask &= mask - 1;
    struct req_line rl;
    if (!parse_request_line(p, e, n, &rl))
        return 0;
    /* Written now, not at the end: fewer values to keep in registers through the loop. */
    h->is_head = rl.mlen == 4 && memcmp(p, "HEAD", 4) == 0;
    h->mlen = (uint8_t)(rl.mlen < REQTAG_MAX_METHOD ? rl.mlen : REQTAG_MAX_METHOD);
    h->plen = (uint8_t)(rl.plen < REQTAG_MAX_PATH ? rl.plen : REQTAG_MAX_PATH);
    h->method = p;
    h->path = rl.target;
    struct fast f = {.best_rank = 0xff};
    h->idlen = 0;
    h->id = p;
    h->traceparent = 0;
    h->trace_flags = 0;
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
        h->flen[k] = 0;
        h->field[k] = p;
    }
    for (size_t i = e + 1;; i = e + 1) {
        while (mask == 0) {
            if (scanned >= n)
                return 0;
            mask = token_line_ends(p, &scanned, n, &base);
        }
        e = base + (size_t)__builtin_ctz(mask);
        mask &= mask - 1;
        unsigned c = (unsigned char)p[i], cand = cfg->names_at[c];
        if (cand != 0) {
            if (!fast_line(&f, cfg, h, p + i, e - i, cand))
                return 0;
        } else if (c <= ' ') {
            if (e - i == (c == '\r'))
                break; /* the blank line */
            return 0;  /* a fold, a CR line start or a control byte: the byte states know */
        }
    }
    /* In P_START the per-request fields are as new_request() left them (nothing changes them
     * before a request line is taken): only a body's framing is left to set. */
    h->dropped = f.dropped;
    h->dropped_hdr = f.dropped_hdr;
    if (f.cl_state != 0 || f.chunked)
        next_request(s, f.chunked, f.cl_state, f.body_left);
    return e + 1;
}

bool scan_mid_head(const struct scan *s)
{
    return s->phase != P_START && s->phase != P_BODY && s->phase != P_OPAQUE;
}

size_t scan_feed(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg, const char *buf, size_t len,
                 enum scan_status *status, struct scan_head *head)
{
    if (s->phase == P_START && len > 0 && is_tchar((unsigned char)buf[0])) {
        /* The usual read: a whole head at its start (the byte states try later starts). */
        size_t used = whole_head(s, cfg, buf, len, head);
        if (used != 0) {
            *status = SCAN_HEAD;
            return used;
        }
    }
    return scan_feed_watch(s, b, cfg, buf, len, status, head, NULL);
}

/* Not inlined in scan_feed(): there it is the way out when whole_head() declines, and its
 * registers would cost the whole-head path. */
__attribute__((noinline)) size_t scan_feed_watch(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg,
                                                 const char *buf, size_t len, enum scan_status *status,
                                                 struct scan_head *head, const struct watch *w)
{
    size_t i = 0;
    *status = SCAN_NEED_MORE;
    while (i < len || s->phase == P_OPAQUE) {
        if (s->phase == P_OPAQUE) {
            *status = SCAN_OPAQUE;
            return len;
        }
        unsigned char c = (unsigned char)buf[i];
        switch (s->phase) {
        case P_START:
            if (c == '\r' || c == '\n')
                break;
            if (!is_tchar(c)) {
                s->phase = P_OPAQUE;
                continue;
            }
            if (w == NULL && i > 0) { /* at 0, scan_feed() tried */
                size_t used = whole_head(s, cfg, buf + i, len - i, head);
                if (used != 0) {
                    *status = SCAN_HEAD;
                    return i + used;
                }
            }
            {
                /* The usual case, the whole request line in this buffer: take it at once. */
                const char *nl = memchr(buf + i, '\n', len - i);
                if (nl != NULL && request_line(s, b, buf + i, (size_t)(nl - (buf + i)))) {
                    i = (size_t)(nl - buf) + 1;
                    s->phase = P_LINE;
                    continue;
                }
            }
            s->phase = P_METHOD;
            s->pos = 1;
            s->method_head = c == 'H';
            b->method[0] = (char)c;
            s->mlen = 1;
            s->plen = 0;
            break;
        case P_METHOD:
            if (c == ' ') {
                s->phase = P_TARGET;
                s->method_head = (s->method_head == 4) ? 5 : 0; /* 5: exactly "HEAD" */
            } else if (is_tchar(c) && s->pos < MAX_METHOD) {
                if (s->method_head == s->pos && s->pos < 4 && c == (unsigned char)"HEAD"[s->pos])
                    s->method_head++;
                else
                    s->method_head = 0;
                if (s->mlen < REQTAG_MAX_METHOD)
                    b->method[s->mlen++] = (char)c;
                s->pos++;
            }
            else {
                s->phase = P_OPAQUE;
                continue;
            }
            break;
        case P_TARGET:
            if (c == ' ') {
                s->phase = P_VERSION;
                s->pos = 0;
            } else if (c == '\r' || c == '\n') {
                s->phase = P_OPAQUE;
                continue;
            } else if (s->plen < REQTAG_MAX_PATH) {
                b->path[s->plen++] = (char)c;
            }
            break;
        case P_VERSION:
            if (s->pos < 7 ? c == (unsigned char)"HTTP/1."[s->pos] : s->pos == 7 ? (c >= '0' && c <= '9') : c == '\r') {
                if (s->pos < 8)
                    s->pos++;
            } else if (c == '\n' && s->pos == 8) {
                s->phase = P_LINE;
            } else {
                s->phase = P_OPAQUE;
                continue;
            }
            break;
        case P_LINE:
            if (w == NULL) {
                size_t j = whole_lines(s, b, cfg, buf, i, len);
                if (j != i) {
                    i = j;
                    continue;
                }
            }
            if (c == ' ' || c == '\t') {
                /* obs-fold: the previous value goes on, so an ID held from it is not safe. */
                if (s->held) {
                    s->dropped = DROP_FOLDED;
                    s->dropped_hdr = s->held_rank;
                }
                s->held = 0;
                if (s->fheld != 0 && s->fheld <= REQTAG_MAX_FIELDS)
                    s->flen[s->fheld - 1] = 0;
                s->fheld = 0;
                s->phase = P_SKIP;
                break;
            }
            commit_held(s, b);
            if ((c == '\r' || c == '\n') && w != NULL && !s->blank_told) {
                s->blank_told = 1;
                /* A line that starts with a bare CR makes a head its reader may end there or
                 * refuse: no line is added to it (nowhere in it is safe). */
                if (c == '\n' || !token_bare_cr(buf + i, len - i)) {
                    *status = SCAN_BLANK;
                    return i;
                }
            }
            if (c == '\r') {
                s->blank_told = 1; /* as in resp.c: nothing may go between this CR and its LF */
                break;
            }
            if (c == '\n') {
                head_done(s, b, cfg, head);
                *status = SCAN_HEAD;
                return i + 1;
            }
            s->hdr = H_NONE;
            s->fhdr = 0;
            if (is_tchar(c)) {
                /* The usual case, a whole header line in this buffer: look at its name at once. */
                const char *nl = memchr(buf + i, '\n', len - i);
                if (nl != NULL) {
                    whole_line(s, b, cfg, w, buf + i, (size_t)(nl - (buf + i)));
                    i = (size_t)(nl - buf) + 1;
                    continue;
                }
                start_name(s, cfg, w);
                continue;
            }
            s->phase = P_SKIP;
            break;
        case P_NAME:
            if (c == ':') {
                s->wseen |= watch_end(w, s->wcand, s->pos);
                s->hdr = name_done(s, cfg);
                s->fhdr = field_done(s, cfg);
                s->cur_len = 0;
                s->bad = 0;
                s->phase = (s->hdr == H_NONE && s->fhdr == 0) ? P_SKIP : P_VALUE_WS;
            } else if (is_tchar(c)) {
                match_name(s, cfg, c, w);
                if (s->cand == 0 && s->wcand == 0)
                    s->phase = P_SKIP; /* a name nobody asked for: jump to the line's end */
            } else {
                s->phase = (c == '\n') ? P_LINE : P_SKIP;
            }
            break;
        case P_VALUE_WS:
            if (c == ' ' || c == '\t')
                break;
            s->phase = P_VALUE;
            continue;
        case P_VALUE:
            if (c == '\n') {
                value_done(s, b, cfg);
                s->phase = P_LINE;
            } else {
                keep_byte(s, b, c);
            }
            break;
        case P_SKIP: {
            /* Most of a head is lines nobody asked for: jump to their ends. */
            const char *nl = memchr(buf + i, '\n', len - i);
            if (nl == NULL)
                return len;
            i = (size_t)(nl - buf) + 1;
            s->phase = P_LINE;
            continue;
        }
        case P_BODY: {
            enum body_status bs;
            i += body_feed(&s->body, buf + i, len - i, &bs);
            if (bs == BODY_DONE)
                new_request(s);
            else if (bs == BODY_BAD)
                s->phase = P_OPAQUE;
            continue;
        }
        default: /* P_OPAQUE, or a state that memory corruption made up: stop looking */
            s->phase = P_OPAQUE;
            *status = SCAN_OPAQUE;
            return len;
        }
        i++;
    }
    return len;
}
