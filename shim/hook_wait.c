/* hook_wait.c -- calls that block: a held line piece leaves before the thread waits.
 *
 * This is the one place where side work comes before the real call: after it, the wait would
 * already have held the piece back. The flush preserves errno; the real call's result and errno
 * are returned untouched.
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

#include "out.h"
#include "real.h"

#define MISSING_ERRNO(ret) \
    do {                   \
        errno = ENOSYS;    \
        return ret;        \
    } while (0)

HOOK int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    int (*real)(struct pollfd *, nfds_t, int) = REAL(poll);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(fds, n, timeout);
}

HOOK int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
    int (*real)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *) = REAL(ppoll);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(fds, n, ts, mask);
}

HOOK int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    int (*real)(int, fd_set *, fd_set *, fd_set *, struct timeval *) = REAL(select);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(n, r, w, e, tv);
}

HOOK int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask)
{
    int (*real)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *) =
        REAL(pselect);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(n, r, w, e, ts, mask);
}

HOOK int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
    int (*real)(int, struct epoll_event *, int, int) = REAL(epoll_wait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(ep, ev, max, timeout);
}

HOOK int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
    int (*real)(int, struct epoll_event *, int, int, const sigset_t *) = REAL(epoll_pwait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
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
    return real(c, m);
}

HOOK int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    int (*real)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) =
        REAL(pthread_cond_timedwait);
    if (real == NULL)
        return ENOSYS;
    out_flush_mine();
    return real(c, m, ts);
}

HOOK int sem_wait(sem_t *s)
{
    int (*real)(sem_t *) = REAL(sem_wait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(s);
}

HOOK int sem_timedwait(sem_t *s, const struct timespec *ts)
{
    int (*real)(sem_t *, const struct timespec *) = REAL(sem_timedwait);
    if (real == NULL)
        MISSING_ERRNO(-1);
    out_flush_mine();
    return real(s, ts);
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
