/* context.c -- the per-thread state (zero, i.e. no request, in every new thread) and request clocks. */
#include "context.h"

#include <time.h>

#include "config.h"

__thread struct tstate reqtag_tls __attribute__((tls_model("initial-exec"))) = {
    .conn_fd = -1,
    .lines = {.fd = -1},
};

uint64_t mono_ns(void)
{
    /* The coarse clock is a plain read of the kernel's shared page (no timer read, ~10x cheaper
     * per request) and a tick (1-10 ms) is precision enough when only crash reports show it. */
    struct timespec ts;
    if (clock_gettime(reqtag_cfg.fine_clock ? CLOCK_MONOTONIC : CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ctx_elapsed_ns(const struct reqctx *c)
{
    uint64_t now = c->start_ns != 0 ? mono_ns() : 0;
    return now > c->start_ns ? now - c->start_ns : 0;
}
