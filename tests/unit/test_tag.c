/* test_tag.c -- unit tests for rendering the compiled REQTAG_FORMAT template (shim/tag.c). */
#include <string.h>

#include "settings.h"
#include "tag.h"
#include "unit.h"

static char out[TAG_MAX + 16];

/* Compile fmt (NULL: the default), render id into out with cap; true when out holds exactly want. */
static bool renders(const char *fmt, const char *id, size_t cap, const char *want)
{
    struct reqtag_config cfg;
    const char *why = NULL;
    settings_load(&cfg, NULL, NULL);
    if (fmt && settings_parse_one(settings_find("REQTAG_FORMAT"), fmt, &cfg, &why) != 0) {
        unit_diag("format \"%s\" rejected: %s", fmt, why);
        return false;
    }
    memset(out, '#', sizeof out);
    size_t n = tag_render(&cfg.format, id, strlen(id), out, cap);
    bool ok = n == strlen(want) && memcmp(out, want, n) == 0 && out[n] == '#';
    if (!ok)
        unit_diag("got %zu bytes \"%.*s\", expected \"%s\"", n, (int)(n < sizeof out ? n : 0), out, want);
    return ok;
}

int main(void)
{
    CHECK(renders(NULL, "abc-1", TAG_MAX, "[abc-1] "), "default format renders \"[abc-1] \"");
    CHECK(renders("{id} | ", "abc-1", TAG_MAX, "abc-1 | "), "custom format \"{id} | \"");
    CHECK(renders("<{id}>{id}", "abc-1", TAG_MAX, "<abc-1>abc-1"), "custom format \"<{id}>{id}\"");
    CHECK(renders("{id}", "x", TAG_MAX, "x"), "format of only {id}");
    CHECK(renders(NULL, "abc-1", 4, "[abc"), "cut at cap inside the ID");
    CHECK(renders(NULL, "abc-1", 1, "["), "cut at cap inside a literal");
    CHECK(renders(NULL, "abc-1", 7, "[abc-1]"), "cut at cap one byte short");
    CHECK(renders(NULL, "abc-1", 8, "[abc-1] "), "exact fit at cap");
    CHECK(renders(NULL, "abc-1", 0, ""), "cap 0 writes nothing");

    char id[REQTAG_MAX_ID + 1], fmt[REQTAG_MAX_FORMAT], want[TAG_MAX];
    memset(id, 'i', REQTAG_MAX_ID);
    id[REQTAG_MAX_ID] = '\0';
    memset(fmt, '-', sizeof fmt - 1);
    memcpy(fmt + 60, "{id}", 4);
    fmt[sizeof fmt - 1] = '\0';
    snprintf(want, sizeof want, "%.60s%s%s", fmt, id, fmt + 64);
    CHECK(renders(fmt, id, TAG_MAX, want), "longest format with a 200-byte ID fits TAG_MAX");
    return unit_done();
}
