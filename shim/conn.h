/* conn.h -- one connection's requests: heads read, responses written, and which request is current.
 *
 * Contract:
 * - conn_start() readies a freshly accepted connection (no request yet).
 * - conn_read() takes bytes the program read; every request head completed in them is numbered
 *   and gets its ID (from the configured header, or generated, or none). conn_wrote_iov() takes
 *   the bytes of one write call; every final response head in them is counted (1xx are not; 101 ends the
 *   HTTP part of the connection). conn_wrote_unseen() counts sendfile bytes as body.
 * - The current request is the newest one whenever it is the only request in flight (all earlier
 *   ones have had their response started): the usual keep-alive exchange. While a client has
 *   pipelined several requests and the server has not yet started answering the newest, nothing
 *   the shim sees says which one the server works on: the current request is none (untagged,
 *   never a wrong tag). If the responses cannot be followed, the newest head is current.
 * - The response to the only request in flight is not read past its status line unless something
 *   needs its end (summaries, echo): until the client's next request, every write belongs to it.
 *   The next response must then start a write with its status line; a write that does not (the
 *   client sent the request before the response ended, and the server answered in one stream)
 *   makes the responses unfollowable: the newest head is current from then on.
 * - One write call that ends one response and starts another (apache sends pipelined answers
 *   together, then logs each finished one) leaves every line after it ambiguous: none is current
 *   until the next head (hence one conn_wrote_iov() per write call).
 * - conn_adopt() makes the current request the calling thread's context (a seqlock read: no
 *   lock; a copy torn by a concurrent writer is retried, then dropped). Cheap when unchanged.
 * - Writers (the hooks above) are the threads using the connection; no lock, no malloc.
 *
 * Memory follows what is live: a connection is one pool block (conn_new, NULL when none can be
 * had: the connection then goes untracked), and each request it keeps is a packed record in
 * another, given back as soon as nothing needs it (not current, answered, summarized). A head cut
 * between reads parks the scanner's buffer in a third block until the head is whole; an added
 * header line the kernel took only in part keeps its rest in a fourth (send.c).
 * conn_ref()/conn_unref() count the descriptors naming the connection (dup); the last unref gives
 * every block back. A racing reader holding a stale pointer reads pool memory (never unmapped)
 * and its sequence check fails.
 */
#ifndef REQTAG_CONN_H
#define REQTAG_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "context.h"
#include "rec.h"
#include "resp.h"
#include "scan.h"

enum { CONN_RING = 8, CONN_LINE_MAX = 272 };

struct conn {
    uint32_t seq;          /* odd while cur is being changed */
    uint32_t gen;          /* changes whenever cur changes; starts from a process-wide counter */
    uint32_t heads;        /* request heads completed */
    uint32_t answered;     /* final response heads written */
    uint64_t head_bits;    /* bit k % 64: request k was a HEAD request (its response has no body) */
    uint32_t summarized;   /* requests whose summary line is out (REQTAG_SUMMARY) */
    uint32_t low;          /* requests below this number have given their record back */
    uint32_t refs;         /* descriptors naming this connection */
    uint8_t resp_lost;     /* responses can no longer be followed */
    uint8_t burst;         /* final response heads in the write call being accounted */
    uint8_t mixed;         /* that call ended one response and started another */
    uint8_t ended;         /* a response's body ended in that call (so a head after it is mixed) */
    uint8_t inj_done;      /* the head being written already has its added header line */
    uint8_t resp_open;     /* a final response head was written and its body is not complete */
    uint8_t unframed;      /* the response being written is not followed to its end (see conn.c) */
    uint8_t dropped;       /* the last head's enum scan_drop, its header's index in the high nibble */
    uint16_t last_code;    /* its status */
    uint16_t pendlen;      /* bytes of an added line the kernel has not taken yet ... */
    char *pend;            /* ... kept here (CONN_LINE_MAX bytes, from the pool on first need) */
    uint64_t out_bytes;    /* bytes written since the last response completed */
    struct rec *cur;       /* the request being served; NULL: none */
    struct rec *ring[CONN_RING];  /* the records of requests low .. heads-1, by number % CONN_RING */
    struct rec *spare;            /* the last record given back, kept for the next head (no pool trip) */
    struct scan_buf *parked;      /* the scanner's buffer while a head is cut between reads */
    struct scan scan;
    struct resp resp;
};

struct conn *conn_new(void);
void conn_ref(struct conn *c);
void conn_unref(struct conn *c);
/* Request number k's context into *out; false when unknown (never read, or given back). */
bool conn_request(const struct conn *c, uint32_t k, struct reqctx *out);
void conn_read(struct conn *c, const char *p, size_t n);
void conn_read_lost(struct conn *c);
/* One write call's buffers, put bytes of them taken. */
void conn_wrote_iov(struct conn *c, const struct iovec *iov, size_t iovcnt, size_t put);
void conn_wrote_unseen(struct conn *c, uint64_t n);
/* Outbound connections (propagation): requests the program wrote (a new head clears inj_done). */
void conn_sent(struct conn *c, const char *p, size_t n);
/* The connection is closing: requests still open get their summary (REQTAG_SUMMARY). */
void conn_closed(struct conn *c);
void conn_adopt_copy(int fd, struct conn *c);
/* Whether the calling thread's context is c's current request already: a few loads, inline for
 * the hooks that adopt after every call. */
static inline bool conn_adopted(int fd, const struct conn *c)
{
    const struct tstate *t = me();
    return t->origin == ORIGIN_CONN && t->conn_fd == fd && t->conn_gen == __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
}

/* Most calls find the thread on this connection's current request already; a change copies the
 * request (conn_adopt_copy). */
static inline void conn_adopt(int fd, struct conn *c)
{
    if (!conn_adopted(fd, c))
        conn_adopt_copy(fd, c);
}

#endif
