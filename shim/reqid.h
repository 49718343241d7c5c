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

bool reqid_safe(const char *p, size_t n);
bool reqid_traceparent(const char *p, size_t n, char out[32]);
void reqid_hex(const uint8_t bytes[16], char out[32]);
void reqid_generate(char out[32]);

#endif
