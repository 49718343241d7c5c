/* tag.h -- render the compiled REQTAG_FORMAT template for one request (pure).
 *
 * Contract: tag_render() writes at most `cap` bytes into out and returns how many it wrote; a tag
 * that would not fit is cut at cap (TAG_MAX is large enough for every template the settings
 * parser accepts with one {id}). No terminator is written. The ID must already be safe.
 */
#ifndef REQTAG_TAG_H
#define REQTAG_TAG_H

#include <stddef.h>

#include "../common/settings.h"

enum { TAG_MAX = 1024 };

size_t tag_render(const struct reqtag_tagfmt *f, const char *id, size_t idlen, char *out, size_t cap);

#endif
