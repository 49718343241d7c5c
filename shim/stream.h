/* stream.h -- decide whether a stdio call on a FILE is taken over, and write its bytes if so.
 *
 * Contract:
 * - stream_fd() returns the stream's descriptor when this thread's bytes for it must go through
 *   line assembly (the thread has a request or an open line there, and the stream sits on a
 *   stderr-like descriptor), else -1: the hook calls libc. errno is preserved.
 * - stream_put() writes n bytes for the stream: whatever the stream already buffered leaves first
 *   (order is kept), then the bytes go to out_line(). lock: take the stream's lock as the locked
 *   stdio functions do. Returns 0, or -1 with the stream's error flag set, like a failed write.
 */
#ifndef REQTAG_STREAM_H
#define REQTAG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* flockfile(f), run(arg), funlockfile(f): a thread cancelled inside run (whose write is a
 * cancellation point, as in libc's own stdio) gives the lock back as it ends, or every later
 * stdio call on f in the process would wait for it forever. Returns what run returned. */
int stream_locked(FILE *f, int (*run)(void *), void *arg);

int stream_fd(FILE *f);
int stream_put(FILE *f, int fd, const char *p, size_t n, bool lock);

#endif
