/* out.h -- the shim's own writes: whole tagged lines to stderr-like descriptors, one call each.
 *
 * Contract:
 * - out_line() hands n program bytes bound for fd (already known to be stderr-like) to the calling
 *   thread's line assembly, tagged with its context. Returns 0 when every byte was written or is
 *   held as the start of a line, -1 with errno when writing failed. A line is written in full
 *   (EINTR retried, EAGAIN waited out with poll): once its start has left, it is never torn.
 *   Reentry from a signal handler on the same thread returns 1 in text output (the caller passes
 *   the call through); in logfmt/json output its bytes become records at once.
 * - out_flush_mine() writes the calling thread's held piece, if any; errno is preserved. Hooks
 *   call it before the thread blocks, exits or execs, so a piece is never held while it waits.
 * - out_raw() writes bytes as they are (best effort; never a cancellation point). out_notice() writes one of the shim's own
 *   lines (a warning): as it is in text output, as a record (no request) in logfmt/json output.
 * - out_tid() and out_pid() are the calling thread's and process's ids, cached.
 * - out_readable() is true when every byte of [p, p+n) lies in mapped memory. write and writev
 *   hand the kernel a buffer it checks (EFAULT); the shim reads that buffer itself, so a hook asks
 *   first and leaves a bad buffer to the real call. The last two ranges the thread checked (the
 *   256 KiB window around a buffer when all of it is mapped, else the buffer's pages) are trusted
 *   until anything is unmapped; else mincore, one call per 1 MiB. errno kept. out_readable_check()
 *   is the same answer without looking at the two ranges (it records the range it checked).
 * - out_tag() and out_record_ctx() are the one place a context becomes a tag or a record's keys.
 * - out_init() prepares the per-thread buffers' clean-up and the tag's split (tag_split); called
 *   once, at load, once the settings are read.
 */
#ifndef REQTAG_OUT_H
#define REQTAG_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "context.h"

struct reqctx;
struct record_ctx;

void out_init(void);
/* The tag for context c in text output (c->len 0: none); the variables that cost a system call
 * are only looked up when the format uses them. At most cap bytes, returns the length. */
size_t out_tag(const struct reqctx *c, char *out, size_t cap);
/* A record's time, pid, tid and, for context c (NULL or len 0: no request), its ID and fields. */
void out_record_ctx(const struct reqctx *c, struct record_ctx *rc);
int out_line(int fd, const char *p, size_t n);
void out_flush_slow(void);

static inline void out_flush_mine(void)
{
    const struct tstate *t = me();
    if (__builtin_expect(t->lines.len != 0, 0) && !t->writing)
        out_flush_slow();
}
/* Moves whenever memory is unmapped (munmap hook): out_readable()'s trust in pages ends. */
extern uint32_t out_unmaps;
bool out_readable_check(const void *p, size_t n);

static inline bool out_readable(const void *p, size_t n)
{
    const struct tstate *t = me();
    uintptr_t start = (uintptr_t)p, end = start + n;
    uint32_t gen = __atomic_load_n(&out_unmaps, __ATOMIC_ACQUIRE);
    /* Memory this thread wrote from a moment ago, nothing unmapped since: no system call. */
    for (int k = 0; k < 2; k++)
        if (start >= t->mapped[k].lo && end <= t->mapped[k].hi && end > start && t->mapped[k].gen == gen)
            return true;
    return out_readable_check(p, n);
}
void out_raw(int fd, const char *p, size_t n);
void out_notice(const char *line, size_t n);
long out_tid(void);
long out_pid(void);
int out_emit(void *arg, int fd, struct iovec *iov, int iovcnt);

#endif
