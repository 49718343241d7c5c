/* fdtab.c -- the per-descriptor table: fixed top level, chunks mapped on demand, never freed. */
#include "fdtab.h"

#include <sys/mman.h>

struct fdent *fdtab_top[FDTAB_MAX / FDTAB_CHUNK];
uint32_t fdtab_epoch2 = 1;

struct fdent *fdtab_make(int fd)
{
    struct fdent *e = fdtab_get(fd);
    if (e != NULL || fd < 0 || fd >= FDTAB_MAX)
        return e;
    size_t size = sizeof(struct fdent) * FDTAB_CHUNK;
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    struct fdent *expect = NULL;
    if (!__atomic_compare_exchange_n(&fdtab_top[fd / FDTAB_CHUNK], &expect, (struct fdent *)m, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        munmap(m, size); /* another thread made it first */
    return fdtab_get(fd);
}

static void reset(struct fdent *e)
{
    fdent_set_kind(e, FD_UNKNOWN);
    fdent_set_serves(e, 0);
    struct conn *c = __atomic_exchange_n(&e->conn, NULL, __ATOMIC_ACQ_REL);
    if (c != NULL)
        conn_unref(c);
}

void fdtab_attach(struct fdent *e, struct conn *c, uint8_t kind)
{
    struct conn *old = __atomic_exchange_n(&e->conn, c, __ATOMIC_ACQ_REL);
    if (old != NULL)
        conn_unref(old);
    fdent_set_kind(e, kind);
}

void fdtab_forget(int fd)
{
    if (fd == 1 || fd == 2)
        __atomic_add_fetch(&fdtab_epoch2, 1, __ATOMIC_ACQ_REL);
    struct fdent *e = fdtab_get(fd);
    if (e != NULL)
        reset(e);
}

void fdtab_forget_range(unsigned lo, unsigned hi)
{
    if (lo <= 2 && hi >= 1)
        __atomic_add_fetch(&fdtab_epoch2, 1, __ATOMIC_ACQ_REL);
    for (unsigned c = lo / FDTAB_CHUNK; c < FDTAB_MAX / FDTAB_CHUNK && c <= hi / FDTAB_CHUNK; c++) {
        struct fdent *chunk = __atomic_load_n(&fdtab_top[c], __ATOMIC_ACQUIRE);
        if (chunk == NULL)
            continue;
        for (unsigned i = 0; i < FDTAB_CHUNK; i++) {
            unsigned fd = c * FDTAB_CHUNK + i;
            if (fd >= lo && fd <= hi)
                reset(&chunk[i]);
        }
    }
}
