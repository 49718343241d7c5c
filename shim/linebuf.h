/* linebuf.h -- one line built by hand into a bounded buffer: text, decimal, hex, escaped outside bytes (pure, inline).
 *
 * Contract: a struct linebuf is {buf, cap, 0}; every put appends what fits and silently cuts the
 * rest, always keeping one byte for the newline linebuf_end() adds (cap 0: nothing is written,
 * linebuf_end() returns 0). linebuf_escaped() shows at most max bytes of p, printable ASCII as it
 * is and anything else (backslash too) as \xNN, never half of one, then "..." when some were
 * left out: no raw outside byte reaches a terminal. No stdio, no allocation: safe in a signal
 * handler.
 */
#ifndef REQTAG_LINEBUF_H
#define REQTAG_LINEBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "digits.h"

struct linebuf {
    char *buf;
    size_t cap, len;
};

static inline size_t linebuf_room(const struct linebuf *o)
{
    return o->cap == 0 ? 0 : o->cap - 1 - o->len;
}

static inline void linebuf_put(struct linebuf *o, const char *s, size_t n)
{
    size_t room = linebuf_room(o);
    if (n > room)
        n = room;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static inline void linebuf_puts(struct linebuf *o, const char *s)
{
    linebuf_put(o, s, strlen(s));
}

static inline void linebuf_dec(struct linebuf *o, uint64_t v)
{
    char d[DIGITS_MAX];
    size_t n;
    const char *p = digits_u64(d, v, &n);
    linebuf_put(o, p, n);
}

static inline void linebuf_hex(struct linebuf *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = digits[v & 15];
        v >>= 4;
    } while (v > 0);
    d[--i] = 'x';
    d[--i] = '0';
    linebuf_put(o, d + i, sizeof d - i);
}

static inline void linebuf_escaped(struct linebuf *o, const char *p, size_t n, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n && i < max; i++) {
        unsigned char c = (unsigned char)p[i];
        char esc[4] = {(char)c, 0, 0, 0};
        size_t len = 1;
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15];
            len = 4;
        }
        if (len > linebuf_room(o))
            break;
        linebuf_put(o, esc, len);
    }
    if (i < n)
        linebuf_put(o, "...", linebuf_room(o) >= 3 ? 3 : 0);
}

/* The newline; returns the line's length. */
static inline size_t linebuf_end(struct linebuf *o)
{
    if (o->cap == 0)
        return 0;
    o->buf[o->len++] = '\n';
    return o->len;
}

#endif
