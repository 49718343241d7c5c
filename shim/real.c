/* real.c -- find the functions the hooks stand in front of, once, without trusting the order. */
#include "real.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

struct real_table real_fns;

/* Symbols with several versions in glibc: the old compat version (x86-64's GLIBC_2.2.5) must never
 * be picked, and a library between us and libc that defines the name unversioned (a sanitizer
 * runtime, another preload) must not be stepped over, as asking for the new version alone would. */
static const struct {
    const char *name, *version, *old;
} versioned[] = {
    {"pthread_cond_wait", "GLIBC_2.3.2", "GLIBC_2.2.5"},
    {"pthread_cond_timedwait", "GLIBC_2.3.2", "GLIBC_2.2.5"},
};

/* This library's image, from its ELF header to the end of its bss (the linker defines both for
 * every object it links): an address check, where dladdr would search every loaded object (about
 * 50,000 instructions a call, a hundred calls at every start). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char _end[] __attribute__((visibility("hidden")));

static int in_this_library(const void *p)
{
    return (const char *)p >= __ehdr_start && (const char *)p < _end;
}

void *real_resolve(void **slot, const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    for (size_t i = 0; i < sizeof versioned / sizeof versioned[0]; i++)
        if (strcmp(versioned[i].name, name) == 0 && (p == NULL || p == dlvsym(RTLD_NEXT, name, versioned[i].old))) {
            void *v = dlvsym(RTLD_NEXT, name, versioned[i].version);
            if (v != NULL)
                p = v;
        }
    if (p == NULL || in_this_library(p))
        p = REAL_MISSING;
    __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    return p;
}

/* Every slot of struct real_table, by name; keep in the struct's order. */
static const struct {
    size_t off;
    const char *name;
} slots[] = {
#define SLOT(fn) {offsetof(struct real_table, fn), #fn}
    SLOT(accept), SLOT(accept4), SLOT(read), SLOT(readv), SLOT(recv), SLOT(recvfrom),
    SLOT(recvmsg), SLOT(__read_chk), SLOT(__recv_chk), SLOT(__recvfrom_chk), SLOT(close),
    SLOT(close_range), SLOT(dup), SLOT(dup2), SLOT(dup3), SLOT(fcntl), SLOT(socket),
    SLOT(socketpair), SLOT(pipe), SLOT(pipe2), SLOT(open), SLOT(open64), SLOT(openat),
    SLOT(openat64), SLOT(creat), SLOT(closefrom), SLOT(fopen), SLOT(fopen64), SLOT(freopen), SLOT(fclose),
    SLOT(fcloseall), SLOT(eventfd), SLOT(timerfd_create), SLOT(signalfd), SLOT(epoll_create),
    SLOT(epoll_create1), SLOT(inotify_init), SLOT(inotify_init1), SLOT(memfd_create), SLOT(__open_2),
    SLOT(__open64_2), SLOT(__openat_2), SLOT(__openat64_2), SLOT(listen), SLOT(munmap), SLOT(connect), SLOT(shutdown),
    SLOT(epoll_ctl), SLOT(send), SLOT(sendto), SLOT(sendmsg), SLOT(sendfile), SLOT(sendfile64),
    SLOT(sigaction), SLOT(signal), SLOT(pthread_create), SLOT(fork), SLOT(execve), SLOT(execvpe),
    SLOT(fexecve), SLOT(posix_spawn), SLOT(posix_spawnp), SLOT(_exit), SLOT(_Exit), SLOT(poll), SLOT(ppoll), SLOT(select),
    SLOT(pselect), SLOT(epoll_wait), SLOT(epoll_pwait), SLOT(nanosleep), SLOT(clock_nanosleep),
    SLOT(sleep), SLOT(usleep), SLOT(pthread_cond_wait), SLOT(pthread_cond_timedwait),
    SLOT(sem_wait), SLOT(sem_timedwait), SLOT(sem_trywait), SLOT(sem_clockwait), SLOT(pthread_cond_clockwait), SLOT(pthread_join), SLOT(waitpid), SLOT(wait),
    SLOT(write), SLOT(writev), SLOT(vfprintf), SLOT(__vfprintf_chk), SLOT(fputs),
    SLOT(fputs_unlocked), SLOT(fputc), SLOT(fputc_unlocked), SLOT(putc), SLOT(putc_unlocked),
    SLOT(_IO_putc), SLOT(fwrite), SLOT(fwrite_unlocked), SLOT(perror), SLOT(vwarn), SLOT(vwarnx), SLOT(verr), SLOT(verrx), SLOT(psignal),
    SLOT(vprintf), SLOT(__vprintf_chk), SLOT(puts), SLOT(putchar), SLOT(vdprintf),
    SLOT(__vdprintf_chk),
#undef SLOT
};

_Static_assert(sizeof slots / sizeof slots[0] == sizeof(struct real_table) / sizeof(void *),
               "every slot of struct real_table is listed in slots[]");

void real_init(void)
{
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        void **slot = (void **)((char *)&real_fns + slots[i].off);
        if (__atomic_load_n(slot, __ATOMIC_ACQUIRE) == NULL)
            real_resolve(slot, slots[i].name);
    }
}
