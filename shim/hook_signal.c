/* hook_signal.c -- sigaction and signal for the fatal signals the shim holds: the program's handler
 * is recorded and chained to, so the report stays in front whoever installed first.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "config.h"
#include "crash.h"
#include "real.h"

HOOK int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int (*real)(int, const struct sigaction *, struct sigaction *) = REAL(sigaction);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (reqtag_on() && crash_sigaction(sig, act, old))
        return 0;
    return real(sig, act, old);
}

/* glibc's signal() installs through its internal sigaction, out of our sight: BSD semantics here. */
HOOK __sighandler_t signal(int sig, __sighandler_t handler)
{
    __sighandler_t (*real)(int, __sighandler_t) = REAL(signal);
    if (real == NULL) {
        errno = ENOSYS;
        return SIG_ERR;
    }
    if (!reqtag_on() || handler == SIG_ERR)
        return real(sig, handler);
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, sig);
    act.sa_flags = SA_RESTART;
    if (!crash_sigaction(sig, &act, &old))
        return real(sig, handler);
    return (old.sa_flags & SA_SIGINFO) ? (__sighandler_t)(void *)old.sa_sigaction : old.sa_handler;
}
