/* outfd.h -- is this descriptor one of the outputs the shim tags (REQTAG_STREAMS)?
 *
 * Contract: outfd_tagged() is true for
 * - "stderr" (the default): fd 2, and any other descriptor open on the same file (same device and
 *   inode: /dev/stderr reopened, a dup, the log file opened by name, fd 1 after 2>&1 or >&2);
 * - "stdout" (opt-in): fd 1 and descriptors on its file;
 * - each absolute path or glob (fnmatch) in REQTAG_STREAMS: descriptors whose file's path (as the
 *   kernel names it in /proc/self/fd) matches.
 * Never for a socket (inetd-style servers: stderr is the client) or a closed descriptor. The
 * answer is cached in the fd table until the descriptor, fd 1 or fd 2 changes; a cached yes is
 * read inline. errno is preserved. outfd_check() is the answer past that inline shortcut.
 */
#ifndef REQTAG_OUTFD_H
#define REQTAG_OUTFD_H

#include <stdbool.h>

#include "fdtab.h"

bool outfd_check(int fd);

/* The same, given fd's entry as fdtab_get() returned it (a hook that looked it up already). */
static inline bool outfd_tagged_at(int fd, const struct fdent *e)
{
    /* The common answer, from the table alone: a descriptor already found tagged, nothing changed. */
    if (e != NULL && fdent_kind(e) == FD_STDERR &&
        fdent_epoch(e) == __atomic_load_n(&fdtab_epoch2, __ATOMIC_ACQUIRE))
        return true;
    return outfd_check(fd);
}

static inline bool outfd_tagged(int fd)
{
    return outfd_tagged_at(fd, fdtab_get(fd));
}

#endif
