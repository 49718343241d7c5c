/* context.c -- storage for the per-thread state (zero, i.e. no request, in every new thread). */
#include "context.h"

__thread struct tstate reqtag_tls __attribute__((tls_model("initial-exec"))) = {
    .conn_fd = -1,
    .lines = {.fd = -1},
};
