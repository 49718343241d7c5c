/* test_pool.c -- unit tests for the size-classed block pool (shim/pool.c), threads included. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "pool.h"
#include "unit.h"

enum { THREADS = 4, ROUNDS = 200000, HELD = 64 };

static void *hammer(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    void *held[HELD] = {0};
    size_t sizes[HELD] = {0};
    for (unsigned i = 0; i < ROUNDS; i++) {
        unsigned k = (i * 7919u + (unsigned)me) % HELD;
        if (held[k] != NULL) {
            /* Nobody else may have had this block while we held it. */
            if (*(uintptr_t *)held[k] != (me << 32 | k) || ((unsigned char *)held[k])[sizes[k] - 1] != (unsigned char)me)
                return (void *)1;
            pool_put(held[k], sizes[k]);
        }
        sizes[k] = 16 + (i * 31u) % POOL_MAX;
        if (sizes[k] > POOL_MAX)
            sizes[k] = POOL_MAX;
        held[k] = pool_get(sizes[k]);
        if (held[k] == NULL)
            return (void *)2;
        *(uintptr_t *)held[k] = me << 32 | k;
        ((unsigned char *)held[k])[sizes[k] - 1] = (unsigned char)me;
    }
    for (unsigned k = 0; k < HELD; k++)
        pool_put(held[k], sizes[k]);
    return NULL;
}

int main(void)
{
    void *a = pool_get(100), *b = pool_get(100), *big = pool_get(POOL_MAX);
    CHECK(a != NULL && b != NULL && a != b && big != NULL, "blocks are handed out, distinct");
    CHECK(((uintptr_t)a % 16) == 0 && ((uintptr_t)big % 16) == 0, "blocks are 16-byte aligned");
    CHECK(pool_get(POOL_MAX + 1) == NULL, "more than POOL_MAX bytes: NULL");
    memset(a, 1, 100);
    memset(big, 2, POOL_MAX);
    pool_put(a, 100);
    void *again = pool_get(97);
    CHECK(again == a, "a block given back is handed out again (same class)");
    pool_put(again, 97);
    pool_put(b, 100);
    pool_put(big, POOL_MAX);

    /* A class's first chunk is carved once: thousands of gets map few chunks and stay distinct. */
    static void *many[5000];
    bool distinct = true;
    for (int i = 0; i < 5000; i++) {
        many[i] = pool_get(64);
        distinct = distinct && many[i] != NULL;
        if (distinct)
            memset(many[i], 0x33, 64);
    }
    for (int i = 1; distinct && i < 5000; i++)
        distinct = many[i] != many[i - 1];
    for (int i = 0; i < 5000; i++)
        pool_put(many[i], 64);
    CHECK(distinct, "5000 blocks of one class in a row");

    pthread_t th[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, hammer, (void *)(i + 1));
    bool ok = true;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        ok = ok && r == NULL;
    }
    CHECK(ok, "%d threads getting and putting %d blocks each: no block handed out twice", THREADS, ROUNDS);
    return unit_done();
}
