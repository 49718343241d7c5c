/* debug_events.c -- the REQTAG_DEBUG lines: accepted connections, requests read, IDs dropped, contexts adopted, descriptors. */
#include "debug_events.h"

#include "config.h"
#include "debug.h"
#include "out.h"
#include "scan.h"

static void fd_part(struct dbg *d, const char *label, int fd)
{
    linebuf_puts(&d->o, label);
    linebuf_dec(&d->o, (uint64_t)(fd < 0 ? 0 : fd));
}

static void id_part(struct dbg *d, const struct reqctx *r)
{
    if (r->len == 0) {
        linebuf_puts(&d->o, " id=none");
        return;
    }
    linebuf_puts(&d->o, " id=");
    dbg_value(d, r->id, r->len);
    static const char *const kinds[] = {" (from the request)", " (a traceparent's trace-id)", " (generated)"};
    linebuf_puts(&d->o, r->kind < 3 ? kinds[r->kind] : "");
}

void debug_accepted(int listen_fd, int fd)
{
    struct dbg d;
    dbg_start(&d, "accepted");
    fd_part(&d, " fd=", fd);
    fd_part(&d, " on listener fd=", listen_fd);
    linebuf_puts(&d.o, ": following its requests");
    dbg_send(&d);
}

static const char *drop_reason(unsigned why)
{
    switch (why) {
    case DROP_UNSAFE: return "empty or holds a byte an ID may not (control, space, quote, backslash, non-ASCII)";
    case DROP_LONG: return "longer than the 200 bytes an ID may have";
    case DROP_FOLDED: return "continued on a folded line";
    case DROP_TRACEPARENT: return "not a valid traceparent";
    default: return "unknown";
    }
}

void debug_read(int fd, const struct conn *c, uint32_t from, bool was_opaque)
{
    struct dbg d;
    if (!was_opaque && scan_opaque(&c->scan)) {
        dbg_start(&d, "not HTTP/1.x");
        fd_part(&d, " on fd=", fd);
        linebuf_puts(&d.o, ": its bytes are no longer looked at, its requests not followed");
        dbg_send(&d);
    }
    for (uint32_t k = from; k < c->heads; k++) {
        struct reqctx r;
        dbg_start(&d, "request");
        fd_part(&d, " fd=", fd);
        linebuf_puts(&d.o, " #");
        linebuf_dec(&d.o, k + 1);
        if (conn_request(c, k, &r)) {
            id_part(&d, &r);
            if (r.mlen > 0) {
                linebuf_puts(&d.o, " ");
                dbg_value(&d, r.method, r.mlen);
                linebuf_puts(&d.o, " ");
                dbg_value(&d, r.path, r.plen);
            }
        } else {
            linebuf_puts(&d.o, " (its record is gone already)");
        }
        dbg_send(&d);
    }
    unsigned why = c->dropped & 15, hdr = c->dropped >> 4;
    if (from < c->heads && why != DROP_NONE && hdr < reqtag_cfg.nheaders) {
        dbg_start(&d, "dropped ID");
        fd_part(&d, " on fd=", fd);
        linebuf_puts(&d.o, ": the ");
        linebuf_puts(&d.o, reqtag_cfg.header[hdr]);
        linebuf_puts(&d.o, " value (not shown) is ");
        linebuf_puts(&d.o, drop_reason(why));
        dbg_send(&d);
    }
}

void debug_adopted(int fd, const struct reqctx *ctx)
{
    struct dbg d;
    dbg_start(&d, "thread ");
    linebuf_dec(&d.o, (uint64_t)out_tid());
    fd_part(&d, " serves fd=", fd);
    id_part(&d, ctx);
    dbg_send(&d);
}

void debug_torn(int fd)
{
    struct dbg d;
    dbg_start(&d, "thread ");
    linebuf_dec(&d.o, (uint64_t)out_tid());
    fd_part(&d, " left untagged: fd=", fd);
    linebuf_puts(&d.o, "'s request kept changing while it was copied");
    dbg_send(&d);
}

void debug_forgot(int fd)
{
    struct dbg d;
    dbg_start(&d, "forgot");
    fd_part(&d, " fd=", fd);
    linebuf_puts(&d.o, ": closed or replaced");
    dbg_send(&d);
}

void debug_output(int fd, bool tagged)
{
    struct dbg d;
    dbg_start(&d, "output");
    fd_part(&d, " fd=", fd);
    linebuf_puts(&d.o, tagged ? ": its lines are tagged" : ": not a tagged stream (REQTAG_STREAMS)");
    dbg_send(&d);
}
