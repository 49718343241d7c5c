/* rec.h -- a request's context packed into a pool block: what a connection keeps per request (pure).
 *
 * Contract:
 * - rec_size(p) is the bytes a record of the parts p takes (at most REC_MAX: longer parts are
 *   cut to their maximum); rec_pack() writes it into r, which has at least that many bytes. The
 *   parts point into whatever holds them (a scanned head, a context): nothing is copied twice.
 * - rec_unpack() copies a record into a context. It trusts nothing in the record: a block read
 *   while another thread reuses it yields some bounded context (every length clamped, never more
 *   than REC_MAX bytes read), which the caller's sequence check then throws away.
 */
#ifndef REQTAG_REC_H
#define REQTAG_REC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

struct rec_parts {
    uint64_t start_ns;
    uint8_t kind, trace_flags;
    const char *id, *method, *path, *field[REQTAG_MAX_FIELDS];
    size_t len, mlen, plen, flen[REQTAG_MAX_FIELDS];
};

/* The usual record, an ID alone (nothing shows method, path or fields): what rec_size() and
 * rec_pack() do for parts holding only these, inline for the per-request path. */
static inline size_t rec_size_id(size_t len)
{
    return sizeof(struct rec) + (len <= REQTAG_MAX_ID ? len : 0);
}
static inline void rec_pack_id(struct rec *r, uint64_t start_ns, uint8_t kind, uint8_t trace_flags, const char *id,
                               size_t len)
{
    r->start_ns = start_ns;
    r->len = (uint8_t)(len <= REQTAG_MAX_ID ? len : 0);
    r->kind = kind;
    r->trace_flags = trace_flags;
    r->mlen = r->plen = 0;
    memset(r->flen, 0, sizeof r->flen);
    memcpy(r->data, id, r->len);
}

size_t rec_size(const struct rec_parts *p);
void rec_pack(struct rec *r, const struct rec_parts *p);
/* The parts of a context (for packing one that is already whole). */
void rec_parts_of(const struct reqctx *c, struct rec_parts *p);
void rec_unpack(const struct rec *r, struct reqctx *c);
/* The bytes a packed record takes (what rec_size() said when it was packed): its pool size. */
size_t rec_len(const struct rec *r);

#endif
