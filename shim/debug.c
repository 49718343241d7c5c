/* debug.c -- build and send REQTAG_DEBUG lines: escaped values, one write each, at most DEBUG_PER_SECOND a second. */
#include "debug.h"

#include <errno.h>
#include <string.h>

#include "context.h"
#include "out.h"

static void put(struct dbg *d, const char *p, size_t n)
{
    size_t room = sizeof d->buf - 1 - d->at; /* one byte kept for the newline */
    if (n > room)
        n = room;
    memcpy(d->buf + d->at, p, n);
    d->at += n;
}

void dbg_start(struct dbg *d, const char *event)
{
    d->at = 0;
    dbg_text(d, "reqtag: debug: ");
    dbg_text(d, event);
}

void dbg_text(struct dbg *d, const char *s)
{
    put(d, s, strlen(s));
}

void dbg_value(struct dbg *d, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t shown = n < DEBUG_VALUE ? n : DEBUG_VALUE;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            put(d, (const char *)&c, 1);
        } else {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            put(d, esc, sizeof esc);
        }
    }
    if (shown < n)
        dbg_text(d, "...");
}

void dbg_num(struct dbg *d, uint64_t v)
{
    char digits[20];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && k > 0);
    put(d, digits + k, sizeof digits - k);
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
        dbg_num(&note, lost);
        dbg_text(&note, " lines dropped");
        note.buf[note.at++] = '\n';
        out_notice(note.buf, note.at);
    }
    d->buf[d->at++] = '\n';
    out_notice(d->buf, d->at);
    errno = saved;
}
