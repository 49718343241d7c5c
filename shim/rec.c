/* rec.c -- pack a request context tight for keeping, unpack it with every length bounded. */
#include "rec.h"

#include <string.h>

/* A length over its maximum reads as 0: nothing kept rather than a cut value. */
static size_t clamp(size_t v, size_t max)
{
    return v <= max ? v : 0;
}

size_t rec_size(const struct rec_parts *p)
{
    size_t n = sizeof(struct rec) + clamp(p->len, REQTAG_MAX_ID) + clamp(p->mlen, REQTAG_MAX_METHOD) +
               clamp(p->plen, REQTAG_MAX_PATH);
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
    c->mlen = (uint8_t)clamp(r->mlen, REQTAG_MAX_METHOD);
    if (c->mlen > 0) /* kept only when shown (want_line) */
        memcpy(c->method, d, c->mlen);
    d += c->mlen;
    c->plen = (uint8_t)clamp(r->plen, REQTAG_MAX_PATH);
    if (c->plen > 0)
        memcpy(c->path, d, c->plen);
    d += c->plen;
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
        c->flen[k] = (uint8_t)clamp(r->flen[k], REQTAG_MAX_FIELD);
        if (c->flen[k] > 0)
            memcpy(c->field[k], d, c->flen[k]);
        d += c->flen[k];
    }
    __atomic_store_n(&c->len, (uint8_t)len, __ATOMIC_RELEASE);
}

size_t rec_len(const struct rec *r)
{
    size_t n = sizeof *r + r->len + r->mlen + r->plen;
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++)
        n += r->flen[k];
    return n;
}
