/* hook_net.c -- accept marks connections; reads and sends on them feed conn.c and hand the
 * connection's current request to the thread.
 *
 * The real call first; then, for an accepted connection, the bytes it moved (never the bytes of a
 * MSG_PEEK) go to the connection's scanners, and the calling thread adopts its current request.
 * A read may block, so a held line piece leaves before it.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "fdtab.h"
#include "out.h"
#include "real.h"
#include "connio.h"
#include "send.h"
#include "proc.h"

/* A new descriptor: nothing known about its number holds any more. A vfork child shares our
 * memory but not our descriptors: it must not touch the table. */
HOOK int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int (*real)(int, struct sockaddr *, socklen_t *) = REAL(accept);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    int c = real(fd, addr, len);
    connio_open(fd, c);
    return c;
}

HOOK int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    int (*real)(int, struct sockaddr *, socklen_t *, int) = REAL(accept4);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    int c = real(fd, addr, len, flags);
    connio_open(fd, c);
    return c;
}

static __attribute__((noinline)) ssize_t read_more(ssize_t (*real)(int, void *, size_t), int fd, void *buf, size_t n)
{
    out_flush_mine();
    ssize_t got = real(fd, buf, n);
    connio_read(fd, buf, got, 0);
    return got;
}

static __attribute__((noinline, cold)) ssize_t read_first(int fd, void *buf, size_t n)
{
    ssize_t (*real)(int, void *, size_t) = REAL(read);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return read_more(real, fd, buf, n);
}

HOOK ssize_t read(int fd, void *buf, size_t n)
{
    ssize_t (*real)(int, void *, size_t) = REAL_READY(read);
    if (__builtin_expect(real == NULL, 0))
        return read_first(fd, buf, n);
    /* Most reads are of files and pipes, by a thread holding no piece of a line: straight to libc.
     * (A descriptor cannot become a connection while it is being read: that takes a close.) */
    const struct fdent *e = fdtab_get(fd);
    if ((e == NULL || fdent_kind(e) != FD_CONN) && me()->lines.len == 0)
        return real(fd, buf, n);
    return read_more(real, fd, buf, n);
}

HOOK ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    ssize_t (*real)(int, void *, size_t, size_t) = REAL(__read_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, buflen);
    connio_read(fd, buf, got, 0);
    return got;
}

HOOK ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    ssize_t (*real)(int, const struct iovec *, int) = REAL(readv);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, iov, iovcnt);
    connio_read_iov(fd, iov, iovcnt > 0 ? (size_t)iovcnt : 0, got, 0);
    return got;
}

HOOK ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    ssize_t (*real)(int, void *, size_t, int) = REAL(recv);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, flags);
    connio_read(fd, buf, got, flags);
    return got;
}

HOOK ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    ssize_t (*real)(int, void *, size_t, size_t, int) = REAL(__recv_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, buflen, flags);
    connio_read(fd, buf, got, flags);
    return got;
}

HOOK ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *alen)
{
    ssize_t (*real)(int, void *, size_t, int, struct sockaddr *, socklen_t *) = REAL(recvfrom);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, flags, addr, alen);
    connio_read(fd, buf, got, flags);
    return got;
}

HOOK ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                            struct sockaddr *addr, socklen_t *alen)
{
    ssize_t (*real)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *) =
        REAL(__recvfrom_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, buf, n, buflen, flags, addr, alen);
    connio_read(fd, buf, got, flags);
    return got;
}

HOOK ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    ssize_t (*real)(int, struct msghdr *, int) = REAL(recvmsg);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    out_flush_mine();
    ssize_t got = real(fd, msg, flags);
    if (msg != NULL)
        connio_read_iov(fd, msg->msg_iov, msg->msg_iovlen, got, flags);
    return got;
}


/* Writes on a connection: the response scanner counts responses (send.c adds header lines when
 * echoing or propagating); the writer adopts the request. */

HOOK ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    ssize_t (*real)(int, const void *, size_t, int) = REAL(send);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    struct fdent *e = send_entry(fd);
    struct iovec one = {(void *)buf, n};
    if (e != NULL && send_wanted(e))
        return send_lines(fd, e, &one, 1, flags, NULL);
    ssize_t put = real(fd, buf, n, flags);
    if (e != NULL)
        send_wrote(fd, e, &one, 1, put);
    return put;
}

HOOK ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                    socklen_t alen)
{
    ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t) = REAL(sendto);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    struct fdent *e = send_entry(fd);
    struct iovec one = {(void *)buf, n};
    if (e != NULL && send_wanted(e)) {
        struct msghdr tmpl = {.msg_name = (void *)addr, .msg_namelen = alen};
        return send_lines(fd, e, &one, 1, flags, &tmpl);
    }
    ssize_t put = real(fd, buf, n, flags, addr, alen);
    if (e != NULL)
        send_wrote(fd, e, &one, 1, put);
    return put;
}

HOOK ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    ssize_t (*real)(int, const struct msghdr *, int) = REAL(sendmsg);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    struct fdent *e = send_entry(fd);
    if (e != NULL && msg != NULL && msg->msg_iovlen <= IOV_MAX && send_wanted(e))
        return send_lines(fd, e, msg->msg_iov, (int)msg->msg_iovlen, flags, msg);
    ssize_t put = real(fd, msg, flags);
    if (e != NULL && msg != NULL)
        send_wrote(fd, e, msg->msg_iov, (int)msg->msg_iovlen, put);
    return put;
}

/* sendfile bytes are body bytes: a kept header line must leave before them. */
static int before_sendfile(int out)
{
    struct fdent *e = send_entry(out);
    return e != NULL && fdent_conn(e) != NULL && fdent_conn(e)->pendlen > 0 ? send_flush(out, e, 0) : 0;
}

HOOK ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
    ssize_t (*real)(int, int, off_t *, size_t) = REAL(sendfile);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (before_sendfile(out) != 0)
        return -1;
    ssize_t put = real(out, in, off, n);
    connio_wrote_unseen(out, put);
    return put;
}

HOOK ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
    ssize_t (*real)(int, int, off64_t *, size_t) = REAL(sendfile64);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (before_sendfile(out) != 0)
        return -1;
    ssize_t put = real(out, in, off, n);
    connio_wrote_unseen(out, put);
    return put;
}

/* A connection the program opens itself: the requests it sends there may carry the ID. */
HOOK int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    int (*real)(int, const struct sockaddr *, socklen_t) = REAL(connect);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int r = real(fd, addr, len);
    if (r == 0 || errno == EINPROGRESS) {
        int saved = errno;
        connect_started(fd);
        errno = saved;
    }
    return r;
}
