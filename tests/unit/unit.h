/* unit.h -- a tiny TAP harness: CHECK() prints "ok - ..."/"not ok - ...", unit_done() gives the status. */
#ifndef REQTAG_UNIT_H
#define REQTAG_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int unit_failures;

/* Print one TAP line for a check; on failure add file:line. Returns ok so callers can react. */
__attribute__((format(printf, 4, 5), unused)) static bool unit_check(bool ok, const char *file,
                                                                     int line, const char *fmt, ...)
{
    va_list ap;
    printf("%s - ", ok ? "ok" : "not ok");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!ok) {
        printf(" (%s:%d)", file, line);
        unit_failures++;
    }
    printf("\n");
    fflush(stdout);
    return ok;
}

/* A TAP comment with details, for after a failed check. */
__attribute__((format(printf, 1, 2), unused)) static void unit_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

__attribute__((unused)) static int unit_done(void)
{
    return unit_failures ? 1 : 0;
}

/* The randomized tests' generator (xorshift64): deterministic, so a failure replays. Each test
 * seeds it once (unit_seed) and may save and restore unit_rng to replay a stretch. */
static unsigned long long unit_rng = 1;

__attribute__((unused)) static void unit_seed(unsigned long long seed)
{
    unit_rng = seed;
}

/* A number in [0, n), n > 0. */
__attribute__((unused)) static size_t unit_rnd(size_t n)
{
    unit_rng ^= unit_rng << 13;
    unit_rng ^= unit_rng >> 7;
    unit_rng ^= unit_rng << 17;
    return (size_t)(unit_rng % n);
}

/* The next piece of a buffer fed in pieces, left bytes to go: step > 0 that size, step < 0 a
 * random size of 1 to most (one draw), 0 all of it; never more than left. */
__attribute__((unused)) static size_t unit_piece(int step, size_t left, size_t most)
{
    size_t piece = step > 0 ? (size_t)step : step < 0 ? 1 + unit_rnd(most) : left;
    return piece < left ? piece : left;
}

/* Append n bytes of s to buf[at..cap), cut at cap; returns the new length. */
__attribute__((unused)) static size_t unit_append(char *buf, size_t at, size_t cap, const char *s, size_t n)
{
    if (at + n > cap)
        n = cap - at;
    memcpy(buf + at, s, n);
    return at + n;
}

#define CHECK(cond, ...) unit_check((cond), __FILE__, __LINE__, __VA_ARGS__)

#endif
