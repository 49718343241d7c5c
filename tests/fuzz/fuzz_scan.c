/* fuzz_scan.c -- libFuzzer: the request scanner reports the same heads fed whole, in pieces and watching, and each head keeps its contract. */
#include <stdbool.h>

#include "fuzz.h"
#include "scan.h"
#include "settings.h"

/* Input: NCTRL control bytes, then the stream. ctrl[0] bits 0-1 pick a config, bits 2-3 a watch;
 * ctrl[1..NCTRL) cut the stream into pieces. */
enum { NCTRL = 5, MAX_REC = 1024 };

/* One answer of the scanner: what a caller could see of it. */
struct rec {
    uint8_t status;
    size_t at; /* offset in the stream just after the answer (BLANK: where the blank line starts) */
    uint8_t wseen;
    uint8_t is_head, mlen, plen, traceparent, trace_flags, idlen, dropped, dropped_hdr;
    uint8_t flen[REQTAG_MAX_FIELDS];
    char method[REQTAG_MAX_METHOD], path[REQTAG_MAX_PATH], id[REQTAG_MAX_ID];
    char field[REQTAG_MAX_FIELDS][REQTAG_MAX_FIELD];
};

struct trace {
    size_t n;
    bool mid_head; /* scan_mid_head() after the last byte */
    struct rec r[MAX_REC];
};

static struct reqtag_config cfgs[4];
static const struct watch watches[4] = {
    {.n = 1, .len = {12}, .name = {"x-request-id"}},
    {.n = 2, .len = {11, 3}, .name = {"traceparent", "tag"}},
    {.n = 2, .len = {4, 7}, .name = {"host", "x-trace"}},
    {.n = 1, .len = {14}, .name = {"content-length"}},
};

static void load(struct reqtag_config *cfg, const char *headers, const char *fields)
{
    const char *why = NULL;
    settings_load(cfg, NULL, NULL);
    if (headers != NULL && settings_parse_one(settings_find("REQTAG_HEADER"), headers, cfg, &why) != 0)
        fuzz_fail("REQTAG_HEADER %s: %s", headers, why);
    if (fields != NULL && settings_parse_one(settings_find("REQTAG_FIELDS"), fields, cfg, &why) != 0)
        fuzz_fail("REQTAG_FIELDS %s: %s", fields, why);
}

/* The contract's safe bytes, spelled out apart from reqid.c's table. */
static bool own_safe(const char *p, size_t n)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/+=@";
    if (n == 0 || n > REQTAG_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\0' || memchr(ok, p[i], sizeof ok - 1) == NULL)
            return false;
    return true;
}

static bool trace_id(const char *p, size_t n)
{
    bool zero = true;
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
        zero = zero && p[i] == '0';
    }
    return n == 32 && !zero;
}

static bool tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void print_rec(const char *what, const struct rec *r)
{
    fprintf(stderr, "  %s: status %u at %zu wseen %u head %u tp %u/%u dropped %u/%u\n", what, r->status, r->at, r->wseen,
            r->is_head, r->traceparent, r->trace_flags, r->dropped, r->dropped_hdr);
    fuzz_dump("method", r->method, r->mlen);
    fuzz_dump("path", r->path, r->plen);
    fuzz_dump("id", r->id, r->idlen);
    for (int k = 0; k < REQTAG_MAX_FIELDS; k++)
        fuzz_dump("field", r->field[k], r->flen[k]);
}

/* What is wrong with a head whose bytes are bytes[0..n) (from the answer before), or NULL. */
static const char *head_fault(const struct reqtag_config *cfg, const struct rec *r, const char *bytes, size_t n)
{
    bool has_tp = false;
    for (unsigned k = 0; k < cfg->nheaders; k++)
        has_tp = has_tp || cfg->header_traceparent[k];
    if (r->mlen == 0 || r->mlen > REQTAG_MAX_METHOD || r->plen > REQTAG_MAX_PATH || r->idlen > REQTAG_MAX_ID)
        return "a length out of bounds";
    for (size_t i = 0; i < r->mlen; i++)
        if (!tchar((unsigned char)r->method[i]))
            return "a method byte that is no token character";
    for (size_t i = 0; i < r->plen; i++)
        if (r->path[i] == ' ' || r->path[i] == '\r' || r->path[i] == '\n')
            return "a blank or a line end in the target";
    if (r->is_head != (r->mlen == 4 && memcmp(r->method, "HEAD", 4) == 0))
        return "is_head that is not \"the method is HEAD\"";
    if (r->idlen > 0 && r->traceparent && (!has_tp || !trace_id(r->id, r->idlen)))
        return "a traceparent ID that is no trace-id";
    if (r->idlen > 0 && !r->traceparent && !own_safe(r->id, r->idlen))
        return "an unsafe ID";
    if ((r->idlen == 0 || !r->traceparent) && (r->trace_flags != 0 || (r->idlen == 0 && r->traceparent)))
        return "trace flags or the traceparent mark without a trace-id";
    if (r->idlen > 0 && memmem(bytes, n, r->id, r->idlen) == NULL)
        return "an ID that is not in the head's bytes";
    if (memmem(bytes, n, r->method, r->mlen) == NULL)
        return "a method that is not in the head's bytes";
    for (int k = 0; k < REQTAG_MAX_FIELDS; k++) {
        if (r->flen[k] > REQTAG_MAX_FIELD || (r->flen[k] > 0 && k >= cfg->nfields))
            return "a field too long or not configured";
        for (size_t i = 0; i < r->flen[k]; i++)
            if ((unsigned char)r->field[k][i] < 0x20 || (unsigned char)r->field[k][i] > 0x7e)
                return "a field byte that is not printable ASCII";
        if (r->flen[k] > 0 && memmem(bytes, n, r->field[k], r->flen[k]) == NULL)
            return "a field value that is not in the head's bytes";
    }
    return NULL;
}

/* A head's promises; from is where its bytes can start (the end of the answer before). */
static void check_head(const struct reqtag_config *cfg, const struct rec *r, const char *data, size_t from)
{
    const char *what = head_fault(cfg, r, data + from, r->at - from);
    if (what != NULL) {
        print_rec("head", r);
        fuzz_dump("head bytes", data + from, r->at - from);
        fuzz_fail("a head with %s", what);
    }
}

static void add(struct trace *t, enum scan_status st, size_t at, const struct scan_head *h, const struct scan *s)
{
    if (t->n >= MAX_REC)
        return;
    struct rec *r = &t->r[t->n++];
    memset(r, 0, sizeof *r);
    r->status = (uint8_t)st;
    r->at = at;
    if (st == SCAN_BLANK)
        r->wseen = s->wseen;
    if (st != SCAN_HEAD)
        return;
    r->is_head = h->is_head;
    r->mlen = h->mlen;
    r->plen = h->plen;
    r->traceparent = h->traceparent;
    r->trace_flags = h->trace_flags;
    r->idlen = h->idlen;
    r->dropped = h->dropped;
    r->dropped_hdr = h->dropped != 0 ? h->dropped_hdr : 0; /* only says something with a drop */
    /* Copied now: the pointers hold only until the next call. Over-long lengths are caught by
     * check_head; copy what fits. */
    memcpy(r->method, h->method, h->mlen <= REQTAG_MAX_METHOD ? h->mlen : REQTAG_MAX_METHOD);
    memcpy(r->path, h->path, h->plen <= REQTAG_MAX_PATH ? h->plen : REQTAG_MAX_PATH);
    memcpy(r->id, h->id, h->idlen <= REQTAG_MAX_ID ? h->idlen : REQTAG_MAX_ID);
    for (int k = 0; k < REQTAG_MAX_FIELDS; k++) {
        r->flen[k] = h->flen[k];
        memcpy(r->field[k], h->field[k], h->flen[k] <= REQTAG_MAX_FIELD ? h->flen[k] : REQTAG_MAX_FIELD);
    }
}

/* Feed the stream whole or cut by ctrl, each piece in its own exact heap block, and record each
 * answer. A fresh scan_buf is scribbled over whenever the contract lets the caller reuse it. */
static void run(struct trace *t, const struct reqtag_config *cfg, const struct watch *w, const char *data, size_t len,
                const uint8_t *ctrl, bool whole)
{
    static struct scan_buf b;
    struct scan s;
    scan_init(&s);
    t->n = 0;
    for (size_t i = 0, k = 0, piece; i < len && t->n < MAX_REC; i += piece, k++) {
        piece = whole ? len : fuzz_piece(ctrl, NCTRL - 1, k, len - i);
        char *p = fuzz_copy(data + i, piece);
        for (size_t done = 0, stuck = 0; done < piece && t->n < MAX_REC;) {
            if (!scan_mid_head(&s))
                memset(&b, 0xa5, sizeof b);
            struct scan_head h;
            memset(&h, 0x5a, sizeof h);
            enum scan_status st = (enum scan_status)99;
            size_t c = w != NULL ? scan_feed_watch(&s, &b, cfg, p + done, piece - done, &st, &h, w)
                                 : scan_feed(&s, &b, cfg, p + done, piece - done, &st, &h);
            if (c > piece - done || st > SCAN_BLANK || (st == SCAN_BLANK && w == NULL))
                fuzz_fail("scan_feed: %zu of %zu bytes taken, status %d", c, piece - done, (int)st);
            if ((st == SCAN_NEED_MORE || st == SCAN_OPAQUE) && c != piece - done)
                fuzz_fail("status %d with %zu of %zu bytes taken", (int)st, c, piece - done);
            if ((c == 0 && st != SCAN_BLANK) || (c == 0 && ++stuck > 1))
                fuzz_fail("no progress: status %d at %zu", (int)st, i + done);
            stuck = c == 0 ? stuck : 0;
            done += c;
            if (st == SCAN_NEED_MORE)
                continue;
            /* Where OPAQUE is found depends on the cut (it takes the rest of the call): only
             * that it came is compared. */
            add(t, st, st == SCAN_OPAQUE ? 0 : i + done, &h, &s);
            if (st == SCAN_OPAQUE) {
                free(p);
                t->mid_head = false;
                return;
            }
        }
        free(p);
    }
    t->mid_head = scan_mid_head(&s);
}

/* a and b (without its BLANK answers when strip) must be the same answers. */
static void same(const char *what, const struct trace *a, const struct trace *b, bool strip, const char *data,
                 size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++, j++) {
        while (strip && j < b->n && b->r[j].status == SCAN_BLANK)
            j++;
        if (j >= b->n || memcmp(&a->r[i], &b->r[j], sizeof a->r[i]) != 0) {
            print_rec("first", &a->r[i]);
            if (j < b->n)
                print_rec("second", &b->r[j]);
            fuzz_dump("stream", data, len);
            fuzz_fail("%s: answer %zu differs (%zu against %zu answers)", what, i, a->n, b->n);
        }
    }
    while (strip && j < b->n && b->r[j].status == SCAN_BLANK)
        j++;
    if (j != b->n || (a->n < MAX_REC && a->mid_head != b->mid_head)) {
        fuzz_dump("stream", data, len);
        fuzz_fail("%s: %zu against %zu answers, mid head %d against %d", what, a->n, b->n, a->mid_head, b->mid_head);
    }
}

/* Pieces may end right after a line-start CR, before the byte that says whether it is bare: a
 * BLANK there is the one answer pieces may add. Drops those, to compare with the whole run. */
static void drop_cut_blanks(struct trace *t, const char *data, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->r[i].status != SCAN_BLANK || !fuzz_bare_cr(data, len, t->r[i].at))
            t->r[j++] = t->r[i];
    t->n = j;
}

/* A watching run's BLANK answers: one before each head (none for a head with a line that
 * starts with a bare CR), where its blank line starts, naming only watched names the head has. */
static void check_blanks(const struct trace *t, const struct watch *w, const char *data, size_t len)
{
    size_t from = 0, head_from = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct rec *r = &t->r[i];
        if (r->status == SCAN_HEAD && (i == 0 || t->r[i - 1].status != SCAN_BLANK) &&
            !fuzz_has_bare_cr_line(data + head_from, r->at - head_from))
            fuzz_fail("a head at %zu without a BLANK before it", r->at);
        head_from = r->status == SCAN_HEAD ? r->at : head_from;
        if (r->status != SCAN_BLANK)
            continue;
        size_t at = r->at;
        /* A line of CRs then LF is the blank line: the head ends at its LF. A head with a line
         * that starts with a bare CR gets no BLANK (fuzz_check_blank refuses one there). */
        size_t e = fuzz_check_blank(data, len, at, from, r->wseen, w);
        if (e < len && data[e] == '\n' && i + 1 < t->n && t->r[i + 1].status == SCAN_HEAD && t->r[i + 1].at != e + 1)
            fuzz_fail("BLANK at %zu, but its head ends at %zu, not %zu", at, t->r[i + 1].at, e + 1);
        from = i + 1 < t->n ? t->r[i + 1].at : from;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static bool loaded;
    static struct trace whole, cut, wwhole, wcut;
    if (!loaded) {
        load(&cfgs[0], NULL, NULL);
        load(&cfgs[1], "X-Trace,traceparent", NULL);
        load(&cfgs[2], "traceparent,X-Request-ID", "tenant=X-Tenant, user=X-User");
        load(&cfgs[3], "X-Request-ID,Content-Length", "rid=X-Request-ID, tp=traceparent, len=Content-Length, u=X-User");
        loaded = true;
    }
    if (size <= NCTRL)
        return 0;
    const uint8_t *ctrl = in + 1;
    const struct reqtag_config *cfg = &cfgs[in[0] & 3];
    const struct watch *w = &watches[(in[0] >> 2) & 3];
    const char *data = (const char *)in + NCTRL;
    size_t len = size - NCTRL;

    run(&whole, cfg, NULL, data, len, ctrl, true);
    run(&cut, cfg, NULL, data, len, ctrl, false);
    size_t from = 0;
    for (size_t i = 0; i < whole.n; i++)
        if (whole.r[i].status == SCAN_HEAD) {
            if (whole.r[i].at <= from && i > 0)
                fuzz_fail("head %zu ends at %zu, not after the one before (%zu)", i, whole.r[i].at, from);
            check_head(cfg, &whole.r[i], data, from);
            from = whole.r[i].at;
        }
    same("whole against pieces", &whole, &cut, false, data, len);

    run(&wwhole, cfg, w, data, len, ctrl, true);
    run(&wcut, cfg, w, data, len, ctrl, false);
    if (wwhole.n < MAX_REC && wcut.n < MAX_REC) { /* cut short, the two would end at different places */
        drop_cut_blanks(&wcut, data, len);
        same("watching: whole against pieces", &wwhole, &wcut, false, data, len);
    }
    check_blanks(&wwhole, w, data, len);
    /* The watch adds BLANK answers and nothing else (and takes the byte states throughout). */
    if (whole.n < MAX_REC && wwhole.n < MAX_REC)
        same("scan_feed against scan_feed_watch", &whole, &wwhole, true, data, len);
    return 0;
}
