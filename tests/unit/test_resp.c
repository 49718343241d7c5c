/* test_resp.c -- unit tests for the incremental HTTP/1.x response scanner (shim/resp.c). */
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "unit.h"

/* One scanner fed piece by piece, acting like its caller: after each head it calls resp_body()
 * with no_body for 1xx, 204, 304 and answers to HEAD requests. What it reported, as text:
 * "H<end>:<code>" per head, "U"/"U!" for resp_unseen() true/false, "OPAQUE" once. */
struct run {
    struct resp r;
    const char *heads;  /* heads[k] == 'h': response k answers a HEAD request */
    size_t nheads;      /* final (non-1xx) heads seen */
    size_t off;         /* stream offset: bytes fed plus bytes unseen */
    size_t boff;        /* buffer offset: bytes fed */
    size_t gap;         /* at this buffer offset, gap_n bytes go by unseen (gap_n 0: none) */
    uint64_t gap_n;
    bool gap_done, opaque, bad;
    char why[160];
    char desc[512];
};

static void run_add(struct run *r, const char *text)
{
    size_t n = strlen(r->desc);
    snprintf(r->desc + n, sizeof r->desc - n, "%s%s", n ? " " : "", text);
}

static void run_bad(struct run *r, const char *why, size_t at)
{
    if (!r->bad)
        snprintf(r->why, sizeof r->why, "%s (at byte %zu)", why, at);
    r->bad = true;
}

/* Feed one piece (never across the gap), calling resp_feed until it is used up. */
static void feed_piece(struct run *r, const char *p, size_t n)
{
    for (size_t done = 0; done < n && !r->bad;) {
        enum resp_status st = (enum resp_status)99;
        uint16_t code = 0;
        size_t left = n - done, at = r->off + done, c = resp_feed(&r->r, p + done, left, &st, &code);
        if (c > left)
            return run_bad(r, "consumed more than it was given", at);
        if (st == RESP_HEAD) {
            if (c == 0 || r->opaque)
                run_bad(r, c ? "RESP_HEAD after RESP_OPAQUE" : "RESP_HEAD consuming nothing", at);
            char text[48];
            snprintf(text, sizeof text, "H%zu:%u", at + c, code);
            run_add(r, text);
            bool interim = code >= 100 && code < 200;
            bool head_req = !interim && r->heads && r->nheads < strlen(r->heads) && r->heads[r->nheads] == 'h';
            r->nheads += !interim;
            resp_body(&r->r, interim || head_req || code == 204 || code == 304);
        } else if (st == RESP_DONE) {
            if (c == 0 || r->opaque)
                run_bad(r, c ? "RESP_DONE after RESP_OPAQUE" : "RESP_DONE consuming nothing", at);
        } else if (st == RESP_NEED_MORE || st == RESP_OPAQUE) {
            if (c != left)
                run_bad(r, "RESP_NEED_MORE/RESP_OPAQUE without consuming everything", at);
            if (st == RESP_NEED_MORE && r->opaque)
                run_bad(r, "RESP_NEED_MORE after RESP_OPAQUE", at);
            if (st == RESP_OPAQUE && !r->opaque)
                run_add(r, "OPAQUE");
            r->opaque |= st == RESP_OPAQUE;
        } else {
            run_bad(r, "unknown status", at);
        }
        done += c;
    }
    r->off += n;
    r->boff += n;
}

static void gap(struct run *r)
{
    if (r->gap_n && !r->gap_done && r->boff == r->gap) {
        r->gap_done = true;
        r->off += r->gap_n;
        run_add(r, resp_unseen(&r->r, r->gap_n) ? "U" : "U!");
    }
}

/* Feed a piece, cutting it at the gap. */
static void feed(struct run *r, const char *p, size_t n)
{
    while (n > 0) {
        gap(r);
        size_t k = n;
        if (r->gap_n && !r->gap_done && r->gap > r->boff && r->gap - r->boff < k)
            k = r->gap - r->boff;
        feed_piece(r, p, k);
        p += k;
        n -= k;
    }
    gap(r);
}

/* How to feed one input: the bytes, and optionally gap_n unseen bytes after the first gap bytes. */
struct input {
    const char *buf, *heads;
    size_t len, gap;
    uint64_t gap_n;
};

/* Feed in one way (cut > 0: two feeds split there; step > 0: pieces of step bytes; step < 0:
 * random pieces; both 0: one buffer) and compare with exp. */
static bool one_way(const struct input *in, size_t cut, int step, const char *exp, const char *mode)
{
    static struct run r;
    memset(&r, 0, sizeof r);
    resp_init(&r.r);
    r.heads = in->heads;
    r.gap = in->gap;
    r.gap_n = in->gap_n;
    if (cut) {
        feed(&r, in->buf, cut);
        feed(&r, in->buf + cut, in->len - cut);
    } else {
        for (size_t i = 0, piece; i < in->len; i += piece) {
            piece = unit_piece(step, in->len - i, 12);
            feed(&r, in->buf + i, piece);
        }
    }
    if (!r.bad && strcmp(r.desc, exp) == 0)
        return true;
    unit_diag("%s: expected \"%s\", got \"%s\"%s%s", mode, exp, r.desc, r.bad ? "; " : "", r.why);
    return false;
}

/* Every way of cutting the input must report exp: whole, split at every byte, bytes, 7s, random. */
static bool resp_ways(const struct input *in, const char *exp)
{
    char mode[32];
    if (!one_way(in, 0, 0, exp, "one buffer"))
        return false;
    for (size_t k = 1; k < in->len; k++) {
        snprintf(mode, sizeof mode, "split at %zu", k);
        if (!one_way(in, k, 0, exp, mode))
            return false;
    }
    if (!one_way(in, 0, 1, exp, "one byte at a time") || !one_way(in, 0, 7, exp, "7-byte pieces"))
        return false;
    for (int round = 0; round < 20; round++)
        if (!one_way(in, 0, -1, exp, "random pieces"))
            return false;
    return true;
}

/* Build buf from NULL-ended parts; "|" marks a head end: exp gets "H<offset>:<code>" there, the
 * code taken from the next status line. Returns the length. */
static size_t build(char *buf, char *exp, const char *const *parts)
{
    size_t n = 0;
    int code = 0;
    exp[0] = '\0';
    for (; *parts; parts++) {
        if (strcmp(*parts, "|") == 0) {
            sprintf(exp + strlen(exp), "%sH%zu:%d", exp[0] ? " " : "", n, code);
            continue;
        }
        if (strncmp(*parts, "HTTP/1.", 7) == 0)
            code = atoi(*parts + 9);
        n += (size_t)sprintf(buf + n, "%s", *parts);
    }
    return n;
}

/* Check that parts give their marked heads, plus `tail` (e.g. "OPAQUE") when not NULL. */
static void expect(const char *name, const char *heads, const char *tail, const char *const *parts)
{
    static char buf[8192];
    char exp[512];
    struct input in = {buf, heads, build(buf, exp, parts), 0, 0};
    if (tail)
        sprintf(exp + strlen(exp), "%s%s", exp[0] ? " " : "", tail);
    CHECK(resp_ways(&in, exp), "%s", name);
}

#define PARTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define OK200 "HTTP/1.1 200 OK\r\n"

static void test_framing(void)
{
    expect("200 with Content-Length, then a second response", NULL, NULL,
           PARTS(OK200 "Content-Length: 5\r\nServer: t\r\n\r\n", "|", "hello",
                 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "|"));
    expect("body bytes that look like a response are skipped", NULL, NULL,
           PARTS(OK200 "Content-Length: 19\r\n\r\n", "|", OK200 "\r\n", "HTTP/1.0 201 Created\r\nContent-Length: 2\r\n\r\n",
                 "|", "ok"));
    expect("chunked with extensions and trailers, then Content-Length", NULL, NULL,
           PARTS(OK200 "Transfer-Encoding: chunked\r\n\r\n", "|",
                 "5;x=1\r\nhello\r\n13\r\n" OK200 "\r\n\r\n0\r\nX-Trailer: 1\r\nEtag: \"a\"\r\n\r\n",
                 OK200 "Content-Length: 2\r\n\r\n", "|", "hi"));
    expect("chunked with bare LF lines", NULL, NULL,
           PARTS("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", "|", "3\nabc\n0\nT: 1\n\n",
                 "HTTP/1.1 500 Oops\nContent-Length: 0\n\n", "|"));
    expect("100 Continue, then the final 200", NULL, NULL,
           PARTS("HTTP/1.1 100 Continue\r\n\r\n", "|", OK200 "Content-Length: 3\r\n\r\n", "|", "abc",
                 "HTTP/1.1 204 No Content\r\n\r\n", "|"));
    expect("103 Early Hints with headers, then the final 200", NULL, NULL,
           PARTS("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", "|",
                 "HTTP/1.1 103 Early Hints\r\nLink: </b.js>\r\n\r\n", "|", OK200 "Content-Length: 1\r\n\r\n",
                 "|", "x", OK200 "Content-Length: 0\r\n\r\n", "|"));
    expect("204 with a Content-Length has no body", NULL, NULL,
           PARTS("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", "|",
                 OK200 "Content-Length: 0\r\n\r\n", "|"));
    expect("304 with a Content-Length has no body", NULL, NULL,
           PARTS("HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n", "|",
                 OK200 "Content-Length: 2\r\n\r\n", "|", "ok"));
    expect("answer to HEAD with Content-Length has no body", "h.", NULL,
           PARTS(OK200 "Content-Length: 1000\r\n\r\n", "|", OK200 "Content-Length: 2\r\n\r\n", "|", "ok",
                 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "|"));
    expect("answer to HEAD with chunked or an unusable length has no body either", "hh", NULL,
           PARTS(OK200 "Transfer-Encoding: chunked\r\n\r\n", "|", OK200 "Content-Length: x\r\n\r\n", "|",
                 OK200 "Content-Length: 0\r\n\r\n", "|"));
    expect("status line without a reason phrase", NULL, NULL,
           PARTS("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", "|", "x", "HTTP/1.1 404 \r\n\r\n", "|"));
    expect("Transfer-Encoding: chunked wins over Content-Length", NULL, NULL,
           PARTS(OK200 "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "|", "3\r\nabc\r\n0\r\n\r\n",
                 OK200 "Content-Length: 0\r\n\r\n", "|"));
    expect("Transfer-Encoding: gzip, chunked", NULL, NULL,
           PARTS(OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n", "|", "1\r\nz\r\n0\r\n\r\n",
                 OK200 "Content-Length: 0\r\n\r\n", "|"));
    expect("equal duplicate Content-Length values and OWS and leading zeros are fine", NULL, NULL,
           PARTS(OK200 "Content-Length:  005 \t\r\nContent-Length:5\r\n\r\n", "|", "hello",
                 OK200 "Content-Length: 0\r\n\r\n", "|"));
    expect("three pipelined responses in one buffer", NULL, NULL,
           PARTS(OK200 "Transfer-Encoding: chunked\r\n\r\n", "|", "2\r\nab\r\n0\r\n\r\n",
                 "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\n", "|", "abc",
                 "HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n", "|"));
}

static void test_opaque(void)
{
    expect("neither Content-Length nor chunked: opaque after resp_body", NULL, "OPAQUE",
           PARTS("HTTP/1.0 200 OK\r\nServer: t\r\n\r\n", "|", "body", OK200 "Content-Length: 0\r\n\r\n"));
    expect("Transfer-Encoding without chunked last: opaque", NULL, "OPAQUE",
           PARTS(OK200 "Transfer-Encoding: chunked, gzip\r\n\r\n", "|", "0\r\n\r\n", OK200 "\r\n\r\n"));
    static const char *const bad_cl[] = {"abc", "", "-1", "+5", "5x", "1 2", "0x10", "99999999999999999999",
                                         "5\r\nContent-Length: 6",
                                         "x\r\nContent-Length: 5", "5\r\nContent-Length: x"};
    for (size_t i = 0; i < sizeof bad_cl / sizeof bad_cl[0]; i++) {
        char head[128], name[128];
        snprintf(head, sizeof head, OK200 "Content-Length: %s\r\n\r\n", bad_cl[i]);
        snprintf(name, sizeof name, "invalid Content-Length \"%s\": opaque after resp_body", bad_cl[i]);
        for (char *c = name; *c; c++)
            *c = (*c == '\r' || *c == '\n') ? ' ' : *c;
        expect(name, NULL, "OPAQUE", PARTS(head, "|", "hello", OK200 "Content-Length: 0\r\n\r\n"));
    }
    static const char *const junk[] = {"SSH-2.0-OpenSSH_9.6\r\n", "hello world\r\n\r\n",
                                       "http/1.1 200 OK\r\n\r\n", "HTTP/2 200\r\n\r\n",
                                       "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
                                       "HTTP/1.1 2x0 OK\r\n\r\n",
                                       "\x16\x03\x01\x00\xa5\x01\x00\x00"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "not HTTP/1.x: opaque for good (junk %zu: %.12s)", i, junk[i]);
        for (char *c = name; *c; c++)
            *c = (*c < 32 || *c > 126) ? '.' : *c;
        expect(name, NULL, "OPAQUE", PARTS(junk[i], OK200 "Content-Length: 0\r\n\r\n"));
    }
    expect("a body-looking line after a complete response: opaque for good", NULL, "OPAQUE",
           PARTS(OK200 "Content-Length: 2\r\n\r\n", "|", "ok", "<html>body</html>\r\n",
                 OK200 "Content-Length: 0\r\n\r\n"));
    expect("malformed chunk size: opaque for good", NULL, "OPAQUE",
           PARTS(OK200 "Transfer-Encoding: chunked\r\n\r\n", "|", "zz\r\nhello\r\n0\r\n\r\n",
                 OK200 "Content-Length: 0\r\n\r\n"));

    struct resp r;
    enum resp_status st = RESP_HEAD;
    uint16_t code = 0;
    resp_init(&r);
    size_t c = resp_feed(&r, "SSH-2.0-x\r\n", 11, &st, &code);
    CHECK(c == 11 && st == RESP_OPAQUE, "RESP_OPAQUE consumes everything");
    resp_init(&r);
    c = resp_feed(&r, OK200 "\r\n", 19, &st, &code);
    CHECK(c == 19 && st == RESP_HEAD && code == 200, "resp_init restarts an opaque scanner");
    resp_abandon(&r);
    c = resp_feed(&r, OK200 "\r\n", 19, &st, &code);
    CHECK(c == 19 && st == RESP_OPAQUE, "resp_abandon makes it opaque");
}

static void test_names(void)
{
    static const char *const names[] = {"content-length: 3", "transfer-encoding: chunked"};
    for (int k = 0; k < 2; k++) {
        int letters[32], nl = 0;
        for (int i = 0; names[k][i] != ':'; i++)
            if (names[k][i] != '-')
                letters[nl++] = i;
        bool ok = true;
        for (int v = 0; v < 64 && ok; v++) {
            char line[64], buf[256], exp[64];
            strcpy(line, names[k]);
            for (int b = 0; b < nl; b++)  /* 64 case patterns spread over all the letters */
                if (((unsigned)v * 2654435761u >> (b % 32)) & 1)
                    line[letters[b]] = (char)(line[letters[b]] - 32);
            if (v == 1)  /* and the value in upper case too */
                for (char *c = strchr(line, ':'); *c; c++)
                    *c = (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : *c;
            int h = sprintf(buf, OK200 "%s\r\n\r\n", line);
            int n = h + sprintf(buf + h, "%s" OK200 "\r\n", k ? "3\r\nabc\r\n0\r\n\r\n" : "abc");
            sprintf(exp, "H%d:200 H%d:200", h, n);
            struct input in = {buf, NULL, (size_t)n, 0, 0};
            ok = one_way(&in, 0, 0, exp, "one buffer") && one_way(&in, 0, 1, exp, "bytes");
            if (!ok)
                unit_diag("header line %s", line);
        }
        CHECK(ok, "%.17s name matched in any letter case", names[k]);
    }
    expect("near-miss names do not frame the body", NULL, "OPAQUE",
           PARTS(OK200 "Content-Lengths: 1\r\nXContent-Length: 1\r\nContent-Lengt: 1\r\nContent-Length : 1\r\n"
                       "Transfer-Encodings: chunked\r\n\r\n",
                 "|", "x"));
}

/* Feed parts with gap_n bytes unseen where "^" is, and expect the heads marked plus tail. */
static void expect_gap(const char *name, uint64_t gap_n, const char *exp, const char *const *parts)
{
    static char buf[4096];
    struct input in = {buf, NULL, 0, 0, gap_n};
    for (; *parts; parts++) {
        if (strcmp(*parts, "^") == 0)
            in.gap = in.len;
        else
            in.len += (size_t)sprintf(buf + in.len, "%s", *parts);
    }
    CHECK(resp_ways(&in, exp), "%s", name);
}

static void test_unseen(void)
{
    /* Heads: CL100 is 40 bytes, CL0 and the 404 are 38 and 47. */
    const char *cl100 = OK200 "Content-Length: 100\r\n\r\n", *cl0 = OK200 "Content-Length: 0\r\n\r\n";
    expect_gap("sendfile'd bytes inside a length body; the next response is found", 60,
               "H40:200 U H178:200", PARTS(cl100, "012345678901234567890123456789", "^", "the end!!!", cl0));
    expect_gap("sendfile'd bytes making a whole length body", 100, "H40:200 U H178:200",
               PARTS(cl100, "^", cl0));
    expect_gap("sendfile'd bytes inside chunk data", 5, "H47:200 U H105:200",
               PARTS(OK200 "Transfer-Encoding: chunked\r\n\r\n", "a\r\nhello", "^", "\r\n0\r\n\r\n", cl0));
    expect_gap("sendfile'd bytes between responses: false, opaque", 5, "H38:200 U! OPAQUE",
               PARTS(OK200 "Content-Length: 2\r\n\r\n", "ok", "^", cl0));
    expect_gap("sendfile'd bytes longer than the body: false, opaque", 101, "H40:200 U! OPAQUE",
               PARTS(cl100, "^", cl0));
    expect_gap("sendfile'd bytes inside a head: false, opaque", 5, "U! OPAQUE",
               PARTS("HTTP/1.1 200 OK\r\nContent-", "^", "Length: 5\r\n\r\n", cl0));
    expect_gap("sendfile'd bytes in a chunk size line: false, opaque", 5, "H47:200 U! OPAQUE",
               PARTS(OK200 "Transfer-Encoding: chunked\r\n\r\n", "5", "^", "\r\nhello\r\n0\r\n\r\n", cl0));
}

int main(void)
{
    unit_seed(7);
    test_framing();
    test_opaque();
    test_names();
    test_unseen();
    return unit_done();
}
