/* reqid.h -- request IDs: the safe-ID check, traceparent's trace-id, and fresh IDs.
 *
 * Contract:
 * - reqid_safe() is true for 1 to REQTAG_MAX_ID bytes of A-Z a-z 0-9 - _ . : / + = @ and false
 *   for anything else (empty, over-long, control bytes, spaces, quotes, semicolons, non-ASCII).
 *   Only IDs that pass it are ever printed.
 * - reqid_traceparent() accepts a W3C traceparent value (version 00 exactly 55 bytes; a later
 *   version at least 55 with '-' after the flags; never version ff) whose trace-id is lowercase
 *   hex and not all zeros, and copies the 32-hex trace-id into out. Returns false otherwise and
 *   leaves out untouched.
 * - reqid_hex() spells 16 bytes as 32 lowercase hex characters (no terminator).
 * - reqid_generate() writes a fresh 32-hex ID (128 bits from a per-thread generator keyed by getrandom
 *   and rekeyed in forked children; never all zeros) into out;
 *   it is async-signal-safe, takes no lock and never fails: without getrandom it mixes the clock,
 *   the thread id, the pid and a counter.
 */
#ifndef REQTAG_REQID_H
#define REQTAG_REQID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/settings.h"

/* The bytes a safe ID may hold: one look-up a byte instead of a chain of range checks. */
extern const uint8_t reqid_safe_byte[256];

static inline bool reqid_safe(const char *p, size_t n)
{
    if (n == 0 || n > REQTAG_MAX_ID)
        return false;
    const unsigned char *u = (const unsigned char *)p;
    unsigned ok = 1;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) /* no branch a byte: IDs are short and usually good */
        ok &= reqid_safe_byte[u[i]] & reqid_safe_byte[u[i + 1]] & reqid_safe_byte[u[i + 2]] & reqid_safe_byte[u[i + 3]];
    for (; i < n; i++)
        ok &= reqid_safe_byte[u[i]];
    return ok != 0;
}

bool reqid_traceparent(const char *p, size_t n, char out[32]);
void reqid_hex(const uint8_t bytes[16], char out[32]);
void reqid_generate(char out[32]);

#endif
