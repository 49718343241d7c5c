/* fuzz_lines.c -- libFuzzer: line assembly driven by random writes and flushes sends exactly the tagged lines, whole except where lines.h allows. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "lines.h"

/* Input: byte 0 picks the buffer's size; then operations, one byte each (bits 0-2 what: 0-5 a
 * write, 6 the next emit call fails, 7 a flush; bits 3-4 the fd, 5-6 the tag), a write followed by
 * a length byte and that many bytes. */
enum { NFD = 4, OUT_CAP = 1 << 20 };

static const char *const tags[4] = {"", "T: ", "[id=abc] ", "[a-tag-longer-than-a-small-buffer-is....] "};
static const size_t caps[4] = {0, 8, 64, 4096};

/* What left through emit, per fd, and what should have: the model's bytes. */
static struct {
    char out[NFD][OUT_CAP], want[NFD][OUT_CAP];
    size_t nout[NFD], nwant[NFD];
    int calls;
    int last_fd;      /* fd of the last emit call */
    size_t last_len;  /* its bytes */
    bool last_nl;     /* ... ended in a newline */
    int other_calls;  /* calls for an fd other than the one written to */
    int mid_calls;    /* calls not ending in a newline, for the fd written to */
    int write_fd;
    bool fail, failed; /* the next call fails; one did */
} lg;

static int emit(void *arg, int fd, struct iovec *iov, int iovcnt)
{
    (void)arg;
    if (fd < 1 || fd > NFD || iovcnt < 1 || iovcnt > LINES_IOV)
        fuzz_fail("emit: fd %d, %d iovecs", fd, iovcnt);
    if (lg.fail) {
        lg.fail = false;
        lg.failed = true;
        errno = EPIPE;
        return -1;
    }
    size_t len = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len == 0 || lg.nout[fd - 1] + iov[i].iov_len > OUT_CAP)
            fuzz_fail("emit: iovec %d of %zu bytes", i, iov[i].iov_len);
        memcpy(lg.out[fd - 1] + lg.nout[fd - 1], iov[i].iov_base, iov[i].iov_len);
        lg.nout[fd - 1] += iov[i].iov_len;
        len += iov[i].iov_len;
    }
    /* The previous mid-line call on the written fd must have been the last: a later one with
     * lines in it would have cut a line without cause. */
    if (lg.mid_calls > 0 && fd == lg.write_fd)
        fuzz_fail("emit: a call after a piece without its newline, in one write");
    lg.calls++;
    lg.last_fd = fd;
    lg.last_len = len;
    lg.last_nl = lg.out[fd - 1][lg.nout[fd - 1] - 1] == '\n';
    if (fd != lg.write_fd)
        lg.other_calls++;
    else if (!lg.last_nl)
        lg.mid_calls++;
    return 0;
}

/* The thread's one line as the model sees it: which fd, and whether the next byte starts a line. */
struct model {
    int fd;
    bool at_start;
};

static void model_write(struct model *m, int fd, const char *tag, const char *p, size_t n)
{
    if (fd != m->fd) {
        m->fd = fd;
        m->at_start = true; /* a line left open on the old fd is not continued by these bytes */
    }
    char *w = lg.want[fd - 1];
    size_t *nw = &lg.nwant[fd - 1];
    for (size_t i = 0; i < n; i++) {
        if (m->at_start) {
            memcpy(w + *nw, tag, strlen(tag));
            *nw += strlen(tag);
        }
        w[(*nw)++] = p[i];
        m->at_start = p[i] == '\n';
    }
}

/* After every call: what left is what the model says, and what is held is at most one piece of
 * one line of the current fd, fitting the buffer. */
static void check_state(const struct lines *l, const struct model *m, size_t cap)
{
    for (int f = 0; f < NFD; f++) {
        size_t out = lg.nout[f], want = lg.nwant[f];
        if (out > want || memcmp(lg.out[f], lg.want[f], out) != 0) {
            fuzz_dump("sent", lg.out[f], out);
            fuzz_dump("want", lg.want[f], want);
            fuzz_fail("fd %d: the bytes sent are not the tagged lines", f + 1);
        }
        size_t held = want - out;
        if (held > 0 && (f + 1 != m->fd || held > cap || memchr(lg.want[f] + out, '\n', held) != NULL))
            fuzz_fail("fd %d: %zu bytes held (buffer %zu, current fd %d) or a newline among them", f + 1, held, cap,
                      m->fd);
    }
    if (lines_busy(l) != !m->at_start)
        fuzz_fail("lines_busy %d while the line is %s", lines_busy(l), m->at_start ? "done" : "open");
}

/* After a call: false when no emit failed (and the call said so); true when one did, the call
 * said -1 with its errno and holds nothing: what had left is the model's start, the rest is
 * dropped as a failed write drops it, and the model starts over from there. */
static bool failed(int rc, const struct lines *l, struct model *m)
{
    if (!lg.failed) {
        if (rc != 0)
            fuzz_fail("a call failed with an emit that did not");
        return false;
    }
    lg.failed = false;
    if (rc != -1 || errno != EPIPE || lines_busy(l))
        fuzz_fail("after a failed emit: %d, errno %d, busy %d", rc, errno, lines_busy(l));
    for (int f = 0; f < NFD; f++) {
        if (lg.nout[f] > lg.nwant[f] || memcmp(lg.out[f], lg.want[f], lg.nout[f]) != 0)
            fuzz_fail("fd %d: the bytes sent before the failure are not the tagged lines", f + 1);
        lg.nwant[f] = lg.nout[f];
    }
    m->fd = l->fd;
    m->at_start = true;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static char store[4096];
    if (size == 0)
        return 0;
    memset(lg.nout, 0, sizeof lg.nout);
    memset(lg.nwant, 0, sizeof lg.nwant);
    lg.fail = lg.failed = false;
    size_t cap = caps[in[0] & 3];
    struct lines l = {cap != 0 ? store : NULL, cap, 0, -1, false};
    struct model m = {-1, true};
    for (size_t i = 1; i < size;) {
        uint8_t op = in[i++];
        int fd = 1 + ((op >> 3) & 3);
        const char *tag = tags[(op >> 5) & 3];
        lg.calls = lg.other_calls = lg.mid_calls = 0;
        lg.write_fd = fd;
        if ((op & 7) == 6) {
            lg.fail = true;
            continue;
        }
        if ((op & 7) == 7) {
            lg.write_fd = l.fd;
            if (failed(lines_flush(&l, emit, NULL), &l, &m))
                continue;
            if (lg.calls > 1 || (l.fd > 0 && lg.nwant[l.fd - 1] != lg.nout[l.fd - 1]))
                fuzz_fail("lines_flush: %d calls, or bytes still held", lg.calls);
            check_state(&l, &m, cap);
            continue;
        }
        size_t n = i < size ? in[i++] : 0;
        n = n < size - i ? n : size - i;
        char *p = n > 0 ? fuzz_copy(in + i, n) : NULL;
        i += n;
        bool whole = n > 0 && lines_whole(&l, p, n);
        bool own = n > 0 && !lines_busy(&l) && p[n - 1] == '\n' && memchr(p, '\n', n - 1) == NULL;
        if (whole != own)
            fuzz_fail("lines_whole says %d, its rule %d", whole, own);
        int old_fd = l.fd;
        size_t before = lg.nout[fd - 1];
        int rc = lines_write(&l, fd, tag, strlen(tag), p, n, emit, NULL);
        model_write(&m, fd, tag, p, n);
        if (failed(rc, &l, &m)) {
            check_state(&l, &m, cap);
            free(p);
            continue;
        }
        /* Another fd's calls: only the flush of what it held, before this write's own. */
        if (lg.other_calls > 1 || (lg.other_calls == 1 && old_fd == fd))
            fuzz_fail("%d calls for another fd than %d (was %d)", lg.other_calls, fd, old_fd);
        /* A piece without its newline leaves only when it would not fit the buffer. */
        if (lg.mid_calls == 1 && lg.last_len <= cap)
            fuzz_fail("a piece of %zu bytes sent though the buffer holds %zu", lg.last_len, cap);
        if (whole && (lg.calls != 1 || lg.nout[fd - 1] - before != strlen(tag) + n || lines_busy(&l) || l.len != 0))
            fuzz_fail("lines_whole: %d calls, %zu bytes for %zu, busy %d after", lg.calls, lg.nout[fd - 1] - before,
                      strlen(tag) + n, lines_busy(&l));
        check_state(&l, &m, cap);
        free(p);
    }
    lg.calls = lg.other_calls = lg.mid_calls = 0;
    lg.write_fd = l.fd;
    failed(lines_flush(&l, emit, NULL), &l, &m);
    for (int f = 0; f < NFD; f++)
        if (lg.nout[f] != lg.nwant[f]) {
            fuzz_dump("sent", lg.out[f], lg.nout[f]);
            fuzz_dump("want", lg.want[f], lg.nwant[f]);
            fuzz_fail("fd %d: after the last flush, %zu bytes sent for %zu", f + 1, lg.nout[f], lg.nwant[f]);
        }
    return 0;
}
