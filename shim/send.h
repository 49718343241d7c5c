/* send.h -- writes on connections that get a header line added to their message heads.
 *
 * Echo (REQTAG_ECHO): a response written on an accepted connection gets "<echo header>: <id of the
 * request it answers>" before its blank line, unless it has that header, is interim (1xx) or the
 * connection is not HTTP/1.x. Propagation (REQTAG_PROPAGATE): a request written on a connect()ed
 * socket by a thread with a request gets the ID header, or a traceparent continuing the trace.
 *
 * Contract:
 * - send_wanted() is true when a write on this entry must go through send_lines(). tmpl, when not
 *   NULL, gives the destination and ancillary data of a sendto/sendmsg.
 * - send_lines() writes the program's bytes (iov) with the lines added, through the real sendmsg,
 *   and returns what the program would have seen: the number of ITS bytes the kernel took, or -1
 *   with the kernel's errno. An added line the kernel took only in part is kept on the connection
 *   and sent before the program's next bytes; none is lost or sent twice. When the kernel took only
 *   our bytes, a blocking socket is written again; a non-blocking one answers EAGAIN.
 * - send_flush() sends a kept line before bytes that bypass the plan (sendfile): 0, or -1 with
 *   errno (EAGAIN on a non-blocking socket that is full).
 * - connect_started() makes a connect()ed socket an outbound connection (when propagating).
 */
#ifndef REQTAG_SEND_H
#define REQTAG_SEND_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "config.h"
#include "connio.h"
#include "fdtab.h"

/* Inline: every write on a connection asks. */
static inline bool send_wanted(const struct fdent *e)
{
    const struct conn *c = fdent_conn(e);
    if (c == NULL)
        return false;
    if (c->pendlen > 0)
        return true;
    uint8_t kind = fdent_kind(e);
    if (kind == FD_CONN)
        return reqtag_cfg.echo && !c->resp_lost;
    return kind == FD_OUT && reqtag_cfg.propagate && me()->ctx.len > 0;
}
ssize_t send_lines(int fd, struct fdent *e, const struct iovec *iov, int iovcnt, int flags,
                   const struct msghdr *tmpl);
/* Bytes the program wrote on an outbound connection without send_lines. */
void send_sent(int fd, struct fdent *e, const struct iovec *iov, int iovcnt, ssize_t put);
/* Bytes the program wrote on a connection without send_lines (put: what the real call returned).
 * Inline: a response's writev goes straight to the connection's bookkeeping. */
static inline void send_wrote(int fd, struct fdent *e, const struct iovec *iov, int iovcnt, ssize_t put)
{
    struct conn *c = fdent_conn(e);
    if (fdent_kind(e) != FD_CONN)
        send_sent(fd, e, iov, iovcnt, put);
    else if (c != NULL) /* send_entry() checked the rest */
        connio_wrote_conn(fd, c, iov, iovcnt > 0 ? (size_t)iovcnt : 0, put);
}
/* The entry of fd when it is a connection (accepted or outbound), else NULL; send_entry_of()
 * answers from fd's entry as fdtab_get() returned it. */
static inline struct fdent *send_entry_of(struct fdent *e)
{
    if (e == NULL)
        return NULL;
    uint8_t kind = fdent_kind(e);
    return (kind == FD_CONN || kind == FD_OUT) && reqtag_on() ? e : NULL;
}
static inline struct fdent *send_entry(int fd)
{
    return send_entry_of(fdtab_get(fd));
}
int send_flush(int fd, struct fdent *e, int flags);
void connect_started(int fd);

#endif
