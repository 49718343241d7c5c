/* reqid.c -- request IDs: which header values are safe to print, traceparent, fresh IDs. */
#include "reqid.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/settings.h"

const uint8_t reqid_safe_byte[256] = {
    ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, ['0' ... '9'] = 1, ['-'] = 1, ['_'] = 1, ['.'] = 1,
    [':'] = 1,         ['/'] = 1,         ['+'] = 1,         ['='] = 1, ['@'] = 1,
};

static bool lower_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* version "-" trace-id(32) "-" parent-id(16) "-" flags(2): 55 bytes for version 00. */
bool reqid_traceparent(const char *p, size_t n, char out[32])
{
    if (n < 55 || !lower_hex(p, 2) || memcmp(p, "ff", 2) == 0)
        return false;
    if (memcmp(p, "00", 2) == 0 ? n != 55 : (n > 55 && p[55] != '-'))
        return false;
    if (p[2] != '-' || p[35] != '-' || p[52] != '-')
        return false;
    if (!lower_hex(p + 3, 32) || !lower_hex(p + 36, 16) || !lower_hex(p + 53, 2))
        return false;
    if (memcmp(p + 3, "00000000000000000000000000000000", 32) == 0)
        return false;
    memcpy(out, p + 3, 32);
    return true;
}

void reqid_hex(const uint8_t bytes[16], char out[32])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Used only when getrandom is unavailable: unique per call, process and thread, not secret. */
static void fallback_bytes(uint8_t b[16])
{
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    uint64_t a = mix64(((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20));
    uint64_t d = mix64(a ^ ((uint64_t)syscall(SYS_gettid) << 32) ^ c ^ (uint64_t)(uintptr_t)&ts);
    memcpy(b, &a, 8);
    memcpy(b + 8, &d, 8);
}

static void random_bytes(uint8_t b[16])
{
    if (getrandom(b, 16, GRND_NONBLOCK) != 16)
        fallback_bytes(b);
}

/* IDs come from a per-thread generator: a random 128-bit key (one getrandom per thread) and a
 * counter, mixed by a bijection, so a thread never repeats itself and threads differ by key; no
 * system call per request. A forked child must not replay its parent's sequence: the generators
 * are keyed to a value kept in a page the kernel wipes in a forked child (MADV_WIPEONFORK), so
 * the first ID after any fork, raw clone included, rekeys. Without that page, every ID is one
 * getrandom call, as before. */
struct idgen {
    uint64_t k0, k1, ctr, epoch;
};
static __thread struct idgen idgen __attribute__((tls_model("initial-exec")));
static uint64_t *fork_canary; /* NULL: not yet; (uint64_t *)1: unavailable */

static uint64_t fresh_nonzero(void)
{
    uint64_t v;
    do {
        uint8_t b[16];
        random_bytes(b);
        memcpy(&v, b, 8);
    } while (v == 0);
    return v;
}

static uint64_t *canary(void)
{
    uint64_t *c = __atomic_load_n(&fork_canary, __ATOMIC_ACQUIRE);
    if (c != NULL)
        return c == (uint64_t *)1 ? NULL : c;
    long page = sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t *mine = (uint64_t *)1;
    if (m != MAP_FAILED && madvise(m, (size_t)page, MADV_WIPEONFORK) == 0) {
        mine = m;
        *mine = fresh_nonzero();
    } else if (m != MAP_FAILED) {
        munmap(m, (size_t)page);
    }
    uint64_t *expect = NULL;
    if (!__atomic_compare_exchange_n(&fork_canary, &expect, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (mine != (uint64_t *)1)
            munmap(mine, (size_t)page); /* another thread made it first */
        mine = expect;
    }
    return mine == (uint64_t *)1 ? NULL : mine;
}

void reqid_generate(char out[32])
{
    int saved = errno;
    uint8_t b[16];
    uint64_t *c = canary();
    if (c == NULL) {
        static const uint8_t zero[16];
        do
            random_bytes(b);
        while (memcmp(b, zero, sizeof b) == 0);
    } else {
        uint64_t e = __atomic_load_n(c, __ATOMIC_ACQUIRE);
        if (e == 0) { /* the page was wiped: this is a forked child's first ID */
            uint64_t n = fresh_nonzero();
            if (!__atomic_compare_exchange_n(c, &e, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                n = e;
            e = n;
        }
        struct idgen *g = &idgen;
        if (g->epoch != e) {
            uint8_t key[16];
            random_bytes(key);
            memcpy(&g->k0, key, 8);
            memcpy(&g->k1, key + 8, 8);
            g->ctr = 0;
            g->epoch = e;
        }
        uint64_t a, d;
        do {
            uint64_t n = g->ctr++;
            a = mix64(g->k0 ^ n); /* a bijection of the counter: never repeats within the thread */
            d = mix64(g->k1 + n);
        } while (a == 0 && d == 0);
        memcpy(b, &a, 8);
        memcpy(b + 8, &d, 8);
    }
    errno = saved;
    reqid_hex(b, out);
}
