/* debug_events.h -- the REQTAG_DEBUG lines the hooks send: what the shim learned and decided, and why.
 *
 * Each function writes one line (two for a request whose ID header was refused) through debug.h,
 * so each is rate-limited and untagged and shows outside bytes escaped. Call them only when
 * debug_on(); they keep errno.
 */
#ifndef REQTAG_DEBUG_EVENTS_H
#define REQTAG_DEBUG_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "context.h"

/* A connection was accepted on listen_fd and is followed as fd. */
void debug_accepted(int listen_fd, int fd);
/* Reads on fd completed the heads numbered from .. c->heads-1, or made the connection opaque
 * (was_opaque: it was before the read). */
void debug_read(int fd, const struct conn *c, uint32_t from, bool was_opaque);
/* The calling thread adopted fd's current request (ctx), or dropped a copy that kept tearing. */
void debug_adopted(int fd, const struct reqctx *ctx);
void debug_torn(int fd);
/* A followed descriptor was closed (or replaced) and forgotten. */
void debug_forgot(int fd);
/* fd was looked at as an output: its lines are tagged or not. */
void debug_output(int fd, bool tagged);

#endif
