/* config.c -- load the REQTAG_* settings once; warn about bad values on stderr. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "real.h"

struct reqtag_config reqtag_cfg;
int reqtag_cfg_state = CFG_UNLOADED;

/* Append s to buf (bounded), spelling any byte that is not printable ASCII as \xNN. */
static size_t put_escaped(char *buf, size_t at, size_t cap, const char *s, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; s[i] != '\0' && i < max && at + 4 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            buf[at++] = (char)c;
        } else {
            buf[at++] = '\\';
            buf[at++] = 'x';
            buf[at++] = hex[c >> 4];
            buf[at++] = hex[c & 15];
        }
    }
    if (s[i] != '\0' && at + 3 < cap) {
        memcpy(buf + at, "...", 3);
        at += 3;
    }
    return at;
}

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n > cap - at)
        n = cap - at;
    memcpy(buf + at, s, n);
    return at + n;
}

/* Warnings wait until every setting is read: REQTAG_OUTPUT decides how they are written. */
enum { MAX_WARNINGS = 16 };
static char warnings[MAX_WARNINGS][512];
static size_t warning_len[MAX_WARNINGS];
static size_t nwarnings;

static void warn_setting(const struct reqtag_setting *s, const char *value, const char *why)
{
    if (nwarnings == MAX_WARNINGS)
        return;
    char *msg = warnings[nwarnings];
    size_t at = 0, cap = sizeof warnings[0] - 1;
    at = put(msg, at, cap, "reqtag: ignoring ");
    at = put(msg, at, cap, s->env);
    at = put(msg, at, cap, "='");
    at = put_escaped(msg, at, cap, value, 80);
    at = put(msg, at, cap, "': ");
    at = put(msg, at, cap, why);
    at = put(msg, at, cap, "; using the default '");
    at = put(msg, at, cap, s->def);
    at = put(msg, at, cap, "'");
    msg[at++] = '\n';
    warning_len[nwarnings++] = at;
}

static const char *env(const char *name)
{
    return getenv(name);
}

bool config_load(void)
{
    int expect = CFG_UNLOADED;
    if (!__atomic_compare_exchange_n(&reqtag_cfg_state, &expect, CFG_LOADING, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return expect == CFG_ON;
    int saved = errno;
    real_init();
    settings_load(&reqtag_cfg, env, warn_setting);
    out_init();
    for (size_t i = 0; i < nwarnings; i++)
        out_notice(warnings[i], warning_len[i]);
    __atomic_store_n(&reqtag_cfg_state, reqtag_cfg.disable ? CFG_OFF : CFG_ON, __ATOMIC_RELEASE);
    errno = saved;
    return !reqtag_cfg.disable;
}
