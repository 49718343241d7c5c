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

/* tag_split(fmt): true exactly when expected, and then pre + ID + post is what tag_render prints. */
static bool splits(const char *fmt, bool want)
{
    struct reqtag_config cfg;
    const char *why = NULL;
    settings_load(&cfg, NULL, NULL);
    if (settings_parse_one(settings_find("REQTAG_FIELDS"), "tenant=X-Tenant", &cfg, &why) != 0 ||
        (fmt && settings_parse_one(settings_find("REQTAG_FORMAT"), fmt, &cfg, &why) != 0)) {
        unit_diag("format \"%s\" rejected: %s", fmt, why);
        return false;
    }
    struct tag_split sp;
    bool got = tag_split(&cfg.format, &sp);
    if (got != want)
        return false;
    if (!got)
        return true;
    static const char *const ids[] = {"abc-1", "x", "0123456789abcdef0123456789abcdef"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char joined[TAG_MAX];
        size_t idlen = strlen(ids[i]);
        memcpy(joined, sp.pre, sp.prelen);
        memcpy(joined + sp.prelen, ids[i], idlen);
        memcpy(joined + sp.prelen + idlen, sp.post, sp.postlen);
        size_t n = tag_render(&cfg.format, ids[i], idlen, out, TAG_MAX);
        if (n != sp.prelen + idlen + sp.postlen || memcmp(out, joined, n) != 0) {
            unit_diag("split \"%.*s\" + \"%.*s\" differs from \"%.*s\"", (int)sp.prelen, sp.pre,
                      (int)sp.postlen, sp.post, (int)n, out);
            return false;
        }
    }
    return true;
}

int main(void)
{
    CHECK(splits(NULL, true) && splits("{id}", true) && splits("{id} | ", true) && splits("<<{id}", true) &&
              splits("req={id} c", true),
          "literal, {id}, literal formats split into pre + ID + post, as tag_render prints them");
    CHECK(splits("<{id}>{id}", false) && splits("[{id} {pid}] ", false) && splits("[{tenant}] {id} ", false) &&
              splits("{elapsed_ms} {id}", false) && splits("{id}{method}", false),
          "formats with more than one placeholder do not split");

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
