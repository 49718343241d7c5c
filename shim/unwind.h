/* unwind.h -- walk the crashing thread's stack with a private copy of libunwind.
 *
 * Contract:
 * - unwind_init() (start-up) loads libunwind.so.8 with RTLD_LOCAL, so its _Unwind_* never enter
 *   the global scope (the host's C++ exceptions keep libgcc_s), and warms it up once so the
 *   unwinder allocates and takes the loader lock now, not in a signal handler. Without libunwind
 *   it falls back to glibc's backtrace(), also warmed up. Returns nothing; never fails loudly.
 * - unwind_frames() fills at most max frames from the signal's ucontext: each frame's pc and,
 *   where known, its function name (into the frame's own buffer) and offset. Returns the count.
 *   Called only from the fatal-signal handler; uses no malloc and no stdio.
 */
#ifndef REQTAG_UNWIND_H
#define REQTAG_UNWIND_H

#include <stddef.h>
#include <stdint.h>

struct frame {
    uintptr_t pc;
    uintptr_t fnoff;
    char fn[128];    /* "" when unknown */
};

void unwind_init(void);

/* True while libunwind runs (warm-up, crash). libunwind keeps a pipe of its own for probing
 * memory; pipes made meanwhile are moved up near the descriptor limit (unwind_relocate_fd), so the
 * program's low descriptor numbers stay as they would be without the shim. */
extern int unwind_busy;
int unwind_relocate_fd(int fd);
int unwind_frames(void *ucontext, struct frame *frames, int max);

#endif
