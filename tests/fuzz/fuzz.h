/* fuzz.h -- what the libFuzzer targets share: the failure report, piece sizes, exact-size copies. */
#ifndef REQTAG_FUZZ_H
#define REQTAG_FUZZ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "watch.h"

/* Bytes as C escapes on stderr, for a failure report. */
__attribute__((unused)) static void fuzz_dump(const char *what, const char *p, size_t n)
{
    fprintf(stderr, "  %s (%zu): \"", what, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        fprintf(stderr, (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') ? "%c" : "\\x%02x", c);
    }
    fprintf(stderr, "\"\n");
}

/* Does a line in p[0..n) start with name (any case) and a colon? (A watch's names, looked for
 * the slow way.) */
__attribute__((unused)) static bool fuzz_has_name(const char *p, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i + len < n; i++)
        if ((i == 0 || p[i - 1] == '\n') && strncasecmp(p + i, name, len) == 0 && p[i + len] == ':')
            return true;
    return false;
}

__attribute__((format(printf, 1, 2), noreturn, unused)) static void fuzz_fail(const char *fmt, ...);

/* data[at] is a CR whose run of CRs reaches a byte other than LF: a bare CR, not a blank line's. */
__attribute__((unused)) static bool fuzz_bare_cr(const char *data, size_t len, size_t at)
{
    if (at >= len || data[at] != '\r')
        return false;
    size_t j = at;
    while (j < len && data[j] == '\r')
        j++;
    return j < len && data[j] != '\n';
}

/* Does a line in p[0..n) start with a bare CR? (Heads with one get no BLANK answer.) */
__attribute__((unused)) static bool fuzz_has_bare_cr_line(const char *p, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (p[i - 1] == '\n' && fuzz_bare_cr(p, n, i))
            return true;
    return false;
}

/* A watching scanner's BLANK answer at `at` (the head's bytes began at from): at a line that starts
 * with CR or LF, naming only watched names that are in the head. Returns where that line's CRs end
 * (an LF there makes it the blank line, which ends the head). */
__attribute__((unused)) static size_t fuzz_check_blank(const char *data, size_t len, size_t at, size_t from,
                                                       unsigned wseen, const struct watch *w)
{
    if (at == 0 || at >= len || data[at - 1] != '\n' || (data[at] != '\r' && data[at] != '\n'))
        fuzz_fail("BLANK at %zu: not at a line starting with CR or LF", at);
    if (fuzz_bare_cr(data, len, at))
        fuzz_fail("BLANK at %zu: that line starts with a bare CR, and the byte after it was given", at);
    for (unsigned k = 0; k < w->n; k++)
        if ((wseen & (1u << k)) && !fuzz_has_name(data + from, at - from, w->name[k], w->len[k]))
            fuzz_fail("BLANK at %zu says %s is in the head; it is not", at, w->name[k]);
    if (wseen >> w->n)
        fuzz_fail("BLANK at %zu: wseen %u names more than %u watched names", at, wseen, w->n);
    size_t e = at;
    while (e < len && data[e] == '\r')
        e++;
    return e;
}

/* A broken promise: say which, then abort, which libFuzzer counts as a crash and keeps the input. */
__attribute__((format(printf, 1, 2), noreturn, unused)) static void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

/* The size of piece k of a stream cut by the control bytes ctrl[0..n): 1 to 48 bytes each, the
 * bytes taken in turn, never more than left. Small pieces cut heads everywhere. */
__attribute__((unused)) static size_t fuzz_piece(const uint8_t *ctrl, size_t n, size_t k, size_t left)
{
    size_t piece = 1 + ctrl[k % n] % 48;
    return piece < left ? piece : left;
}

/* n > 0 bytes in a heap block of exactly that size: a read past the end is an ASan report. */
__attribute__((unused)) static char *fuzz_copy(const void *p, size_t n)
{
    char *c = malloc(n);
    if (c == NULL)
        abort();
    memcpy(c, p, n);
    return c;
}

#endif
