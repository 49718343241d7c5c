/* debug.h -- REQTAG_DEBUG: the shim's own decisions on stderr, untagged and rate-limited.
 *
 * Contract:
 * - debug_on() is true when REQTAG_DEBUG is on (valid once reqtag_on() returned true); callers test
 *   it first, so with debugging off a decision costs one load and one branch.
 * - A message is built on the caller's stack in a struct dbg: dbg_start() names the event, then
 *   the line goes on with linebuf.h's puts into d.o: the shim's own words with linebuf_puts(),
 *   numbers with linebuf_dec(), bytes that came from outside (a header value, a path) only with
 *   dbg_value(), which escapes them and shows at most DEBUG_VALUE, so no raw request bytes ever
 *   reach the terminal. Everything past the line's capacity is cut.
 * - dbg_send() writes the line in one write, untagged (in the REQTAG_OUTPUT format, like the
 *   shim's warnings), unless DEBUG_PER_SECOND lines were already written this second: then the
 *   line is counted and dropped, and the first line of a later second is preceded by one saying
 *   how many were dropped. No allocation, no stdio, no lock; errno is kept.
 */
#ifndef REQTAG_DEBUG_H
#define REQTAG_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "linebuf.h"

enum { DEBUG_LINE = 240, DEBUG_VALUE = 64, DEBUG_PER_SECOND = 100 };

struct dbg {
    struct linebuf o;
    char buf[DEBUG_LINE];
};

static inline bool debug_on(void)
{
    return reqtag_cfg.debug;
}

void dbg_start(struct dbg *d, const char *event);
static inline void dbg_value(struct dbg *d, const char *p, size_t n)
{
    linebuf_escaped(&d->o, p, n, DEBUG_VALUE);
}
void dbg_send(struct dbg *d);

#endif
