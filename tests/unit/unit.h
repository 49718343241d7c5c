/* unit.h -- a tiny TAP harness: CHECK() prints "ok - ..."/"not ok - ...", unit_done() gives the status. */
#ifndef REQTAG_UNIT_H
#define REQTAG_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

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

#define CHECK(cond, ...) unit_check((cond), __FILE__, __LINE__, __VA_ARGS__)

#endif
