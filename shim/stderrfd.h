/* stderrfd.h -- is this descriptor the process's stderr (fd 2, or open on the same file)?
 *
 * Contract: stderr_fd() is true for fd 2 and for any descriptor open on the same file as fd 2
 * (same device and inode: /dev/stderr reopened, a dup, the log file opened by name), unless fd 2
 * is a socket (inetd-style servers: stderr is the client) or closed. The answer for fds other than
 * 2 is cached in the fd table until the descriptor or fd 2 changes. errno is preserved.
 */
#ifndef REQTAG_STDERRFD_H
#define REQTAG_STDERRFD_H

#include <stdbool.h>

bool stderr_fd(int fd);

#endif
