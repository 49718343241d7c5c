/* fatal.c -- on a synchronous fatal signal, write the dying thread's held line piece, then die. */
#include "fatal.h"

#include <signal.h>
#include <string.h>

#include "out.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS};

static void on_fatal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    out_flush_mine(); /* writev only; a thread caught inside out_line is skipped, not re-entered */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    /* A fault returns to the faulting instruction and faults again, now fatally; a signal that was
     * sent (kill, raise, abort) has to be sent again. */
    if (info == NULL || info->si_code <= 0)
        raise(sig);
}

void fatal_init(void)
{
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
        struct sigaction old;
        if (sigaction(fatal_signals[i], NULL, &old) != 0)
            continue;
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL)
            continue;
        if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction != NULL)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fatal;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(fatal_signals[i], &sa, NULL);
    }
}
