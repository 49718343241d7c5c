/* config.h -- the settings, parsed once from the environment into one struct every hook reads.
 *
 * Contract:
 * - reqtag_on() is true when the shim should act: the settings are loaded and REQTAG_DISABLE is
 *   off. The first call (from the constructor, or from a hook that runs before it) loads them;
 *   a thread that arrives while another is loading gets false and passes its call through.
 * - reqtag_cfg is valid whenever reqtag_on() returned true, and never changes afterwards.
 * - Bad values were reported once on stderr and replaced by their defaults.
 */
#ifndef REQTAG_CONFIG_H
#define REQTAG_CONFIG_H

#include <stdbool.h>

#include "../common/settings.h"

enum { CFG_UNLOADED, CFG_LOADING, CFG_ON, CFG_OFF };

extern struct reqtag_config reqtag_cfg;
extern int reqtag_cfg_state;

bool config_load(void);

static inline bool reqtag_on(void)
{
    int s = __atomic_load_n(&reqtag_cfg_state, __ATOMIC_ACQUIRE);
    if (__builtin_expect(s == CFG_ON, 1))
        return true;
    return s == CFG_UNLOADED ? config_load() : false;
}

#endif
