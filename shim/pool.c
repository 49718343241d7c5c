/* pool.c -- size-classed blocks: one lock-free free list per class, chunks mapped on demand. */
#include "pool.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

/* Chunks are small (a connection class fills one with 56 connections), so a quiet process keeps
 * little; each chunk is mapped with SLACK bytes after it that are never handed out: a racing reader that
 * reads up to POOL_MAX bytes from any block start stays in mapped memory. */
enum { CHUNK = 16 * 1024, SLACK = 4096, NCLASS = 8 };
_Static_assert((int)SLACK >= (int)POOL_MAX, "a block read in full never leaves the mapping");

/* Multiples of 16, so every block of a page-aligned chunk is 16-byte aligned; 288 holds a struct
 * conn, 128 a typical request record (an UUID, a method, a short path). */
static const uint16_t class_size[NCLASS] = {64, 128, 192, 288, 384, 512, 768, 1024};

/* A free list head: the first free block's address / 16 in the low 43 bits (user addresses are
 * below 2^47), a counter in the high 21 that changes on every update, so a pop that read a
 * stale "next" (another thread popped and pushed meanwhile) fails its compare-and-swap. */
enum { ADDR_BITS = 43 };
static struct lifo heads[NCLASS];

static int class_of(size_t size)
{
    for (int c = 0; c < NCLASS; c++)
        if (size <= class_size[c])
            return c;
    return -1;
}

static char *addr_of(uint64_t head)
{
    return (char *)(uintptr_t)((head & ((1ull << ADDR_BITS) - 1)) << 4);
}

static uint64_t make_head(uint64_t old, const char *p)
{
    return (((old >> ADDR_BITS) + 1) << ADDR_BITS) | ((uint64_t)(uintptr_t)p >> 4);
}

/* The free list link lives in the block's first 8 bytes while it is free. */
static char *next_of(const char *p)
{
    return __atomic_load_n((char *const *)p, __ATOMIC_RELAXED);
}

static void set_next(char *p, char *next)
{
    __atomic_store_n((char **)p, next, __ATOMIC_RELAXED);
}

/* Push the chain first..last (linked through set_next) onto l. */
static void push_chain(struct lifo *l, char *first, char *last)
{
    uint64_t old = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    do {
        set_next(last, addr_of(old));
    } while (!__atomic_compare_exchange_n(&l->head, &old, make_head(old, first), true, __ATOMIC_RELEASE,
                                          __ATOMIC_RELAXED));
}

void lifo_push(struct lifo *l, void *p)
{
    if (p != NULL && (uintptr_t)p < (1ull << (ADDR_BITS + 4)))
        push_chain(l, p, p);
}

void *lifo_pop(struct lifo *l)
{
    uint64_t old = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE);
    for (;;) {
        char *p = addr_of(old);
        if (p == NULL)
            return NULL;
        /* p may be popped and reused by another thread right now: then next is junk, but the
         * head has moved on and the swap below fails. Listed memory is never unmapped. */
        char *next = next_of(p);
        if (__atomic_compare_exchange_n(&l->head, &old, make_head(old, next), true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_ACQUIRE))
            return p;
    }
}

/* Map a chunk for class c: the first block is the caller's, the rest go on the list. */
static void *grow(int c)
{
    void *m = mmap(NULL, CHUNK + SLACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if ((uintptr_t)m + CHUNK + SLACK > (1ull << (ADDR_BITS + 4))) {
        munmap(m, CHUNK + SLACK); /* an address the head cannot hold (never seen without a hint) */
        return NULL;
    }
    size_t size = class_size[c], n = CHUNK / size;
    char *base = m;
    for (size_t i = 1; i + 1 < n; i++)
        set_next(base + i * size, base + (i + 1) * size);
    if (n > 1)
        push_chain(&heads[c], base + size, base + (n - 1) * size);
    return base;
}

void *pool_get(size_t size)
{
    int c = class_of(size);
    if (c < 0)
        return NULL;
    void *p = lifo_pop(&heads[c]);
    return p != NULL ? p : grow(c);
}

void pool_put(void *p, size_t size)
{
    int c = class_of(size);
    if (c >= 0)
        lifo_push(&heads[c], p);
}

size_t pool_block(size_t size)
{
    int c = class_of(size);
    return c >= 0 ? class_size[c] : 0;
}
