/* tag.c -- render the REQTAG_FORMAT template for one request. */
#include "tag.h"

#include <string.h>

static size_t put(char *out, size_t at, size_t cap, const char *s, size_t n)
{
    if (at >= cap)
        return at;
    if (n > cap - at)
        n = cap - at;
    memcpy(out + at, s, n);
    return at + n;
}

size_t tag_render(const struct reqtag_tagfmt *f, const char *id, size_t idlen, char *out, size_t cap)
{
    size_t at = 0;
    for (unsigned i = 0; i < f->nseg && i < REQTAG_MAX_SEGMENTS; i++) {
        const struct tag_seg *s = &f->seg[i];
        if (s->kind == TAG_ID)
            at = put(out, at, cap, id, idlen);
        else if ((size_t)s->off + s->len <= sizeof f->lit)
            at = put(out, at, cap, f->lit + s->off, s->len);
    }
    return at;
}
