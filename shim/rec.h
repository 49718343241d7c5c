/* rec.h -- a request's context packed into a pool block: what a connection keeps per request (pure).
 *
 * Contract:
 * - rec_size(c) is the bytes a record of context c takes (at most REC_MAX); rec_pack() writes it
 *   into r, which has at least that many bytes.
 * - rec_unpack() copies a record into a context. It trusts nothing in the record: a block read
 *   while another thread reuses it yields some bounded context (every length clamped, never more
 *   than REC_MAX bytes read), which the caller's sequence check then throws away.
 */
#ifndef REQTAG_REC_H
#define REQTAG_REC_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "pool.h"

struct rec {
    uint64_t start_ns;
    uint8_t len, kind, trace_flags, mlen, plen;
    uint8_t flen[REQTAG_MAX_FIELDS];
    char data[]; /* the ID, method, path and field values, back to back */
};

enum {
    REC_DATA_MAX = REQTAG_MAX_ID + REQTAG_MAX_METHOD + REQTAG_MAX_PATH + REQTAG_MAX_FIELDS * REQTAG_MAX_FIELD,
    REC_MAX = sizeof(struct rec) + REC_DATA_MAX,
};
_Static_assert((int)REC_MAX <= (int)POOL_MAX, "a record fits the largest pool block");

size_t rec_size(const struct reqctx *c);
void rec_pack(struct rec *r, const struct reqctx *c);
void rec_unpack(const struct rec *r, struct reqctx *c);

#endif
