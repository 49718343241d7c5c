/* crashfmt.c -- crash report lines by hand: decimal, hex and strings into a bounded buffer. */
#include "crashfmt.h"

#include <signal.h>
#include <string.h>

#include "digits.h"

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->cap == 0)
        return;
    size_t room = o->cap - 1 - o->len; /* one byte kept for the newline */
    if (n > room)
        n = room;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_dec(struct out *o, uint64_t v)
{
    char d[DIGITS_MAX];
    size_t n;
    const char *p = digits_u64(d, v, &n);
    put(o, p, n);
}

static void put_hex(struct out *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = digits[v & 15];
        v >>= 4;
    } while (v > 0);
    d[--i] = 'x';
    d[--i] = '0';
    put(o, d + i, sizeof d - i);
}

static size_t finish(struct out *o)
{
    if (o->cap == 0)
        return 0;
    o->buf[o->len++] = '\n';
    return o->len;
}

const char *crash_signame(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGSYS: return "SIGSYS";
    case SIGTRAP: return "SIGTRAP";
    default: return NULL;
    }
}

size_t crash_header(char *buf, size_t cap, const struct crash_info *ci)
{
    struct out o = {buf, cap, 0};
    const char *name = crash_signame(ci->sig);
    puts_(&o, "reqtag: ");
    if (name != NULL) {
        puts_(&o, name);
    } else {
        puts_(&o, "signal ");
        put_dec(&o, (uint64_t)(unsigned)ci->sig);
    }
    if (ci->has_addr) {
        puts_(&o, " (address ");
        put_hex(&o, ci->addr);
        puts_(&o, ")");
    }
    puts_(&o, " in thread ");
    put_dec(&o, (uint64_t)ci->tid);
    if (ci->id != NULL && ci->idlen > 0) {
        puts_(&o, " while handling ");
        put(&o, ci->id, ci->idlen);
        if (ci->has_elapsed) {
            puts_(&o, ", ");
            put_dec(&o, ci->elapsed_ms);
            puts_(&o, " ms into the request");
        }
    } else {
        puts_(&o, ", handling no request");
    }
    return finish(&o);
}

size_t crash_frame(char *buf, size_t cap, unsigned n, uintptr_t pc, const char *fn, uintptr_t fnoff,
                   const char *module, size_t modlen, bool has_modoff, uintptr_t modoff)
{
    struct out o = {buf, cap, 0};
    puts_(&o, "reqtag:   #");
    put_dec(&o, n);
    puts_(&o, " ");
    put_hex(&o, pc);
    puts_(&o, " ");
    if (fn != NULL && fn[0] != '\0') {
        puts_(&o, fn);
        puts_(&o, "+");
        put_hex(&o, fnoff);
    } else {
        puts_(&o, "?");
    }
    if (module != NULL && modlen > 0) {
        puts_(&o, " (");
        put(&o, module, modlen);
        if (has_modoff) {
            puts_(&o, "+");
            put_hex(&o, modoff);
        }
        puts_(&o, ")");
    }
    return finish(&o);
}
