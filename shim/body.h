/* body.h -- skip an HTTP/1.x message body framed by Content-Length or chunked coding (pure).
 *
 * Contract: body_start() sets up the framing; body_feed() consumes body bytes and returns how many
 * it consumed, with *status BODY_MORE (all consumed, the body goes on: "need more bytes"),
 * BODY_DONE (the body ended at the returned offset; what follows is the next message) or BODY_BAD
 * (malformed chunk framing; everything consumed). body_unseen() accounts for n bytes that went
 * by unseen (sendfile): true when they fit inside chunk or length data, false when the framing
 * can no longer be followed. No pointer into the caller's buffers is kept.
 */
#ifndef REQTAG_BODY_H
#define REQTAG_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum body_status { BODY_MORE, BODY_DONE, BODY_BAD };

struct body {
    uint8_t phase;   /* body.c's enum */
    uint8_t digits;  /* hex digits of the current chunk size seen */
    uint64_t left;   /* bytes of data left in the body or the current chunk */
};

void body_start(struct body *b, bool chunked, uint64_t length);
size_t body_feed(struct body *b, const char *p, size_t n, enum body_status *status);
bool body_unseen(struct body *b, uint64_t n, enum body_status *status);

#endif
