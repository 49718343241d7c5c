/* connio.c -- from I/O hook results to connection bookkeeping and thread adoption. */
#include "connio.h"

#include <errno.h>
#include <sys/socket.h>

#include "config.h"
#include "context.h"
#include "debug.h"
#include "debug_events.h"
#include "fdtab.h"

static struct conn *conn_of(int fd)
{
    struct fdent *e = fdtab_get(fd);
    if (e == NULL || fdent_kind(e) != FD_CONN || !reqtag_on())
        return NULL;
    return fdent_conn(e);
}

void connio_open(int listen_fd, int fd)
{
    if (fd < 0 || !reqtag_on())
        return;
    int saved = errno;
    struct fdent *l = fdtab_make(listen_fd);
    if (l != NULL && fdent_kind(l) != FD_LISTEN)
        fdent_set_kind(l, FD_LISTEN);
    fdtab_forget(fd);
    struct fdent *e = fdtab_make(fd);
    struct conn *c = e != NULL ? conn_new() : NULL;
    if (c != NULL) {
        fdtab_attach(e, c, FD_CONN);
        if (debug_on())
            debug_accepted(listen_fd, fd);
        /* The accepting thread touched a connection with no request yet. */
        conn_adopt(fd, c);
    }
    errno = saved;
}

void connio_read_iov(int fd, const struct iovec *iov, size_t iovcnt, ssize_t got, int flags)
{
    struct conn *c = conn_of(fd);
    if (c != NULL)
        connio_read_conn(fd, c, iov, iovcnt, got, flags);
}

void connio_read_conn(int fd, struct conn *c, const struct iovec *iov, size_t iovcnt, ssize_t got, int flags)
{
    int saved = errno;
    uint32_t heads = c->heads;
    bool opaque = debug_on() && scan_opaque(&c->scan);
    if (got > 0 && !(flags & MSG_PEEK)) {
        if (flags & MSG_TRUNC) {
            conn_read_lost(c);
        } else {
            size_t left = (size_t)got;
            for (size_t i = 0; i < iovcnt && left > 0; i++) {
                size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
                conn_read(c, iov[i].iov_base, n);
                left -= n;
            }
        }
    }
    if (__builtin_expect(debug_on(), 0) && (c->heads != heads || scan_opaque(&c->scan) != opaque))
        debug_read(fd, c, heads, opaque);
    conn_adopt(fd, c);
    errno = saved;
}

void connio_wrote_iov(int fd, const struct iovec *iov, size_t iovcnt, ssize_t put)
{
    struct conn *c = conn_of(fd);
    if (c != NULL)
        connio_wrote_conn(fd, c, iov, iovcnt, put);
}

void connio_wrote_unseen(int fd, ssize_t put)
{
    struct conn *c = conn_of(fd);
    if (c == NULL)
        return;
    int saved = errno;
    if (put > 0)
        conn_wrote_unseen(c, (uint64_t)put);
    conn_adopt(fd, c);
    errno = saved;
}
