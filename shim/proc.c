/* proc.c -- tell a vfork child (shared memory, own descriptors) from the process that owns the state. */
#include "proc.h"

#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static pid_t owner;

/* The vfork after ours in the search order (another preload's, a sanitizer runtime's, libc's),
 * found at start-up; until then (NULL) the stub goes to libc's own. */
void *proc_next_vfork __attribute__((visibility("hidden")));

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
    void *next = dlsym(RTLD_NEXT, "vfork");
    if (next != NULL && next != (void *)vfork)
        __atomic_store_n(&proc_next_vfork, next, __ATOMIC_RELEASE);
}

void proc_forked(void)
{
    owner = current_pid();
}

/* Set once the program has called vfork: only then can a hook run in a child that shares our
 * memory, and only then is the pid worth a system call. */
#if defined(__x86_64__)
char proc_vforked;

/* vfork cannot be wrapped by a C function: the child would return through the wrapper's frame and
 * wreck it for the parent. This stub notes the call and jumps on, frame and all, to the next
 * vfork: a runtime behind us that must see it (ASan unpoisons the stack the child used) is not
 * stepped over. */
__asm__(".text\n"
        ".globl vfork\n"
        ".type vfork, @function\n"
        "vfork:\n"
        "    movb $1, proc_vforked(%rip)\n"
        "    movq proc_next_vfork(%rip), %rax\n"
        "    testq %rax, %rax\n"
        "    jz 1f\n"
        "    jmp *%rax\n"
        "1:  jmp __vfork@PLT\n"
        ".size vfork, .-vfork\n");
#else
/* Elsewhere, assume a vfork may have happened. */
char proc_vforked = 1;
#endif

bool proc_is_vfork_child(void)
{
    if (!__atomic_load_n(&proc_vforked, __ATOMIC_RELAXED))
        return false;
    pid_t o = __atomic_load_n(&owner, __ATOMIC_RELAXED);
    return o != 0 && current_pid() != o;
}

long proc_pid(void)
{
    pid_t o = __atomic_load_n(&owner, __ATOMIC_RELAXED);
    return o != 0 ? (long)o : (long)current_pid();
}
