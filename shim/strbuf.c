/* strbuf.c -- growable format buffer on the stack first, then anonymous mappings. */
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap);

void strbuf_init(struct strbuf *sb)
{
    sb->p = sb->stack;
    sb->len = 0;
    sb->cap = sizeof sb->stack;
    sb->mapped = 0;
    sb->p[0] = '\0';
}

static int grow(struct strbuf *sb, size_t need)
{
    size_t cap = sb->cap;
    while (cap < need) {
        if (cap > ((size_t)1 << 40))
            return -1;
        cap *= 2;
    }
    if (cap == sb->cap)
        return 0;
    char *m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    memcpy(m, sb->p, sb->len + 1);
    if (sb->mapped)
        munmap(sb->p, sb->cap);
    sb->p = m;
    sb->cap = cap;
    sb->mapped = 1;
    return 0;
}

int strbuf_vformat(struct strbuf *sb, int chk_flag, const char *fmt, va_list ap)
{
    int saved = errno;
    for (int attempt = 0; attempt < 2; attempt++) {
        va_list cp;
        va_copy(cp, ap);
        size_t room = sb->cap - sb->len;
        errno = saved; /* %m reads it */
        int n = chk_flag >= 0 ? __vsnprintf_chk(sb->p + sb->len, room, chk_flag, room, fmt, cp)
                              : vsnprintf(sb->p + sb->len, room, fmt, cp);
        va_end(cp);
        if (n < 0)
            return -1;
        if ((size_t)n < room) {
            sb->len += (size_t)n;
            errno = saved;
            return n;
        }
        if (grow(sb, sb->len + (size_t)n + 1) != 0) {
            errno = ENOMEM;
            return -1;
        }
    }
    errno = EIO;
    return -1;
}

int strbuf_format(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = strbuf_vformat(sb, -1, fmt, ap);
    va_end(ap);
    return n;
}

void strbuf_put(struct strbuf *sb, const char *s, size_t n)
{
    if (sb->len + n + 1 > sb->cap && grow(sb, sb->len + n + 1) != 0)
        n = sb->cap - sb->len - 1;
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

int strbuf_reserve(struct strbuf *sb, size_t extra)
{
    return grow(sb, sb->len + extra + 1);
}

void strbuf_free(struct strbuf *sb)
{
    if (sb->mapped)
        munmap(sb->p, sb->cap);
    strbuf_init(sb);
}
