/* resp.h -- incremental HTTP/1.x response scanner: where each response a server writes begins and
 * ends (pure). Used to tell which of several pipelined requests a server is answering.
 *
 * Contract:
 * - resp_feed() consumes bytes the program wrote on a connection and returns how many, with
 *   *status RESP_NEED_MORE (all consumed: "need more bytes"), RESP_HEAD (a response head ended at
 *   the returned offset; *code is its status) or RESP_OPAQUE (not HTTP/1.x, or framing that only
 *   the connection's end can close: everything consumed, and every later call too).
 * - RESP_DONE: a response's body ended at the returned offset (the response is complete).
 * - After RESP_HEAD the caller must call resp_body() before feeding more: no_body is true for the
 *   answer to a HEAD request, 1xx, 204 and 304; otherwise Transfer-Encoding: chunked or
 *   Content-Length frames the body, and a response with neither makes the scanner opaque.
 * - resp_unseen() accounts for n body bytes sent without passing through a buffer (sendfile);
 *   false (and opaque from then on) when they cannot be placed.
 */
#ifndef REQTAG_RESP_H
#define REQTAG_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "body.h"
#include "token.h"
#include "watch.h"

enum resp_status { RESP_NEED_MORE, RESP_HEAD, RESP_OPAQUE, RESP_BLANK, RESP_DONE };

struct resp {
    uint8_t phase;
    uint8_t hdr;        /* header whose value is being read: 0 none, 1 Content-Length, 2 Transfer-Encoding */
    uint8_t cand;       /* which of the two names the current name can still be */
    uint8_t chunked;
    uint8_t cl_state;   /* 0 none, 1 valid, 2 invalid */
    uint8_t vlen;
    uint8_t wcand;      /* watched names the current name can still be */
    uint8_t wseen;      /* watched names present in this head */
    uint8_t blank_told; /* RESP_BLANK was reported for this head */
    uint16_t pos;
    uint16_t code;
    uint64_t length;
    char val[32];
    struct body body;
};

void resp_init(struct resp *r);
size_t resp_feed(struct resp *r, const char *p, size_t n, enum resp_status *status, uint16_t *code);
/* resp_feed() that also watches for the names in w and, once per head, stops with RESP_BLANK at
 * the offset where the head's blank line starts (not consumed; *code is the status so far,
 * r->wseen says which watched names the head has): where a header line can be added. */
size_t resp_feed_watch(struct resp *r, const char *p, size_t n, enum resp_status *status, uint16_t *code,
                       const struct watch *w);
/* A write call's usual response at once, without the byte states: the scanner idle, p (n bytes,
 * the call's first buffer) starting with a whole final head that ends in CR LF, framed by
 * Content-Length (or with no body: head_req, 204, 304), and the call's bytes from p on (total)
 * not going past that body. Returns the head's length, *code its status and *done whether the
 * response is complete; the scanner is then where feeding the call's bytes and resp_body() would
 * have left it (a body still owed continues in the next call). 0: not that case, nothing changed
 * (feed the bytes as usual). The body's bytes are counted, never read. */
size_t resp_whole(struct resp *r, const char *p, size_t n, uint64_t total, bool head_req, uint16_t *code,
                  bool *done);
/* p[0..13) (readable) starts a status line, "HTTP/1.x NNN" and then a blank or a line end: its
 * code (0 to 999), else -1. Inline: the response hooks ask it of every write on a connection. */
static inline int resp_status_code(const char *p)
{
    /* " NNN" at p[8] taken as one word: each N's high nibble 3, its low one at most 9 (adding 6
     * carries into the high nibble otherwise) */
    uint32_t code4;
    memcpy(&code4, p + 8, sizeof code4);
    const unsigned char *u = (const unsigned char *)p;
    if (!token_http1(p) || (code4 & 0xf0f0f0ffu) != 0x30303020u || ((code4 + 0x06060600u) & 0xf0f0f000u) != 0x30303000u ||
        (u[12] != ' ' && u[12] != '\r' && u[12] != '\n'))
        return -1;
    return (u[9] - '0') * 100 + (u[10] - '0') * 10 + (u[11] - '0');
}

/* The status of a final response whose head starts p (n bytes): 200 to 999; 0 for anything else
 * (1xx, not a status line, n < 13). */
static inline unsigned resp_final_status(const char *p, size_t n)
{
    int code = n >= 13 ? resp_status_code(p) : -1;
    return code >= 200 ? (unsigned)code : 0;
}
/* Returns true when the response is already complete (no body, or an empty one). */
bool resp_body(struct resp *r, bool no_body);
/* Also: *done is set when those bytes completed the response. */
bool resp_unseen(struct resp *r, uint64_t n);
bool resp_idle(const struct resp *r);
void resp_abandon(struct resp *r);

#endif
