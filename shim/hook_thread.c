/* hook_thread.c -- threads start with a copy of their creator's request; fork, exec and _exit
 * never lose or duplicate a held line piece.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "out.h"
#include "real.h"

struct start {
    void *(*fn)(void *);
    void *arg;
    struct reqctx ctx;
};

static void *trampoline(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    me()->ctx = s.ctx;
    return s.fn(s.arg);
}

HOOK int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) = REAL(pthread_create);
    if (real == NULL)
        return ENOSYS;
    struct tstate *t = me();
    /* A thread made outside any request starts with none: TLS starts zeroed. */
    if (t->ctx.len == 0 || !reqtag_on())
        return real(th, attr, fn, arg);
    int saved = errno;
    struct start *s = malloc(sizeof *s);
    errno = saved;
    if (s == NULL)
        return real(th, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    s->ctx = t->ctx;
    int rc = real(th, attr, trampoline, s);
    if (rc != 0)
        free(s);
    errno = saved;
    return rc;
}

/* The child must not inherit a held piece: it would be written twice. */
HOOK pid_t fork(void)
{
    pid_t (*real)(void) = REAL(fork);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    return real();
}

HOOK int execve(const char *path, char *const argv[], char *const envp[])
{
    int (*real)(const char *, char *const[], char *const[]) = REAL(execve);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    return real(path, argv, envp);
}

HOOK int execv(const char *path, char *const argv[])
{
    int (*real)(const char *, char *const[]) = REAL(execv);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    return real(path, argv);
}

HOOK int execvp(const char *file, char *const argv[])
{
    int (*real)(const char *, char *const[]) = REAL(execvp);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    return real(file, argv);
}

HOOK int execvpe(const char *file, char *const argv[], char *const envp[])
{
    int (*real)(const char *, char *const[], char *const[]) = REAL(execvpe);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    return real(file, argv, envp);
}

HOOK int fexecve(int fd, char *const argv[], char *const envp[])
{
    int (*real)(int, char *const[], char *const[]) = REAL(fexecve);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    return real(fd, argv, envp);
}

/* execl and friends: libc builds argv and calls its internal execve, out of our sight. */
static int count_args(const char *arg0, va_list ap)
{
    int n = arg0 != NULL;
    while (arg0 != NULL && va_arg(ap, const char *) != NULL)
        n++;
    return n;
}

HOOK int execl(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int n = count_args(arg0, ap);
    va_end(ap);
    char *argv[n + 1];
    va_start(ap, arg0);
    argv[0] = (char *)arg0;
    for (int i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[n] = NULL;
    return execv(path, argv);
}

HOOK int execlp(const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int n = count_args(arg0, ap);
    va_end(ap);
    char *argv[n + 1];
    va_start(ap, arg0);
    argv[0] = (char *)arg0;
    for (int i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[n] = NULL;
    return execvp(file, argv);
}

HOOK int execle(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int n = count_args(arg0, ap);
    va_end(ap);
    char *argv[n + 1];
    va_start(ap, arg0);
    argv[0] = (char *)arg0;
    for (int i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    argv[n] = NULL;
    return execve(path, argv, envp);
}

HOOK void _exit(int status)
{
    out_flush_mine();
    void (*real)(int) = REAL(_exit);
    if (real != NULL)
        real(status);
    for (;;)
        pause();
}

HOOK void _Exit(int status)
{
    out_flush_mine();
    void (*real)(int) = REAL(_Exit);
    if (real != NULL)
        real(status);
    for (;;)
        pause();
}
