/* scan.h -- incremental HTTP/1.x request-head scanner, one per connection (pure).
 *
 * The scanner is fed the bytes a server reads from a connection, in whatever pieces they come,
 * and says when a request head is complete and which ID it carried. It keeps no pointer into the
 * caller's buffers and its state is bounded (a few hundred bytes), whatever the request holds.
 *
 * What it understands: leading empty lines; a request line `METHOD SP target SP HTTP/1.x`; header
 * names in any case; LF or CRLF line ends; obsolete line folding (a folded ID header is unsafe);
 * bodies framed by Content-Length or chunked transfer coding (a body is skipped, never scanned,
 * so a body that contains `GET /` is not a request); keep-alive and pipelined requests.
 * Anything else (TLS, HTTP/2, HTTP/0.9, a bad Content-Length, a line that is not a request line)
 * makes the connection opaque: scanning stops for good and the bytes are never looked at again.
 *
 * The state is split in two: struct scan (small, kept per connection) and struct scan_buf (the
 * bytes of values being read), which must be the same buffer from call to call only while
 * scan_mid_head() is true.
 *
 * scan_feed() consumes bytes and returns how many it consumed, with *status:
 * - SCAN_NEED_MORE: everything was consumed, no head completed ("need more bytes" is an answer,
 *   not an error).
 * - SCAN_HEAD: a head completed at the returned offset; *head holds its ID (idlen 0 when no
 *   configured header carried a usable one). Call again with the rest of the buffer.
 * - SCAN_OPAQUE: the connection is not HTTP/1.x; everything was consumed.
 * Among configured headers, the one listed first in REQTAG_HEADER that carries a usable value
 * wins; an unsafe value counts as absent. A traceparent header yields its trace-id.
 * REQTAG_FIELDS headers are captured too: the first occurrence of each, trimmed, 1 to
 * REQTAG_MAX_FIELD bytes of printable ASCII (space, quotes and backslashes included), not folded;
 * anything else leaves the field absent.
 */
#ifndef REQTAG_SCAN_H
#define REQTAG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/settings.h"
#include "body.h"
#include "watch.h"

enum scan_status { SCAN_NEED_MORE, SCAN_HEAD, SCAN_OPAQUE, SCAN_BLANK };

/* Why a configured ID header's value was not taken (the last such reason in the head), for
 * REQTAG_DEBUG: the value itself is never kept. */
enum scan_drop { DROP_NONE, DROP_UNSAFE, DROP_LONG, DROP_FOLDED, DROP_TRACEPARENT };

/* A completed head. The pointers point into the scan_buf given to scan_feed() or into the bytes
 * given to that same call (a head whole in them is answered from them): valid until the next
 * scan_feed() call with that scan_buf and while those bytes stay as they are (copy what you keep
 * before feeding more or reusing the bytes). */
struct scan_head {
    uint8_t is_head;      /* the method was HEAD: its response has no body */
    uint8_t mlen, plen;   /* method and target as read (the target cut at REQTAG_MAX_PATH) */
    const char *method, *path;
    uint8_t traceparent;  /* the ID is a traceparent's trace-id */
    uint8_t trace_flags;  /* ... and these were its flags */
    uint8_t idlen;
    const char *id;
    uint8_t dropped;      /* enum scan_drop */
    uint8_t dropped_hdr;  /* ... and the REQTAG_HEADER index of the header it was in */
    uint8_t flen[REQTAG_MAX_FIELDS];  /* REQTAG_FIELDS values (0: absent or unsafe) */
    const char *field[REQTAG_MAX_FIELDS];
};

struct scan {
    uint8_t phase;        /* where in the message we are (scan.c's enum) */
    uint8_t hdr;          /* header whose value is being read: an index, or a SCAN_H_* tag */
    uint8_t best_rank;    /* rank of the ID kept so far; 0xff: none */
    uint8_t best_len;
    uint16_t pos;         /* bytes of the current token seen */
    uint16_t cur_len;     /* bytes of the current value kept (cur_len > cap means too long) */
    uint32_t cand;        /* header names the current name can still be */
    uint8_t chunked;      /* the head said Transfer-Encoding: chunked */
    uint8_t cl_state;     /* Content-Length: 0 none, 1 valid, 2 invalid */
    uint8_t bad;          /* the current value already broke the rules (a byte was dropped) */
    uint8_t held;         /* cur holds a usable ID, kept unless the next line folds onto it */
    uint8_t held_rank;    /* the rank of that ID's header */
    uint8_t method_head;  /* the method read so far is a prefix of "HEAD" */
    uint8_t mlen, plen;   /* method and target kept so far */
    uint8_t wcand;        /* watched names the current name can still be */
    uint8_t wseen;        /* watched names present in this head */
    uint8_t blank_told;   /* SCAN_BLANK was reported for this head */
    uint8_t best_flags;   /* trace flags of the kept traceparent */
    uint8_t held_flags;   /* trace flags of the held one */
    uint8_t fhdr;         /* REQTAG_FIELDS entry whose value is being read, plus one; 0: none */
    uint8_t fseen;        /* fields whose header this head had (the first one counts) */
    uint8_t fheld;        /* field kept from the last value line, plus one (folding voids it) */
    uint8_t dropped, dropped_hdr; /* enum scan_drop, as in struct scan_head */
    uint8_t flen[REQTAG_MAX_FIELDS];
    uint64_t body_left;   /* the Content-Length value while the head is read */
    struct body body;     /* the body being skipped */
};

/* The bytes a head in progress has kept: needed from one call to the next only while a head is
 * cut between reads (scan_mid_head), so the caller may keep it on its stack otherwise. */
struct scan_buf {
    char method[REQTAG_MAX_METHOD];
    char path[REQTAG_MAX_PATH];
    char cur[REQTAG_MAX_ID + 1];
    char best[REQTAG_MAX_ID];
    char fval[REQTAG_MAX_FIELDS][REQTAG_MAX_FIELD];
};

/* Start (or restart) a connection: the next byte is the first of a request. */
void scan_init(struct scan *s);

/* True when the scanner stopped inside a head: the next call needs the same scan_buf. */
bool scan_mid_head(const struct scan *s);

/* True once the connection was found not to be HTTP/1.x (or abandoned): its bytes are not looked at. */
bool scan_opaque(const struct scan *s);

/* Bytes of the stream were consumed unseen (MSG_TRUNC): stop scanning this connection for good. */
void scan_abandon(struct scan *s);

size_t scan_feed(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg, const char *buf, size_t len,
                 enum scan_status *status, struct scan_head *head);

/* scan_feed() that also watches for the names in w and, once per head, stops with SCAN_BLANK at
 * the offset where the head's blank line starts (not consumed; s->wseen says which watched
 * names the head has): where a header line can be added to a request the program sends. */
size_t scan_feed_watch(struct scan *s, struct scan_buf *b, const struct reqtag_config *cfg, const char *buf, size_t len,
                       enum scan_status *status, struct scan_head *head, const struct watch *w);

#endif
