/* crash.h -- fatal signals: the dying thread's half line, then a report naming its request and a
 * backtrace, then the program's own handler or the death it would have died.
 *
 * Contract:
 * - crash_init() (constructor) takes the kernel's handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 *   SIGABRT and SIGSYS unless it is SIG_IGN (a handler installed before is chained to), gives the calling thread an alternate
 *   signal stack (unless it has one) and, with REQTAG_CRASH on, readies the unwinder.
 * - crash_thread_start() gives a new thread its own alternate stack, so a stack overflow is
 *   reported too, and returns it (NULL: none given); the thread hands it to crash_thread_end()
 *   as it ends (pthread_exit and cancellation included), which takes it off and keeps it for
 *   the next thread.
 * - crash_sigaction() answers sigaction() for a signal the shim holds: it records what the program
 *   asks for (the handler it will chain to) and reports what the program last set, and returns
 *   true; false when the shim does not hold sig (the caller goes to libc). A program's SIG_IGN is
 *   given to the kernel and the shim lets go of that signal.
 * - The handler is async-signal-safe: static buffers, raw system calls, no malloc, stdio or locks
 *   of its own; a fault inside it, or the program's handler raising again, ends in the default
 *   action. The process then dies exactly as it would have: same signal, same status, same core.
 */
#ifndef REQTAG_CRASH_H
#define REQTAG_CRASH_H

#include <signal.h>
#include <stdbool.h>

void crash_init(void);
void *crash_thread_start(void);
void crash_thread_end(void *stack);
bool crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#endif
