/* context.c -- the per-thread state (zero, i.e. no request, in every new thread) and request clocks. */
#include "context.h"

#include <time.h>

__thread struct tstate reqtag_tls __attribute__((tls_model("initial-exec"))) = {
    .conn_fd = -1,
    .lines = {.fd = -1},
};

uint64_t mono_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ctx_elapsed_ns(const struct reqctx *c)
{
    uint64_t now = c->start_ns != 0 ? mono_ns() : 0;
    return now > c->start_ns ? now - c->start_ns : 0;
}
