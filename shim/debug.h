/* debug.h -- REQTAG_DEBUG: the shim's own decisions on stderr, untagged and rate-limited.
 *
 * Contract:
 * - debug_on() is true when REQTAG_DEBUG is on (valid once reqtag_on() returned true); callers test
 *   it first, so with debugging off a decision costs one load and one branch.
 * - A message is built on the caller's stack in a struct dbg: dbg_start() names the event,
 *   dbg_text() adds the shim's own words, dbg_value() adds bytes that came from outside (a
 *   header value, a path): printable ASCII is kept, anything else is spelled \xNN, and at most
 *   DEBUG_VALUE bytes are shown, so no raw request bytes ever reach the terminal. dbg_num() adds
 *   a decimal number. Everything past the line's capacity is cut.
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

enum { DEBUG_LINE = 240, DEBUG_VALUE = 64, DEBUG_PER_SECOND = 100 };

struct dbg {
    size_t at;
    char buf[DEBUG_LINE];
};

static inline bool debug_on(void)
{
    return reqtag_cfg.debug;
}

void dbg_start(struct dbg *d, const char *event);
void dbg_text(struct dbg *d, const char *s);
void dbg_value(struct dbg *d, const char *p, size_t n);
void dbg_num(struct dbg *d, uint64_t v);
void dbg_send(struct dbg *d);

#endif
