/* proc.h -- which process we are: the one that loaded us, a forked child, or a vfork child.
 *
 * Contract: proc_init() records the pid (constructor); proc_forked() is called in a fork child.
 * proc_is_vfork_child() is true in a child that shares the parent's memory (vfork, or a clone
 * with CLONE_VM): there, the hooks must not change shared tables, since the parent still uses
 * them. It costs one getpid system call once the program has called vfork (an x86-64 stub
 * interposes vfork to note that), nothing before; errno preserved.
 */
#ifndef REQTAG_PROC_H
#define REQTAG_PROC_H

#include <stdbool.h>

void proc_init(void);
void proc_forked(void);
bool proc_is_vfork_child(void);
/* The pid recorded at load or fork (no system call). */
long proc_pid(void);

#endif
