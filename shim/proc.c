/* proc.c -- tell a vfork child (shared memory, own descriptors) from the process that owns the state. */
#include "proc.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static pid_t owner;

static pid_t current_pid(void)
{
    int saved = errno;
    pid_t p = (pid_t)syscall(SYS_getpid);
    errno = saved;
    return p;
}

void proc_init(void)
{
    owner = current_pid();
}

void proc_forked(void)
{
    owner = current_pid();
}

bool proc_is_vfork_child(void)
{
    pid_t o = __atomic_load_n(&owner, __ATOMIC_RELAXED);
    return o != 0 && current_pid() != o;
}

long proc_pid(void)
{
    pid_t o = __atomic_load_n(&owner, __ATOMIC_RELAXED);
    return o != 0 ? (long)o : (long)current_pid();
}
