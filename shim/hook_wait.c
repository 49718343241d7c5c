/* hook_wait.c -- calls that block: a held line piece leaves before the thread waits, and waits
 * that mean "I serve many" or "I wait for work" end the thread's request.
 *
 * This is the one place where side work comes before the real call: after it, the wait would
 * already have held the piece back, and the sets would already be overwritten. The side work
 * preserves errno; the real call's result and errno are returned untouched.
 * - poll/ppoll/select/pselect on a listening socket or on a connection other than the thread's
 *   own, and epoll waits on a set that watches connections or listeners: an event loop. Its next
 *   lines belong to whichever connection it touches next, so the context ends now. A request
 *   thread polling its own connection or an outbound socket keeps its request.
 * - condition variable and semaphore waits (and sem_trywait) end a context inherited at thread
 *   creation: a pool worker that waits for work, or takes it from a queue whose lock is free, may
 *   next run another request's task (the shim cannot see the hand-off). A context adopted from a
 *   connection stays: the thread will touch the next one.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "fdtab.h"
#include "out.h"
#include "real.h"

#define MISSING_ERRNO(ret) \
    do {                   \
        errno = ENOSYS;    \
        return ret;        \
    } while (0)

/* Does a wait on fd make this thread an event loop? */
static bool serves_others(const struct tstate *t, int fd)
{
    struct fdent *e = fdtab_get(fd);
    if (e == NULL)
        return false;
    uint8_t kind = fdent_kind(e);
    return kind == FD_LISTEN || (kind == FD_CONN && !(t->origin == ORIGIN_CONN && t->conn_fd == fd));
}

static void before_poll(const struct pollfd *fds, nfds_t n)
{
    struct tstate *t = me();
    if (t->ctx.len == 0 || fds == NULL)
        return;
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].fd >= 0 && serves_others(t, fds[i].fd)) {
            ctx_drop(t);
            return;
        }
    }
}

static void before_select(int n, const fd_set *r, const fd_set *w, const fd_set *x)
{
    struct tstate *t = me();
    if (t->ctx.len == 0)
        return;
    for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++) {
        bool in = (r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (x && FD_ISSET(fd, x));
        if (in && serves_others(t, fd)) {
            ctx_drop(t);
            return;
        }
    }
}

static void before_epoll(int ep)
{
    struct tstate *t = me();
    struct fdent *e = fdtab_get(ep);
    if (t->ctx.len > 0 && e != NULL && fdent_serves(e))
        ctx_drop(t);
}

static void before_work_wait(void)
{
    struct tstate *t = me();
    if (t->origin == ORIGIN_INHERITED)
        ctx_drop(t);
}

HOOK int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    int (*real)(struct pollfd *, nfds_t, int) = REAL(poll);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_poll(fds, n);
    return real(fds, n, timeout);
}

HOOK int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
    int (*real)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *) = REAL(ppoll);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_poll(fds, n);
    return real(fds, n, ts, mask);
}

HOOK int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    int (*real)(int, fd_set *, fd_set *, fd_set *, struct timeval *) = REAL(select);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_select(n, r, w, e);
    return real(n, r, w, e, tv);
}

HOOK int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask)
{
    int (*real)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *) =
        REAL(pselect);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_select(n, r, w, e);
    return real(n, r, w, e, ts, mask);
}

HOOK int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
    int (*real)(int, struct epoll_event *, int, int) = REAL(epoll_wait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_epoll(ep);
    return real(ep, ev, max, timeout);
}

HOOK int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
    int (*real)(int, struct epoll_event *, int, int, const sigset_t *) = REAL(epoll_pwait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_epoll(ep);
    return real(ep, ev, max, timeout, mask);
}

HOOK int nanosleep(const struct timespec *req, struct timespec *rem)
{
    int (*real)(const struct timespec *, struct timespec *) = REAL(nanosleep);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(req, rem);
}

HOOK int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
    int (*real)(clockid_t, int, const struct timespec *, struct timespec *) = REAL(clock_nanosleep);
    if (real == NULL)
        return ENOSYS; /* returns the error, errno untouched */
    out_flush_mine();
    return real(clock, flags, req, rem);
}

HOOK unsigned sleep(unsigned s)
{
    unsigned (*real)(unsigned) = REAL(sleep);
    if (real == NULL)
        return s;
    out_flush_mine();
    before_work_wait();
    return real(s);
}

HOOK int usleep(useconds_t us)
{
    int (*real)(useconds_t) = REAL(usleep);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(us);
}

HOOK int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    int (*real)(pthread_cond_t *, pthread_mutex_t *) = REAL(pthread_cond_wait);
    if (real == NULL)
        return ENOSYS;
    out_flush_mine();
    before_work_wait();
    return real(c, m);
}

HOOK int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    int (*real)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) =
        REAL(pthread_cond_timedwait);
    if (real == NULL)
        return ENOSYS;
    out_flush_mine();
    before_work_wait();
    return real(c, m, ts);
}

HOOK int sem_wait(sem_t *s)
{
    int (*real)(sem_t *) = REAL(sem_wait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_work_wait();
    return real(s);
}

HOOK int sem_timedwait(sem_t *s, const struct timespec *ts)
{
    int (*real)(sem_t *, const struct timespec *) = REAL(sem_timedwait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_work_wait();
    return real(s, ts);
}

HOOK int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                const struct timespec *ts)
{
    int (*real)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *) =
        REAL(pthread_cond_clockwait);
    if (real == NULL)
        return ENOSYS;
    out_flush_mine();
    before_work_wait();
    return real(c, m, clock, ts);
}

HOOK int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *ts)
{
    int (*real)(sem_t *, clockid_t, const struct timespec *) = REAL(sem_clockwait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    before_work_wait();
    return real(s, clock, ts);
}

/* Not a wait, but how a pool worker takes work when the queue's lock is free (CPython's locks are
 * semaphores tried first with sem_trywait): an inherited context ends here too. */
HOOK int sem_trywait(sem_t *s)
{
    int (*real)(sem_t *) = REAL(sem_trywait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    before_work_wait();
    return real(s);
}

HOOK int pthread_join(pthread_t th, void **ret)
{
    int (*real)(pthread_t, void **) = REAL(pthread_join);
    if (real == NULL)
        return ENOSYS;
    out_flush_mine();
    return real(th, ret);
}

HOOK pid_t waitpid(pid_t pid, int *status, int options)
{
    pid_t (*real)(pid_t, int *, int) = REAL(waitpid);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(pid, status, options);
}

HOOK pid_t wait(int *status)
{
    pid_t (*real)(int *) = REAL(wait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(status);
}
