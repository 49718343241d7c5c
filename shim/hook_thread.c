/* hook_thread.c -- threads start with a copy of their creator's request; forked children keep it,
 * exec'd and spawned programs get it through their environment; fork, exec and _exit never lose
 * or duplicate a held line piece.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <spawn.h>
#include <unistd.h>

#include "config.h"
#include "crash.h"
#include "context.h"
#include "out.h"
#include "pool.h"
#include "proc.h"
#include "spawn.h"
#include "real.h"

struct start {
    void *(*fn)(void *);
    void *arg;
    struct reqctx ctx; /* only when the creator has a request: the block is cut short otherwise */
};

_Static_assert(sizeof(struct start) <= POOL_MAX, "a start block fits the shim's pool");

/* Without a request, the block ends inside ctx: just far enough for the trampoline to read
 * ctx.len (0). */
static size_t start_size(bool inherit)
{
    return inherit ? sizeof(struct start) : offsetof(struct start, ctx) + sizeof(uint8_t);
}

static void *trampoline(void *p)
{
    struct start *s = p;
    void *(*fn)(void *) = s->fn;
    void *arg = s->arg;
    bool inherit = s->ctx.len > 0;
    if (inherit) {
        struct tstate *t = me();
        t->ctx = s->ctx;
        t->origin = ORIGIN_INHERITED;
    }
    /* The shim's pool, not malloc: a thread that never allocates must not get a malloc arena
     * and cache set up (and torn down at exit) because of us. */
    pool_put(p, start_size(inherit));
    /* The alternate stack goes back as the thread ends, however it ends (return, pthread_exit,
     * cancellation): a cleanup handler, not a key destructor, so a thread that sets no
     * thread-specific data of its own does not pay for glibc's destructor pass. */
    void *stack = crash_thread_start();
    void *ret;
    pthread_cleanup_push(crash_thread_end, stack);
    ret = fn(arg);
    pthread_cleanup_pop(1);
    return ret;
}

HOOK int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) = REAL(pthread_create);
    if (real == NULL)
        return ENOSYS;
    struct tstate *t = me();
    /* Every thread goes through the trampoline: it needs its own alternate signal stack. A thread
     * made outside any request starts with none: TLS starts zeroed. */
    if (!reqtag_on())
        return real(th, attr, fn, arg);
    int saved = errno;
    bool inherit = t->ctx.len > 0;
    struct start *s = pool_get(start_size(inherit));
    errno = saved;
    if (s == NULL)
        return real(th, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    if (inherit)
        s->ctx = t->ctx;
    else
        s->ctx.len = 0;
    int rc = real(th, attr, trampoline, s);
    if (rc != 0)
        pool_put(s, start_size(inherit));
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
    pid_t pid = real();
    if (pid == 0) {
        int saved = errno;
        me()->tid = 0;
        proc_forked();
        errno = saved;
    }
    return pid;
}

/* The exec family: a held piece leaves first, and the new program gets the shim, its settings and
 * the calling thread's request through its environment (spawn.c), built on this stack. */
enum exec_kind { EX_EXECVE, EX_EXECVPE, EX_FEXECVE, EX_SPAWN, EX_SPAWNP };

struct exec_call {
    enum exec_kind kind;
    const char *path;
    int fd;
    char *const *argv;
    pid_t *pid;
    const posix_spawn_file_actions_t *fa;
    const posix_spawnattr_t *attr;
};

static int call_real(const struct exec_call *c, char *const *env)
{
    switch (c->kind) {
    case EX_EXECVE: {
        int (*real)(const char *, char *const[], char *const[]) = REAL(execve);
        if (real != NULL)
            return real(c->path, c->argv, env);
        break;
    }
    case EX_EXECVPE: {
        int (*real)(const char *, char *const[], char *const[]) = REAL(execvpe);
        if (real != NULL)
            return real(c->path, c->argv, env);
        break;
    }
    case EX_FEXECVE: {
        int (*real)(int, char *const[], char *const[]) = REAL(fexecve);
        if (real != NULL)
            return real(c->fd, c->argv, env);
        break;
    }
    case EX_SPAWN: {
        int (*real)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                    const posix_spawnattr_t *, char *const[], char *const[]) = REAL(posix_spawn);
        return real != NULL ? real(c->pid, c->path, c->fa, c->attr, c->argv, env) : ENOSYS;
    }
    case EX_SPAWNP: {
        int (*real)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                    const posix_spawnattr_t *, char *const[], char *const[]) = REAL(posix_spawnp);
        return real != NULL ? real(c->pid, c->path, c->fa, c->attr, c->argv, env) : ENOSYS;
    }
    }
    errno = ENOSYS;
    return -1;
}

static int with_child_env(const struct exec_call *c, char *const envp[])
{
    if (c->kind != EX_SPAWN && c->kind != EX_SPAWNP)
        out_flush_mine();
    size_t n = spawn_env_size(envp);
    if (n == 0)
        return call_real(c, envp);
    char *slots[n];
    char buf[SPAWN_BUF];
    return call_real(c, spawn_env(envp, slots, buf));
}

HOOK int execve(const char *path, char *const argv[], char *const envp[])
{
    return with_child_env(&(struct exec_call){.kind = EX_EXECVE, .path = path, .argv = argv}, envp);
}

HOOK int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

HOOK int execvpe(const char *file, char *const argv[], char *const envp[])
{
    return with_child_env(&(struct exec_call){.kind = EX_EXECVPE, .path = file, .argv = argv}, envp);
}

HOOK int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

HOOK int fexecve(int fd, char *const argv[], char *const envp[])
{
    return with_child_env(&(struct exec_call){.kind = EX_FEXECVE, .fd = fd, .argv = argv}, envp);
}

HOOK int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    struct exec_call c = {.kind = EX_SPAWN, .path = path, .argv = argv, .pid = pid, .fa = fa, .attr = attr};
    return with_child_env(&c, envp);
}

HOOK int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    struct exec_call c = {.kind = EX_SPAWNP, .path = file, .argv = argv, .pid = pid, .fa = fa, .attr = attr};
    return with_child_env(&c, envp);
}

/* execl and friends: libc builds argv and calls its internal execve, out of our sight. */
static int count_args(const char *arg0, va_list ap)
{
    int n = arg0 != NULL;
    while (arg0 != NULL && va_arg(ap, const char *) != NULL)
        n++;
    return n;
}

enum execl_kind { EXECL, EXECLP, EXECLE };

static int execl_common(enum execl_kind kind, const char *path, const char *arg0, va_list count, va_list ap)
{
    int n = count_args(arg0, count);
    char *argv[n + 1];
    argv[0] = (char *)arg0;
    for (int i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *); /* the last one read is the terminating NULL */
    argv[n] = NULL;
    switch (kind) {
    case EXECLP:
        return execvp(path, argv);
    case EXECLE:
        return execve(path, argv, va_arg(ap, char *const *));
    default:
        return execv(path, argv);
    }
}

HOOK int execl(const char *path, const char *arg0, ...)
{
    va_list count, ap;
    va_start(count, arg0);
    va_start(ap, arg0);
    int r = execl_common(EXECL, path, arg0, count, ap);
    va_end(ap);
    va_end(count);
    return r;
}

HOOK int execlp(const char *file, const char *arg0, ...)
{
    va_list count, ap;
    va_start(count, arg0);
    va_start(ap, arg0);
    int r = execl_common(EXECLP, file, arg0, count, ap);
    va_end(ap);
    va_end(count);
    return r;
}

HOOK int execle(const char *path, const char *arg0, ...)
{
    va_list count, ap;
    va_start(count, arg0);
    va_start(ap, arg0);
    int r = execl_common(EXECLE, path, arg0, count, ap);
    va_end(ap);
    va_end(count);
    return r;
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
