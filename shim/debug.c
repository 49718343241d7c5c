/* debug.c -- start and send REQTAG_DEBUG lines: one write each, at most DEBUG_PER_SECOND a second. */
#include "debug.h"

#include <errno.h>

#include "context.h"
#include "out.h"

void dbg_start(struct dbg *d, const char *event)
{
    d->o = (struct linebuf){d->buf, sizeof d->buf, 0};
    linebuf_puts(&d->o, "reqtag: debug: ");
    linebuf_puts(&d->o, event);
}

/* The second the current budget belongs to, lines sent in it, lines dropped since the last report. */
static uint64_t window;
static uint32_t sent_in_window, dropped;

void dbg_send(struct dbg *d)
{
    int saved = errno;
    uint64_t now = mono_ns() / 1000000000u;
    uint64_t w = __atomic_load_n(&window, __ATOMIC_RELAXED);
    if (now != w && __atomic_compare_exchange_n(&window, &w, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        __atomic_store_n(&sent_in_window, 0, __ATOMIC_RELAXED);
    if (__atomic_add_fetch(&sent_in_window, 1, __ATOMIC_RELAXED) > DEBUG_PER_SECOND) {
        __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
        errno = saved;
        return;
    }
    uint32_t lost = __atomic_exchange_n(&dropped, 0, __ATOMIC_RELAXED);
    if (lost != 0) {
        struct dbg note;
        dbg_start(&note, "rate limit: ");
        linebuf_dec(&note.o, lost);
        linebuf_puts(&note.o, " lines dropped");
        out_notice(note.buf, linebuf_end(&note.o));
    }
    out_notice(d->buf, linebuf_end(&d->o));
    errno = saved;
}
