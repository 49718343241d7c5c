/* send.c -- splice a header line into the heads a program writes, and account for what the kernel took. */
#include "send.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "config.h"
#include "connio.h"
#include "context.h"
#include "pool.h"
#include "real.h"
#include "reqid.h"

enum { MAX_POINTS = 4, MAX_SEGS = 160 };

struct point {
    size_t at;                  /* program byte offset (in this call) the line goes before */
    size_t len;
    char line[CONN_LINE_MAX];
};

struct seg {
    const char *p;
    size_t n;
    int point;                  /* -1: program bytes; else the point whose line this is */
};

static size_t put(char *out, size_t at, const char *s, size_t n)
{
    if (at + n > CONN_LINE_MAX)
        n = at < CONN_LINE_MAX ? CONN_LINE_MAX - at : 0;
    memcpy(out + at, s, n);
    return at + n;
}

/* "<name>: <id>\r\n" */
static size_t id_line(const struct reqctx *r, char *out)
{
    size_t nlen, at = 0;
    const char *name = settings_echo_header(&reqtag_cfg, &nlen);
    at = put(out, at, name, nlen);
    at = put(out, at, ": ", 2);
    at = put(out, at, r->id, r->len);
    return put(out, at, "\r\n", 2);
}

static bool traceparent_configured(void)
{
    for (unsigned i = 0; i < reqtag_cfg.nheaders; i++)
        if (reqtag_cfg.header_traceparent[i])
            return true;
    return false;
}

/* The downstream request continues the trace when the ID is a trace-id. */
static bool sends_traceparent(const struct reqctx *r)
{
    return r->len == 32 && (r->kind == ID_TRACE || (r->kind == ID_GENERATED && traceparent_configured()));
}

/* "traceparent: 00-<trace-id>-<new span-id>-<flags>\r\n" */
static size_t trace_line(const struct reqctx *r, char *out)
{
    static const char hex[] = "0123456789abcdef";
    char span[32];
    reqid_generate(span); /* 16 of its 32 random hex digits make the span-id */
    uint8_t flags = r->kind == ID_TRACE ? r->trace_flags : 1;
    char f[2] = {hex[flags >> 4], hex[flags & 15]};
    size_t at = put(out, 0, "traceparent: 00-", 16);
    at = put(out, at, r->id, 32);
    at = put(out, at, "-", 1);
    at = put(out, at, span, 16);
    at = put(out, at, "-", 1);
    at = put(out, at, f, 2);
    return put(out, at, "\r\n", 2);
}

static void lower_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] + 32) : src[i];
    dst[n] = '\0';
}

/* The header name a line would add, as a watch (lowercase). */
static void watch_for(struct watch *w, bool trace)
{
    size_t nlen;
    const char *name = trace ? "traceparent" : settings_echo_header(&reqtag_cfg, &nlen);
    if (trace)
        nlen = 11;
    w->n = 1;
    w->len[0] = (uint8_t)nlen;
    lower_copy(w->name[0], name, nlen);
}

/* A dry run over this call's bytes: where do lines go? Returns the count; *limit is how many
 * program bytes this call may send (all, unless there were more heads than points). */
static int plan_inbound(struct conn *c, const struct iovec *iov, int iovcnt, struct point *pts, size_t *limit)
{
    struct reqctx one, *req = &one;
    struct resp r = c->resp;
    struct watch w;
    watch_for(&w, false);
    uint32_t answered = c->answered;
    bool done = c->inj_done;
    int n = 0;
    size_t base = 0;
    for (int i = 0; i < iovcnt; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len, at = 0;
        while (at < len) {
            enum resp_status st;
            uint16_t code = 0;
            at += resp_feed_watch(&r, p + at, len - at, &st, &code, &w);
            if (st == RESP_OPAQUE)
                return n;
            if (st == RESP_BLANK) {
                if (!done && code >= 200 && !(r.wseen & 1) && conn_request(c, answered, req) && req->len > 0) {
                    if (n == MAX_POINTS) {
                        *limit = base + at;
                        return n;
                    }
                    pts[n].at = base + at;
                    pts[n].len = id_line(req, pts[n].line);
                    n++;
                }
                done = false;
            } else if (st == RESP_HEAD) {
                done = false;
                if (code == 101)
                    return n;
                if (code >= 100 && code < 200) {
                    resp_body(&r, true);
                } else {
                    bool head_req = answered < c->heads && ((c->head_bits >> (answered % 64)) & 1);
                    resp_body(&r, head_req || code == 204 || code == 304);
                    answered++;
                }
            }
        }
        base += len;
    }
    return n;
}

static int plan_outbound(struct conn *c, const struct iovec *iov, int iovcnt, struct point *pts, size_t *limit)
{
    const struct reqctx *ctx = &me()->ctx;
    bool trace = sends_traceparent(ctx);
    struct scan s = c->scan;
    struct scan_buf b; /* a dry run: the connection's own buffer stays as it is */
    if (c->parked != NULL)
        b = *c->parked;
    struct watch w;
    watch_for(&w, trace);
    bool done = c->inj_done;
    int n = 0;
    size_t base = 0;
    for (int i = 0; i < iovcnt; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len, at = 0;
        while (at < len) {
            enum scan_status st;
            struct scan_head head;
            at += scan_feed_watch(&s, &b, &reqtag_cfg, p + at, len - at, &st, &head, &w);
            if (st == SCAN_OPAQUE)
                return n;
            if (st == SCAN_BLANK) {
                if (!done && !(s.wseen & 1) && ctx->len > 0) {
                    if (n == MAX_POINTS) {
                        *limit = base + at;
                        return n;
                    }
                    pts[n].at = base + at;
                    pts[n].len = trace ? trace_line(ctx, pts[n].line) : id_line(ctx, pts[n].line);
                    n++;
                }
                done = false;
            } else if (st == SCAN_HEAD) {
                done = false;
            }
        }
        base += len;
    }
    return n;
}

/* Account for program bytes the kernel took: the scanners move on. */
static void account(int fd, struct fdent *e, const struct iovec *iov, int iovcnt, size_t sent)
{
    if (fdent_kind(e) == FD_CONN) {
        connio_wrote_iov(fd, iov, (size_t)iovcnt, (ssize_t)sent);
        return;
    }
    struct conn *c = fdent_conn(e);
    for (int i = 0; c != NULL && i < iovcnt && sent > 0; i++) {
        size_t len = iov[i].iov_len < sent ? iov[i].iov_len : sent;
        sent -= len;
        conn_sent(c, iov[i].iov_base, len);
    }
}

static bool nonblocking(int fd, int flags)
{
    if (flags & MSG_DONTWAIT)
        return true;
    int (*fc)(int, int, ...) = REAL(fcntl);
    int fl = fc != NULL ? fc(fd, F_GETFL) : 0;
    return fl >= 0 && (fl & O_NONBLOCK);
}

/* Lay the segments out: kept line, then program bytes cut at the points, lines in between. */
static int lay_out(struct conn *c, const struct iovec *iov, int iovcnt, size_t limit, const struct point *pts,
                   int npts, struct seg *segs, size_t *prog)
{
    int n = 0, k = 0;
    size_t base = 0;
    *prog = 0;
    if (c->pendlen > 0)
        segs[n++] = (struct seg){c->pend, c->pendlen, -2};
    for (int i = 0; i < iovcnt && base < limit && n < MAX_SEGS - 2; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len, at = 0;
        if (base + len > limit)
            len = limit - base;
        while (n < MAX_SEGS - 2) {
            size_t stop = (k < npts && pts[k].at <= base + len) ? pts[k].at - base : len;
            if (stop > at) {
                segs[n++] = (struct seg){p + at, stop - at, -1};
                *prog += stop - at;
            }
            at = stop;
            if (k < npts && pts[k].at == base + at) {
                segs[n++] = (struct seg){pts[k].line, pts[k].len, k};
                k++;
                continue;
            }
            break;
        }
        base += len;
    }
    return n;
}

void send_sent(int fd, struct fdent *e, const struct iovec *iov, int iovcnt, ssize_t put)
{
    int saved = errno;
    if (put > 0)
        account(fd, e, iov, iovcnt, (size_t)put);
    errno = saved;
}

ssize_t send_lines(int fd, struct fdent *e, const struct iovec *iov, int iovcnt, int flags,
                   const struct msghdr *tmpl)
{
    ssize_t (*real)(int, const struct msghdr *, int) = REAL(sendmsg);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    struct conn *c = fdent_conn(e);
    if (c == NULL) {
        struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
        if (tmpl != NULL) {
            msg.msg_name = tmpl->msg_name;
            msg.msg_namelen = tmpl->msg_namelen;
            msg.msg_control = tmpl->msg_control;
            msg.msg_controllen = tmpl->msg_controllen;
        }
        return real(fd, &msg, flags);
    }
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    for (;;) {
        struct point pts[MAX_POINTS];
        size_t limit = total, prog = 0;
        int npts = fdent_kind(e) == FD_CONN ? plan_inbound(c, iov, iovcnt, pts, &limit)
                                            : plan_outbound(c, iov, iovcnt, pts, &limit);
        /* A line the kernel takes in part needs a place to wait: without one, add no line. */
        if (npts > 0 && c->pend == NULL && (c->pend = pool_get(CONN_LINE_MAX)) == NULL) {
            npts = 0;
            limit = total;
        }
        struct seg segs[MAX_SEGS];
        struct iovec out[MAX_SEGS];
        int nseg = lay_out(c, iov, iovcnt, limit, pts, npts, segs, &prog);
        for (int i = 0; i < nseg; i++)
            out[i] = (struct iovec){(void *)segs[i].p, segs[i].n};
        struct msghdr msg = {.msg_iov = out, .msg_iovlen = (size_t)nseg};
        if (tmpl != NULL) {
            msg.msg_name = tmpl->msg_name;
            msg.msg_namelen = tmpl->msg_namelen;
            msg.msg_control = tmpl->msg_control;
            msg.msg_controllen = tmpl->msg_controllen;
        }
        ssize_t w = real(fd, &msg, flags);
        if (w < 0)
            return -1;
        int saved = errno;
        /* Walk what the kernel took: our kept line, program bytes, our new lines. */
        size_t took = (size_t)w, sent = 0;
        int last_line = -1;
        char rest[CONN_LINE_MAX];
        size_t restlen = 0;
        for (int i = 0; i < nseg && took > 0; i++) {
            size_t t = took < segs[i].n ? took : segs[i].n;
            took -= t;
            if (segs[i].point == -1) {
                sent += t;
            } else {
                if (segs[i].point >= 0)
                    last_line = segs[i].point;
                if (t < segs[i].n) {
                    restlen = segs[i].n - t;
                    memcpy(rest, segs[i].p + t, restlen);
                }
            }
        }
        /* Whatever we had kept went out unless the kernel stopped inside it. */
        if (c->pendlen > 0 && (size_t)w < c->pendlen) {
            memmove(c->pend, c->pend + w, c->pendlen - (size_t)w);
            c->pendlen = (uint16_t)(c->pendlen - (size_t)w);
        } else {
            c->pendlen = 0;
            if (restlen > 0) {
                memcpy(c->pend, rest, restlen);
                c->pendlen = (uint16_t)restlen;
            }
        }
        account(fd, e, iov, iovcnt, sent);
        /* A line went out right where the program's bytes stop: that head has its line. */
        if (last_line >= 0 && pts[last_line].at == sent)
            c->inj_done = 1;
        if (sent > 0 || total == 0) {
            errno = saved;
            return (ssize_t)sent;
        }
        if (nonblocking(fd, flags)) {
            errno = EAGAIN;
            return -1;
        }
    }
}

int send_flush(int fd, struct fdent *e, int flags)
{
    struct conn *c = fdent_conn(e);
    ssize_t (*real)(int, const void *, size_t, int) = REAL(send);
    while (c != NULL && c->pendlen > 0 && real != NULL) {
        ssize_t w = real(fd, c->pend, c->pendlen, flags);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        memmove(c->pend, c->pend + w, c->pendlen - (size_t)w);
        c->pendlen = (uint16_t)(c->pendlen - (size_t)w);
    }
    return 0;
}

void connect_started(int fd)
{
    if (fd < 0 || !reqtag_on() || !reqtag_cfg.propagate)
        return;
    struct fdent *e = fdtab_make(fd);
    if (e == NULL || fdent_kind(e) == FD_CONN)
        return;
    struct conn *c = conn_new(); /* outbound: only the requests the program writes are followed */
    if (c != NULL)
        fdtab_attach(e, c, FD_OUT);
}
