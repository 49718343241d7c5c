/* fatal.h -- synchronous fatal signals: the dying thread's held line piece is written first.
 *
 * Contract: fatal_init() installs a handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT and SIGSYS
 * where the disposition is still the default (never over a handler or SIG_IGN the program chose).
 * The handler is async-signal-safe: it writes the thread's held piece, restores the default
 * disposition and lets the signal take the process down as it would have (same signal, same
 * exit status, same core dump). A program that installs its own handler later simply replaces it.
 */
#ifndef REQTAG_FATAL_H
#define REQTAG_FATAL_H

void fatal_init(void);

#endif
