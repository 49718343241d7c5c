/* tag.h -- render the compiled REQTAG_FORMAT template for one request (pure).
 *
 * Contract: tag_render() writes at most `cap` bytes into out and returns how many it wrote; a tag
 * that would not fit is cut at cap (TAG_MAX is large enough for every template the settings
 * parser accepts with one {id}). No terminator is written. The ID must already be safe.
 */
#ifndef REQTAG_TAG_H
#define REQTAG_TAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/settings.h"

enum { TAG_MAX = 1024 };

/* What the placeholders stand for; a negative number is left out. */
struct tag_vars {
    const char *id;
    size_t idlen;
    const char *method, *path;   /* printed with bytes outside printable ASCII as '?' */
    size_t mlen, plen;
    long pid, tid;
    int64_t elapsed_ms;
    const char *field[REQTAG_MAX_FIELDS];  /* REQTAG_FIELDS values by index (printable ASCII) */
    uint8_t flen[REQTAG_MAX_FIELDS];       /* 0: absent, printed as nothing */
};

size_t tag_render(const struct reqtag_tagfmt *f, const char *id, size_t idlen, char *out, size_t cap);
size_t tag_render_vars(const struct reqtag_tagfmt *f, const struct tag_vars *v, char *out, size_t cap);
/* True when the template uses a placeholder other than {id} and the fields. */
bool tag_has_vars(const struct reqtag_tagfmt *f);

/* A template of the shape literal, {id}, literal (either literal may be missing; the default
 * "[{id}] " is one): its tag is always pre + ID + post, so a caller can keep pre in place. */
struct tag_split {
    const char *pre;
    size_t prelen;
    const char *post;
    size_t postlen;
};
/* True, with the two literals, when f has that shape. */
bool tag_split(const struct reqtag_tagfmt *f, struct tag_split *sp);

#endif
