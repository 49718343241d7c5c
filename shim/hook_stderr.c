/* hook_stderr.c -- write, writev and the dprintf family on stderr-like descriptors -> tagged lines.
 *
 * write and writev on an accepted connection are responses: they go to connio (response counting,
 * adoption) and never to line assembly.
 * A call is taken over only when the calling thread has a request (or a line of its own still
 * open) and the descriptor is the process's stderr; everything else goes straight to libc.
 * A taken-over call returns what the program asked to write, as a complete write would.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

#include "config.h"
#include "send.h"
#include "context.h"
#include "out.h"
#include "real.h"
#include "outfd.h"
#include "strbuf.h"

/* Should this thread's bytes for fd (its table entry e, as fdtab_get() returned it) go through
 * line assembly? */
static inline __attribute__((always_inline)) bool taken_at(int fd, const struct fdent *e)
{
    struct tstate *t = me();
    /* Inside the shim already (a signal handler's write): only a record stream takes it. */
    if (t->writing && (!reqtag_on() || reqtag_cfg.output == OUTPUT_TEXT))
        return false;
    bool mine = t->ctx.len > 0 || (lines_busy(&t->lines) && t->lines.fd == fd);
    /* In text output a thread with no request passes through; logfmt and json wrap every line. */
    if (!reqtag_on() || (!mine && reqtag_cfg.output == OUTPUT_TEXT))
        return false;
    return outfd_tagged_at(fd, e);
}

static inline __attribute__((always_inline)) bool taken(int fd)
{
    return taken_at(fd, fdtab_get(fd));
}

/* The hooks below split a call three ways before building any frame: a connection's (responses,
 * send.c), one the shim certainly leaves alone (a thread with no request and no line of its own
 * open, in text output, the settings loaded: what taken_at() would answer false for without
 * looking further; logfmt and json wrap every line), and the rest (line assembly, if taken_at()
 * says so). The usual call on a file or pipe the shim does not track is then a table lookup, a
 * few loads and a jump to libc. */
static inline __attribute__((always_inline)) bool is_conn(const struct fdent *at)
{
    uint8_t kind = at != NULL ? fdent_kind(at) : FD_UNKNOWN;
    return kind == FD_CONN || kind == FD_OUT;
}

static inline __attribute__((always_inline)) bool passes(void)
{
    const struct tstate *t = me();
    return __atomic_load_n(&reqtag_cfg_state, __ATOMIC_ACQUIRE) == CFG_ON && t->ctx.len == 0 &&
           !lines_busy(&t->lines) && reqtag_cfg.output == OUTPUT_TEXT;
}

static __attribute__((noinline)) ssize_t write_conn(ssize_t (*real)(int, const void *, size_t), int fd,
                                                    const void *buf, size_t n, struct fdent *at)
{
    struct fdent *e = send_entry_of(at);
    if (e == NULL) /* the settings are off */
        return real(fd, buf, n);
    struct iovec one = {(void *)buf, n};
    if (send_wanted(e))
        return send_lines(fd, e, &one, 1, 0, NULL);
    ssize_t put = real(fd, buf, n);
    send_wrote(fd, e, &one, 1, put);
    return put;
}

static __attribute__((noinline)) ssize_t write_line(ssize_t (*real)(int, const void *, size_t), int fd,
                                                    const void *buf, size_t n, const struct fdent *at)
{
    if (n == 0 || !taken_at(fd, at) || !out_readable(buf, n))
        return real(fd, buf, n);
    int saved = errno;
    int rc = out_line(fd, buf, n);
    if (rc > 0)
        return real(fd, buf, n);
    if (rc < 0)
        return -1;
    errno = saved;
    return (ssize_t)n;
}

/* The three ways (see is_conn), once libc's write is known. */
static inline __attribute__((always_inline)) ssize_t write_to(ssize_t (*real)(int, const void *, size_t), int fd,
                                                              const void *buf, size_t n)
{
    struct fdent *at = fdtab_get(fd);
    if (is_conn(at))
        return write_conn(real, fd, buf, n, at);
    if (passes())
        return real(fd, buf, n);
    return write_line(real, fd, buf, n, at);
}

/* The first call (libc's write not resolved yet), or none to be had. */
static __attribute__((noinline, cold)) ssize_t write_first(int fd, const void *buf, size_t n)
{
    ssize_t (*real)(int, const void *, size_t) = REAL(write);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return write_to(real, fd, buf, n);
}

HOOK ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t (*real)(int, const void *, size_t) = REAL_READY(write);
    if (__builtin_expect(real == NULL, 0))
        return write_first(fd, buf, n);
    return write_to(real, fd, buf, n);
}

static __attribute__((noinline)) ssize_t writev_conn(ssize_t (*real)(int, const struct iovec *, int), int fd,
                                                     const struct iovec *iov, int iovcnt, struct fdent *at)
{
    struct fdent *e = send_entry_of(at);
    if (e == NULL)
        return real(fd, iov, iovcnt);
    if (iovcnt > 0 && iovcnt <= IOV_MAX && send_wanted(e))
        return send_lines(fd, e, iov, iovcnt, 0, NULL);
    ssize_t put = real(fd, iov, iovcnt);
    send_wrote(fd, e, iov, iovcnt, put);
    return put;
}

static __attribute__((noinline)) ssize_t writev_line(ssize_t (*real)(int, const struct iovec *, int), int fd,
                                                     const struct iovec *iov, int iovcnt, const struct fdent *at)
{
    if (iovcnt <= 0 || iovcnt > IOV_MAX || !taken_at(fd, at) || !out_readable(iov, sizeof *iov * (size_t)iovcnt))
        return real(fd, iov, iovcnt);
    int saved = errno;
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > SSIZE_MAX - total)
            return real(fd, iov, iovcnt); /* let the kernel give its EINVAL */
        total += iov[i].iov_len;
        if (!out_readable(iov[i].iov_base, iov[i].iov_len))
            return real(fd, iov, iovcnt); /* the kernel's EFAULT, not our crash */
    }
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        int rc = out_line(fd, iov[i].iov_base, iov[i].iov_len);
        if (rc > 0 && i == 0)
            return real(fd, iov, iovcnt);
        if (rc < 0)
            return -1;
    }
    errno = saved;
    return (ssize_t)total;
}

static inline __attribute__((always_inline)) ssize_t writev_to(ssize_t (*real)(int, const struct iovec *, int), int fd,
                                                               const struct iovec *iov, int iovcnt)
{
    struct fdent *at = fdtab_get(fd);
    if (is_conn(at))
        return writev_conn(real, fd, iov, iovcnt, at);
    if (passes())
        return real(fd, iov, iovcnt);
    return writev_line(real, fd, iov, iovcnt, at);
}

static __attribute__((noinline, cold)) ssize_t writev_first(int fd, const struct iovec *iov, int iovcnt)
{
    ssize_t (*real)(int, const struct iovec *, int) = REAL(writev);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return writev_to(real, fd, iov, iovcnt);
}

HOOK ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    ssize_t (*real)(int, const struct iovec *, int) = REAL_READY(writev);
    if (__builtin_expect(real == NULL, 0))
        return writev_first(fd, iov, iovcnt);
    return writev_to(real, fd, iov, iovcnt);
}

/* dprintf and friends: format here (the program's own formatting), then one line path. */
static int fd_printf(int fd, int chk_flag, const char *fmt, va_list ap)
{
    struct strbuf sb;
    strbuf_init(&sb);
    int saved = errno;
    int n = strbuf_vformat(&sb, chk_flag, fmt, ap);
    if (n < 0) {
        strbuf_free(&sb);
        return -1;
    }
    int rc = out_line(fd, sb.p, sb.len);
    strbuf_free(&sb);
    if (rc < 0)
        return -1;
    errno = saved;
    return n;
}

HOOK int vdprintf(int fd, const char *fmt, va_list ap)
{
    int (*real)(int, const char *, va_list) = REAL(vdprintf);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!taken(fd))
        return real(fd, fmt, ap);
    return fd_printf(fd, -1, fmt, ap);
}

HOOK int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

HOOK int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
    int (*real)(int, int, const char *, va_list) = REAL(__vdprintf_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!taken(fd))
        return real(fd, flag, fmt, ap);
    return fd_printf(fd, flag, fmt, ap);
}

HOOK int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vdprintf_chk(fd, flag, fmt, ap);
    va_end(ap);
    return n;
}
