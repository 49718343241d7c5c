/* test_body.c -- unit tests for skipping Content-Length and chunked bodies (shim/body.c). */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "unit.h"

/* What follows a body: bytes of the next message, never consumed. */
#define NEXT "GET / HTTP/1.1\r\n\r\n"

/* One body fed piece by piece; what it reported: "D<offset>", "BAD" or "MORE" (still going). */
struct run {
    struct body b;
    size_t off;  /* bytes consumed so far */
    bool ended;  /* BODY_DONE or BODY_BAD seen: nothing more is fed */
    bool bad;    /* a rule of the body_feed contract broke; why says which */
    char why[160];
    char desc[64];
};

static void run_init(struct run *r, bool chunked, uint64_t length)
{
    memset(r, 0, sizeof *r);
    body_start(&r->b, chunked, length);
}

static void run_bad(struct run *r, const char *why)
{
    if (!r->bad)
        snprintf(r->why, sizeof r->why, "%s (at byte %zu)", why, r->off);
    r->bad = true;
}

/* Feed one piece, calling body_feed until the piece is used up or the body ends. */
static void feed(struct run *r, const char *p, size_t n)
{
    size_t done = 0;
    while (!r->ended && !r->bad && done < n) {
        enum body_status st = (enum body_status)99;
        size_t left = n - done, c = body_feed(&r->b, p + done, left, &st);
        if (c > left)
            return run_bad(r, "consumed more than it was given");
        r->off += c;
        done += c;
        if (st == BODY_MORE && c != left)
            run_bad(r, "BODY_MORE without consuming everything");
        else if (st == BODY_BAD && c != left)
            run_bad(r, "BODY_BAD without consuming everything");
        else if (st == BODY_DONE)
            snprintf(r->desc, sizeof r->desc, "D%zu", r->off);
        else if (st == BODY_BAD)
            snprintf(r->desc, sizeof r->desc, "BAD");
        else if (st != BODY_MORE)
            run_bad(r, "unknown status");
        r->ended = st != BODY_MORE;
    }
}

/* Run one way of cutting buf (step 0: whole; step > 0: pieces of step bytes; step < 0: random). */
static bool one_way(bool chunked, uint64_t length, const char *buf, size_t len, size_t cut, int step,
                    const char *exp, const char *mode)
{
    static struct run r;
    run_init(&r, chunked, length);
    if (cut) {
        feed(&r, buf, cut);
        feed(&r, buf + cut, len - cut);
    } else {
        for (size_t i = 0, piece; i < len; i += piece) {
            piece = unit_piece(step, len - i, 12);
            feed(&r, buf + i, piece);
        }
    }
    if (!r.ended)
        snprintf(r.desc, sizeof r.desc, "MORE");
    if (!r.bad && strcmp(r.desc, exp) == 0)
        return true;
    unit_diag("%s: expected \"%s\", got \"%s\"%s%s", mode, exp, r.desc, r.bad ? "; " : "", r.why);
    return false;
}

/* Every way of cutting buf must report exp: whole, split at every byte, bytes, 7s, random. */
static bool body_ways(bool chunked, uint64_t length, const char *buf, const char *exp)
{
    size_t len = strlen(buf);
    char mode[32];
    if (!one_way(chunked, length, buf, len, 0, 0, exp, "one buffer"))
        return false;
    for (size_t k = 1; k < len; k++) {
        snprintf(mode, sizeof mode, "split at %zu", k);
        if (!one_way(chunked, length, buf, len, k, 0, exp, mode))
            return false;
    }
    if (!one_way(chunked, length, buf, len, 0, 1, exp, "one byte at a time") ||
        !one_way(chunked, length, buf, len, 0, 7, exp, "7-byte pieces"))
        return false;
    for (int round = 0; round < 20; round++)
        if (!one_way(chunked, length, buf, len, 0, -1, exp, "random pieces"))
            return false;
    return true;
}

/* A chunked body followed by NEXT must end right before NEXT. */
static void expect_chunked(const char *name, const char *body)
{
    char buf[1024], exp[32];
    snprintf(buf, sizeof buf, "%s%s", body, NEXT);
    snprintf(exp, sizeof exp, "D%zu", strlen(body));
    CHECK(body_ways(true, 0, buf, exp), "%s", name);
}

static void test_length(void)
{
    struct body b;
    enum body_status st = BODY_MORE;
    body_start(&b, false, 0);
    size_t c = body_feed(&b, "", 0, &st);
    CHECK(c == 0 && st == BODY_DONE, "Content-Length 0: BODY_DONE at once, even fed no bytes");
    CHECK(body_ways(false, 0, NEXT, "D0"), "Content-Length 0: nothing of the next message consumed");
    CHECK(body_ways(false, 10, "0123456789" NEXT, "D10"), "Content-Length 10: BODY_DONE at byte 10");
    CHECK(body_ways(false, 10, "0123456789", "D10"), "Content-Length 10 ending the buffer: BODY_DONE");
    CHECK(body_ways(false, 10, "012345678", "MORE"), "Content-Length 10, 9 bytes: BODY_MORE");
    CHECK(body_ways(false, 5, "0\r\n\r\n" NEXT, "D5"), "Content-Length data that looks chunked is data");

    static char big[70000];
    memset(big, 'x', 65536);
    strcpy(big + 65536, NEXT);
    CHECK(one_way(false, 65536, big, strlen(big), 0, 0, "D65536", "one buffer") &&
              one_way(false, 65536, big, strlen(big), 0, 7, "D65536", "7-byte pieces") &&
              one_way(false, 65536, big, strlen(big), 0, -1, "D65536", "random pieces"),
          "Content-Length 65536");
}

static void test_chunked(void)
{
    expect_chunked("one chunk", "5\r\nhello\r\n0\r\n\r\n");
    expect_chunked("no data chunks at all", "0\r\n\r\n");
    expect_chunked("lower-case hex sizes", "a\r\n0123456789\r\n1f\r\n0123456789012345678901234567890\r\n0\r\n\r\n");
    expect_chunked("upper-case hex sizes", "A\r\n0123456789\r\n1F\r\n0123456789012345678901234567890\r\n0\r\n\r\n");
    expect_chunked("leading zeros in sizes", "0005\r\nhello\r\n000\r\n\r\n");
    expect_chunked("15 hex digits accepted", "000000000000005\r\nhello\r\n0\r\n\r\n");
    expect_chunked("chunk extensions", "5;name=value\r\nhello\r\n3;a=\"b;c\";flag\r\nabc\r\n0;last=1\r\n\r\n");
    expect_chunked("white space before an extension", "5 ;x=1\r\nhello\r\n0\t;y\r\n\r\n");
    expect_chunked("trailers", "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nChecksum: abc\r\n\r\n");
    expect_chunked("bare LF line ends", "5\nhello\n0\nX-T: 1\n\n");
    expect_chunked("mixed CRLF and LF", "5\r\nhello\n3\nabc\r\n0\r\n\n");
    expect_chunked("chunk data that looks like framing", "13\r\n0\r\n\r\nGET / HTTP\r\n\r\n\r\n0\r\n\r\n");
    CHECK(body_ways(true, 0, "5\r\nhello\r\n0\r\nX-T: 1\r\n", "MORE"), "trailer without the empty line: BODY_MORE");
    CHECK(body_ways(true, 0, "5\r\nhello\r\n", "MORE"), "no last chunk yet: BODY_MORE");
}

static void test_malformed(void)
{
    static const struct {
        const char *name, *body;
    } bad[] = {
        {"non-hex size", "g\r\nhello\r\n0\r\n\r\n"},
        {"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"},
        {"negative size", "-5\r\nhello\r\n0\r\n\r\n"},
        {"empty size line", "\r\nhello\r\n0\r\n\r\n"},
        {"extension with no digits", ";ext\r\nhello\r\n0\r\n\r\n"},
        {"white space before the digits", " 5\r\nhello\r\n0\r\n\r\n"},
        {"16 hex digits", "0000000000000005\r\nhello\r\n0\r\n\r\n"},
        {"16 hex digits, huge", "ffffffffffffffff\r\nhello\r\n0\r\n\r\n"},
        {"no line end after chunk data", "5\r\nhelloX\r\n0\r\n\r\n"},
        {"bad size after a good chunk", "5\r\nhello\r\nzz\r\n0\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s%s", bad[i].body, NEXT);
        CHECK(body_ways(true, 0, buf, "BAD"), "malformed chunked body gives BODY_BAD: %s", bad[i].name);
    }
}

/* Start a body and feed it text, which must be all consumed with BODY_MORE. */
static bool prime(struct body *b, bool chunked, uint64_t length, const char *text)
{
    enum body_status st = BODY_DONE;
    body_start(b, chunked, length);
    return body_feed(b, text, strlen(text), &st) == strlen(text) && st == BODY_MORE;
}

static void test_unseen(void)
{
    struct body b;
    enum body_status st = BODY_BAD;
    bool ok = prime(&b, false, 10, "012") && body_unseen(&b, 4, &st);
    CHECK(ok && st == BODY_MORE, "unseen bytes inside length data: true, BODY_MORE");
    ok = body_unseen(&b, 3, &st);
    CHECK(ok && st == BODY_DONE, "unseen bytes ending a length body: true, BODY_DONE");
    size_t c = body_feed(&b, NEXT, strlen(NEXT), &st);
    CHECK(c == 0 && st == BODY_DONE, "after that body_feed consumes nothing: BODY_DONE");

    ok = prime(&b, false, 10, "") && body_unseen(&b, 10, &st);
    CHECK(ok && st == BODY_DONE, "a whole length body unseen: true, BODY_DONE");
    CHECK(prime(&b, false, 10, "0123") && !body_unseen(&b, 7, &st), "more than the length left: false");

    ok = prime(&b, true, 0, "5\r\nhe") && body_unseen(&b, 2, &st) && st == BODY_MORE;
    c = body_feed(&b, "o\r\n0\r\n\r\n" NEXT, strlen("o\r\n0\r\n\r\n" NEXT), &st);
    CHECK(ok && c == 8 && st == BODY_DONE, "unseen bytes inside chunk data: true, the chunk goes on");

    ok = prime(&b, true, 0, "5\r\n") && body_unseen(&b, 5, &st) && st == BODY_MORE;
    c = body_feed(&b, "\r\n0\r\n\r\n" NEXT, strlen("\r\n0\r\n\r\n" NEXT), &st);
    CHECK(ok && c == 7 && st == BODY_DONE, "unseen bytes ending a chunk: true, BODY_MORE; framing follows");

    CHECK(prime(&b, true, 0, "") && !body_unseen(&b, 1, &st), "before the first size line: false");
    CHECK(prime(&b, true, 0, "5") && !body_unseen(&b, 1, &st), "inside a size line: false");
    CHECK(prime(&b, true, 0, "5;ext") && !body_unseen(&b, 1, &st), "inside a chunk extension: false");
    CHECK(prime(&b, true, 0, "5\r\nhe") && !body_unseen(&b, 4, &st), "more than the chunk left: false");
    CHECK(prime(&b, true, 0, "5\r\nhello") && !body_unseen(&b, 1, &st), "in the CRLF after chunk data: false");
    CHECK(prime(&b, true, 0, "0\r\nX-T") && !body_unseen(&b, 1, &st), "inside the trailers: false");
}

int main(void)
{
    unit_seed(7);
    test_length();
    test_chunked();
    test_malformed();
    test_unseen();
    return unit_done();
}
