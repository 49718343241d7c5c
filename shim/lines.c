/* lines.c -- per-thread line assembly: tag each line once, send each whole line in one emit. */
#include "lines.h"

#include <string.h>

/* Set up by cnt = 0 alone: clearing all LINES_IOV entries would cost more than a short line. */
struct batch {
    struct iovec iov[LINES_IOV];
    int cnt;
};

static void add(struct batch *b, const void *p, size_t n)
{
    if (n > 0)
        b->iov[b->cnt++] = (struct iovec){(void *)p, n};
}

static int send_batch(struct lines *l, struct batch *b, lines_emit_fn emit, void *arg)
{
    if (b->cnt == 0)
        return 0;
    int rc = emit(arg, l->fd, b->iov, b->cnt);
    b->cnt = 0;
    if (rc != 0) {
        l->len = 0;
        l->open = false;
    }
    return rc;
}

int lines_flush(struct lines *l, lines_emit_fn emit, void *arg)
{
    if (l->len == 0)
        return 0;
    struct batch b;
    b.cnt = 0;
    add(&b, l->buf, l->len);
    l->len = 0;
    l->open = true;
    return send_batch(l, &b, emit, arg);
}

/* A piece with no newline: hold it (tag first if the line is new), or send it now if it won't fit. */
static int hold(struct lines *l, const char *tag, size_t taglen, const char *p, size_t n,
                lines_emit_fn emit, void *arg)
{
    size_t t = (l->len == 0 && !l->open) ? taglen : 0;
    if (l->buf != NULL && l->len + t + n <= l->cap) {
        memcpy(l->buf + l->len, tag, t);
        memcpy(l->buf + l->len + t, p, n);
        l->len += t + n;
        return 0;
    }
    struct batch b;
    b.cnt = 0;
    add(&b, l->buf, l->len);
    add(&b, tag, t);
    add(&b, p, n);
    l->len = 0;
    l->open = true;
    return send_batch(l, &b, emit, arg);
}

int lines_write(struct lines *l, int fd, const char *tag, size_t taglen, const char *p, size_t n,
                lines_emit_fn emit, void *arg)
{
    if (l->fd != fd) {
        if (l->len > 0 && lines_flush(l, emit, arg) != 0)
            return -1;
        l->open = false;
        l->fd = fd;
    }
    struct batch b;
    b.cnt = 0;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (nl == NULL) {
            /* The batch may point into buf: it must leave before buf is refilled. */
            if (send_batch(l, &b, emit, arg) != 0)
                return -1;
            return hold(l, tag, taglen, p + i, n - i, emit, arg);
        }
        size_t seg = (size_t)(nl - (p + i)) + 1;
        if (b.cnt + 3 > LINES_IOV && send_batch(l, &b, emit, arg) != 0)
            return -1;
        if (l->len > 0)
            add(&b, l->buf, l->len);
        else if (!l->open)
            add(&b, tag, taglen);
        add(&b, p + i, seg);
        l->len = 0;
        l->open = false;
        i += seg;
        /* buf is referenced by the batch only as its first entry; later lines never refill it. */
    }
    return send_batch(l, &b, emit, arg);
}
