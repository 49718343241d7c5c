/* outfd.c -- which descriptors are tagged outputs: stderr's file, stdout's if asked, log files by glob. */
#include "outfd.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "debug.h"
#include "debug_events.h"
#include "fdtab.h"

/* What fd 1 and fd 2 are, as of an epoch. Threads refreshing at once write the same values;
 * each field is accessed atomically (relaxed), so a reader never meets a data race, at worst a
 * file that was just replaced judged once by the old one's identity. */
struct std_file {
    uint32_t epoch;
    int usable;
    dev_t dev;
    ino_t ino;
};

static struct std_file std_files[3];

static const struct std_file *std_file(int fd)
{
    struct std_file *f = &std_files[fd];
    uint32_t now = __atomic_load_n(&fdtab_epoch2, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&f->epoch, __ATOMIC_ACQUIRE) != now) {
        struct stat st;
        int ok = fstat(fd, &st) == 0 && !S_ISSOCK(st.st_mode);
        __atomic_store_n(&f->dev, ok ? st.st_dev : 0, __ATOMIC_RELAXED);
        __atomic_store_n(&f->ino, ok ? st.st_ino : 0, __ATOMIC_RELAXED);
        __atomic_store_n(&f->usable, ok, __ATOMIC_RELAXED);
        __atomic_store_n(&f->epoch, now, __ATOMIC_RELEASE);
    }
    return f;
}

static bool usable(const struct std_file *f)
{
    return __atomic_load_n(&f->usable, __ATOMIC_RELAXED);
}

static bool same_file(const struct stat *st, const struct std_file *f)
{
    return usable(f) && st->st_dev == __atomic_load_n(&f->dev, __ATOMIC_RELAXED) &&
           st->st_ino == __atomic_load_n(&f->ino, __ATOMIC_RELAXED);
}

static bool path_matches(int fd)
{
    if (reqtag_cfg.nstreams == 0)
        return false;
    char link[32] = "/proc/self/fd/", digits[12], path[4096];
    size_t nd = 0, at = 14;
    for (unsigned v = (unsigned)fd; nd == 0 || v > 0; v /= 10)
        digits[nd++] = (char)('0' + v % 10);
    while (nd > 0)
        link[at++] = digits[--nd];
    link[at] = '\0';
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return false;
    path[n] = '\0';
    for (unsigned i = 0; i < reqtag_cfg.nstreams; i++)
        if (fnmatch(reqtag_cfg.stream[i], path, FNM_PATHNAME) == 0)
            return true;
    return false;
}

/* The uncached answer for fd (not 2: fd 2 is std_file(2) itself). */
static bool classify(int fd, const struct stat *st)
{
    if (S_ISSOCK(st->st_mode))
        return false;
    /* fd 1 on stderr's file (2>&1, or a shell's >&2) is stderr's stream: the same log. */
    if (reqtag_cfg.streams_stderr && same_file(st, std_file(2)))
        return true;
    if (reqtag_cfg.streams_stdout && same_file(st, std_file(1)))
        return true;
    return S_ISREG(st->st_mode) && path_matches(fd);
}

bool outfd_check(int fd)
{
    int saved = errno;
    bool yes = false;
    if (fd >= 0) {
        uint32_t now = __atomic_load_n(&fdtab_epoch2, __ATOMIC_ACQUIRE);
        struct fdent *e = fdtab_make(fd);
        uint8_t kind = e ? fdent_kind(e) : FD_UNKNOWN;
        struct stat st;
        if (kind == FD_CONN || kind == FD_LISTEN || kind == FD_OUT) {
            yes = false;
        } else if ((kind == FD_STDERR || kind == FD_OTHER) && fdent_epoch(e) == now) {
            yes = kind == FD_STDERR;
        } else if (fd == 2 || fstat(fd, &st) == 0) {
            yes = fd == 2 ? reqtag_cfg.streams_stderr && usable(std_file(2)) : classify(fd, &st);
            if (e != NULL) {
                fdent_set_epoch(e, now);
                fdent_set_kind(e, yes ? FD_STDERR : FD_OTHER);
            }
            if (debug_on())
                debug_output(fd, yes);
        }
    }
    errno = saved;
    return yes;
}
