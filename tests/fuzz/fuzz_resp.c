/* fuzz_resp.c -- libFuzzer: the response scanner reports the same fed whole, in pieces and watching; resp_whole agrees with the byte states. */
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "resp.h"

/* Input: NCTRL control bytes, then the bytes a server writes. ctrl[0]: which responses answer
 * HEAD (bit k: the k-th, mod 8); ctrl[1]: the watch (bits 0-1) and resp_whole's answers to HEAD
 * (bit 2); ctrl[2], ctrl[3]: where resp_whole's first buffer and call end; ctrl[4..NCTRL): the
 * piece sizes. */
enum { NCTRL = 8, MAX_REC = 2048 };

struct rec {
    uint8_t status;
    uint8_t wseen;
    uint16_t code;
    size_t at;
};

struct trace {
    size_t n;
    struct rec r[MAX_REC];
};

static const struct watch watches[4] = {
    {.n = 1, .len = {12}, .name = {"x-request-id"}},
    {.n = 2, .len = {11, 3}, .name = {"traceparent", "tag"}},
    {.n = 2, .len = {14, 6}, .name = {"content-length", "server"}},
    {.n = 1, .len = {1}, .name = {"c"}},
};

/* What resp_body() is told after the k-th head: no body for 1xx, 204, 304 and HEAD answers. */
static bool no_body(uint8_t head_mask, size_t k, uint16_t code)
{
    return code < 200 || code == 204 || code == 304 || ((head_mask >> (k % 8)) & 1);
}

static void print_trace(const char *what, const struct trace *t)
{
    fprintf(stderr, "  %s:", what);
    for (size_t i = 0; i < t->n; i++)
        fprintf(stderr, " %u@%zu:%u/%u", t->r[i].status, t->r[i].at, t->r[i].code, t->r[i].wseen);
    fprintf(stderr, "\n");
}

/* Feed p[0..len) to r from the offset base on, whole (pieces NULL) or cut by pieces, each piece in
 * an exact heap block; append each answer to t. *heads counts the heads, for no_body(). */
static void feed(struct resp *r, struct trace *t, const struct watch *w, const char *p, size_t len, size_t base,
                 const uint8_t *pieces, uint8_t head_mask, size_t *heads)
{
    for (size_t i = 0, k = 0, piece; i < len && t->n < MAX_REC; i += piece, k++) {
        piece = pieces == NULL ? len : fuzz_piece(pieces, NCTRL - 4, k, len - i);
        char *q = fuzz_copy(p + i, piece);
        for (size_t done = 0, stuck = 0; done < piece && t->n < MAX_REC;) {
            enum resp_status st = (enum resp_status)99;
            uint16_t code = 0xffff;
            size_t c = w != NULL ? resp_feed_watch(r, q + done, piece - done, &st, &code, w)
                                 : resp_feed(r, q + done, piece - done, &st, &code);
            if (c > piece - done || st > RESP_DONE || (st == RESP_BLANK && w == NULL))
                fuzz_fail("resp_feed: %zu of %zu bytes taken, status %d", c, piece - done, (int)st);
            if ((st == RESP_NEED_MORE || st == RESP_OPAQUE) && c != piece - done)
                fuzz_fail("status %d with %zu of %zu bytes taken", (int)st, c, piece - done);
            if ((c == 0 && st != RESP_BLANK) || (c == 0 && ++stuck > 1))
                fuzz_fail("no progress: status %d at %zu", (int)st, base + i + done);
            stuck = c == 0 ? stuck : 0;
            done += c;
            if (st == RESP_NEED_MORE)
                continue;
            if ((st == RESP_HEAD || st == RESP_BLANK) && code > 999)
                fuzz_fail("status %d with code %u", (int)st, code);
            struct rec *rec = &t->r[t->n++];
            *rec = (struct rec){(uint8_t)st, st == RESP_BLANK ? r->wseen : 0,
                                (st == RESP_HEAD || st == RESP_BLANK) ? code : 0,
                                st == RESP_OPAQUE ? 0 : base + i + done};
            /* Where OPAQUE is found depends on the cut (it takes the rest of the call): only that
             * it came is compared, and it is the last answer. */
            if (st == RESP_OPAQUE) {
                free(q);
                return;
            }
            if (st == RESP_HEAD)
                resp_body(r, no_body(head_mask, (*heads)++, code));
        }
        free(q);
    }
}

static void run(struct trace *t, const struct watch *w, const char *p, size_t len, const uint8_t *pieces,
                uint8_t head_mask)
{
    struct resp r;
    resp_init(&r);
    size_t heads = 0;
    t->n = 0;
    feed(&r, t, w, p, len, 0, pieces, head_mask, &heads);
}

static void same(const char *what, const struct trace *a, const struct trace *b, bool strip, const char *data,
                 size_t len)
{
    size_t j = 0;
    bool ok = true;
    for (size_t i = 0; i < a->n && ok; i++, j++) {
        while (strip && j < b->n && b->r[j].status == RESP_BLANK)
            j++;
        ok = j < b->n && memcmp(&a->r[i], &b->r[j], sizeof a->r[i]) == 0;
    }
    while (strip && j < b->n && b->r[j].status == RESP_BLANK)
        j++;
    if (!ok || j != b->n) {
        print_trace("first", a);
        print_trace("second", b);
        fuzz_dump("stream", data, len);
        fuzz_fail("%s: the answers differ", what);
    }
}

/* Pieces may end right after a line-start CR, before the byte that says whether it is bare: a
 * BLANK there is the one answer pieces may add. Drops those, to compare with the whole run. */
static void drop_cut_blanks(struct trace *t, const char *data, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->r[i].status != RESP_BLANK || !fuzz_bare_cr(data, len, t->r[i].at))
            t->r[j++] = t->r[i];
    t->n = j;
}

/* A watching run's BLANK answers: one before each head (none for a head with a line that
 * starts with a bare CR), where its blank line starts, with the head's code, naming only
 * watched names the head has. */
static void check_blanks(const struct trace *t, const struct watch *w, const char *data, size_t len)
{
    size_t from = 0, head_from = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct rec *r = &t->r[i];
        if (r->status == RESP_HEAD && (i == 0 || t->r[i - 1].status != RESP_BLANK) &&
            !fuzz_has_bare_cr_line(data + head_from, r->at - head_from))
            fuzz_fail("a head at %zu without a BLANK before it", r->at);
        head_from = r->status == RESP_HEAD ? r->at : head_from;
        if (r->status != RESP_BLANK) {
            from = r->status == RESP_HEAD ? r->at : from;
            continue;
        }
        size_t at = r->at;
        /* A line of CRs then LF is the blank line: the head ends at its LF. A head with a line
         * that starts with a bare CR gets no BLANK (fuzz_check_blank refuses one there). */
        size_t e = fuzz_check_blank(data, len, at, from, r->wseen, w);
        if (i + 1 < t->n && t->r[i + 1].status == RESP_HEAD &&
            ((e < len && data[e] == '\n' && t->r[i + 1].at != e + 1) || t->r[i + 1].code != r->code))
            fuzz_fail("BLANK at %zu (code %u), but its head ends at %zu (code %u)", at, r->code, t->r[i + 1].at,
                      t->r[i + 1].code);
    }
}

/* resp_whole() on a first buffer of n bytes in a call of total, then the rest of the stream: the
 * answers a caller gets are those of feeding the same bytes (the unit test's rule, on any bytes). */
static void check_whole(const char *data, size_t len, size_t n, size_t total, bool head_req)
{
    static struct trace a, b;
    struct resp w, f, fresh;
    resp_init(&w);
    resp_init(&f);
    resp_init(&fresh);
    uint16_t code = 0;
    bool done = false;
    char *first = fuzz_copy(data, n);
    size_t head = resp_whole(&w, first, n, total, head_req, &code, &done);
    free(first);
    if (head == 0) {
        if (memcmp(&w, &fresh, sizeof w) != 0)
            fuzz_fail("resp_whole declined but changed the scanner");
        return;
    }
    if (head > n || code < 200 || code > 999 || done != resp_idle(&w))
        fuzz_fail("resp_whole: head %zu of %zu bytes, code %u, done %d, idle %d", head, n, code, done, resp_idle(&w));
    /* The byte states over the call's bytes: that head, then the body done at the call's end or
     * going on. */
    size_t heads = 0;
    uint8_t mask = head_req ? 0xff : 0;
    a.n = 0;
    feed(&f, &a, NULL, data, total, 0, NULL, mask, &heads);
    bool ok = a.n >= 1 && a.r[0].status == RESP_HEAD && a.r[0].at == head && a.r[0].code == code &&
              resp_idle(&f) == done;
    if (ok && done && total > head)
        ok = a.n == 2 && a.r[1].status == RESP_DONE && a.r[1].at == total;
    else if (ok)
        ok = a.n == 1; /* the body goes on past the call (feed() records no NEED_MORE), or none */
    if (!ok) {
        print_trace("bytes", &a);
        fuzz_dump("call", data, total);
        fuzz_fail("resp_whole: head %zu code %u done %d (first buffer %zu, call %zu, head_req %d)", head, code, done,
                  n, total, head_req);
    }
    /* Then both go on the same way over what follows the call. */
    a.n = b.n = 0;
    size_t ha = 1, hb = 1;
    feed(&f, &a, NULL, data + total, len - total, total, NULL, mask, &ha);
    feed(&w, &b, NULL, data + total, len - total, total, NULL, mask, &hb);
    same("after resp_whole against after the byte states", &a, &b, false, data, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static struct trace whole, cut, wwhole, wcut;
    if (size <= NCTRL)
        return 0;
    const uint8_t *ctrl = in;
    const char *data = (const char *)in + NCTRL;
    size_t len = size - NCTRL;
    const struct watch *w = &watches[ctrl[1] & 3];

    run(&whole, NULL, data, len, NULL, ctrl[0]);
    run(&cut, NULL, data, len, ctrl + 4, ctrl[0]);
    same("whole against pieces", &whole, &cut, false, data, len);
    for (size_t i = 0; i < whole.n; i++)
        if (whole.r[i].status == RESP_HEAD && whole.r[i].code > 999)
            fuzz_fail("a code of %u", whole.r[i].code);

    run(&wwhole, w, data, len, NULL, ctrl[0]);
    run(&wcut, w, data, len, ctrl + 4, ctrl[0]);
    if (wwhole.n < MAX_REC && wcut.n < MAX_REC) { /* cut short, the two would end at different places */
        drop_cut_blanks(&wcut, data, len);
        same("watching: whole against pieces", &wwhole, &wcut, false, data, len);
    }
    check_blanks(&wwhole, w, data, len);
    if (whole.n < MAX_REC && wwhole.n < MAX_REC)
        same("resp_feed against resp_feed_watch", &whole, &wwhole, true, data, len);

    /* resp_whole: the first buffer cut at ctrl[2] from the end (mostly the whole stream), the
     * call going ctrl[3] bytes past it, within the stream. */
    size_t n = len > ctrl[2] % 64 ? len - ctrl[2] % 64 : len;
    size_t total = n + ctrl[3] % 32 < len ? n + ctrl[3] % 32 : len;
    if (n > 0)
        check_whole(data, len, n, total, (ctrl[1] >> 2) & 1);
    return 0;
}
