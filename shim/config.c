/* config.c -- load the REQTAG_* settings once; warn about bad values on stderr. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "out.h"
#include "real.h"

struct reqtag_config reqtag_cfg;
int reqtag_cfg_state = CFG_UNLOADED;

/* Warnings wait until every setting is read: REQTAG_OUTPUT decides how they are written. */
enum { MAX_WARNINGS = 16 };
static char warnings[MAX_WARNINGS][512];
static size_t warning_len[MAX_WARNINGS];
static size_t nwarnings;

static void warn_setting(const struct reqtag_setting *s, const char *value, const char *why)
{
    if (nwarnings == MAX_WARNINGS)
        return;
    struct linebuf o = {warnings[nwarnings], sizeof warnings[0], 0};
    linebuf_puts(&o, "reqtag: ignoring ");
    linebuf_puts(&o, s->env);
    linebuf_puts(&o, "='");
    linebuf_escaped(&o, value, strnlen(value, 81), 80); /* a value is never shown raw */
    linebuf_puts(&o, "': ");
    linebuf_puts(&o, why);
    linebuf_puts(&o, "; using the default '");
    linebuf_puts(&o, s->def);
    linebuf_puts(&o, "'");
    warning_len[nwarnings++] = linebuf_end(&o);
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
