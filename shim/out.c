/* out.c -- the shim's own writes: line buffers per thread, write-everything loops. */
#include "out.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "lines.h"
#include "real.h"
#include "proc.h"
#include "record.h"
#include "strbuf.h"
#include "tag.h"

enum { LINE_BUF = 64 * 1024, FAST_LINE = 4096 };

/* Mapped right after the held-piece buffer: a whole line is built here, tag then line, and leaves
 * as one buffer. With a split format (tag_split) the leading literal stays in place between lines.
 * Lines of up to a few hundred bytes touch only its first page. */
struct fastbuf {
    bool pre_ready;   /* out starts with split.pre */
    char out[TAG_MAX + FAST_LINE + 16];  /* + 16: the 16-byte moves of the tag may overshoot */
};

#define MAP_SIZE (LINE_BUF + sizeof(struct fastbuf))

static pthread_key_t buf_key;
static int have_key;

/* Thread exit (return, pthread_exit, cancellation): the held piece leaves, the buffer goes. */
static void buf_release(void *buf)
{
    struct tstate *t = me();
    if (t->lines.buf == buf) {
        out_flush_mine();
        t->lines.buf = NULL;
        t->lines.cap = 0;
    }
    munmap(buf, MAP_SIZE);
}

/* The format as pre + ID + post, when it has that shape; fixed at load, like the format. A short
 * post is also kept padded to 16 bytes: copied whole, it is a couple of moves, not a call (the
 * bytes past it are overwritten by the line). */
static struct tag_split split;
static bool is_split;
static char post16[16];

void out_init(void)
{
    have_key = pthread_key_create(&buf_key, buf_release) == 0;
    is_split = tag_split(&reqtag_cfg.format, &split);
    if (is_split && split.postlen <= sizeof post16)
        memcpy(post16, split.post, split.postlen);
}

static void get_buffer(struct tstate *t)
{
    if (!have_key)
        return; /* without the exit hook a held piece could be lost: hold nothing */
    void *m = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return;
    if (pthread_setspecific(buf_key, m) != 0) {
        munmap(m, MAP_SIZE);
        return;
    }
    t->lines.buf = m;
    t->lines.cap = LINE_BUF;
}

static int wait_writable(int fd)
{
    int (*p)(struct pollfd *, nfds_t, int) = REAL(poll);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (p == NULL)
        return 0;
    while (p(&pfd, 1, -1) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* After a failed write: true when it is worth another try (EINTR; EAGAIN once fd is writable). */
static bool retry(int fd)
{
    return errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(fd) == 0);
}

/* Every byte of [p, p+n), in as few write calls as the kernel allows: 0, or -1 with errno. */
static inline __attribute__((always_inline)) int write_buf(int fd, const char *p, size_t n)
{
    ssize_t (*wr)(int, const void *, size_t) = REAL(write);
    if (wr == NULL) {
        errno = ENOSYS;
        return -1;
    }
    while (n > 0) {
        ssize_t w = wr(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w == 0) {
            errno = EIO;
            return -1;
        } else if (!retry(fd)) {
            return -1;
        }
    }
    return 0;
}

/* The same for an iovec array. */
static int write_all(int fd, struct iovec *iov, int iovcnt)
{
    if (iovcnt == 1)
        return write_buf(fd, iov->iov_base, iov->iov_len);
    ssize_t (*wv)(int, const struct iovec *, int) = REAL(writev);
    if (wv == NULL) {
        errno = ENOSYS;
        return -1;
    }
    while (iovcnt > 0) {
        ssize_t w = wv(fd, iov, iovcnt);
        if (w < 0) {
            if (retry(fd))
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        while (iovcnt > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* A short line in pieces (tag, held start, rest) leaves through one plain write: the kernel's
 * writev costs more per call than copying a few hundred bytes here. */
enum { JOIN_MAX = 1024 };

int out_emit(void *arg, int fd, struct iovec *iov, int iovcnt)
{
    (void)arg;
    char joined[JOIN_MAX];
    struct iovec one;
    size_t total = 0;
    for (int i = 0; i < iovcnt && total <= JOIN_MAX; i++)
        total += iov[i].iov_len;
    if (iovcnt > 1 && total <= JOIN_MAX) {
        size_t at = 0;
        for (int i = 0; i < iovcnt; i++) {
            memcpy(joined + at, iov[i].iov_base, iov[i].iov_len);
            at += iov[i].iov_len;
        }
        one = (struct iovec){joined, total};
        iov = &one;
        iovcnt = 1;
    }
    return write_all(fd, iov, iovcnt);
}

long out_tid(void)
{
    struct tstate *t = me();
    if (t->tid == 0) {
        int saved = errno;
        t->tid = (int)syscall(SYS_gettid);
        errno = saved;
    }
    return t->tid;
}

long out_pid(void)
{
    return proc_pid();
}

size_t out_tag(const struct reqctx *c, char *out, size_t cap)
{
    if (c->len == 0)
        return 0;
    struct tag_vars v = {.id = c->id, .idlen = c->len, .pid = -1, .tid = -1, .elapsed_ms = -1};
    if (tag_has_vars(&reqtag_cfg.format)) {
        v.pid = out_pid();
        v.tid = out_tid();
        v.elapsed_ms = (int64_t)(ctx_elapsed_ns(c) / 1000000u);
        v.method = c->method;
        v.mlen = c->mlen <= REQTAG_MAX_METHOD ? c->mlen : 0;
        v.path = c->path;
        v.plen = c->plen <= REQTAG_MAX_PATH ? c->plen : 0;
    }
    for (unsigned k = 0; k < reqtag_cfg.nfields && k < REQTAG_MAX_FIELDS; k++) {
        v.field[k] = c->field[k];
        v.flen[k] = c->flen[k] <= REQTAG_MAX_FIELD ? c->flen[k] : 0;
    }
    return tag_render_vars(&reqtag_cfg.format, &v, out, cap);
}

void out_record_ctx(const struct reqctx *c, struct record_ctx *rc)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *rc = (struct record_ctx){.sec = ts.tv_sec, .usec = ts.tv_nsec / 1000, .pid = out_pid(), .tid = out_tid()};
    if (c == NULL || c->len == 0)
        return;
    rc->id = c->id;
    rc->idlen = c->len;
    for (unsigned k = 0; k < reqtag_cfg.nfields && k < REQTAG_MAX_FIELDS; k++) {
        if (c->flen[k] == 0 || c->flen[k] > REQTAG_MAX_FIELD)
            continue;
        unsigned i = rc->nfields++;
        rc->fname[i] = reqtag_cfg.field_name[k];
        rc->fname_len[i] = reqtag_cfg.field_name_len[k];
        rc->fval[i] = c->field[k];
        rc->flen[i] = c->flen[k];
    }
}

/* logfmt/json: every complete line (and a flushed piece) becomes one record; one write for all. */
static int emit_records(void *arg, int fd, struct iovec *iov, int iovcnt)
{
    (void)arg;
    struct tstate *t = me();
    struct strbuf raw, out;
    strbuf_init(&raw);
    strbuf_init(&out);
    for (int i = 0; i < iovcnt; i++)
        strbuf_put(&raw, iov[i].iov_base, iov[i].iov_len);
    struct record_ctx rc;
    out_record_ctx(&t->ctx, &rc);
    for (size_t at = 0; at < raw.len;) {
        const char *nl = memchr(raw.p + at, '\n', raw.len - at);
        size_t len = nl ? (size_t)(nl - (raw.p + at)) : raw.len - at;
        if (strbuf_reserve(&out, record_max(len)) == 0) {
            const char *line = raw.p + at;
            out.len += reqtag_cfg.output == OUTPUT_JSON ? record_json(out.p + out.len, &rc, line, len)
                                                        : record_logfmt(out.p + out.len, &rc, line, len);
        }
        at += len + (nl ? 1 : 0);
    }
    struct iovec one = {out.p, out.len};
    int r = out.len > 0 ? out_emit(NULL, fd, &one, 1) : 0;
    int saved = errno;
    strbuf_free(&raw);
    strbuf_free(&out);
    errno = saved;
    return r;
}

static lines_emit_fn emitter(void)
{
    return reqtag_cfg.output == OUTPUT_TEXT ? out_emit : emit_records;
}

/* Any bytes: line assembly, through a batch of iovecs. */
static __attribute__((noinline)) int line_pieces(struct tstate *t, int fd, const char *p, size_t n)
{
    if (t->lines.buf == NULL)
        get_buffer(t);
    char tag[TAG_MAX];
    size_t taglen = 0;
    if (reqtag_cfg.output == OUTPUT_TEXT)
        taglen = out_tag(&t->ctx, tag, sizeof tag);
    return lines_write(&t->lines, fd, tag, taglen, p, n, emitter(), NULL);
}

/* An ID into the line buffer in 16-byte moves: an inlined memcpy of a short unknown length is a
 * rep movs, slow to start. Reads and writes up to 15 bytes past n: struct reqctx has that much
 * after id, fb->out has room for it (the tag's end and the line overwrite it). */
static void copy16(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i += 16)
        memcpy(dst + i, src + i, 16);
}

_Static_assert(offsetof(struct reqctx, id) + REQTAG_MAX_ID + 15 <= sizeof(struct reqctx), "copy16 reads past id");

/* One whole line and nothing held (what lines_write would send as tag + line in one emit): tag and
 * line are put side by side, the line copied once, and leave in one write without a batch. */
static int line_whole(struct tstate *t, int fd, const char *p, size_t n)
{
    struct fastbuf *fb = (struct fastbuf *)(t->lines.buf + LINE_BUF);
    const struct reqctx *c = &t->ctx;
    size_t at;
    if (is_split && c->len > 0 && c->len <= REQTAG_MAX_ID) {
        if (!fb->pre_ready) {
            memcpy(fb->out, split.pre, split.prelen);
            fb->pre_ready = true;
        }
        copy16(fb->out + split.prelen, c->id, c->len);
        at = split.prelen + c->len;
        if (split.postlen <= sizeof post16)
            memcpy(fb->out + at, post16, sizeof post16);
        else
            memcpy(fb->out + at, split.post, split.postlen);
        at += split.postlen;
    } else {
        fb->pre_ready = false;
        at = out_tag(c, fb->out, TAG_MAX);
    }
    memcpy(fb->out + at, p, n);
    return write_buf(fd, fb->out, at + n);
}

int out_line(int fd, const char *p, size_t n)
{
    struct tstate *t = me();
    if (t->writing) {
        /* A signal handler wrote while this thread was inside the shim: its bytes bypass the
         * held piece. In text output they pass through; a record stream stays all records. */
        if (reqtag_cfg.output == OUTPUT_TEXT)
            return 1;
        struct iovec one = {(void *)p, n};
        return emit_records(NULL, fd, &one, 1);
    }
    t->writing = 1;
    int rc;
    if (reqtag_cfg.output == OUTPUT_TEXT && t->lines.buf != NULL && n > 0 && n <= FAST_LINE &&
        lines_whole(&t->lines, p, n))
        rc = line_whole(t, fd, p, n);
    else
        rc = line_pieces(t, fd, p, n);
    t->writing = 0;
    return rc;
}

void out_flush_slow(void)
{
    struct tstate *t = me();
    if (t->lines.len == 0 || t->writing)
        return;
    int saved = errno;
    t->writing = 1;
    (void)lines_flush(&t->lines, emitter(), NULL);
    t->writing = 0;
    errno = saved;
}

uint32_t out_unmaps;

static bool mapped(uintptr_t lo, uintptr_t hi)
{
    const size_t page = 4096;
    unsigned char vec[256];
    for (uintptr_t at = lo; at < hi;) {
        size_t len = hi - at;
        if (len > sizeof vec * page)
            len = sizeof vec * page;
        if (mincore((void *)at, len, vec) != 0)
            return false;
        at += len;
    }
    return true;
}

bool out_readable_check(const void *p, size_t n)
{
    if (n == 0)
        return true;
    uintptr_t start = (uintptr_t)p, end = start + n;
    /* The null page and addresses no user mapping can have: the kernel answers EFAULT. */
    if (end < start || start < 65536 || end > ((uintptr_t)1 << 47))
        return false;
    struct tstate *t = me();
    uint32_t gen = __atomic_load_n(&out_unmaps, __ATOMIC_ACQUIRE);
    int saved = errno;
    /* Buffers come from heaps and arenas: one check of the whole 256 KiB window around this one
     * usually covers the next lines' buffers too; else the pages themselves. */
    const uintptr_t window = 256 * 1024, page = 4096;
    uintptr_t lo = start & ~(window - 1), hi = (end + window - 1) & ~(window - 1);
    bool ok = hi - lo == window && mapped(lo, hi);
    if (!ok) {
        lo = start & ~(page - 1);
        hi = (end + page - 1) & ~(page - 1);
        ok = mapped(lo, hi);
    }
    if (ok) {
        int k = t->mapped_next & 1;
        t->mapped[k].lo = lo;
        t->mapped[k].hi = hi;
        t->mapped[k].gen = gen;
        t->mapped_next = (uint8_t)(k + 1);
    }
    errno = saved;
    return ok;
}

void out_notice(const char *line, size_t n)
{
    if (reqtag_cfg.output == OUTPUT_TEXT) {
        out_raw(2, line, n);
        return;
    }
    if (n > 0 && line[n - 1] == '\n')
        n--;
    char buf[RECORD_MAX(512)];
    if (n > 512)
        n = 512;
    struct record_ctx rc;
    out_record_ctx(NULL, &rc);
    size_t len = reqtag_cfg.output == OUTPUT_JSON ? record_json(buf, &rc, line, n) : record_logfmt(buf, &rc, line, n);
    out_raw(2, buf, len);
}

void out_raw(int fd, const char *p, size_t n)
{
    struct iovec iov = {(void *)p, n};
    int saved = errno, cancel;
    /* The shim's own line (a summary, a notice) is no cancellation point: it is written inside
     * the program's call (dup2, shutdown, a write that already succeeded), and a thread cancelled
     * here would die in a call that cannot be cancelled, or without its result. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
    (void)out_emit(NULL, fd, &iov, 1);
    pthread_setcancelstate(cancel, NULL);
    errno = saved;
}
