/* fdtab.h -- what the shim knows about each descriptor: a flat table indexed by fd number.
 *
 * Contract:
 * - The table is two-level (a fixed top array of chunk pointers, chunks of FDTAB_CHUNK entries
 *   mmap'd on first use and published with a compare-and-swap), so lookups take no lock and
 *   never allocate; only fdtab_make() may map a new chunk. Chunks are never unmapped.
 * - fdtab_get() returns the entry, or NULL when its chunk was never made or fd is out of range
 *   (0 .. FDTAB_MAX-1); fdtab_make() makes the chunk, or returns NULL when it cannot.
 * - fdtab_forget() is called whenever fd starts or stops naming a file (open, close, dup2 ...):
 *   the entry goes back to FD_UNKNOWN and lets go of its connection (conn_unref).
 * - fdtab_attach() gives fd a connection (the entry holds the reference it is handed) and the
 *   kind; fdent_conn() reads it. Forgetting fd 1 or 2 also moves fdtab_epoch2, which tells
 *   the output check (outfd.c) that "the same file as fd 1/2" must be looked up again.
 * - Entries are written by the thread that owns the operation, but any thread may read or
 *   reset one: a descriptor closed in one thread and reused by accept() in another is ordered
 *   by the kernel, not by any lock of ours. So every field is accessed atomically (relaxed
 *   where nothing else depends on it: a plain move on x86-64, and no data race for TSan).
 */
#ifndef REQTAG_FDTAB_H
#define REQTAG_FDTAB_H

#include <stdint.h>

#include "conn.h"

enum { FDTAB_CHUNK = 256, FDTAB_MAX = 1 << 24 };

enum fd_kind {
    FD_UNKNOWN = 0, /* never looked at, or changed since */
    FD_CONN,        /* an accepted connection: reads are scanned for request heads */
    FD_STDERR,      /* a tagged output: stderr's file, or another REQTAG_STREAMS one (as of epoch) */
    FD_OTHER,       /* looked at: not stderr (as of epoch) */
    FD_LISTEN,      /* a listening socket: polling it means serving many connections */
    FD_OUT,         /* a connect()ed socket: requests the program sends (propagation) */
};

struct fdent {
    uint8_t kind;        /* enum fd_kind; atomic access */
    uint8_t serves;      /* an epoll descriptor watching connections or listeners (atomic) */
    uint32_t epoch;      /* fdtab_epoch2 when kind FD_STDERR / FD_OTHER was decided (atomic) */
    struct conn *conn;   /* FD_CONN, FD_OUT: the connection's requests and responses (atomic) */
};

extern uint32_t fdtab_epoch2;

/* The top level: chunk pointers, published with a compare-and-swap (fdtab.c). */
extern struct fdent *fdtab_top[FDTAB_MAX / FDTAB_CHUNK];

static inline struct fdent *fdtab_get(int fd)
{
    if (fd < 0 || fd >= FDTAB_MAX)
        return NULL;
    struct fdent *chunk = __atomic_load_n(&fdtab_top[fd / FDTAB_CHUNK], __ATOMIC_ACQUIRE);
    return chunk ? &chunk[fd % FDTAB_CHUNK] : NULL;
}
struct fdent *fdtab_make(int fd);
void fdtab_forget(int fd);
void fdtab_forget_range(unsigned lo, unsigned hi);
void fdtab_attach(struct fdent *e, struct conn *c, uint8_t kind);

static inline struct conn *fdent_conn(const struct fdent *e)
{
    return __atomic_load_n(&e->conn, __ATOMIC_ACQUIRE);
}

static inline uint8_t fdent_kind(const struct fdent *e)
{
    return __atomic_load_n(&e->kind, __ATOMIC_ACQUIRE);
}

static inline void fdent_set_kind(struct fdent *e, uint8_t k)
{
    __atomic_store_n(&e->kind, k, __ATOMIC_RELEASE);
}

static inline uint8_t fdent_serves(const struct fdent *e)
{
    return __atomic_load_n(&e->serves, __ATOMIC_ACQUIRE);
}

static inline void fdent_set_serves(struct fdent *e, uint8_t v)
{
    __atomic_store_n(&e->serves, v, __ATOMIC_RELEASE);
}

static inline uint32_t fdent_epoch(const struct fdent *e)
{
    return __atomic_load_n(&e->epoch, __ATOMIC_RELAXED);
}

static inline void fdent_set_epoch(struct fdent *e, uint32_t v)
{
    __atomic_store_n(&e->epoch, v, __ATOMIC_RELAXED);
}

#endif
