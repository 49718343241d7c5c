/* stderrfd.c -- recognise descriptors open on the same file as fd 2, with a per-fd cache. */
#include "stderrfd.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fdtab.h"

/* What fd 2 is, as of an epoch. Several threads may refresh it at once; they write the same. */
static struct {
    uint32_t epoch;
    int usable;
    dev_t dev;
    ino_t ino;
} fd2;

static int fd2_usable(void)
{
    uint32_t now = __atomic_load_n(&fdtab_epoch2, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&fd2.epoch, __ATOMIC_ACQUIRE) != now) {
        struct stat st;
        int ok = fstat(2, &st) == 0 && !S_ISSOCK(st.st_mode);
        fd2.dev = ok ? st.st_dev : 0;
        fd2.ino = ok ? st.st_ino : 0;
        fd2.usable = ok;
        __atomic_store_n(&fd2.epoch, now, __ATOMIC_RELEASE);
    }
    return fd2.usable;
}

bool stderr_fd(int fd)
{
    int saved = errno;
    bool yes = false;
    if (fd == 2) {
        yes = fd2_usable();
    } else if (fd >= 0 && fd2_usable()) {
        uint32_t now = __atomic_load_n(&fdtab_epoch2, __ATOMIC_ACQUIRE);
        struct fdent *e = fdtab_make(fd);
        uint8_t kind = e ? fdent_kind(e) : FD_UNKNOWN;
        if (kind == FD_CONN || kind == FD_LISTEN || kind == FD_OUT) {
            yes = false;
        } else if ((kind == FD_STDERR || kind == FD_OTHER) && e->epoch == now) {
            yes = kind == FD_STDERR;
        } else {
            struct stat st;
            if (fstat(fd, &st) == 0) {
                yes = !S_ISSOCK(st.st_mode) && st.st_dev == fd2.dev && st.st_ino == fd2.ino;
                if (e != NULL) {
                    e->epoch = now;
                    fdent_set_kind(e, yes ? FD_STDERR : FD_OTHER);
                }
            }
        }
    }
    errno = saved;
    return yes;
}
