/* hook_fd.c -- descriptor lifecycle: every way a number starts or stops naming a file keeps the fd
 * table honest, so a reused number never carries an old request or an old "this is stderr".
 *
 * Closing hooks forget the descriptor *before* the real call: after it, the number may already
 * belong to a connection another thread just accepted. A vfork child shares our memory but not
 * our descriptors, so it never changes the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "debug.h"
#include "debug_events.h"
#include "fdtab.h"
#include "out.h"
#include "proc.h"
#include "real.h"
#include "unwind.h"

static void forget(int fd)
{
    struct fdent *e = fdtab_get(fd);
    bool known = fd == 1 || fd == 2 || (e != NULL && (fdent_kind(e) != FD_UNKNOWN || fdent_serves(e)));
    /* The vfork check costs a system call: only pay it when there is something to forget. */
    if (known && !proc_is_vfork_child())
        fdtab_forget(fd);
}

static void fresh_fd(int fd)
{
    if (fd >= 0)
        forget(fd);
}

/* A descriptor is going away: a piece held for it leaves first, then we forget it. */
static void closing(int fd)
{
    if (me()->lines.fd == fd)
        out_flush_mine();
    struct fdent *e = fdtab_get(fd);
    struct conn *c = e != NULL && fdent_kind(e) == FD_CONN ? fdent_conn(e) : NULL;
    /* The last descriptor of a connection: its open requests get their summaries. */
    if (c != NULL && reqtag_on() && reqtag_cfg.summary && __atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) == 1 &&
        !proc_is_vfork_child()) {
        int saved = errno;
        conn_closed(c);
        errno = saved;
    }
    if (c != NULL && debug_on())
        debug_forgot(fd);
    forget(fd);
}

/* dup of a connection: the copy names the same connection, so both share its state. */
static void duplicated(int from, int to)
{
    if (to < 0)
        return;
    forget(to);
    struct fdent *src = fdtab_get(from);
    if (src == NULL || fdent_kind(src) != FD_CONN || proc_is_vfork_child())
        return;
    struct fdent *dst = fdtab_make(to);
    struct conn *c = fdent_conn(src);
    if (dst == NULL || c == NULL)
        return;
    conn_ref(c);
    fdtab_attach(dst, c, FD_CONN);
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

static void closing_range(unsigned lo, unsigned hi)
{
    struct tstate *t = me();
    if (lo > hi)
        return;
    if (t->lines.fd >= 0 && (unsigned)t->lines.fd >= lo && (unsigned)t->lines.fd <= hi)
        out_flush_mine();
    if (!proc_is_vfork_child())
        fdtab_forget_range(lo, hi);
}

HOOK void closefrom(int lo)
{
    void (*real)(int) = REAL(closefrom);
    if (lo >= 0)
        closing_range((unsigned)lo, ~0u);
    if (real != NULL)
        real(lo);
}

HOOK int close_range(unsigned lo, unsigned hi, int flags)
{
    int (*real)(unsigned, unsigned, int) = REAL(close_range);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC))
        closing_range(lo, hi);
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
    duplicated(fd, r);
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
    if (fd != to)
        duplicated(fd, r);
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
    duplicated(fd, r);
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
        duplicated(fd, r);
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
    if (r == 0 && unwind_busy) {
        int saved = errno;
        fds[0] = unwind_relocate_fd(fds[0]);
        fds[1] = unwind_relocate_fd(fds[1]);
        errno = saved;
    }
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

/* Descriptors made by other calls: only the number's past must be forgotten. */

HOOK int eventfd(unsigned int initval, int flags)
{
    int (*real)(unsigned int, int) = REAL(eventfd);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(initval, flags);
    fresh_fd(r);
    return r;
}

HOOK int timerfd_create(int clock, int flags)
{
    int (*real)(int, int) = REAL(timerfd_create);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(clock, flags);
    fresh_fd(r);
    return r;
}

HOOK int signalfd(int fd, const sigset_t *mask, int flags)
{
    int (*real)(int, const sigset_t *, int) = REAL(signalfd);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fd, mask, flags);
    if (r != fd)
        fresh_fd(r);
    return r;
}

HOOK int epoll_create(int size)
{
    int (*real)(int) = REAL(epoll_create);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(size);
    fresh_fd(r);
    return r;
}

HOOK int epoll_create1(int flags)
{
    int (*real)(int) = REAL(epoll_create1);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(flags);
    fresh_fd(r);
    return r;
}

HOOK int inotify_init(void)
{
    int (*real)(void) = REAL(inotify_init);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real();
    fresh_fd(r);
    return r;
}

HOOK int inotify_init1(int flags)
{
    int (*real)(int) = REAL(inotify_init1);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(flags);
    fresh_fd(r);
    return r;
}

HOOK int memfd_create(const char *name, unsigned int flags)
{
    int (*real)(const char *, unsigned int) = REAL(memfd_create);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(name, flags);
    fresh_fd(r);
    return r;
}

/* The fortified opens that _FORTIFY_SOURCE builds call instead of open/openat. */
HOOK int __open_2(const char *path, int flags)
{
    int (*real)(const char *, int) = REAL(__open_2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(path, flags);
    fresh_fd(r);
    return r;
}

HOOK int __open64_2(const char *path, int flags)
{
    int (*real)(const char *, int) = REAL(__open64_2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(path, flags);
    fresh_fd(r);
    return r;
}

HOOK int __openat_2(int dir, const char *path, int flags)
{
    int (*real)(int, const char *, int) = REAL(__openat_2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(dir, path, flags);
    fresh_fd(r);
    return r;
}

HOOK int __openat64_2(int dir, const char *path, int flags)
{
    int (*real)(int, const char *, int) = REAL(__openat64_2);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(dir, path, flags);
    fresh_fd(r);
    return r;
}

/* Every stream closes, stderr's included: nothing cached about any number holds. */
HOOK int fcloseall(void)
{
    int (*real)(void) = REAL(fcloseall);
    if (real == NULL) {
        errno = ENOSYS;
        return EOF;
    }
    out_flush_mine();
    if (!proc_is_vfork_child())
        fdtab_forget_range(0, FDTAB_MAX - 1);
    return real();
}

/* A listening socket: a thread polling it serves many connections. */
HOOK int listen(int fd, int backlog)
{
    int (*real)(int, int) = REAL(listen);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fd, backlog);
    if (r == 0 && reqtag_on() && !proc_is_vfork_child()) {
        struct fdent *e = fdtab_make(fd);
        if (e != NULL)
            fdent_set_kind(e, FD_LISTEN);
    }
    return r;
}

/* No more requests can arrive on a connection shut for reading; its last one stays current. */
HOOK int shutdown(int fd, int how)
{
    int (*real)(int, int) = REAL(shutdown);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fd, how);
    struct fdent *e = fdtab_get(fd);
    struct conn *c = r == 0 && e != NULL && fdent_kind(e) == FD_CONN ? fdent_conn(e) : NULL;
    if (c != NULL && (how == SHUT_RD || how == SHUT_RDWR))
        conn_read_lost(c);
    return r;
}

/* An epoll set that watches connections or listeners belongs to an event loop. */
HOOK int epoll_ctl(int ep, int op, int fd, struct epoll_event *ev)
{
    int (*real)(int, int, int, struct epoll_event *) = REAL(epoll_ctl);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(ep, op, fd, ev);
    if (r == 0 && (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD)) {
        struct fdent *e = fdtab_get(fd);
        uint8_t kind = e ? fdent_kind(e) : FD_UNKNOWN;
        struct fdent *p = fdtab_get(ep);
        bool known = p != NULL && fdent_serves(p);
        if ((kind == FD_CONN || kind == FD_LISTEN) && !known && !proc_is_vfork_child()) {
            p = fdtab_make(ep);
            if (p != NULL)
                fdent_set_serves(p, 1);
        }
    }
    return r;
}

/* Memory going away: pages out_readable() trusted may be gone. */
HOOK int munmap(void *addr, size_t len)
{
    int (*real)(void *, size_t) = REAL(munmap);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(addr, len);
    __atomic_add_fetch(&out_unmaps, 1, __ATOMIC_RELEASE);
    return r;
}
