/* watch.h -- header names a scanner looks out for in a message head, besides its own (pure).
 *
 * Contract: a scanner keeps a candidate mask while it reads a header name: watch_begin() at the
 * name's start, watch_step() for each byte (already lowercased) at position pos, watch_end() at
 * the colon gives the names matched exactly; watch_names() does the same for a whole name at
 * once. Names are lowercase; at most WATCH_MAX. A NULL watch matches nothing.
 */
#ifndef REQTAG_WATCH_H
#define REQTAG_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

enum { WATCH_MAX = 2 };

struct watch {
    uint8_t n;
    uint8_t len[WATCH_MAX];
    char name[WATCH_MAX][64];
};

static inline uint8_t watch_begin(const struct watch *w)
{
    return w != NULL ? (uint8_t)((1u << w->n) - 1) : 0;
}

static inline uint8_t watch_step(const struct watch *w, uint8_t cand, uint16_t pos, unsigned char lc)
{
    uint8_t keep = 0;
    for (unsigned i = 0; w != NULL && i < w->n && i < WATCH_MAX; i++)
        if ((cand & (1u << i)) && pos < w->len[i] && (unsigned char)w->name[i][pos] == lc)
            keep |= (uint8_t)(1u << i);
    return keep;
}

static inline uint8_t watch_end(const struct watch *w, uint8_t cand, uint16_t pos)
{
    uint8_t hit = 0;
    for (unsigned i = 0; w != NULL && i < w->n && i < WATCH_MAX; i++)
        if ((cand & (1u << i)) && pos == w->len[i])
            hit |= (uint8_t)(1u << i);
    return hit;
}

/* The watched names a whole header name (n bytes, any case) is: a mask, like watch_end(). */
static inline uint8_t watch_names(const struct watch *w, const char *name, size_t n)
{
    uint8_t hit = 0;
    for (unsigned i = 0; w != NULL && i < w->n && i < WATCH_MAX; i++)
        if (token_name_is(name, n, w->name[i], w->len[i]))
            hit |= (uint8_t)(1u << i);
    return hit;
}

#endif
