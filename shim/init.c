/* init.c -- load-time set-up and exit-time flush of the library. */
#include "config.h"
#include "crash.h"
#include "proc.h"
#include "spawn.h"
#include "out.h"

__attribute__((constructor)) static void reqtag_start(void)
{
    /* settings, the real_<fn> table and the line-buffer key, before any hook */
    proc_init();
    if (reqtag_on()) {
        spawn_init();
        crash_init();
    }
}

/* exit() runs this on the exiting thread: its held piece must not be lost. */
__attribute__((destructor)) static void reqtag_stop(void)
{
    out_flush_mine();
}
