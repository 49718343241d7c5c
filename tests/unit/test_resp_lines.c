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

static unsigned long long rng = 11;

static size_t rnd(size_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (size_t)(rng % n);
}

static size_t add(char *buf, size_t at, size_t cap, const char *s, size_t n)
{
    if (at + n > cap)
        n = cap - at;
    memcpy(buf + at, s, n);
    return at + n;
}

/* A few responses: status, headers, blank line, a body of a length that fits or not. */
static size_t make(char *buf, size_t cap)
{
    size_t n = 0;
    for (int k = 1 + (int)rnd(3); k > 0; k--) {
        const char *s = status[rnd(sizeof status / sizeof status[0])];
        n = add(buf, n, cap, s, strlen(s));
        for (int h = (int)rnd(9); h > 0; h--) {
            const char *l = pool[rnd(sizeof pool / sizeof pool[0])];
            n = add(buf, n, cap, l, strlen(l));
        }
        const char *b = blank[rnd(sizeof blank / sizeof blank[0])];
        n = add(buf, n, cap, b, strlen(b));
        static const char *const bodies[] = {"ok\n", "", "3\r\nabc\r\n0\r\n\r\n", "abcd"};
        const char *body = bodies[rnd(4)];
        n = add(buf, n, cap, body, strlen(body));
    }
    return n;
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
        piece = step > 0 ? (size_t)step : step < 0 ? 1 + rnd(40) : len;
        piece = piece < len - i ? piece : len - i;
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

int main(void)
{
    struct watch w = {.n = 1, .len = {12}, .name = {"x-request-id"}};
    agree(NULL, "no watch");
    agree(&w, "watching x-request-id");
    struct watch two = {.n = 2, .len = {12, 3}, .name = {"x-request-id", "tag"}};
    agree(&two, "watching two names");
    return unit_done();
}
