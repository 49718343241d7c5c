/* test_conn.c -- a write call's one-step path (resp_whole) counts responses as the byte states do; the unframed usual exchange. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../shim/conn.c"
#include "../../shim/context.c"
#include "unit.h"

/* What conn.c needs from the rest of the shim: settings, summary lines written to a log, debug lines. */
struct reqtag_config reqtag_cfg;
int reqtag_cfg_state = CFG_ON;
bool config_load(void)
{
    return true;
}

/* REQTAG_DEBUG is off here (reqtag_cfg.debug false): these are never called. */
void debug_adopted(int fd, const struct reqctx *ctx)
{
    (void)fd;
    (void)ctx;
    abort();
}

void debug_torn(int fd)
{
    (void)fd;
    abort();
}

static char *summaries; /* the log of the connection being driven */
static size_t summaries_cap;

void summary_write(const struct reqctx *req, uint16_t code, uint64_t bytes)
{
    size_t n = strlen(summaries);
    snprintf(summaries + n, summaries_cap - n, "%.*s:%u:%llu ", (int)req->len, req->id, code,
             (unsigned long long)bytes);
}

/* Header lines: mostly what servers send, then near misses and framing the one-step path must
 * leave to the byte states (repeated or bad lengths, chunked, lines starting with CR). */
static const char *const plain[] = {
    "Server: nginx/1.22.1\r\n", "Date: Sat, 21 Nov 2026 13:17:44 GMT\r\n", "Content-Type: text/plain\r\n",
    "Connection: keep-alive\r\n", "Cache-Control: private, max-age=0, no-cache, no-store, must-revalidate\r\n",
    "ETag: \"5f3a-1c\"\r\n", "X-Request-ID: abc\r\n", "Tag: t\n", "c\r\n", "t:\r\n", "Content-Lengthy: 9\r\n",
    "Content-Length : 7\r\n", "Content\rLength: 7\r\n", "Content-Length\x1a 7\r\n", "Transfer-Encodin: chunked\r\n",
    "Transfer-Encoding : chunked\r\n", " folded continuation\r\n", "Keep-Alive: timeout=5\r\n",
    "Trailer: abc\r\n", "Te: trailers\r\n", "Tk: ?\r\n", "Content-Lang: de\r\n", "Cookie: a=bc\r\n",
};
static const char *const odd[] = {
    "Transfer-Encoding: chunked\r\n", "transfer-encoding: gzip\r\n", "Content-Length: x\r\n",
    "Content-Length: \r\n", "Content-Length: 1234567890123456789\r\n", "\rX-Odd: 1\r\n",
    "Content-Length: 3 3\r\n", "Content-Length: 0000000000000000000000000000000003\r\n",
    "Content-Length: 123456789012345678\r\n", "Content-Length: 000000000000000003\r\n",
    "Content-Length: 3                              \r\n", "Content-Length: 3\t\r\n", "Content-Length: -3\r\n",
    "Content-Length: +3\r\n", "Content-Length: 0\r\n", "Transfer-Encoding: chunked, gzip\r\n",
};
static const char *const lengths[] = {
    "Content-Length: %u\r\n", "content-length:%u\r\n", "CONTENT-LENGTH:  %u \t\r\n", "Content-Length:\t%u\r\r\n",
    "Content-Length: 00%u\r\n", "Content-Length: %u\n",
};
static const char *const statuses[] = {
    "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 404 Not Found\r\n", "HTTP/1.0 200\r\n",
    "HTTP/1.1 204 No Content\r\n", "HTTP/1.1 304 Not Modified\r\n", "HTTP/1.1 100 Continue\r\n",
    "HTTP/1.1 103 Early Hints\r\n", "HTTP/1.1 101 Switching Protocols\r\n", "HTTP/1.1 099 Odd\r\n",
    "HTTP/1.1 2x0 OK\r\n", "HTTP/1.1 500 Internal Server Error\r\n", "HTTP/1.1 200 OK\n", "HTTX/1.1 200 OK\r\n",
    "HTTP/1.1 2:0 OK\r\n", "HTTP/1.1 20? OK\r\n", "HTTP/1.x 200 OK\r\n", "HTTP/1.1 200\tOK\r\n", "HTTP/1.1  200 OK\r\n",
};

struct stream {
    char buf[16384];
    size_t len;
    size_t starts[64]; /* where each response starts: calls often begin there */
    size_t nstarts;
    char reqs[64];     /* 'g' or 'h' (HEAD) per final response */
    size_t nreqs;
};

/* One response onto the stream: a head (usually plain, sometimes odd), then a body that fits
 * its framing, or does not (hostile: the byte states decide what it is). */
static void response(struct stream *s, bool hostile)
{
    hostile = hostile && unit_rnd(3) == 0; /* plain ones between: most odd heads end the following */
    char line[96];
    size_t cap = sizeof s->buf - 256;
    if (s->len > cap || s->nstarts == 64 || s->nreqs == 64)
        return;
    s->starts[s->nstarts++] = s->len;
    const char *st = statuses[unit_rnd(hostile ? sizeof statuses / sizeof statuses[0] : 6)];
    s->len = unit_append(s->buf, s->len, cap, st, strlen(st));
    bool interim = st[9] == '1';
    bool head_req = !interim && unit_rnd(6) == 0;
    bool no_body = head_req || strstr(st, " 204 ") || strstr(st, " 304 ");
    if (!interim)
        s->reqs[s->nreqs++] = head_req ? 'h' : 'g';
    unsigned blen = unit_rnd(4) == 0 ? (unsigned)unit_rnd(3000) : (unsigned)unit_rnd(8);
    bool chunked = hostile && unit_rnd(4) == 0;
    int where = interim ? -1 : (int)unit_rnd(5); /* which header line gets the length */
    for (int h = 0, lines = 1 + (int)unit_rnd(7); h < lines || h <= where; h++) {
        if (h == where && !chunked && hostile && unit_rnd(3) == 0) { /* odd framing alone */
            snprintf(line, sizeof line, "%s", odd[unit_rnd(sizeof odd / sizeof odd[0])]);
        } else if (h == where && !chunked) {
            int k = (int)unit_rnd(hostile ? sizeof lengths / sizeof lengths[0] : 2);
            snprintf(line, sizeof line, lengths[k], blen);
            s->len = unit_append(s->buf, s->len, cap, line, strlen(line));
            if (hostile && unit_rnd(8) == 0) /* repeated, equal or not */
                snprintf(line, sizeof line, lengths[0], blen + (unsigned)unit_rnd(2));
            else
                continue;
        } else if (h == where) {
            snprintf(line, sizeof line, "Transfer-Encoding: chunked\r\n");
        } else {
            const char *l = hostile && unit_rnd(6) == 0 ? odd[unit_rnd(sizeof odd / sizeof odd[0])]
                                                   : plain[unit_rnd(hostile ? sizeof plain / sizeof plain[0] : 5)];
            snprintf(line, sizeof line, "%s", l);
        }
        s->len = unit_append(s->buf, s->len, cap, line, strlen(line));
    }
    const char *blank = hostile && unit_rnd(8) == 0 ? (unit_rnd(2) ? "\n" : "\r\r\n") : "\r\n";
    s->len = unit_append(s->buf, s->len, cap, blank, strlen(blank));
    if (interim)
        return;
    if (chunked) {
        const char *b = "3\r\nabc\r\n0\r\n\r\n";
        s->len = unit_append(s->buf, s->len, cap, b, strlen(b));
        return;
    }
    if (no_body && !(hostile && unit_rnd(4) == 0))
        return;
    if (hostile && unit_rnd(5) == 0)
        blen = (unsigned)unit_rnd(6); /* not what the head says */
    for (unsigned k = 0; k < blen && s->len < cap; k++)
        s->buf[s->len++] = (char)('a' + unit_rnd(26));
}

struct side {
    struct conn *c;
    char log[8192];
    uint32_t read;     /* requests read so far */
};

/* The connection's counts after a call, as text (cur as a request number: -1 none). Once the
 * responses are lost, the bytes counted depend on where the buffers were cut (the rest of the
 * buffer that went opaque counts, later ones not), so they are left out. */
static void state(struct side *d, char *out, size_t cap)
{
    struct conn *c = d->c;
    int cur = -2;
    if (c->cur == NULL)
        cur = -1;
    for (uint32_t k = c->low; k < c->heads && cur == -2; k++)
        if (c->ring[k % CONN_RING] == c->cur)
            cur = (int)k;
    snprintf(out, cap, "answered=%u summarized=%u lost=%u open=%u code=%u out=%llu ended=%u inj=%u cur=%d idle=%d | %s",
             c->answered, c->summarized, c->resp_lost, c->resp_open, c->last_code,
             c->resp_lost ? 0ull : (unsigned long long)c->out_bytes, c->ended, c->inj_done, cur, resp_idle(&c->resp), d->log);
}

static void read_requests(struct side *d, const struct stream *s, uint32_t upto)
{
    summaries = d->log;
    summaries_cap = sizeof d->log;
    for (; d->read < upto && d->read < s->nreqs; d->read++) {
        char req[96];
        int n = snprintf(req, sizeof req, "%s /r/%u HTTP/1.1\r\nHost: x\r\nX-Request-ID: r%u\r\n\r\n",
                         s->reqs[d->read] == 'h' ? "HEAD" : "GET", d->read, d->read);
        conn_read(d->c, req, (size_t)n);
    }
}

static void call(struct side *d, const struct iovec *iov, size_t n, size_t put)
{
    summaries = d->log;
    summaries_cap = sizeof d->log;
    conn_wrote_iov(d->c, iov, n, put);
}

/* Would the call take the one-step path? (Asked of a copy: the scanner is left as it was.) */
static bool one_step(const struct conn *c, const struct iovec *iov, size_t put)
{
    if (c->resp_lost)
        return false;
    struct resp r = c->resp;
    bool head_req = c->answered < c->heads && (c->head_bits >> (c->answered % 64)) & 1;
    uint16_t code;
    bool done;
    size_t n = iov[0].iov_len < put ? iov[0].iov_len : put;
    return resp_whole(&r, iov[0].iov_base, n, put, head_req, &code, &done) > 0;
}

static unsigned fast_calls, calls_total;

/* GUARDED bytes (a whole stream fits) followed by a page nobody may read. */
enum { GUARDED = sizeof ((struct stream *)0)->buf };
static char *guard;

/* One stream written in calls, once as cut (the one-step path where it applies) and once with
 * a one-byte first buffer (the byte states always); the counts agree after every call. */
static bool drive(const struct stream *s, int mode)
{
    struct side a = {.c = conn_new()}, b = {.c = conn_new()};
    char sa[16384], sb[16384];
    bool ok = a.c != NULL && b.c != NULL;
    size_t at = 0, next_start = 0;
    while (ok && at < s->len) {
        /* requests read: at least those answered so far and one more, sometimes a few ahead */
        uint32_t want = a.c->answered + 1 + (uint32_t)(unit_rnd(3) == 0 ? unit_rnd(4) : 0);
        read_requests(&a, s, want);
        read_requests(&b, s, want);
        /* the call: up to a response start (usually), or any cut; mode 1 byte by byte */
        while (next_start < s->nstarts && s->starts[next_start] <= at)
            next_start++;
        size_t end;
        if (mode == 1)
            end = at + 1;
        else if (unit_rnd(3) != 0 && next_start < s->nstarts) /* one response, or two (pipelined) */
            end = s->starts[next_start + 1 < s->nstarts && unit_rnd(4) == 0 ? next_start + 1 : next_start];
        else
            end = at + 1 + unit_rnd(400);
        if (end > s->len || (unit_rnd(8) == 0 && next_start + 1 >= s->nstarts))
            end = s->len;
        if (end <= at)
            end = at + 1;
        if (unit_rnd(12) == 0) { /* bytes sent by sendfile: counted as body, never seen */
            summaries = a.log;
            conn_wrote_unseen(a.c, end - at);
            summaries = b.log;
            conn_wrote_unseen(b.c, end - at);
            at = end;
            continue;
        }
        /* buffers: the first often ends at the head's end (nginx), the rest anywhere */
        struct iovec iov[10], one[11];
        size_t n = 0, p = at;
        while (p < end && n < 7) {
            size_t len = end - p;
            if (n == 0 && unit_rnd(2) == 0) {
                const char *blank = memmem(s->buf + p, end - p, "\r\n\r\n", 4);
                if (blank != NULL)
                    len = (size_t)(blank - (s->buf + p)) + 4;
            } else if (unit_rnd(3) == 0) {
                len = 1 + unit_rnd(len);
            }
            iov[n++] = (struct iovec){(void *)(s->buf + p), len};
            p += len;
        }
        if (p < end)
            iov[n++] = (struct iovec){(void *)(s->buf + p), end - p};
        if (unit_rnd(10) == 0)
            iov[n++] = (struct iovec){(void *)(s->buf + end), 0}; /* an empty buffer at the end */
        /* the kernel takes all, or sometimes only part */
        size_t put = end - at;
        if (unit_rnd(10) == 0)
            put = unit_rnd(put + 1);
        /* the same bytes, the first buffer one byte long: the byte states only */
        one[0] = (struct iovec){iov[0].iov_base, 1};
        one[1] = (struct iovec){(char *)iov[0].iov_base + 1, iov[0].iov_len - 1};
        memcpy(one + 2, iov + 1, (n - 1) * sizeof *iov);
        /* the first buffer right before an unreadable page: a read past it faults */
        char *first = guard + GUARDED - iov[0].iov_len;
        memcpy(first, iov[0].iov_base, iov[0].iov_len);
        iov[0].iov_base = first;
        if (unit_rnd(4) == 0) /* as after an echo line went out (send.c) */
            a.c->inj_done = b.c->inj_done = 1;
        calls_total++;
        fast_calls += one_step(a.c, iov, put);
        call(&a, iov, n, put);
        call(&b, one, n + 1, put);
        state(&a, sa, sizeof sa);
        state(&b, sb, sizeof sb);
        if (strcmp(sa, sb) != 0) {
            ok = false;
            unit_diag("mode %d, call at %zu..%zu put %zu (%zu buffers, first %zu):\n#  one step: %s\n#  bytes:    %s",
                      mode, at, end, put, n, iov[0].iov_len, sa, sb);
            unit_diag("stream: %.*s", (int)(s->len < 2000 ? s->len : 2000), s->buf);
        }
        at += put; /* what the kernel did not take is written again in the next call */
    }
    if (ok && !a.c->resp_lost) { /* lost: the bytes in the summaries differ, see state() */
        summaries = a.log;
        conn_closed(a.c);
        summaries = b.log;
        conn_closed(b.c);
        state(&a, sa, sizeof sa);
        state(&b, sb, sizeof sb);
        ok = strcmp(sa, sb) == 0;
        if (!ok)
            unit_diag("at the close:\n#  one step: %s\n#  bytes:    %s", sa, sb);
    }
    if (a.c != NULL)
        conn_unref(a.c);
    if (b.c != NULL)
        conn_unref(b.c);
    return ok;
}

static void agree(bool hostile, int mode, const char *name)
{
    static struct stream s;
    bool ok = true;
    fast_calls = calls_total = 0;
    for (int round = 0; round < 2000 && ok; round++) {
        memset(&s, 0, sizeof s);
        for (int k = 1 + (int)unit_rnd(12); k > 0; k--)
            response(&s, hostile);
        ok = drive(&s, mode);
    }
    CHECK(ok, "%s: counts, codes, bytes and current request agree after every call", name);
    if (mode == 0)
        CHECK(fast_calls * 20 > calls_total, "%s: the one-step path took %u of %u calls", name, fast_calls,
              calls_total);
}

/* The usual exchange, by hand, each call taking the one-step path or not as it should: head in
 * one buffer, body in the next (nginx); head and a longer body in one buffer; a body going on
 * into the next call; a HEAD answer; two answers in one call (mixed: no current request). */
static void test_cases(void)
{
    struct side d = {.c = conn_new()};
    struct stream s = {.nreqs = 5, .reqs = "ggghg"};
    read_requests(&d, &s, 1);
    const char *h = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\n"
                    "Content-Length: 3\r\nConnection: keep-alive\r\n\r\n";
    struct iovec iov[2] = {{(void *)h, strlen(h)}, {(void *)"ok\n", 3}};
    bool fast = one_step(d.c, iov, strlen(h) + 3);
    call(&d, iov, 2, strlen(h) + 3);
    char want[96];
    snprintf(want, sizeof want, "r0:200:%zu ", strlen(h) + 3);
    CHECK(fast && d.c->answered == 1 && d.c->summarized == 1 && resp_idle(&d.c->resp) &&
              d.c->cur == d.c->ring[0] && d.c->ended && strcmp(d.log, want) == 0,
          "a whole response in one step: answered, summarized with its bytes, request still current (%s)", d.log);
    read_requests(&d, &s, 2);
    const char *one = "HTTP/1.1 404 Not Found\r\nContent-Length: 40\r\n\r\n0123456789012345678901234567890123456789";
    struct iovec whole = {(void *)one, strlen(one)};
    fast = one_step(d.c, &whole, strlen(one));
    call(&d, &whole, 1, strlen(one));
    snprintf(want + strlen(want), sizeof want - strlen(want), "r1:404:%zu ", strlen(one));
    CHECK(fast && d.c->answered == 2 && resp_idle(&d.c->resp) && strcmp(d.log, want) == 0,
          "head and body in one buffer, in one step (%s)", d.log);
    read_requests(&d, &s, 3);
    const char *h2 = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n";
    struct iovec two[2] = {{(void *)h2, strlen(h2)}, {(void *)"abcd", 4}};
    fast = one_step(d.c, two, strlen(h2) + 4);
    call(&d, two, 2, strlen(h2) + 4);
    CHECK(fast && d.c->answered == 3 && d.c->summarized == 2 && d.c->resp_open && !resp_idle(&d.c->resp),
          "a body going on: the response stays open");
    struct iovec rest = {(void *)"efghij", 6};
    fast = one_step(d.c, &rest, 6);
    call(&d, &rest, 1, 6);
    snprintf(want + strlen(want), sizeof want - strlen(want), "r2:200:%zu ", strlen(h2) + 10);
    CHECK(!fast && d.c->summarized == 3 && strcmp(d.log, want) == 0, "its end in the next call (%s)", d.log);
    read_requests(&d, &s, 5);
    const char *both = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    struct iovec hd = {(void *)both, 38};
    fast = one_step(d.c, &hd, 38);
    call(&d, &hd, 1, 38);
    CHECK(fast && d.c->answered == 4 && d.c->summarized == 4 && resp_idle(&d.c->resp),
          "the answer to HEAD: no body, complete at the head, in one step");
    struct iovec pipe = {(void *)both, strlen(both)};
    conn_unref(d.c);
    d = (struct side){.c = conn_new()};
    read_requests(&d, &s, 2);
    fast = one_step(d.c, &pipe, strlen(both));
    call(&d, &pipe, 1, strlen(both));
    CHECK(!fast && d.c->answered == 2 && d.c->summarized == 2 && d.c->cur == NULL,
          "two answers in one call: both counted, none current (mixed), by the byte states");
    conn_unref(d.c);
}

/* No summary and no echo: a response to the only request in flight is read no further than its
 * status line (conn.h); the next one must start a write, or the responses are lost. */
static void test_unframed(void)
{
    struct side d = {.c = conn_new()};
    struct stream s = {.nreqs = 6, .reqs = "gggggg"};
    read_requests(&d, &s, 1);
    const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd";
    struct iovec iov = {(void *)h, strlen(h)};
    call(&d, &iov, 1, strlen(h));
    CHECK(d.c->unframed && d.c->answered == 1 && d.c->cur == d.c->ring[0] && resp_idle(&d.c->resp),
          "the only request's response: counted at its status line, its framing not followed");
    struct rec *r0 = d.c->cur;
    uint32_t gen = d.c->gen;
    struct iovec body = {(void *)"HTTP/1.1 200 OK\r\n\r\n", 19};
    call(&d, &body, 1, 19);
    CHECK(d.c->unframed && d.c->answered == 1 && !d.c->resp_lost && d.c->gen == gen,
          "until the next request, a write is that response's, status line or not");
    read_requests(&d, &s, 2);
    CHECK(d.c->cur == r0 && d.c->gen != gen && d.c->heads == 2 && d.c->low == 1 && d.c->ring[1] == r0 &&
              d.c->ring[0] == NULL && d.c->cur->len == 2 && memcmp(d.c->cur->data, "r1", 2) == 0,
          "the next request rewrites the answered one's record in place and is current");
    const char *h1 = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    struct iovec one = {(void *)h1, strlen(h1)};
    call(&d, &one, 1, strlen(h1));
    CHECK(d.c->unframed && d.c->answered == 2 && d.c->cur == d.c->ring[1] && !d.c->resp_lost,
          "its response starts a write: counted, current unchanged");
    read_requests(&d, &s, 4); /* two at once: pipelined */
    CHECK(d.c->heads == 4 && d.c->cur == NULL, "two requests pipelined: none current");
    call(&d, &one, 1, strlen(h1));
    CHECK(!d.c->unframed && d.c->answered == 3 && d.c->cur == NULL && !d.c->resp_lost,
          "with a request waiting behind it, the response is followed to its end (none current yet)");
    call(&d, &iov, 1, strlen(h));
    CHECK(d.c->answered == 4 && d.c->cur == d.c->ring[3] && d.c->unframed && resp_idle(&d.c->resp),
          "the last one's response, with nothing behind it: current, its framing not followed");
    struct iovec rest = {(void *)"efghij", 6};
    call(&d, &rest, 1, 6);
    read_requests(&d, &s, 5);
    call(&d, &iov, 1, strlen(h));
    CHECK(d.c->unframed && d.c->answered == 5 && d.c->cur == d.c->ring[4], "back to the usual exchange");
    read_requests(&d, &s, 6); /* sent while the response still owed 6 bytes */
    call(&d, &rest, 1, 6);
    CHECK(d.c->resp_lost && d.c->cur == d.c->ring[5] && d.c->heads == 6,
          "a request read while the response was still being written, then a write that is not a status "
          "line: responses lost, the newest request current");
    conn_unref(d.c);
}

int main(void)
{
    unit_seed(5);
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, GUARDED + (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m + GUARDED, (size_t)page, PROT_NONE) != 0)
        return 1;
    guard = m;
    settings_load(&reqtag_cfg, NULL, NULL);
    reqtag_cfg.summary = true;
    test_cases();
    agree(false, 0, "plain responses, any calls");
    agree(true, 0, "hostile responses, any calls");
    agree(true, 1, "hostile responses, byte by byte");
    reqtag_cfg.summary = false;
    test_unframed();
    reqtag_cfg.echo = true; /* the framing is followed without summaries too when echoing */
    agree(true, 0, "hostile responses, no summaries, echo");
    return unit_done();
}
