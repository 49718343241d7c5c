/* stream.c -- the bridge from stdio streams to the line path. */
#include "stream.h"

#include <errno.h>

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

int stream_put(FILE *f, int fd, const char *p, size_t n, bool lock)
{
    int saved = errno;
    if (lock)
        flockfile(f);
    if (f->_IO_write_ptr > f->_IO_write_base)
        (void)fflush_unlocked(f);
    int rc = out_line(fd, p, n);
    if (rc < 0)
        f->_flags |= _IO_ERR_SEEN;
    if (lock)
        funlockfile(f);
    if (rc >= 0)
        errno = saved;
    return rc < 0 ? -1 : 0;
}
