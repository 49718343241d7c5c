/* lines.h -- per-thread line assembly: whole tagged lines out, one write call each (pure).
 *
 * A program writes a line in pieces (Python prints a piece per argument, stdio flushes when its
 * buffer fills); the shim must tag it once, at its start, and send tag and line in one write so
 * lines from other threads and processes never land inside it. struct lines holds the one partial
 * line a thread may have pending; the caller owns its storage (buf, cap) and keeps one per thread.
 *
 * Contract:
 * - lines_write() takes n program bytes bound for fd. Complete lines leave at once through `emit`,
 *   each line whole inside one emit call, a new line preceded by the tag (taglen 0: untagged).
 *   A trailing piece without a newline is kept, with its tag, until the line ends, lines_flush()
 *   is called, or the piece would overflow buf (then it leaves at once and the rest of that line
 *   continues untagged). Bytes for a different fd first flush what is pending for the old one.
 *   Returns 0, or -1 when emit failed (errno from emit; the pending bytes are dropped, as a failed
 *   write would have dropped them).
 * - lines_flush() sends the pending piece, if any; the line stays open (its end will not be tagged
 *   again). Returns 0 or -1 as above.
 * - lines_busy() is true while a piece is pending or a line is open: its next bytes belong to it.
 * - lines_whole() is true when n bytes (n > 0) are exactly one line, ending in its only newline, and
 *   nothing is pending or open: lines_write() would send tag and line as one emit and leave the state
 *   as it was (fd aside, which only counts while busy), so a caller may send them itself.
 * - emit gets at most LINES_IOV iovecs and must write all of them or fail.
 */
#ifndef REQTAG_LINES_H
#define REQTAG_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>

enum { LINES_IOV = 64 };

typedef int (*lines_emit_fn)(void *arg, int fd, struct iovec *iov, int iovcnt);

struct lines {
    char *buf;    /* storage for the pending piece (tag included); NULL: nothing can be held */
    size_t cap;
    size_t len;   /* bytes pending in buf */
    int fd;       /* descriptor of the pending piece or open line; -1: none */
    bool open;    /* a line's start has left and its end has not */
};

int lines_write(struct lines *l, int fd, const char *tag, size_t taglen, const char *p, size_t n,
                lines_emit_fn emit, void *arg);
int lines_flush(struct lines *l, lines_emit_fn emit, void *arg);

static inline bool lines_busy(const struct lines *l)
{
    return l->len > 0 || l->open;
}

static inline bool lines_whole(const struct lines *l, const char *p, size_t n)
{
    return !lines_busy(l) && p[n - 1] == '\n' && memchr(p, '\n', n - 1) == NULL;
}

#endif
