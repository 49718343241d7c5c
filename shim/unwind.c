/* unwind.c -- libunwind, loaded privately (RTLD_LOCAL) and warmed up, for crash backtraces. */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <execinfo.h>
#include <libunwind.h>
#include <string.h>

typedef int (*init_fn)(unw_cursor_t *, unw_context_t *, int);
typedef int (*step_fn)(unw_cursor_t *);
typedef int (*reg_fn)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
typedef int (*name_fn)(unw_cursor_t *, char *, size_t, unw_word_t *);
typedef int (*getcontext_fn)(unw_context_t *);

int unwind_busy;

int unwind_relocate_fd(int fd)
{
    struct rlimit rl;
    if (fd < 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < 64)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, (int)(rl.rlim_cur - 32));
    if (high < 0)
        return fd;
    syscall(SYS_close, fd);
    return high;
}

static struct {
    init_fn init2;
    step_fn step;
    reg_fn get_reg;
    name_fn get_name;
    getcontext_fn getcontext;
    int ready;
} lu;

static int walk(unw_context_t *uc, int flags, struct frame *frames, int max)
{
    unw_cursor_t cur;
    if (lu.init2(&cur, uc, flags) != 0)
        return 0;
    int n = 0;
    do {
        unw_word_t ip = 0, off = 0;
        if (lu.get_reg(&cur, UNW_REG_IP, &ip) != 0 || ip == 0)
            break;
        frames[n].pc = (uintptr_t)ip;
        frames[n].fn[0] = '\0';
        frames[n].fnoff = 0;
        if (lu.get_name(&cur, frames[n].fn, sizeof frames[n].fn, &off) == 0)
            frames[n].fnoff = (uintptr_t)off;
        else
            frames[n].fn[0] = '\0';
        n++;
    } while (n < max && lu.step(&cur) > 0);
    return n;
}

void unwind_init(void)
{
    void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (h != NULL) {
        lu.init2 = (init_fn)dlsym(h, "_ULx86_64_init_local2");
        lu.step = (step_fn)dlsym(h, "_ULx86_64_step");
        lu.get_reg = (reg_fn)dlsym(h, "_ULx86_64_get_reg");
        lu.get_name = (name_fn)dlsym(h, "_ULx86_64_get_proc_name");
        lu.getcontext = (getcontext_fn)dlsym(h, "_Ux86_64_getcontext");
        lu.ready = lu.init2 && lu.step && lu.get_reg && lu.get_name && lu.getcontext;
    }
    struct frame warm[4];
    if (lu.ready) {
        unw_context_t uc;
        unwind_busy = 1;
        if (lu.getcontext(&uc) == 0)
            (void)walk(&uc, 0, warm, 4);
        unwind_busy = 0;
    } else {
        void *pcs[4];
        (void)backtrace(pcs, 4); /* loads libgcc_s now */
    }
}

int unwind_frames(void *ucontext, struct frame *frames, int max)
{
    if (lu.ready && ucontext != NULL) {
        unwind_busy = 1;
        int n = walk((unw_context_t *)ucontext, UNW_INIT_SIGNAL_FRAME, frames, max);
        unwind_busy = 0;
        return n;
    }
    void *pcs[64];
    int n = backtrace(pcs, max < 64 ? max : 64);
    for (int i = 0; i < n; i++) {
        frames[i].pc = (uintptr_t)pcs[i];
        frames[i].fnoff = 0;
        frames[i].fn[0] = '\0';
    }
    return n;
}
