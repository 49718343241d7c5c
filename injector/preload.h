/* preload.h -- finding libreqtag.so and building the LD_PRELOAD value that loads it once. */
#ifndef REQTAG_PRELOAD_H
#define REQTAG_PRELOAD_H

#include <stddef.h>

/* The library's file name; an LD_PRELOAD entry with this basename is an earlier copy of the shim. */
#define PRELOAD_LIBNAME "libreqtag.so"

/* Canonical absolute path of an existing regular file, malloc'd; NULL with errno set. */
char *preload_canon(const char *path);

/* Look for the library next to the running executable, in ../lib/reqtag/ relative to it, then in
 * `libdir`. Returns the canonical path (malloc'd), or NULL after writing the places it looked,
 * separated by ", ", into looked[0..looked_len). */
char *preload_find(const char *libdir, char *looked, size_t looked_len);

/* A path that LD_PRELOAD can hold: no space, colon, tab or newline (the loader splits on them). */
int preload_path_ok(const char *path);

/* The new LD_PRELOAD value: `lib` first, then the entries of `existing` (NULL allowed; entries are
 * separated by spaces or colons) except empty ones, ones equal to `lib` and ones whose basename is
 * PRELOAD_LIBNAME. Entries are joined with ':'. malloc'd; NULL when out of memory. */
char *preload_list(const char *lib, const char *existing);

#endif
