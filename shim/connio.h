/* connio.h -- glue between the I/O hooks and conn.c: bytes a connection carried, and adoption.
 *
 * Contract: each function looks fd up; unless it is an accepted connection (and the shim is on)
 * it does nothing. Otherwise it passes the bytes the real call moved (never more than it
 * returned; nothing for MSG_PEEK; MSG_TRUNC stops the scanning) to the connection, then makes the
 * connection's current request the calling thread's context. errno is preserved.
 * connio_open() starts a connection on fd (accept) and marks the listening socket;
 * connio_touch() adopts without bytes (a read or write that moved nothing).
 */
#ifndef REQTAG_CONNIO_H
#define REQTAG_CONNIO_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "config.h"
#include "fdtab.h"

void connio_open(int listen_fd, int fd);
void connio_read_iov(int fd, const struct iovec *iov, size_t iovcnt, ssize_t got, int flags);
/* The same for a connection already looked up (c: fd's accepted connection, the shim on). */
void connio_read_conn(int fd, struct conn *c, const struct iovec *iov, size_t iovcnt, ssize_t got, int flags);

/* Most reads are not on connections: that answer costs a table lookup, no call. */
static inline void connio_read(int fd, const void *buf, ssize_t got, int flags)
{
    struct fdent *e = fdtab_get(fd);
    if (e == NULL || fdent_kind(e) != FD_CONN || !reqtag_on())
        return;
    struct conn *c = fdent_conn(e);
    if (c == NULL)
        return;
    struct iovec one = {(void *)buf, got > 0 ? (size_t)got : 0};
    connio_read_conn(fd, c, &one, 1, got, flags);
}
void connio_wrote_iov(int fd, const struct iovec *iov, size_t iovcnt, ssize_t put);
/* The same for a connection already looked up (c: fd's accepted connection, the shim on).
 * Inline: every response write comes here, and each layer of calls costs. */
static inline void connio_wrote_conn(int fd, struct conn *c, const struct iovec *iov, size_t iovcnt, ssize_t put)
{
    int saved = errno;
    conn_wrote_iov(c, iov, iovcnt, put > 0 ? (size_t)put : 0);
    conn_adopt(fd, c);
    errno = saved;
}
void connio_wrote_unseen(int fd, ssize_t put);

#endif
