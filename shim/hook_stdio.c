/* hook_stdio.c -- the stdio output family on streams over stderr-like descriptors.
 *
 * glibc's stdio writes through its internal write, which no preload can see; so each function is
 * hooked. When the call is taken over, the program's own formatting runs here (vsnprintf with the
 * same fortify flag) and the bytes join the thread's line; the return value is what the function
 * returns for a complete write. Otherwise the call goes to libc untouched.
 */
/* glibc's headers define inline bodies for some of these names when optimising; we define the
 * functions themselves, so ask for plain declarations (what -O0 would give). */
#ifndef __NO_INLINE__
#define __NO_INLINE__ 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Some of these names can also be macros; we define the functions. */
#undef fwrite_unlocked
#undef fputc_unlocked
#undef putc_unlocked
#undef putc
#undef fputs_unlocked
#undef putchar

#include "real.h"
#include "stream.h"
#include "strbuf.h"

static int stream_printf(FILE *f, int fd, int chk_flag, const char *fmt, va_list ap)
{
    struct strbuf sb;
    strbuf_init(&sb);
    int n = strbuf_vformat(&sb, chk_flag, fmt, ap);
    if (n >= 0 && stream_put(f, fd, sb.p, sb.len, true) != 0)
        n = -1;
    strbuf_free(&sb);
    return n;
}

HOOK int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    int (*real)(FILE *, const char *, va_list) = REAL(vfprintf);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int fd = stream_fd(f);
    if (fd < 0)
        return real(f, fmt, ap);
    return stream_printf(f, fd, -1, fmt, ap);
}

HOOK int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

HOOK int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
    int (*real)(FILE *, int, const char *, va_list) = REAL(__vfprintf_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int fd = stream_fd(f);
    if (fd < 0)
        return real(f, flag, fmt, ap);
    return stream_printf(f, fd, flag, fmt, ap);
}

HOOK int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vfprintf_chk(f, flag, fmt, ap);
    va_end(ap);
    return n;
}

static int puts_common(int (*real)(const char *, FILE *), const char *s, FILE *f, bool lock)
{
    if (real == NULL) {
        errno = ENOSYS;
        return EOF;
    }
    int fd = stream_fd(f);
    if (fd < 0 || s == NULL)
        return real(s, f);
    return stream_put(f, fd, s, strlen(s), lock) == 0 ? 1 : EOF;
}

HOOK int fputs(const char *s, FILE *f)
{
    return puts_common(REAL(fputs), s, f, true);
}

HOOK int fputs_unlocked(const char *s, FILE *f)
{
    return puts_common(REAL(fputs_unlocked), s, f, false);
}

static int putc_common(int (*real)(int, FILE *), int c, FILE *f, bool lock)
{
    if (real == NULL) {
        errno = ENOSYS;
        return EOF;
    }
    int fd = stream_fd(f);
    if (fd < 0)
        return real(c, f);
    char ch = (char)c;
    return stream_put(f, fd, &ch, 1, lock) == 0 ? (unsigned char)c : EOF;
}

HOOK int fputc(int c, FILE *f)
{
    return putc_common(REAL(fputc), c, f, true);
}

HOOK int putc(int c, FILE *f)
{
    return putc_common(REAL(putc), c, f, true);
}

HOOK int _IO_putc(int c, FILE *f)
{
    return putc_common(REAL(_IO_putc), c, f, true);
}

HOOK int fputc_unlocked(int c, FILE *f)
{
    return putc_common(REAL(fputc_unlocked), c, f, false);
}

HOOK int putc_unlocked(int c, FILE *f)
{
    return putc_common(REAL(putc_unlocked), c, f, false);
}

static size_t fwrite_common(size_t (*real)(const void *, size_t, size_t, FILE *), const void *p,
                            size_t size, size_t nmemb, FILE *f, bool lock)
{
    if (real == NULL) {
        errno = ENOSYS;
        return 0;
    }
    int fd = stream_fd(f);
    if (fd < 0 || size == 0 || nmemb == 0 || nmemb > SIZE_MAX / size)
        return real(p, size, nmemb, f);
    return stream_put(f, fd, p, size * nmemb, lock) == 0 ? nmemb : 0;
}

HOOK size_t fwrite(const void *p, size_t size, size_t nmemb, FILE *f)
{
    return fwrite_common(REAL(fwrite), p, size, nmemb, f, true);
}

HOOK size_t fwrite_unlocked(const void *p, size_t size, size_t nmemb, FILE *f)
{
    return fwrite_common(REAL(fwrite_unlocked), p, size, nmemb, f, false);
}

/* The stdout family: tagged only when REQTAG_STREAMS asks for stdout. */

HOOK int vprintf(const char *fmt, va_list ap)
{
    int (*real)(const char *, va_list) = REAL(vprintf);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int fd = stream_fd(stdout);
    if (fd < 0)
        return real(fmt, ap);
    return stream_printf(stdout, fd, -1, fmt, ap);
}

HOOK int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

HOOK int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
    int (*real)(int, const char *, va_list) = REAL(__vprintf_chk);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    int fd = stream_fd(stdout);
    if (fd < 0)
        return real(flag, fmt, ap);
    return stream_printf(stdout, fd, flag, fmt, ap);
}

HOOK int __printf_chk(int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vprintf_chk(flag, fmt, ap);
    va_end(ap);
    return n;
}

struct puts_args {
    int fd;
    const char *s;
};

/* The string and its newline, under one lock (true when both went out). */
static int puts_line(void *arg)
{
    const struct puts_args *a = arg;
    return stream_put(stdout, a->fd, a->s, strlen(a->s), false) == 0 && stream_put(stdout, a->fd, "\n", 1, false) == 0;
}

HOOK int puts(const char *s)
{
    int (*real)(const char *) = REAL(puts);
    if (real == NULL) {
        errno = ENOSYS;
        return EOF;
    }
    int fd = stream_fd(stdout);
    if (fd < 0)
        return real(s);
    struct puts_args a = {fd, s};
    return stream_locked(stdout, puts_line, &a) ? 1 : EOF;
}

HOOK int putchar(int c)
{
    int (*real)(int) = REAL(putchar);
    if (real == NULL) {
        errno = ENOSYS;
        return EOF;
    }
    int fd = stream_fd(stdout);
    if (fd < 0)
        return real(c);
    char ch = (char)c;
    return stream_put(stdout, fd, &ch, 1, true) == 0 ? (unsigned char)c : EOF;
}
