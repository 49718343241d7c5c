/* context.h -- the calling thread's request: initial-exec TLS, copied by value, never shared.
 *
 * Contract:
 * - me() is the calling thread's state; one %fs-relative access, safe in signal handlers.
 * - A context is a value (the ID bytes); copying it (thread creation, adoption from a
 *   connection) never shares mutable state. len 0 means "no request".
 * - ctx_set() takes a safe ID (the caller checked it) of 1..REQTAG_MAX_ID bytes.
 */
#ifndef REQTAG_CONTEXT_H
#define REQTAG_CONTEXT_H

#include <stdint.h>
#include <string.h>

#include "../common/settings.h"
#include "lines.h"

/* Where a request's ID came from: it decides what propagation sends downstream. */
enum id_kind { ID_GIVEN, ID_TRACE, ID_GENERATED };

struct reqctx {
    uint8_t len;
    uint8_t kind;         /* enum id_kind */
    uint8_t trace_flags;  /* ID_TRACE: the incoming traceparent's flags */
    char id[REQTAG_MAX_ID];
    uint8_t mlen, plen;   /* the request's method and target (cut at REQTAG_MAX_PATH), as read */
    char method[REQTAG_MAX_METHOD];
    char path[REQTAG_MAX_PATH];
    uint64_t start_ns;    /* mono_ns() when the request's head was read; 0: unknown */
    uint8_t flen[REQTAG_MAX_FIELDS];  /* REQTAG_FIELDS values, by index; 0: absent */
    char field[REQTAG_MAX_FIELDS][REQTAG_MAX_FIELD];
};

/* Where the thread's context came from: it decides when the context ends. */
enum origin {
    ORIGIN_NONE,
    ORIGIN_CONN,       /* adopted from a connection: ends when another connection is touched or the
                          thread waits for events on many */
    ORIGIN_INHERITED,  /* copied at pthread_create: ends when the thread first waits for work */
    ORIGIN_PROCESS,    /* given by the parent process at exec through the environment */
};

struct tstate {
    struct reqctx ctx;    /* the request this thread works for */
    uint8_t origin;       /* enum origin */
    int conn_fd;          /* ORIGIN_CONN: which connection, and its gen when adopted */
    uint32_t conn_gen;
    struct lines lines;   /* its partial stderr line, if any (buf is mmap'd on first need) */
    uint8_t writing;      /* inside out_line: a signal handler's write passes through untouched */
    int tid;              /* the kernel's thread id, once asked (0: not yet) */
    struct {
        uintptr_t lo, hi;  /* memory checked mapped for this thread's last stderr buffers, */
        uint32_t gen;      /* ... as of out_unmaps */
    } mapped[2];
    uint8_t mapped_next;   /* the slot the next check replaces */
};

extern __thread struct tstate reqtag_tls __attribute__((tls_model("initial-exec")));

static inline struct tstate *me(void)
{
    return &reqtag_tls;
}

/* CLOCK_MONOTONIC in nanoseconds (0 if the clock fails); the time base of start_ns. Its coarse
 * variant (one tick's resolution) unless reqtag_cfg.fine_clock: both have the same timeline. */
uint64_t mono_ns(void);

/* Nanoseconds since the request's head was read; 0 when unknown. */
uint64_t ctx_elapsed_ns(const struct reqctx *c);

/* The thread stops working for any request. */
static inline void ctx_drop(struct tstate *t)
{
    t->ctx.len = 0;
    t->origin = ORIGIN_NONE;
    t->conn_fd = -1;
}

static inline void ctx_set(struct reqctx *c, const char *id, size_t len)
{
    if (len > REQTAG_MAX_ID)
        len = 0;
    memcpy(c->id, id, len);
    c->len = (uint8_t)len;
}

#endif
