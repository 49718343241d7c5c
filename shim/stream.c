/* stream.c -- the bridge from stdio streams to the line path. */
#include "stream.h"

#include <errno.h>
#include <pthread.h>

#include "config.h"
#include "context.h"
#include "out.h"
#include "outfd.h"

int stream_fd(FILE *f)
{
    struct tstate *t = me();
    if (f == NULL || t->writing)
        return -1;
    bool structured = false;
    if (t->ctx.len == 0 && !lines_busy(&t->lines)) {
        if (!reqtag_on() || reqtag_cfg.output == OUTPUT_TEXT)
            return -1;
        structured = true;
    }
    if (!reqtag_on())
        return -1;
    int saved = errno;
    int fd = fileno_unlocked(f); /* -1 for memory and cookie streams */
    errno = saved;
    if (fd < 0 || (t->ctx.len == 0 && !structured && t->lines.fd != fd))
        return -1;
    return outfd_tagged(fd) ? fd : -1;
}

static void unlock_file(void *f)
{
    funlockfile(f);
}

/* Not instrumented under check-asan: ASan would unpoison the stacks before the cleanup's jump back
 * into the unwinding (a call that never returns), and its runtime fails a check of its own there. */
__attribute__((no_sanitize("address"))) int stream_locked(FILE *f, int (*run)(void *), void *arg)
{
    int rc;
    flockfile(f);
    /* glibc's C form registers a jump buffer (no libgcc_s needed in the shim): the cancellation's
     * unwinding stops here, unlocks, and goes on. */
    pthread_cleanup_push(unlock_file, f);
    rc = run(arg);
    pthread_cleanup_pop(1);
    return rc;
}

struct put_args {
    FILE *f;
    int fd;
    const char *p;
    size_t n;
};

static int put_unlocked(void *arg)
{
    const struct put_args *a = arg;
    if (a->f->_IO_write_ptr > a->f->_IO_write_base)
        (void)fflush_unlocked(a->f);
    int rc = out_line(a->fd, a->p, a->n);
    if (rc < 0)
        a->f->_flags |= _IO_ERR_SEEN;
    return rc;
}

int stream_put(FILE *f, int fd, const char *p, size_t n, bool lock)
{
    int saved = errno;
    struct put_args a = {f, fd, p, n};
    int rc = lock ? stream_locked(f, put_unlocked, &a) : put_unlocked(&a);
    if (rc >= 0)
        errno = saved;
    return rc < 0 ? -1 : 0;
}
