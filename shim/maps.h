/* maps.h -- find the module an address lies in, from the text of /proc/self/maps (pure).
 *
 * Contract: maps_lookup() scans text (len bytes, lines "start-end perms offset dev inode path")
 * for the mapping holding pc. On success it points *path into text (not terminated: *pathlen
 * bytes; 0 for an anonymous mapping) and sets *modoff to pc's offset in the mapped file
 * (pc - start + offset), and returns true. No allocation; safe in a signal handler.
 */
#ifndef REQTAG_MAPS_H
#define REQTAG_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool maps_lookup(const char *text, size_t len, uintptr_t pc, const char **path, size_t *pathlen,
                 uintptr_t *modoff);

#endif
