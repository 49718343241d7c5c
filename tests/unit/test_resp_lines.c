/* test_resp_lines.c -- the response scanner's whole-buffer paths agree with its byte states (random heads, any cut). */
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "unit.h"

/* Header lines to build heads from: framing names in any case, near misses (CR where '-' is,
 * 0x1a where ':' is, a blank before the colon), the watched name, lines starting with CR,
 * lines ending in a bare LF, long lines crossing 16- and 32-byte blocks. */
static const char *const pool[] = {
    "Server: nginx/1.22.1\r\n",
    "Date: Sat, 21 Nov 2026 13:17:44 GMT\r\n",
    "Content-Type: text/plain\r\n",
    "Connection: keep-alive\r\n",
    "Content-Length: 3\r\n",
    "content-length:3\r\n",
    "CONTENT-LENGTH:  3 \t\r\n",
    "Content-Length: 4\r\n",
    "Content-Length : 3\r\n",
    "Content\rLength: 3\r\n",
    "Content-Length\x1a 3\r\n",
    "Content-Length: 3x\r\n",
    "Content-Length: 0000000000000000000000000000000003\r\n",
    "Content-Length: 000000000000000000000000000003\r\n",
    "Content-Length: 1234567890123456789\r\n",
    "Content-Length: \t\r\n",
    "Content-Length: 3 3\r\n",
    "Transfer-Encoding: chunked\r\n",
    "transfer-encoding: gzip, chunked\r\n",
    "TRANSFER-ENCODING:chunked\n",
    "Transfer\rEncoding: chunked\r\n",
    "Transfer-Encoding\x1a chunked\r\n",
    "Transfer-Encoding: chunked, gzip\r\n",
    "X-Request-ID: abc\r\n",
    "x-request-id:abc\r\n",
    "X-Request-IDs: abc\r\n",
    "X-Request-ID : abc\r\n",
    "\rX-Request-ID: abc\r\n",
    "\rContent-Length: 3\r\n",
    "Tag: t\n",
    "c\r\n",
    "t:\r\n",
    ":\r\n",
    "No-Colon-Here\r\n",
    "Cache-Control: private, max-age=0, no-cache, no-store, must-revalidate\r\n",
    "Set-Cookie: a=0123456789012345678901234567890123456789; Path=/; HttpOnly\r\n",
};

static const char *const status[] = {
    "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200\r\n", "HTTP/1.0 404 Not Found\n", "HTTP/1.1 204 No Content\r\n",
    "HTTP/1.1 100 Continue\r\n", "HTTP/1.1 304 Not Modified\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 2x0 OK\r\n",
};

static const char *const blank[] = {"\r\n", "\n", "\r\r\n", "\r\n"};

/* A few responses: status, headers, blank line, a body of a length that fits or not. */
static size_t make(char *buf, size_t cap)
{
    size_t n = 0;
    for (int k = 1 + (int)unit_rnd(3); k > 0; k--) {
        const char *s = status[unit_rnd(sizeof status / sizeof status[0])];
        n = unit_append(buf, n, cap, s, strlen(s));
        for (int h = (int)unit_rnd(9); h > 0; h--) {
            const char *l = pool[unit_rnd(sizeof pool / sizeof pool[0])];
            n = unit_append(buf, n, cap, l, strlen(l));
        }
        const char *b = blank[unit_rnd(sizeof blank / sizeof blank[0])];
        n = unit_append(buf, n, cap, b, strlen(b));
        static const char *const bodies[] = {"ok\n", "", "3\r\nabc\r\n0\r\n\r\n", "abcd"};
        const char *body = bodies[unit_rnd(4)];
        n = unit_append(buf, n, cap, body, strlen(body));
    }
    return n;
}

/* buf[at] is a CR whose run of CRs reaches a byte other than LF. */
static bool bare_cr_at(const char *buf, size_t len, size_t at)
{
    size_t j = at;
    while (j < len && buf[j] == '\r')
        j++;
    return j > at && j < len && buf[j] != '\n';
}

/* Feed buf in pieces (step 0: whole; > 0: that size; < 0: random sizes) and write what the
 * scanner reported into out: status, offset, code, and the watched names at RESP_BLANK. */
static void trace(const char *buf, size_t len, int step, const struct watch *w, char *out, size_t cap)
{
    struct resp r;
    resp_init(&r);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0, piece; i < len; i += piece) {
        piece = unit_piece(step, len - i, 40);
        for (size_t done = 0; done < piece;) {
            enum resp_status st;
            uint16_t code = 0;
            size_t c = resp_feed_watch(&r, buf + i + done, piece - done, &st, &code, w);
            done += c;
            if (st == RESP_NEED_MORE)
                continue;
            if (st == RESP_OPAQUE) { /* everything consumed: where it was found depends on the cut */
                snprintf(out + o, cap - o, "OPAQUE");
                return;
            }
            if (st == RESP_BLANK && bare_cr_at(buf, len, i + done))
                continue; /* the piece ended after a bare CR: the one answer a cut may add */
            o += (size_t)snprintf(out + o, cap - o, "%d@%zu:%u/%u ", (int)st, i + done, code,
                                  st == RESP_BLANK ? r.wseen : 0u);
            if (st == RESP_HEAD)
                resp_body(&r, code < 200 || code == 204 || code == 304);
            if (o >= cap - 64)
                return;
        }
    }
}

static void agree(const struct watch *w, const char *name)
{
    static char buf[4096], a[4096], b[4096];
    bool ok = true;
    for (int round = 0; round < 3000 && ok; round++) {
        size_t len = make(buf, sizeof buf);
        trace(buf, len, 1, w, a, sizeof a);
        int steps[] = {0, -1, 2, 3, 17, 31, 33};
        for (size_t s = 0; s < sizeof steps / sizeof steps[0] && ok; s++) {
            trace(buf, len, steps[s], w, b, sizeof b);
            if (strcmp(a, b) != 0) {
                ok = false;
                unit_diag("step %d: bytes \"%s\" vs \"%s\" for %.*s", steps[s], a, b, (int)len, buf);
            }
        }
    }
    CHECK(ok, "%s: whole buffers, pieces and single bytes report the same", name);
}

/* A head nearer the usual (plain lines, one length line, mostly), its body of some length, then
 * more responses from make(). */
static size_t make_usual(char *buf, size_t cap)
{
    const char *s = status[unit_rnd(2) ? 0 : unit_rnd(sizeof status / sizeof status[0])];
    size_t n = unit_append(buf, 0, cap, s, strlen(s));
    int where = (int)unit_rnd(6), lines = (int)unit_rnd(7);
    for (int h = 0; h < lines || h <= where; h++) {
        char line[48];
        const char *l = unit_rnd(8) ? pool[unit_rnd(4)] : pool[unit_rnd(sizeof pool / sizeof pool[0])];
        if (h == where && unit_rnd(6) != 0) {
            snprintf(line, sizeof line, "Content-Length: %u\r\n", (unsigned)unit_rnd(9));
            l = line;
        }
        n = unit_append(buf, n, cap, l, strlen(l));
    }
    const char *b = unit_rnd(4) ? "\r\n" : blank[unit_rnd(sizeof blank / sizeof blank[0])];
    n = unit_append(buf, n, cap, b, strlen(b));
    for (size_t k = unit_rnd(10); k > 0 && n < cap; k--)
        buf[n++] = (char)('a' + unit_rnd(26));
    return n + make(buf + n, cap - n);
}

/* Feed p[0..n) to r as a caller would (resp_body after each head), writing what it reported. */
static void follow(struct resp *r, const char *p, size_t n, bool head_req, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < cap - 64;) {
        enum resp_status st;
        uint16_t code = 0;
        i += resp_feed(r, p + i, n - i, &st, &code);
        o += (size_t)snprintf(out + o, cap - o, "%d@%zu:%u ", (int)st, i, code);
        if (st == RESP_OPAQUE)
            return;
        if (st == RESP_HEAD)
            resp_body(r, code < 200 || head_req || code == 204 || code == 304);
    }
}

/* resp_whole() against the byte states, for random heads (first buffer and call cut anywhere):
 * when it takes a call, feeding the call's bytes reports that head, at that offset, with that
 * status, and the body ending where it says (or going on); when it does not, the scanner is as
 * it was. Then both scanners go on the same way over the bytes after the call. */
static void whole_agrees(void)
{
    static char buf[4096], a[4096], b[4096];
    bool ok = true;
    unsigned taken = 0, rounds = 0;
    for (int round = 0; round < 20000 && ok; round++) {
        size_t len = make_usual(buf, sizeof buf);
        bool head_req = unit_rnd(4) == 0;
        const char *blank = memmem(buf, len, "\r\n\r\n", 4);
        size_t n = unit_rnd(3) == 0 ? len : unit_rnd(len + 1);
        if (blank != NULL && unit_rnd(2) == 0) /* the first buffer ends where the head does (nginx) */
            n = (size_t)(blank - buf) + 4;
        size_t total = n + (unit_rnd(2) ? unit_rnd(12) : unit_rnd(len - n + 1)); /* mostly up to the body's end */
        total = total < len ? total : len;
        struct resp w, f, fresh;
        resp_init(&w);
        resp_init(&f);
        resp_init(&fresh);
        uint16_t code = 0;
        bool done = false;
        size_t head = resp_whole(&w, buf, n, total, head_req, &code, &done);
        rounds++;
        if (head == 0) {
            ok = memcmp(&w, &fresh, sizeof w) == 0;
            if (!ok)
                unit_diag("declined, but the scanner changed: %.*s", (int)n, buf);
            continue;
        }
        taken++;
        bool idle = resp_idle(&w);
        follow(&f, buf, total, head_req, a, sizeof a);
        char want[160];
        int k = snprintf(want, sizeof want, "%d@%zu:%u ", RESP_HEAD, head, code);
        if (done && total > head)
            snprintf(want + k, sizeof want - (size_t)k, "%d@%zu:0 ", RESP_DONE, total);
        else if (!done && total > head)
            snprintf(want + k, sizeof want - (size_t)k, "%d@%zu:0 ", RESP_NEED_MORE, total);
        follow(&w, buf + total, len - total, head_req, b, sizeof b);
        follow(&f, buf + total, len - total, head_req, a + strlen(a), sizeof a - strlen(a));
        char *after = a + strlen(want);
        ok = strncmp(a, want, strlen(want)) == 0 && strcmp(after, b) == 0 && done == idle;
        if (!ok)
            unit_diag("whole: %s then %s; bytes: %s (head_req %d, first %zu, call %zu of %.*s)", want, b, a,
                      head_req, n, total, (int)len, buf);
    }
    CHECK(ok, "resp_whole reports what the byte states do, and leaves the scanner where they do");
    CHECK(taken * 50 > rounds, "resp_whole took %u of %u calls", taken, rounds);
}

/* A response written in two calls cut between its blank line's CR and LF (a short write): the
 * connection's scanner took the CR without a watch; the next call's plan, a copy of it fed with
 * the watch, must end the head at the LF and not report the blank line again, or the added line
 * would go between CR and LF (and the client would get it twice). */
static void split_blank(const struct watch *w)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    size_t n = sizeof head - 1;
    enum resp_status st;
    uint16_t code = 0;
    struct resp r, plan;
    resp_init(&r);
    size_t used = resp_feed(&r, head, n - 2, &st, &code);
    CHECK(used == n - 2 && st == RESP_NEED_MORE, "split blank line: the head up to its blank line is taken");
    plan = r;
    used = resp_feed_watch(&plan, head + n - 2, 2, &st, &code, w);
    CHECK(used == 0 && st == RESP_BLANK, "split blank line: before the CR a line can be added");
    used = resp_feed(&r, head + n - 2, 1, &st, &code);
    CHECK(used == 1 && st == RESP_NEED_MORE, "split blank line: the CR alone is taken");
    plan = r;
    used = resp_feed_watch(&plan, head + n - 1, 1, &st, &code, w);
    CHECK(used == 1 && st == RESP_HEAD && code == 200, "split blank line: after its CR the LF ends the head, no line in between");
}

/* A head with a line that starts with a bare CR: its reader may end the head there or refuse it,
 * so no line is added anywhere in it (no BLANK), while the head is still counted. A line of CRs
 * that ends in LF is the blank line, as ever. */
static void bare_cr(const struct watch *w)
{
    static const char bare[] = "HTTP/1.1 200 OK\r\n\rX-Odd: 1\r\nContent-Length: 0\r\n\r\n";
    static const char crs[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\r\n";
    enum resp_status st;
    uint16_t code = 0;
    struct resp r;
    resp_init(&r);
    size_t used = resp_feed_watch(&r, bare, sizeof bare - 1, &st, &code, w);
    CHECK(used == sizeof bare - 1 && st == RESP_HEAD && code == 200, "bare CR: the head ends at its blank line, no BLANK (%d at %zu)",
          (int)st, used);
    resp_init(&r);
    used = resp_feed_watch(&r, crs, sizeof crs - 1, &st, &code, w);
    CHECK(used == sizeof crs - 4 && st == RESP_BLANK, "CR CR LF: still the blank line, a line can go before it");
}

int main(void)
{
    unit_seed(11);
    whole_agrees();
    struct watch w = {.n = 1, .len = {12}, .name = {"x-request-id"}};
    agree(NULL, "no watch");
    agree(&w, "watching x-request-id");
    struct watch two = {.n = 2, .len = {12, 3}, .name = {"x-request-id", "tag"}};
    agree(&two, "watching two names");
    split_blank(&w);
    bare_cr(&w);
    return unit_done();
}
