/* spawn.h -- the environment a program exec'd or spawned by this process gets: the shim stays
 * preloaded, the settings stay the same, and the request of the thread that starts it goes along.
 *
 * Contract:
 * - spawn_init() (constructor) records this library's path and the REQTAG_* values in force, and
 *   adopts REQTAG_CONTEXT from the environment as the process's request, if it is a safe ID.
 * - spawn_env_size(envp) is the number of slots spawn_env() needs (entries + ours + NULL), or 0
 *   when envp should be passed on unchanged (shim off, or an absurdly large environment).
 * - spawn_env() fills `out` (spawn_env_size slots) with envp minus LD_PRELOAD and REQTAG_CONTEXT,
 *   plus LD_PRELOAD=<this library>[:the other preloads], every REQTAG_* setting envp lacks, and
 *   REQTAG_CONTEXT=<id> when the calling thread has a request. Strings it makes live in `buf`
 *   (SPAWN_BUF bytes, the caller's stack: no allocation, usable in a vfork child).
 */
#ifndef REQTAG_SPAWN_H
#define REQTAG_SPAWN_H

#include <stddef.h>

enum { SPAWN_BUF = 8192 };

void spawn_init(void);
size_t spawn_env_size(char *const envp[]);
char **spawn_env(char *const envp[], char **out, char *buf);

#endif
