/* spawn.c -- build a child's environment on the caller's stack: preload, settings, request. */
#include "spawn.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "context.h"
#include "reqid.h"

enum { MAX_ENV = 4096, SETTING_MAX = 512 };

static const char ctx_var[] = "REQTAG_CONTEXT=";
static const char preload_var[] = "LD_PRELOAD=";

static char lib_path[PATH_MAX];
static char settings_env[8][SETTING_MAX]; /* "REQTAG_X=value" as loaded */
static size_t nsettings_env;

void spawn_init(void)
{
    Dl_info info;
    if (dladdr((const void *)spawn_init, &info) != 0 && info.dli_fname != NULL &&
        info.dli_fname[0] == '/' && strlen(info.dli_fname) < sizeof lib_path)
        strcpy(lib_path, info.dli_fname);
    for (size_t i = 0; i < reqtag_nsettings && nsettings_env < 8; i++) {
        const char *v = getenv(reqtag_settings[i].env);
        size_t ln = strlen(reqtag_settings[i].env);
        if (v == NULL || ln + 1 + strlen(v) >= SETTING_MAX)
            continue;
        char *dst = settings_env[nsettings_env++];
        memcpy(dst, reqtag_settings[i].env, ln);
        dst[ln] = '=';
        strcpy(dst + ln + 1, v);
    }
    const char *c = getenv("REQTAG_CONTEXT");
    if (c != NULL && reqid_safe(c, strlen(c))) {
        struct tstate *t = me();
        ctx_set(&t->ctx, c, strlen(c));
        t->origin = ORIGIN_PROCESS;
    }
}

static bool has_prefix(const char *s, const char *prefix, size_t n)
{
    return strncmp(s, prefix, n) == 0;
}

/* The name part of "NAME=value", compared with setting entry `s`. */
static bool same_name(const char *entry, const char *s)
{
    const char *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) + 1 : strlen(s);
    return strncmp(entry, s, n) == 0;
}

size_t spawn_env_size(char *const envp[])
{
    if (!reqtag_on() || lib_path[0] == '\0')
        return 0;
    size_t n = 0;
    while (envp != NULL && envp[n] != NULL && n <= MAX_ENV)
        n++;
    return n > MAX_ENV ? 0 : n + 3 + nsettings_env;
}

/* Is this LD_PRELOAD word our library (by path or by name)? */
static bool is_us(const char *w, size_t n)
{
    static const char name[] = "libreqtag.so";
    size_t ln = strlen(lib_path);
    if (n == ln && memcmp(w, lib_path, n) == 0)
        return true;
    return n >= sizeof name - 1 && memcmp(w + n - (sizeof name - 1), name, sizeof name - 1) == 0 &&
           (n == sizeof name - 1 || w[n - sizeof name] == '/');
}

/* "LD_PRELOAD=<us>:<the others>" into buf at *at; NULL if it does not fit. */
static char *make_preload(const char *old, char *buf, size_t *at)
{
    char *start = buf + *at;
    size_t cap = SPAWN_BUF - *at, len = 0;
    size_t need = sizeof preload_var - 1 + strlen(lib_path);
    if (need + 1 > cap)
        return NULL;
    memcpy(start, preload_var, sizeof preload_var - 1);
    len = sizeof preload_var - 1;
    memcpy(start + len, lib_path, strlen(lib_path));
    len += strlen(lib_path);
    for (const char *p = old; p != NULL && *p != '\0';) {
        while (*p == ':' || *p == ' ')
            p++;
        const char *w = p;
        while (*p != '\0' && *p != ':' && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if (n == 0 || is_us(w, n))
            continue;
        if (len + 1 + n + 1 > cap)
            return NULL;
        start[len++] = ':';
        memcpy(start + len, w, n);
        len += n;
    }
    start[len++] = '\0';
    *at += len;
    return start;
}

char **spawn_env(char *const envp[], char **out, char *buf)
{
    size_t k = 0, at = 0;
    const char *old_preload = NULL;
    for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
        if (has_prefix(envp[i], preload_var, sizeof preload_var - 1)) {
            old_preload = envp[i] + sizeof preload_var - 1;
            continue;
        }
        if (has_prefix(envp[i], ctx_var, sizeof ctx_var - 1))
            continue;
        out[k++] = envp[i];
    }
    char *pre = make_preload(old_preload, buf, &at);
    if (pre != NULL)
        out[k++] = pre;
    for (size_t s = 0; s < nsettings_env; s++) {
        bool present = false;
        for (size_t i = 0; envp != NULL && envp[i] != NULL && !present; i++)
            present = same_name(envp[i], settings_env[s]);
        if (!present)
            out[k++] = settings_env[s];
    }
    struct tstate *t = me();
    if (t->ctx.len > 0 && at + sizeof ctx_var + t->ctx.len <= SPAWN_BUF) {
        char *c = buf + at;
        memcpy(c, ctx_var, sizeof ctx_var - 1);
        memcpy(c + sizeof ctx_var - 1, t->ctx.id, t->ctx.len);
        c[sizeof ctx_var - 1 + t->ctx.len] = '\0';
        out[k++] = c;
    }
    out[k] = NULL;
    return out;
}
