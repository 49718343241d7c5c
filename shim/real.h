/* real.h -- the one table of real_<fn> pointers: the functions the shim's hooks stand in front of.
 *
 * Contract:
 * - REAL(fn) yields the next definition of fn after this library (libc's, usually), resolved on
 *   first use with dlsym(RTLD_NEXT) and cached; later uses are one atomic load. Safe before the
 *   constructor has run.
 * - It yields NULL when no next definition exists, or when the one found lies in this library
 *   (a loop). Every hook checks for NULL and fails the call with ENOSYS instead of aborting.
 * - real_init() resolves the whole table at start-up so that no hook calls dlsym later; it is
 *   called from the constructor and is harmless to call twice.
 */
#ifndef REQTAG_REAL_H
#define REQTAG_REAL_H

#define _GNU_SOURCE 1
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

struct real_table {
    /* descriptors and connections */
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    ssize_t (*__read_chk)(int, void *, size_t, size_t);
    ssize_t (*__recv_chk)(int, void *, size_t, size_t, int);
    ssize_t (*__recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
    int (*close)(int);
    int (*close_range)(unsigned, unsigned, int);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*fcntl)(int, int, ...);
    int (*socket)(int, int, int);
    int (*socketpair)(int, int, int, int[2]);
    int (*pipe)(int[2]);
    int (*pipe2)(int[2], int);
    int (*open)(const char *, int, ...);
    int (*open64)(const char *, int, ...);
    int (*openat)(int, const char *, int, ...);
    int (*openat64)(int, const char *, int, ...);
    int (*creat)(const char *, mode_t);
    void (*closefrom)(int);
    FILE *(*fopen)(const char *, const char *);
    FILE *(*fopen64)(const char *, const char *);
    FILE *(*freopen)(const char *, const char *, FILE *);
    int (*fclose)(FILE *);
    int (*fcloseall)(void);
    int (*eventfd)(unsigned int, int);
    int (*timerfd_create)(int, int);
    int (*signalfd)(int, const sigset_t *, int);
    int (*epoll_create)(int);
    int (*epoll_create1)(int);
    int (*inotify_init)(void);
    int (*inotify_init1)(int);
    int (*memfd_create)(const char *, unsigned int);
    int (*__open_2)(const char *, int);
    int (*__open64_2)(const char *, int);
    int (*__openat_2)(int, const char *, int);
    int (*__openat64_2)(int, const char *, int);
    int (*listen)(int, int);
    int (*munmap)(void *, size_t);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*shutdown)(int, int);
    int (*epoll_ctl)(int, int, int, struct epoll_event *);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    ssize_t (*sendfile)(int, int, off_t *, size_t);
    ssize_t (*sendfile64)(int, int, off64_t *, size_t);

    /* threads, processes */
    int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    pid_t (*fork)(void);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                       char *const[], char *const[]);
    int (*posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                        char *const[], char *const[]);
    void (*_exit)(int);
    void (*_Exit)(int);

    /* signals */
    int (*sigaction)(int, const struct sigaction *, struct sigaction *);
    __sighandler_t (*signal)(int, __sighandler_t);

    /* waits: a partial line is written before the thread blocks */
    int (*poll)(struct pollfd *, nfds_t, int);
    int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
    int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
    int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
    int (*epoll_wait)(int, struct epoll_event *, int, int);
    int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
    int (*nanosleep)(const struct timespec *, struct timespec *);
    int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
    unsigned (*sleep)(unsigned);
    int (*usleep)(useconds_t);
    int (*pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
    int (*pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
    int (*sem_wait)(sem_t *);
    int (*sem_timedwait)(sem_t *, const struct timespec *);
    int (*sem_trywait)(sem_t *);
    int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
    int (*pthread_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
    int (*pthread_join)(pthread_t, void **);
    pid_t (*waitpid)(pid_t, int *, int);
    pid_t (*wait)(int *);

    /* output to stderr-like descriptors */
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*writev)(int, const struct iovec *, int);
    int (*vfprintf)(FILE *, const char *, va_list);
    int (*__vfprintf_chk)(FILE *, int, const char *, va_list);
    int (*fputs)(const char *, FILE *);
    int (*fputs_unlocked)(const char *, FILE *);
    int (*fputc)(int, FILE *);
    int (*fputc_unlocked)(int, FILE *);
    int (*putc)(int, FILE *);
    int (*putc_unlocked)(int, FILE *);
    int (*_IO_putc)(int, FILE *);
    size_t (*fwrite)(const void *, size_t, size_t, FILE *);
    size_t (*fwrite_unlocked)(const void *, size_t, size_t, FILE *);
    void (*perror)(const char *);
    void (*vwarn)(const char *, va_list);
    void (*vwarnx)(const char *, va_list);
    void (*verr)(int, const char *, va_list);
    void (*verrx)(int, const char *, va_list);
    void (*psignal)(int, const char *);
    int (*vprintf)(const char *, va_list);
    int (*__vprintf_chk)(int, const char *, va_list);
    int (*puts)(const char *);
    int (*putchar)(int);
    int (*vdprintf)(int, const char *, va_list);
    int (*__vdprintf_chk)(int, int, const char *, va_list);
};

extern struct real_table real_fns;

/* What a slot holds once its symbol was looked for and not found (or found to be our own). */
#define REAL_MISSING ((void *)1)

/* Look `name` up after this library and store it (or REAL_MISSING) in *slot; returns it. */
void *real_resolve(void **slot, const char *name);
void real_init(void);

static inline void *real_get(void **slot, const char *name)
{
    void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (__builtin_expect(p == NULL, 0))
        p = real_resolve(slot, name);
    return p == REAL_MISSING ? NULL : p;
}

/* The one macro: the real fn, or NULL when it does not exist. */
#define REAL(fn) ((__typeof__(real_fns.fn))real_get((void **)&real_fns.fn, #fn))

/* The real fn once resolved and present, else NULL (without resolving: the caller then takes a
 * path that uses REAL). A hook whose usual call goes straight on to libc keeps no registers for a
 * resolve it will not make. */
static inline void *real_ready(void *const *slot)
{
    void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    return p != NULL && p != REAL_MISSING ? p : NULL;
}
#define REAL_READY(fn) ((__typeof__(real_fns.fn))real_ready((void *const *)&real_fns.fn))

/* Marks a hook: the only names the library exports. */
#define HOOK __attribute__((visibility("default")))

#endif
