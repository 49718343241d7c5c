/* rec.c -- pack a request context tight for keeping, unpack it with every length bounded. */
#include "rec.h"

#include <string.h>

static size_t clamp(size_t v, size_t max)
{
    return v <= max ? v : 0;
}

size_t rec_size(const struct reqctx *c)
{
    size_t n = sizeof(struct rec) + clamp(c->len, REQTAG_MAX_ID) + clamp(c->mlen, REQTAG_MAX_METHOD) +
               clamp(c->plen, REQTAG_MAX_PATH);
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++)
        n += clamp(c->flen[k], REQTAG_MAX_FIELD);
    return n;
}

void rec_pack(struct rec *r, const struct reqctx *c)
{
    char *d = r->data;
    r->start_ns = c->start_ns;
    r->kind = c->kind;
    r->trace_flags = c->trace_flags;
    r->len = (uint8_t)clamp(c->len, REQTAG_MAX_ID);
    memcpy(d, c->id, r->len);
    d += r->len;
    r->mlen = (uint8_t)clamp(c->mlen, REQTAG_MAX_METHOD);
    memcpy(d, c->method, r->mlen);
    d += r->mlen;
    r->plen = (uint8_t)clamp(c->plen, REQTAG_MAX_PATH);
    memcpy(d, c->path, r->plen);
    d += r->plen;
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
        r->flen[k] = (uint8_t)clamp(c->flen[k], REQTAG_MAX_FIELD);
        memcpy(d, c->field[k], r->flen[k]);
        d += r->flen[k];
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
    c->mlen = (uint8_t)clamp(r->mlen, REQTAG_MAX_METHOD);
    memcpy(c->method, d, c->mlen);
    d += c->mlen;
    c->plen = (uint8_t)clamp(r->plen, REQTAG_MAX_PATH);
    memcpy(c->path, d, c->plen);
    d += c->plen;
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
        c->flen[k] = (uint8_t)clamp(r->flen[k], REQTAG_MAX_FIELD);
        memcpy(c->field[k], d, c->flen[k]);
        d += c->flen[k];
    }
    __atomic_store_n(&c->len, (uint8_t)len, __ATOMIC_RELEASE);
}
