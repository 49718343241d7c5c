/* crashfmt.h -- the text of a crash report, built without stdio, locks or allocation (pure).
 *
 * Contract: each function writes one report line (no tag, ending in '\n') into buf, at most cap
 * bytes (cut short if it does not fit, still ending in '\n' when cap > 0), and returns its
 * length. Safe in a signal handler. crash_signame() returns "SIGSEGV" etc., or NULL.
 *  header: "reqtag: SIGSEGV (address 0x10) in thread 4711 while handling ID, 12 ms into the request"
 *          (no request: "... in thread 4711, handling no request"; no address for SIGABRT)
 *  frame:  "reqtag:   #0 0x55d0c2a1b2c3 handle_crash+0x13 (/usr/local/bin/server+0x12c3)"
 *          (unknown function: "?"; unknown module: no parenthesis)
 */
#ifndef REQTAG_CRASHFMT_H
#define REQTAG_CRASHFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct crash_info {
    int sig;
    bool has_addr;
    uintptr_t addr;
    long tid;
    const char *id;     /* NULL or idlen 0: no request */
    size_t idlen;
    bool has_elapsed;
    uint64_t elapsed_ms;
};

const char *crash_signame(int sig);
size_t crash_header(char *buf, size_t cap, const struct crash_info *ci);
size_t crash_frame(char *buf, size_t cap, unsigned n, uintptr_t pc, const char *fn, uintptr_t fnoff,
                   const char *module, size_t modlen, bool has_modoff, uintptr_t modoff);

#endif
