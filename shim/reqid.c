/* reqid.c -- request IDs: which header values are safe to print, traceparent, fresh IDs. */
#include "reqid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/settings.h"

static bool safe_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '-': case '_': case '.': case ':': case '/': case '+': case '=': case '@':
        return true;
    default:
        return false;
    }
}

bool reqid_safe(const char *p, size_t n)
{
    if (n == 0 || n > REQTAG_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!safe_char((unsigned char)p[i]))
            return false;
    return true;
}

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

void reqid_generate(char out[32])
{
    uint8_t b[16];
    int saved = errno;
    for (;;) {
        ssize_t got = getrandom(b, sizeof b, GRND_NONBLOCK);
        if (got != (ssize_t)sizeof b)
            fallback_bytes(b);
        static const uint8_t zero[16];
        if (memcmp(b, zero, sizeof b) != 0)
            break;
    }
    errno = saved;
    reqid_hex(b, out);
}
