/* hook_errmsg.c -- perror, err/warn, error, psignal: libc composes these from pieces; we compose
 * the whole message and send it as one line, so it is tagged once and never split.
 *
 * When the call is not taken over (no request, stderr not ours) the err/warn family, perror and
 * psignal go to libc untouched. error() and error_at_line() have no va_list form in glibc 2.36,
 * so they are always composed here, with glibc's layout, flush of stdout, counters and exit.
 */
#include <errno.h>
#include <error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "real.h"
#include "stream.h"
#include "strbuf.h"

/* The message through libc's fwrite, flushed (the caller holds the lock). */
static int say_libc(void *arg)
{
    const struct strbuf *sb = arg;
    REAL(fwrite)(sb->p, 1, sb->len, stderr);
    return fflush_unlocked(stderr);
}

/* Send a composed message to stderr: as one tagged line when taken over, else to libc. */
static void say(struct strbuf *sb)
{
    int fd = stream_fd(stderr);
    if (fd >= 0) {
        (void)stream_put(stderr, fd, sb->p, sb->len, true);
        return;
    }
    if (REAL(fwrite) != NULL)
        (void)stream_locked(stderr, say_libc, sb);
}

static void put_str(struct strbuf *sb, const char *s)
{
    strbuf_put(sb, s, strlen(s));
}

static void put_errno(struct strbuf *sb, int errnum)
{
    char buf[256];
    put_str(sb, strerror_r(errnum, buf, sizeof buf));
}

HOOK void perror(const char *s)
{
    int saved = errno;
    void (*real)(const char *) = REAL(perror);
    if (stream_fd(stderr) < 0) {
        if (real != NULL) {
            errno = saved;
            real(s);
        }
        errno = saved;
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb);
    if (s != NULL && *s != '\0') {
        put_str(&sb, s);
        put_str(&sb, ": ");
    }
    put_errno(&sb, saved);
    put_str(&sb, "\n");
    say(&sb);
    strbuf_free(&sb);
    errno = saved;
}

/* warn/err layout: "prog: " [fmt] [": " strerror] "\n". */
static void compose_warn(const char *fmt, va_list ap, int with_errno)
{
    int saved = errno;
    struct strbuf sb;
    strbuf_init(&sb);
    put_str(&sb, program_invocation_short_name);
    put_str(&sb, ": ");
    if (fmt != NULL) {
        errno = saved;
        strbuf_vformat(&sb, -1, fmt, ap);
        if (with_errno)
            put_str(&sb, ": ");
    }
    if (with_errno)
        put_errno(&sb, saved);
    put_str(&sb, "\n");
    say(&sb);
    strbuf_free(&sb);
    errno = saved;
}

HOOK void vwarn(const char *fmt, va_list ap)
{
    void (*real)(const char *, va_list) = REAL(vwarn);
    if (stream_fd(stderr) < 0 && real != NULL)
        real(fmt, ap);
    else
        compose_warn(fmt, ap, 1);
}

HOOK void vwarnx(const char *fmt, va_list ap)
{
    void (*real)(const char *, va_list) = REAL(vwarnx);
    if (stream_fd(stderr) < 0 && real != NULL)
        real(fmt, ap);
    else
        compose_warn(fmt, ap, 0);
}

HOOK void verr(int eval, const char *fmt, va_list ap)
{
    void (*real)(int, const char *, va_list) = REAL(verr);
    if (stream_fd(stderr) < 0 && real != NULL)
        real(eval, fmt, ap);
    compose_warn(fmt, ap, 1);
    exit(eval);
}

HOOK void verrx(int eval, const char *fmt, va_list ap)
{
    void (*real)(int, const char *, va_list) = REAL(verrx);
    if (stream_fd(stderr) < 0 && real != NULL)
        real(eval, fmt, ap);
    compose_warn(fmt, ap, 0);
    exit(eval);
}

HOOK void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}

HOOK void warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarnx(fmt, ap);
    va_end(ap);
}

HOOK void err(int eval, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(eval, fmt, ap);
}

HOOK void errx(int eval, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verrx(eval, fmt, ap);
}

/* error() and error_at_line(): "prog: " [file:line: ] fmt [": " strerror] "\n", glibc's way. */
static void compose_error(int status, int errnum, const char *file, unsigned line, int at_line,
                          const char *fmt, va_list ap)
{
    int saved = errno;
    fflush(stdout);
    struct strbuf sb;
    strbuf_init(&sb);
    if (error_print_progname != NULL) {
        error_print_progname(); /* writes through our hooks: its piece opens the line */
    } else {
        put_str(&sb, program_invocation_name);
        put_str(&sb, at_line ? ":" : ": ");
    }
    if (at_line) {
        if (file != NULL)
            strbuf_format(&sb, "%s:%u: ", file, line);
        else
            put_str(&sb, " ");
    }
    errno = saved;
    strbuf_vformat(&sb, -1, fmt, ap);
    ++error_message_count;
    if (errnum != 0) {
        put_str(&sb, ": ");
        put_errno(&sb, errnum);
    }
    put_str(&sb, "\n");
    say(&sb);
    strbuf_free(&sb);
    if (status != 0)
        exit(status);
    errno = saved;
}

HOOK void error(int status, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    compose_error(status, errnum, NULL, 0, 0, fmt, ap);
    va_end(ap);
}

HOOK void error_at_line(int status, int errnum, const char *file, unsigned line, const char *fmt, ...)
{
    static const char *last_file;
    static unsigned last_line;
    if (error_one_per_line) {
        if (last_line == line && (file == last_file || (file != NULL && last_file != NULL &&
                                                        strcmp(file, last_file) == 0)))
            return;
        last_file = file;
        last_line = line;
    }
    va_list ap;
    va_start(ap, fmt);
    compose_error(status, errnum, file, line, 1, fmt, ap);
    va_end(ap);
}

HOOK void psignal(int sig, const char *s)
{
    int saved = errno;
    void (*real)(int, const char *) = REAL(psignal);
    if (stream_fd(stderr) < 0 && real != NULL) {
        real(sig, s);
        errno = saved;
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb);
    if (s != NULL && *s != '\0') {
        put_str(&sb, s);
        put_str(&sb, ": ");
    }
    const char *desc = sigdescr_np(sig);
    if (desc != NULL)
        put_str(&sb, desc);
    else
        strbuf_format(&sb, "Unknown signal %d", sig);
    put_str(&sb, "\n");
    say(&sb);
    strbuf_free(&sb);
    errno = saved;
}
