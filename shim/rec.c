/* rec.c -- pack a request context tight for keeping, unpack it with every length bounded. */
#include "rec.h"

#include <stdbool.h>
#include <string.h>

_Static_assert(REQTAG_MAX_FIELDS == 4, "rec_unpack tests the four field lengths as one word");

/* A length over its maximum reads as 0: nothing kept rather than a cut value. */
static size_t clamp(size_t v, size_t max)
{
    return v <= max ? v : 0;
}

/* Method, path and fields are kept only when shown: usually a record is its ID alone. */
static bool id_only(const struct rec_parts *p)
{
    return (p->mlen | p->plen | p->flen[0] | p->flen[1] | p->flen[2] | p->flen[3]) == 0;
}

size_t rec_size(const struct rec_parts *p)
{
    size_t n = sizeof(struct rec) + clamp(p->len, REQTAG_MAX_ID);
    if (id_only(p))
        return n;
    n += clamp(p->mlen, REQTAG_MAX_METHOD) + clamp(p->plen, REQTAG_MAX_PATH);
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++)
        n += clamp(p->flen[k], REQTAG_MAX_FIELD);
    return n;
}

static char *put(char *d, uint8_t *len, const char *src, size_t n, size_t max)
{
    *len = (uint8_t)clamp(n, max);
    if (*len > 0) /* most parts are empty (fields, often method and path): no call for those */
        memcpy(d, src, *len);
    return d + *len;
}

void rec_pack(struct rec *r, const struct rec_parts *p)
{
    char *d = r->data;
    r->start_ns = p->start_ns;
    r->kind = p->kind;
    r->trace_flags = p->trace_flags;
    if (id_only(p)) {
        rec_pack_id(r, p->start_ns, p->kind, p->trace_flags, p->id, p->len);
        return;
    }
    d = put(d, &r->len, p->id, p->len, REQTAG_MAX_ID);
    d = put(d, &r->mlen, p->method, p->mlen, REQTAG_MAX_METHOD);
    d = put(d, &r->plen, p->path, p->plen, REQTAG_MAX_PATH);
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++)
        d = put(d, &r->flen[k], p->field[k], p->flen[k], REQTAG_MAX_FIELD);
}

void rec_parts_of(const struct reqctx *c, struct rec_parts *p)
{
    *p = (struct rec_parts){.start_ns = c->start_ns, .kind = c->kind, .trace_flags = c->trace_flags,
                            .id = c->id, .len = c->len, .method = c->method, .mlen = c->mlen,
                            .path = c->path, .plen = c->plen};
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
        p->field[k] = c->field[k];
        p->flen[k] = c->flen[k];
    }
}

void rec_unpack(const struct rec *r, struct reqctx *c)
{
    const char *d = r->data;
    c->len = 0; /* "no request" until the copy is whole */
    c->start_ns = r->start_ns;
    c->kind = r->kind;
    c->trace_flags = r->trace_flags;
    size_t len = clamp(r->len, REQTAG_MAX_ID);
    memcpy(c->id, d, len);
    d += len;
    /* Method, path and fields are kept only when shown: usually all empty, one test for them all. */
    uint8_t ml = r->mlen, pl = r->plen;
    uint32_t fl;
    memcpy(&fl, r->flen, sizeof fl);
    if ((ml | pl | fl) == 0) {
        c->mlen = c->plen = 0;
        memset(c->flen, 0, sizeof c->flen);
    } else {
        c->mlen = (uint8_t)clamp(ml, REQTAG_MAX_METHOD);
        memcpy(c->method, d, c->mlen);
        d += c->mlen;
        c->plen = (uint8_t)clamp(pl, REQTAG_MAX_PATH);
        memcpy(c->path, d, c->plen);
        d += c->plen;
        for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
            c->flen[k] = (uint8_t)clamp(r->flen[k], REQTAG_MAX_FIELD);
            memcpy(c->field[k], d, c->flen[k]);
            d += c->flen[k];
        }
    }
    __atomic_store_n(&c->len, (uint8_t)len, __ATOMIC_RELEASE);
}

size_t rec_len(const struct rec *r)
{
    size_t n = sizeof *r + r->len;
    uint32_t fl;
    memcpy(&fl, r->flen, sizeof fl);
    if ((r->mlen | r->plen | fl) == 0)
        return n;
    n += r->mlen + r->plen;
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++)
        n += r->flen[k];
    return n;
}
