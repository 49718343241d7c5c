/* preload.c -- finding libreqtag.so and building the LD_PRELOAD value that loads it once. */
#include "preload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *preload_canon(const char *path)
{
    char *abs = realpath(path, NULL);
    if (abs == NULL)
        return NULL;
    struct stat st;
    if (stat(abs, &st) != 0) {
        free(abs);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        free(abs);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    return abs;
}

int preload_path_ok(const char *path)
{
    return strpbrk(path, " :\t\n") == NULL;
}

/* Append text to the ", "-separated list in buf unless it is there already (truncating). */
static void looked_add(char *buf, size_t len, const char *text)
{
    if (len == 0)
        return;
    size_t tl = strlen(text);
    for (const char *p = buf; (p = strstr(p, text)) != NULL; p++)
        if ((p == buf || p[-1] == ' ') && (p[tl] == ',' || p[tl] == '\0'))
            return;
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", text);
}

/* Try dir/rel: the canonical path on success, NULL (and the tried path noted) otherwise. */
static char *try_candidate(const char *dir, const char *rel, char *looked, size_t looked_len)
{
    size_t n = strlen(dir) + 1 + strlen(rel) + 1;
    char *path = malloc(n);
    if (path == NULL)
        return NULL;
    snprintf(path, n, "%s/%s", dir, rel);
    char *abs = preload_canon(path);
    if (abs == NULL)
        looked_add(looked, looked_len, path);
    free(path);
    return abs;
}

char *preload_find(const char *libdir, char *looked, size_t looked_len)
{
    if (looked_len > 0)
        looked[0] = '\0';
    char *found = NULL;
    char *exe = realpath("/proc/self/exe", NULL);
    if (exe != NULL) {
        /* exe is canonical: cutting the file name gives its directory ("" for /), cutting once
         * more gives the parent, the prefix of an installed tree. */
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            found = try_candidate(exe, PRELOAD_LIBNAME, looked, looked_len);
            char *up = strrchr(exe, '/');
            if (found == NULL && up != NULL) {
                *up = '\0';
                found = try_candidate(exe, "lib/reqtag/" PRELOAD_LIBNAME, looked, looked_len);
            }
        }
        free(exe);
    }
    if (found == NULL && libdir != NULL && libdir[0] != '\0')
        found = try_candidate(libdir, PRELOAD_LIBNAME, looked, looked_len);
    return found;
}

/* Does the entry [s, s+n) name an earlier copy of the shim, or the library being added? */
static int is_ours(const char *s, size_t n, const char *lib)
{
    size_t ll = strlen(lib);
    if (n == ll && memcmp(s, lib, n) == 0)
        return 1;
    const char *base = s;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            base = s + i + 1;
    size_t bl = (size_t)(s + n - base);
    return bl == strlen(PRELOAD_LIBNAME) && memcmp(base, PRELOAD_LIBNAME, bl) == 0;
}

char *preload_list(const char *lib, const char *existing)
{
    size_t cap = strlen(lib) + (existing != NULL ? strlen(existing) : 0) + 2;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t len = strlen(lib);
    memcpy(out, lib, len);
    for (const char *p = existing; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, " :");
        if (n > 0 && !is_ours(p, n, lib)) {
            out[len++] = ':';
            memcpy(out + len, p, n);
            len += n;
        }
        p += n;
        if (*p != '\0')
            p++;
    }
    out[len] = '\0';
    return out;
}
