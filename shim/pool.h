/* pool.h -- fixed-size blocks for connection state, in a few size classes, no lock, no malloc.
 *
 * Contract:
 * - pool_get(size) returns a block of at least size bytes (at most POOL_MAX), 16-byte aligned,
 *   with unspecified contents; NULL when none can be had (no memory could be mapped). Callers
 *   then step aside: a connection goes untracked, a request untagged.
 * - pool_put(p, size) gives a block back; size must be the one it was asked for (it names the
 *   class). Any thread may put a block another got.
 * - Blocks come from chunks mapped on demand and never unmapped, so a stale pointer read by a
 *   racing thread reads some block's bytes, never unmapped memory. Whoever reads shared blocks
 *   must check a sequence number (conn.c's seqlock) and bound every length it reads.
 * - Memory follows the blocks in use: a chunk is mapped when every block of its class is taken
 *   (threads that find a class empty at the same moment each map one; nobody waits).
 */
#ifndef REQTAG_POOL_H
#define REQTAG_POOL_H

#include <stddef.h>
#include <stdint.h>

enum { POOL_MAX = 1024 };

/* A lock-free LIFO of free blocks (at least 16 bytes, 16-byte aligned, never unmapped while
 * listed), the pool's building block: crash.c keeps spare signal stacks in one. */
struct lifo {
    uint64_t head;
};
void lifo_push(struct lifo *l, void *p);
void *lifo_pop(struct lifo *l);

void *pool_get(size_t size);
void pool_put(void *p, size_t size);
/* The block size pool_get(size) hands out (0: none that big): blocks of equal pool_block() are
 * interchangeable, so an owner may keep one and reuse it for another size of the same class. */
size_t pool_block(size_t size);

#endif
