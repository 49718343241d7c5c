/* hook_net.c -- accept marks connections; reads feed their request scanner; descriptor changes
 * keep the fd table honest.
 *
 * Reads: the real call first; then, for an accepted connection, the bytes it returned (never the
 * bytes of a MSG_PEEK) go to the scanner, and each completed request head becomes the connection's
 * request and the reading thread's context. A read may block, so a held line piece leaves before.
 * Closing hooks forget the descriptor *before* the real call: after it, the number may already
 * belong to a connection another thread just accepted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "fdtab.h"
#include "out.h"
#include "real.h"
#include "reqid.h"
#include "scan.h"

static void request_starts(struct fdent *e, const struct scan_head *head)
{
    struct reqctx c = {.len = 0};
    if (head->idlen > 0) {
        ctx_set(&c, head->id, head->idlen);
    } else if (reqtag_cfg.generate) {
        char id[REQTAG_GEN_ID_LEN];
        reqid_generate(id);
        ctx_set(&c, id, sizeof id);
    }
    /* No usable ID and no generating: the request is untagged, never the previous one's. */
    e->cur = c;
    me()->ctx = c;
}

static void learn(int fd, const char *p, size_t n)
{
    struct fdent *e = fdtab_get(fd);
    if (e == NULL || fdent_kind(e) != FD_CONN || !reqtag_on())
        return;
    int saved = errno;
    while (n > 0) {
        enum scan_status st;
        struct scan_head head;
        size_t used = scan_feed(&e->scan, &reqtag_cfg, p, n, &st, &head);
        if (st == SCAN_HEAD)
            request_starts(e, &head);
        if (used > n)
            break;
        p += used;
        n -= used;
        if (st != SCAN_HEAD)
            break;
    }
    errno = saved;
}

static void learn_iov(int fd, const struct iovec *iov, size_t iovcnt, size_t got)
{
    for (size_t i = 0; i < iovcnt && got > 0; i++) {
        size_t n = iov[i].iov_len < got ? iov[i].iov_len : got;
        learn(fd, iov[i].iov_base, n);
        got -= n;
    }
}

/* The bytes of a MSG_TRUNC read were thrown away unseen: the scanner cannot follow any more. */
static void lost_sync(int fd)
{
    struct fdent *e = fdtab_get(fd);
    if (e != NULL && fdent_kind(e) == FD_CONN)
        scan_abandon(&e->scan);
}

static void after_recv(int fd, const void *buf, ssize_t got, int flags)
{
    if (got <= 0 || (flags & MSG_PEEK))
        return;
    if (flags & MSG_TRUNC)
        lost_sync(fd);
    else
        learn(fd, buf, (size_t)got);
}

static void new_conn(int fd)
{
    if (fd < 0 || !reqtag_on())
        return;
    fdtab_forget(fd);
    struct fdent *e = fdtab_make(fd);
    if (e == NULL)
        return;
    scan_init(&e->scan);
    e->cur.len = 0;
    fdent_set_kind(e, FD_CONN);
}

static void fresh_fd(int fd)
{
    if (fd >= 0)
        fdtab_forget(fd);
}

/* A descriptor is going away: a piece held for it leaves first, then we forget it. */
static void closing(int fd)
{
    if (me()->lines.fd == fd)
        out_flush_mine();
    fdtab_forget(fd);
}

HOOK int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int (*real)(int, struct sockaddr *, socklen_t *) = REAL(accept);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    int c = real(fd, addr, len);
    int saved = errno;
    new_conn(c);
    errno = saved;
    return c;
}

HOOK int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    int (*real)(int, struct sockaddr *, socklen_t *, int) = REAL(accept4);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    int c = real(fd, addr, len, flags);
    int saved = errno;
    new_conn(c);
    errno = saved;
    return c;
}

HOOK ssize_t read(int fd, void *buf, size_t n)
{
    ssize_t (*real)(int, void *, size_t) = REAL(read);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n);
    after_recv(fd, buf, got, 0);
    return got;
}

HOOK ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    ssize_t (*real)(int, void *, size_t, size_t) = REAL(__read_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, buflen);
    after_recv(fd, buf, got, 0);
    return got;
}

HOOK ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    ssize_t (*real)(int, const struct iovec *, int) = REAL(readv);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, iov, iovcnt);
    if (got > 0)
        learn_iov(fd, iov, (size_t)iovcnt, (size_t)got);
    return got;
}

HOOK ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    ssize_t (*real)(int, void *, size_t, int) = REAL(recv);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, flags);
    after_recv(fd, buf, got, flags);
    return got;
}

HOOK ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    ssize_t (*real)(int, void *, size_t, size_t, int) = REAL(__recv_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, buflen, flags);
    after_recv(fd, buf, got, flags);
    return got;
}

HOOK ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *alen)
{
    ssize_t (*real)(int, void *, size_t, int, struct sockaddr *, socklen_t *) = REAL(recvfrom);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, flags, addr, alen);
    after_recv(fd, buf, got, flags);
    return got;
}

HOOK ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                            struct sockaddr *addr, socklen_t *alen)
{
    ssize_t (*real)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *) =
        REAL(__recvfrom_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, buflen, flags, addr, alen);
    after_recv(fd, buf, got, flags);
    return got;
}

HOOK ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    ssize_t (*real)(int, struct msghdr *, int) = REAL(recvmsg);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, msg, flags);
    if (got > 0 && !(flags & MSG_PEEK)) {
        int saved = errno;
        if (flags & MSG_TRUNC)
            lost_sync(fd);
        else
            learn_iov(fd, msg->msg_iov, msg->msg_iovlen, (size_t)got);
        errno = saved;
    }
    return got;
}

HOOK int close(int fd)
{
    int (*real)(int) = REAL(close);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    closing(fd);
    return real(fd);
}

HOOK int close_range(unsigned lo, unsigned hi, int flags)
{
    int (*real)(unsigned, unsigned, int) = REAL(close_range);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC) && lo <= hi) {
        struct tstate *t = me();
        if (t->lines.fd >= 0 && (unsigned)t->lines.fd >= lo && (unsigned)t->lines.fd <= hi)
            out_flush_mine();
        fdtab_forget_range(lo, hi);
    }
    return real(lo, hi, flags);
}

HOOK int dup(int fd)
{
    int (*real)(int) = REAL(dup);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fd);
    fresh_fd(r);
    return r;
}

HOOK int dup2(int fd, int to)
{
    int (*real)(int, int) = REAL(dup2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (fd != to)
        closing(to);
    int r = real(fd, to);
    fresh_fd(r);
    return r;
}

HOOK int dup3(int fd, int to, int flags)
{
    int (*real)(int, int, int) = REAL(dup3);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (fd != to)
        closing(to);
    int r = real(fd, to, flags);
    fresh_fd(r);
    return r;
}

HOOK int fcntl(int fd, int cmd, ...)
{
    int (*real)(int, int, ...) = REAL(fcntl);
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *); /* every fcntl argument fits a pointer-sized slot */
    va_end(ap);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fd, cmd, arg);
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        fresh_fd(r);
    return r;
}

HOOK int socket(int domain, int type, int protocol)
{
    int (*real)(int, int, int) = REAL(socket);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(domain, type, protocol);
    fresh_fd(r);
    return r;
}

HOOK int socketpair(int domain, int type, int protocol, int sv[2])
{
    int (*real)(int, int, int, int[2]) = REAL(socketpair);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(domain, type, protocol, sv);
    if (r == 0) {
        fresh_fd(sv[0]);
        fresh_fd(sv[1]);
    }
    return r;
}

HOOK int pipe(int fds[2])
{
    int (*real)(int[2]) = REAL(pipe);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fds);
    if (r == 0) {
        fresh_fd(fds[0]);
        fresh_fd(fds[1]);
    }
    return r;
}

HOOK int pipe2(int fds[2], int flags)
{
    int (*real)(int[2], int) = REAL(pipe2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fds, flags);
    if (r == 0) {
        fresh_fd(fds[0]);
        fresh_fd(fds[1]);
    }
    return r;
}

/* open's mode argument exists only with O_CREAT or O_TMPFILE. */
static mode_t open_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

HOOK int open(const char *path, int flags, ...)
{
    int (*real)(const char *, int, ...) = REAL(open);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(path, flags, mode);
    fresh_fd(r);
    return r;
}

HOOK int open64(const char *path, int flags, ...)
{
    int (*real)(const char *, int, ...) = REAL(open64);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(path, flags, mode);
    fresh_fd(r);
    return r;
}

HOOK int openat(int dir, const char *path, int flags, ...)
{
    int (*real)(int, const char *, int, ...) = REAL(openat);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(dir, path, flags, mode);
    fresh_fd(r);
    return r;
}

HOOK int openat64(int dir, const char *path, int flags, ...)
{
    int (*real)(int, const char *, int, ...) = REAL(openat64);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(dir, path, flags, mode);
    fresh_fd(r);
    return r;
}

HOOK int creat(const char *path, mode_t mode)
{
    int (*real)(const char *, mode_t) = REAL(creat);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(path, mode);
    fresh_fd(r);
    return r;
}

static void fresh_stream(FILE *f)
{
    if (f != NULL) {
        int saved = errno;
        fresh_fd(fileno_unlocked(f));
        errno = saved;
    }
}

HOOK FILE *fopen(const char *path, const char *mode)
{
    FILE *(*real)(const char *, const char *) = REAL(fopen);
    if (real == NULL) {
        errno = ENOSYS;
        return NULL;
    }
    FILE *f = real(path, mode);
    fresh_stream(f);
    return f;
}

HOOK FILE *fopen64(const char *path, const char *mode)
{
    FILE *(*real)(const char *, const char *) = REAL(fopen64);
    if (real == NULL) {
        errno = ENOSYS;
        return NULL;
    }
    FILE *f = real(path, mode);
    fresh_stream(f);
    return f;
}

HOOK FILE *freopen(const char *path, const char *mode, FILE *old)
{
    FILE *(*real)(const char *, const char *, FILE *) = REAL(freopen);
    if (real == NULL) {
        errno = ENOSYS;
        return NULL;
    }
    if (old != NULL) {
        int saved = errno;
        closing(fileno_unlocked(old));
        errno = saved;
    }
    FILE *f = real(path, mode, old);
    fresh_stream(f);
    return f;
}

HOOK int fclose(FILE *f)
{
    int (*real)(FILE *) = REAL(fclose);
    if (real == NULL) {
        errno = ENOSYS;
        return EOF;
    }
    if (f != NULL) {
        int saved = errno;
        int fd = fileno_unlocked(f);
        if (fd >= 0)
            closing(fd);
        errno = saved;
    }
    return real(f);
}
