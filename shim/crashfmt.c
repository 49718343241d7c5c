/* crashfmt.c -- crash report lines by hand (linebuf.h): signal, address, thread, request, frames. */
#include "crashfmt.h"

#include <signal.h>
#include <string.h>

#include "linebuf.h"

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
    struct linebuf o = {buf, cap, 0};
    const char *name = crash_signame(ci->sig);
    linebuf_puts(&o, "reqtag: ");
    if (name != NULL) {
        linebuf_puts(&o, name);
    } else {
        linebuf_puts(&o, "signal ");
        linebuf_dec(&o, (uint64_t)(unsigned)ci->sig);
    }
    if (ci->has_addr) {
        linebuf_puts(&o, " (address ");
        linebuf_hex(&o, ci->addr);
        linebuf_puts(&o, ")");
    }
    linebuf_puts(&o, " in thread ");
    linebuf_dec(&o, (uint64_t)ci->tid);
    if (ci->id != NULL && ci->idlen > 0) {
        linebuf_puts(&o, " while handling ");
        linebuf_put(&o, ci->id, ci->idlen);
        if (ci->has_elapsed) {
            linebuf_puts(&o, ", ");
            linebuf_dec(&o, ci->elapsed_ms);
            linebuf_puts(&o, " ms into the request");
        }
    } else {
        linebuf_puts(&o, ", handling no request");
    }
    return linebuf_end(&o);
}

size_t crash_frame(char *buf, size_t cap, unsigned n, uintptr_t pc, const char *fn, uintptr_t fnoff,
                   const char *module, size_t modlen, bool has_modoff, uintptr_t modoff)
{
    struct linebuf o = {buf, cap, 0};
    linebuf_puts(&o, "reqtag:   #");
    linebuf_dec(&o, n);
    linebuf_puts(&o, " ");
    linebuf_hex(&o, pc);
    linebuf_puts(&o, " ");
    if (fn != NULL && fn[0] != '\0') {
        linebuf_puts(&o, fn);
        linebuf_puts(&o, "+");
        linebuf_hex(&o, fnoff);
    } else {
        linebuf_puts(&o, "?");
    }
    if (module != NULL && modlen > 0) {
        linebuf_puts(&o, " (");
        linebuf_put(&o, module, modlen);
        if (has_modoff) {
            linebuf_puts(&o, "+");
            linebuf_hex(&o, modoff);
        }
        linebuf_puts(&o, ")");
    }
    return linebuf_end(&o);
}
