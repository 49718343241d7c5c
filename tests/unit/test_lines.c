/* test_lines.c -- unit tests for per-thread line assembly (shim/lines.c) through a recording emit. */
#include <errno.h>
#include <string.h>

#include "lines.h"
#include "unit.h"

/* Every emit call, its bytes appended to one log; fail_errno set: emit fails with it. */
struct call {
    int fd, iovcnt;
    size_t off, len;
};

struct log {
    char bytes[1 << 20];
    size_t n;
    struct call calls[8192];
    int ncalls, failed;
    int fail_errno;
    bool bad_iov; /* an emit got fewer than 1 or more than LINES_IOV iovecs */
};

static int emit(void *arg, int fd, struct iovec *iov, int iovcnt)
{
    struct log *lg = arg;
    if (iovcnt < 1 || iovcnt > LINES_IOV)
        lg->bad_iov = true;
    if (lg->fail_errno) {
        lg->failed++;
        errno = lg->fail_errno;
        return -1;
    }
    struct call *c = &lg->calls[lg->ncalls++];
    *c = (struct call){fd, iovcnt, lg->n, 0};
    for (int i = 0; i < iovcnt; i++) {
        memcpy(lg->bytes + lg->n, iov[i].iov_base, iov[i].iov_len);
        lg->n += iov[i].iov_len;
    }
    c->len = lg->n - c->off;
    return 0;
}

static struct log lg;
static char store[4096];

static void reset(struct lines *l, char *buf, size_t cap)
{
    memset(&lg, 0, sizeof lg);
    *l = (struct lines){buf, cap, 0, -1, false};
}

/* Call i was on fd with exactly these bytes. */
static bool call_is(int i, int fd, const char *s)
{
    if (i >= lg.ncalls)
        return false;
    const struct call *c = &lg.calls[i];
    return c->fd == fd && c->len == strlen(s) && memcmp(lg.bytes + c->off, s, c->len) == 0;
}

static bool all_is(const char *s)
{
    return lg.n == strlen(s) && memcmp(lg.bytes, s, lg.n) == 0 && !lg.bad_iov;
}

static int wr(struct lines *l, int fd, const char *tag, const char *s)
{
    return lines_write(l, fd, tag, strlen(tag), s, strlen(s), emit, &lg);
}

static void dump(void)
{
    for (int i = 0; i < lg.ncalls; i++)
        unit_diag("call %d fd %d: \"%.*s\"", i, lg.calls[i].fd, (int)lg.calls[i].len,
                  lg.bytes + lg.calls[i].off);
}

static void test_basic(void)
{
    struct lines l;
    reset(&l, store, sizeof store);
    int rc = wr(&l, 2, "TAG", "hello\n");
    CHECK(rc == 0 && lg.ncalls == 1 && call_is(0, 2, "TAGhello\n") && !lines_busy(&l),
          "a whole line in one write: one emit call, tag + line");

    reset(&l, store, sizeof store);
    rc = wr(&l, 2, "TAG", "a\nbb\nccc\n");
    bool whole = true;
    for (int i = 0; i < lg.ncalls; i++)
        whole = whole && lg.bytes[lg.calls[i].off + lg.calls[i].len - 1] == '\n';
    CHECK(rc == 0 && all_is("TAGa\nTAGbb\nTAGccc\n") && whole && !lines_busy(&l),
          "three lines in one write: each tagged, whole lines per call");

    reset(&l, store, sizeof store);
    rc = wr(&l, 2, "TAG", "hel");
    bool none = lg.ncalls == 0 && lines_busy(&l);
    rc |= wr(&l, 2, "TAG", "lo wo");
    none = none && lg.ncalls == 0;
    rc |= wr(&l, 2, "TAG", "rld\n");
    CHECK(rc == 0 && none, "a line in 3 pieces: nothing emitted before the newline");
    CHECK(lg.ncalls == 1 && call_is(0, 2, "TAGhello world\n") && !lines_busy(&l),
          "a line in 3 pieces: then ONE emit call with tag + whole line");
    if (lg.ncalls != 1)
        dump();

    reset(&l, store, sizeof store);
    rc = wr(&l, 2, "A: ", "start ");
    rc |= wr(&l, 2, "B: ", "end\n");
    CHECK(rc == 0 && lg.ncalls == 1 && call_is(0, 2, "A: start end\n"),
          "a line is tagged with the tag it started with");

    reset(&l, store, sizeof store);
    rc = wr(&l, 2, "", "plain\n");
    rc |= wr(&l, 2, "", "pie");
    rc |= wr(&l, 2, "", "ce\n");
    CHECK(rc == 0 && all_is("plain\npiece\n"), "taglen 0: untagged");
}

static void test_flush(void)
{
    struct lines l;
    reset(&l, store, sizeof store);
    int rc = wr(&l, 2, "TAG", "part");
    rc |= lines_flush(&l, emit, &lg);
    CHECK(rc == 0 && lg.ncalls == 1 && call_is(0, 2, "TAGpart") && lines_busy(&l) && l.len == 0,
          "lines_flush sends the pending piece tagged; the line stays open");
    rc = wr(&l, 2, "TAG", " rest\n");
    CHECK(rc == 0 && lg.ncalls == 2 && call_is(1, 2, " rest\n") && !lines_busy(&l),
          "the rest of a flushed line is not tagged again");
    rc = wr(&l, 2, "TAG", "next\n");
    CHECK(rc == 0 && lg.ncalls == 3 && call_is(2, 2, "TAGnext\n"), "the line after a flushed one is tagged");

    reset(&l, store, sizeof store);
    rc = lines_flush(&l, emit, &lg);
    CHECK(rc == 0 && lg.ncalls == 0 && !lines_busy(&l), "lines_flush with nothing pending emits nothing");

    reset(&l, store, sizeof store);
    rc = wr(&l, 2, "T2 ", "abc");
    rc |= wr(&l, 5, "T5 ", "xyz\n");
    CHECK(rc == 0 && lg.ncalls == 2 && call_is(0, 2, "T2 abc") && call_is(1, 5, "T5 xyz\n"),
          "bytes for fd 5 first flush fd 2's pending piece");
    if (lg.ncalls != 2)
        dump();
}

static void test_cap(void)
{
    struct lines l;
    char small[16];
    reset(&l, small, sizeof small);
    int rc = wr(&l, 2, "TAG", "0123456789abcdefghij");
    CHECK(rc == 0 && lg.ncalls >= 1 && all_is("TAG0123456789abcdefghij") && l.len == 0,
          "a piece larger than cap leaves at once, tagged");
    rc = wr(&l, 2, "TAG", "klm\n");
    CHECK(rc == 0 && all_is("TAG0123456789abcdefghijklm\n"), "and its line continues untagged");
    rc = wr(&l, 2, "TAG", "n\n");
    CHECK(rc == 0 && all_is("TAG0123456789abcdefghijklm\nTAGn\n"), "and the next line is tagged");

    reset(&l, small, sizeof small);
    rc = wr(&l, 2, "TAG", "abcdef");
    bool held = lg.ncalls == 0;
    rc |= wr(&l, 2, "TAG", "ghijklmnop");
    rc |= wr(&l, 2, "TAG", "q\nr\n");
    CHECK(rc == 0 && held && all_is("TAGabcdefghijklmnopq\nTAGr\n"),
          "pieces that together overflow cap: the line is tagged once");

    reset(&l, NULL, 0);
    rc = wr(&l, 2, "TAG", "abc");
    bool out = all_is("TAGabc") && l.len == 0;
    rc |= wr(&l, 2, "TAG", "def\n");
    rc |= wr(&l, 2, "TAG", "x\n");
    CHECK(rc == 0 && out && all_is("TAGabcdef\nTAGx\n"), "buf NULL, cap 0: nothing held, tagged once");
}

static void test_fail(void)
{
    struct lines l;
    reset(&l, store, sizeof store);
    int rc = wr(&l, 2, "TAG", "abc");
    lg.fail_errno = EPIPE;
    errno = 0;
    rc = wr(&l, 2, "TAG", "def\n");
    CHECK(rc == -1 && errno == EPIPE && l.len == 0, "a failing emit: -1 with its errno, pending dropped");

    reset(&l, store, sizeof store);
    rc = wr(&l, 2, "TAG", "abc");
    lg.fail_errno = EIO;
    errno = 0;
    rc = lines_flush(&l, emit, &lg);
    CHECK(rc == -1 && errno == EIO && l.len == 0, "lines_flush with a failing emit: -1 with its errno");

    reset(&l, store, sizeof store);
    lg.fail_errno = ENOSPC;
    errno = 0;
    rc = wr(&l, 2, "TAG", "whole\n");
    CHECK(rc == -1 && errno == ENOSPC && l.len == 0, "a whole line with a failing emit: -1 with its errno");
    lg.fail_errno = 0;
    rc = wr(&l, 2, "TAG", "after\n");
    CHECK(rc == 0 && all_is("TAGafter\n"), "after a failure the next whole line goes out tagged");
}

static void test_many(void)
{
    struct lines l;
    char in[4096], exp[8192];
    size_t n = 0, e = 0;
    for (int i = 0; i < 3 * LINES_IOV; i++) {
        n += (size_t)sprintf(in + n, "L%03d\n", i);
        e += (size_t)sprintf(exp + e, "[t] L%03d\n", i);
    }
    reset(&l, store, sizeof store);
    int rc = lines_write(&l, 2, "[t] ", 4, in, n, emit, &lg);
    bool whole = true;
    for (int i = 0; i < lg.ncalls; i++) {
        const struct call *c = &lg.calls[i];
        whole = whole && c->len > 0 && lg.bytes[c->off + c->len - 1] == '\n' &&
                memcmp(lg.bytes + c->off, "[t] L", 5) == 0;
    }
    CHECK(rc == 0 && lg.ncalls > 1 && whole && all_is(exp),
          "%d lines in one write: several emit calls of whole lines, at most LINES_IOV iovecs each",
          3 * LINES_IOV);
    if (!(lg.ncalls > 1 && whole))
        unit_diag("%d calls, whole lines: %d, bad iovcnt: %d", lg.ncalls, whole, lg.bad_iov);
}

/* Random lines written in random pieces must come out as tag + line, byte for byte. */
static void test_random(size_t cap)
{
    static char text[65536], exp[131072];
    static const char tag[] = "<req-1> ";
    size_t tl = strlen(tag), n = 0, e = 0;
    while (n < sizeof text - 200) {
        unsigned len = unit_rnd(120);
        memcpy(exp + e, tag, tl);
        e += tl;
        for (unsigned i = 0; i < len; i++)
            text[n++] = exp[e++] = (char)(' ' + unit_rnd(95));
        text[n++] = exp[e++] = '\n';
    }
    memcpy(exp + e, tag, tl); /* a last line without newline, sent by lines_flush */
    e += tl;
    for (int i = 0; i < 10; i++)
        text[n++] = exp[e++] = 'z';

    struct lines l;
    reset(&l, store, cap);
    int rc = 0;
    for (size_t i = 0; i < n;) {
        size_t piece = 1 + unit_rnd(60);
        piece = piece > n - i ? n - i : piece;
        rc |= lines_write(&l, 2, tag, tl, text + i, piece, emit, &lg);
        i += piece;
    }
    rc |= lines_flush(&l, emit, &lg);
    bool whole = true; /* with room for every line, each call holds whole lines (the flush aside) */
    for (int i = 0; i + 1 < lg.ncalls; i++)
        whole = whole && lg.bytes[lg.calls[i].off + lg.calls[i].len - 1] == '\n' &&
                memcmp(lg.bytes + lg.calls[i].off, tag, tl) == 0;
    bool same = lg.n == e && memcmp(lg.bytes, exp, e) == 0;
    CHECK(rc == 0 && same && !lg.bad_iov && (cap < 256 || whole),
          "random pieces, cap %zu: output is tags plus input, byte for byte%s", cap,
          cap < 256 ? "" : ", whole lines per call");
    if (!same) {
        size_t d = 0;
        while (d < lg.n && d < e && lg.bytes[d] == exp[d])
            d++;
        unit_diag("%zu bytes out, %zu expected; first difference at %zu", lg.n, e, d);
    }
}

/* lines_whole(): where it says yes, a caller sending tag + bytes itself (out.c's single-buffer path)
 * must produce what lines_write would have: the same bytes in the same emit calls, the same state. */
static void test_whole(void)
{
    struct lines l;
    reset(&l, store, sizeof store);
    CHECK(lines_whole(&l, "a line\n", 7) && lines_whole(&l, "\n", 1), "a whole line, nothing held: whole");
    CHECK(!lines_whole(&l, "two\nlines\n", 10) && !lines_whole(&l, "piece", 5) &&
              !lines_whole(&l, "a\nb", 3),
          "two lines, no newline, a newline inside: not whole");
    (void)wr(&l, 2, "TAG", "held");
    CHECK(!lines_whole(&l, " end\n", 5), "a piece held: not whole");
    (void)lines_flush(&l, emit, &lg);
    CHECK(!lines_whole(&l, " end\n", 5), "a line open after a flush: not whole");
    (void)wr(&l, 2, "TAG", " end\n");
    CHECK(lines_whole(&l, "next\n", 5), "once the line ended: whole again");

    /* The same random writes twice: through lines_write only, and taking the shortcut. */
    static char text[32768];
    static struct log slow;
    static const char tag[] = "[id-7] ";
    size_t tl = strlen(tag), n = 0;
    while (n < sizeof text - 100) {
        unsigned len = unit_rnd(80);
        for (unsigned i = 0; i < len; i++)
            text[n++] = (char)(' ' + unit_rnd(95));
        text[n++] = '\n';
    }
    int shortcuts = 0;
    bool same_state = true;
    struct lines after_slow = l;
    for (int pass = 0; pass < 2; pass++) {
        reset(&l, store, sizeof store);
        unsigned long long seed = unit_rng;
        for (size_t i = 0; i < n;) {
            /* Half the writes end at the next newline (so some are whole lines), half are random. */
            const char *nl = memchr(text + i, '\n', n - i);
            size_t piece = unit_rnd(2) ? (size_t)(nl - (text + i)) + 1 : 1 + unit_rnd(90);
            piece = piece > n - i ? n - i : piece;
            if (pass == 1 && lines_whole(&l, text + i, piece)) {
                struct iovec iov[2] = {{(void *)tag, tl}, {text + i, piece}};
                (void)emit(&lg, 2, iov, 2);
                shortcuts++;
            } else {
                (void)lines_write(&l, 2, tag, tl, text + i, piece, emit, &lg);
            }
            i += piece;
        }
        (void)lines_flush(&l, emit, &lg);
        if (pass == 0) {
            slow = lg;
            after_slow = l;
            unit_rng = seed;
        } else {
            same_state = l.len == after_slow.len && l.open == after_slow.open;
        }
    }
    bool same = lg.n == slow.n && memcmp(lg.bytes, slow.bytes, lg.n) == 0 && lg.ncalls == slow.ncalls;
    for (int i = 0; same && i < lg.ncalls; i++)
        same = lg.calls[i].off == slow.calls[i].off && lg.calls[i].len == slow.calls[i].len;
    CHECK(same && same_state && shortcuts > 100,
          "random writes: taking the shortcut where lines_whole says so changes no byte and no call (%d taken)",
          shortcuts);
}

int main(void)
{
    unit_seed(42);
    test_basic();
    test_flush();
    test_cap();
    test_fail();
    test_many();
    test_random(sizeof store);
    test_random(32);
    test_random(0);
    test_whole();
    return unit_done();
}
