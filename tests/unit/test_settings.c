/* test_settings.c -- unit tests for the REQTAG_* settings table and parsers (common/settings.c). */
#include <string.h>

#include "settings.h"
#include "tag.h"
#include "unit.h"

/* A fake environment: up to 4 name=value pairs. */
static const char *env_name[4], *env_value[4];

static const char *fake_getenv(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (env_name[i] && strcmp(env_name[i], name) == 0)
            return env_value[i];
    return NULL;
}

static void set_env(int i, const char *name, const char *value)
{
    env_name[i] = name;
    env_value[i] = value;
}

/* Warnings seen since the last load. */
static int nwarn;
static const char *warn_env[8], *warn_value[8], *warn_why[8];

static void fake_warn(const struct reqtag_setting *s, const char *value, const char *why)
{
    if (nwarn < 8) {
        warn_env[nwarn] = s->env;
        warn_value[nwarn] = value;
        warn_why[nwarn] = why;
    }
    nwarn++;
}

static void load(struct reqtag_config *cfg)
{
    nwarn = 0;
    settings_load(cfg, fake_getenv, fake_warn);
}

static size_t render(const struct reqtag_config *cfg, char *out)
{
    return tag_render(&cfg->format, "id-1", 4, out, TAG_MAX);
}

/* The same settings: names, flags and the format's rendering. */
static bool same(const struct reqtag_config *a, const struct reqtag_config *b)
{
    char ta[TAG_MAX], tb[TAG_MAX];
    size_t na = render(a, ta), nb = render(b, tb);
    if (a->nheaders != b->nheaders || a->generate != b->generate || a->disable != b->disable ||
        na != nb || memcmp(ta, tb, na) != 0)
        return false;
    for (int i = 0; i < a->nheaders; i++)
        if (a->header_len[i] != b->header_len[i] || strcmp(a->header[i], b->header[i]) != 0 ||
            a->header_traceparent[i] != b->header_traceparent[i])
            return false;
    return true;
}

static struct reqtag_config defaults;

static void test_defaults(void)
{
    char tag[TAG_MAX];
    memset(env_name, 0, sizeof env_name);
    load(&defaults);
    size_t n = render(&defaults, tag);
    CHECK(nwarn == 0, "defaults: no warning");
    CHECK(defaults.nheaders == 1 && strcmp(defaults.header[0], "x-request-id") == 0 &&
              defaults.header_len[0] == 12 && !defaults.header_traceparent[0],
          "default header is x-request-id, stored lowercase");
    CHECK(defaults.generate && !defaults.disable, "default generate on, disable off");
    CHECK(n == 7 && memcmp(tag, "[id-1] ", 7) == 0, "default format \"[{id}] \"");

    struct reqtag_config c;
    settings_load(&c, NULL, NULL);
    CHECK(same(&c, &defaults), "settings_load with no lookup gives the defaults");

    bool ok = reqtag_nsettings >= 4 && settings_find("REQTAG_HEADER") && settings_find("REQTAG_GENERATE") &&
              settings_find("REQTAG_FORMAT") && settings_find("REQTAG_DISABLE");
    for (size_t i = 0; i < reqtag_nsettings; i++) {
        const struct reqtag_setting *s = &reqtag_settings[i];
        const char *why = NULL;
        ok = ok && s->env && s->def && s->doc && s->parse && settings_find(s->env) == s &&
             settings_parse_one(s, s->def, &c, &why) == 0;
    }
    CHECK(ok && settings_find("REQTAG_NOPE") == NULL,
          "table: every setting found by name, its default parses");
}

static void test_bad(void)
{
    static char nine[64], longname[80], longfmt[REQTAG_MAX_FORMAT + 8];
    strcpy(nine, "a,b,c,d,e,f,g,h,i");
    memset(longname, 'n', 64);
    longname[64] = '\0';
    memset(longfmt, '.', REQTAG_MAX_FORMAT);
    memcpy(longfmt, "{id}", 4);
    longfmt[REQTAG_MAX_FORMAT] = '\0';
    static const struct {
        const char *env, *value, *what;
    } bad[] = {
        {"REQTAG_HEADER", "", "empty"},
        {"REQTAG_HEADER", "a b", "space in a name"},
        {"REQTAG_HEADER", "x,,y", "empty name in the list"},
        {"REQTAG_HEADER", nine, "9 names"},
        {"REQTAG_HEADER", longname, "64-byte name"},
        {"REQTAG_HEADER", "X-Id:", "colon in a name"},
        {"REQTAG_GENERATE", "maybe", "not a boolean"},
        {"REQTAG_GENERATE", "", "empty"},
        {"REQTAG_DISABLE", "2", "not a boolean"},
        {"REQTAG_FORMAT", "", "empty"},
        {"REQTAG_FORMAT", "no id", "no {id}"},
        {"REQTAG_FORMAT", "{nope}", "unknown placeholder"},
        {"REQTAG_FORMAT", "{id", "unclosed {id"},
        {"REQTAG_FORMAT", "[{id}]\x01 ", "control byte"},
        {"REQTAG_FORMAT", "\x1b[31m{id}", "ESC byte"},
        {"REQTAG_FORMAT", longfmt, "128 bytes"},
        {"REQTAG_FORMAT", "{tenant} {id}", "a field that is not configured"},
        {"REQTAG_FIELDS", "tenant", "no =Header"},
        {"REQTAG_FIELDS", "Tenant=X-T", "upper case in a field name"},
        {"REQTAG_FIELDS", "1x=X-T", "a field name starting with a digit"},
        {"REQTAG_FIELDS", "id=X-T", "reserved field name id"},
        {"REQTAG_FIELDS", "msg=X-T", "reserved field name msg"},
        {"REQTAG_FIELDS", "a=X-A,a=X-B", "a field name twice"},
        {"REQTAG_FIELDS", "a=X-A,b=X-B,c=X-C,d=X-D,e=X-E", "5 fields"},
        {"REQTAG_FIELDS", "a=X A", "space in the header name"},
        {"REQTAG_FIELDS", "a=", "empty header name"},
        {"REQTAG_FIELDS", "a=X-A,", "empty entry"},
        {"REQTAG_FIELDS", "abcdefghijabcdefghijabcdefghijab=X", "32-byte field name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct reqtag_config c;
        memset(env_name, 0, sizeof env_name);
        set_env(0, bad[i].env, bad[i].value);
        load(&c);
        bool once = nwarn == 1 && strcmp(warn_env[0], bad[i].env) == 0 && warn_value[0] == bad[i].value &&
                    warn_why[0] && warn_why[0][0];
        CHECK(once && same(&c, &defaults), "%s (%s): warned once naming it, default kept", bad[i].env,
              bad[i].what);
        if (!once)
            unit_diag("%d warnings, first for %s", nwarn, nwarn ? warn_env[0] : "-");
    }

    struct reqtag_config c;
    memset(env_name, 0, sizeof env_name);
    set_env(0, "REQTAG_HEADER", "a b");
    set_env(1, "REQTAG_GENERATE", "maybe");
    set_env(2, "REQTAG_FORMAT", "{nope}");
    set_env(3, "REQTAG_DISABLE", "1");
    load(&c);
    bool each = nwarn == 3;
    for (int i = 0; i < 3 && each; i++) {
        int seen = 0;
        for (int w = 0; w < 3; w++)
            seen += strcmp(warn_env[w], env_name[i]) == 0;
        each = seen == 1;
    }
    CHECK(each && c.disable && c.nheaders == 1 && c.generate,
          "three bad values: one warning for each, good one kept");
}

static void test_good(void)
{
    struct reqtag_config c;
    memset(env_name, 0, sizeof env_name);
    set_env(0, "REQTAG_HEADER", " X-Trace-ID , TraceParent,x-b3-TRACEID");
    load(&c);
    CHECK(nwarn == 0 && c.nheaders == 3 && strcmp(c.header[0], "x-trace-id") == 0 &&
              strcmp(c.header[1], "traceparent") == 0 && strcmp(c.header[2], "x-b3-traceid") == 0 &&
              c.header_len[0] == 10 && c.header_len[1] == 11 && c.header_len[2] == 12,
          "header names parsed and lowercased");
    CHECK(!c.header_traceparent[0] && c.header_traceparent[1] && !c.header_traceparent[2],
          "traceparent flag set only for traceparent");

    char names[64], longname[64];
    strcpy(names, "a,b,c,d,e,f,g,h");
    memset(longname, 'N', 63);
    longname[63] = '\0';
    set_env(0, "REQTAG_HEADER", names);
    load(&c);
    CHECK(nwarn == 0 && c.nheaders == 8 && strcmp(c.header[7], "h") == 0, "8 header names accepted");
    set_env(0, "REQTAG_HEADER", longname);
    load(&c);
    CHECK(nwarn == 0 && c.nheaders == 1 && c.header_len[0] == 63 && c.header[0][0] == 'n',
          "63-byte header name accepted");

    static const char *const off[] = {"0", "off", "no", "false", "OFF"};
    bool ok = true;
    for (int i = 0; i < 5; i++) {
        set_env(0, "REQTAG_GENERATE", off[i]);
        load(&c);
        ok = ok && nwarn == 0 && !c.generate;
    }
    CHECK(ok, "REQTAG_GENERATE 0/off/no/false/OFF turn generation off");
    set_env(0, "REQTAG_GENERATE", "1");
    load(&c);
    CHECK(nwarn == 0 && c.generate, "REQTAG_GENERATE=1 keeps it on");
    set_env(0, "REQTAG_DISABLE", "1");
    load(&c);
    CHECK(nwarn == 0 && c.disable, "REQTAG_DISABLE=1 sets disable");

    char fmt[REQTAG_MAX_FORMAT], tag[TAG_MAX];
    memset(fmt, '=', sizeof fmt - 1);
    memcpy(fmt, "{id}", 4);
    fmt[sizeof fmt - 1] = '\0';
    set_env(0, "REQTAG_FORMAT", fmt);
    load(&c);
    size_t n = render(&c, tag);
    CHECK(nwarn == 0 && n == 4 + 123 && memcmp(tag, "id-1===", 7) == 0, "127-byte format accepted");
    set_env(0, "REQTAG_FORMAT", "id={id} ");
    load(&c);
    n = render(&c, tag);
    CHECK(nwarn == 0 && n == 8 && memcmp(tag, "id=id-1 ", 8) == 0, "custom format parsed");

    memset(env_name, 0, sizeof env_name);
    set_env(0, "REQTAG_FIELDS", " tenant=X-Tenant-ID , user_2=x-USER");
    set_env(1, "REQTAG_FORMAT", "[{id} {tenant}/{user_2}] ");
    load(&c);
    CHECK(nwarn == 0 && c.nfields == 2 && strcmp(c.field_name[0], "tenant") == 0 && c.field_name_len[0] == 6 &&
              strcmp(c.field_hdr[0], "x-tenant-id") == 0 && c.field_hdr_len[0] == 11 &&
              strcmp(c.field_name[1], "user_2") == 0 && strcmp(c.field_hdr[1], "x-user") == 0,
          "REQTAG_FIELDS parsed: names kept, header names lowercased");
    struct tag_vars v = {.id = "id-1", .idlen = 4, .pid = -1, .tid = -1, .elapsed_ms = -1,
                         .field = {"acme", NULL}, .flen = {4, 0}};
    n = tag_render_vars(&c.format, &v, tag, sizeof tag);
    CHECK(n == 13 && memcmp(tag, "[id-1 acme/] ", 13) == 0 && !tag_has_vars(&c.format),
          "{NAME} renders the field, an absent one as nothing");
    set_env(0, "REQTAG_FIELDS", "a=X-A,b=X-B,c=X-C,d=X-D");
    set_env(1, NULL, NULL);
    load(&c);
    CHECK(nwarn == 0 && c.nfields == 4, "4 fields accepted");
    set_env(0, "REQTAG_FIELDS", "");
    load(&c);
    CHECK(nwarn == 0 && c.nfields == 0, "empty REQTAG_FIELDS: no fields");

    const char *why = NULL;
    c = defaults;
    int rc = settings_parse_one(settings_find("REQTAG_HEADER"), "a b", &c, &why);
    CHECK(rc == -1 && why && why[0], "settings_parse_one: -1 with a reason");
}

static bool first_is(const struct reqtag_config *cfg, unsigned char c)
{
    return cfg->names_at[c] != 0;
}

/* What settings_load derives for the scanners. */
static void test_derived(void)
{
    struct reqtag_config cfg;
    memset(env_name, 0, sizeof env_name);
    load(&cfg);
    CHECK(!cfg.want_line, "default: method and target are not kept");
    CHECK(!cfg.fine_clock, "default: only crash reports show elapsed time (the coarse clock)");
    CHECK(first_is(&cfg, 'x') && first_is(&cfg, 'X') && first_is(&cfg, 'c') && first_is(&cfg, 'T') &&
              !first_is(&cfg, 'h') && !first_is(&cfg, 'U') && !first_is(&cfg, 'a'),
          "default first letters: x, c, t in both cases, and no others");
    set_env(0, "REQTAG_HEADER", "Request-Id,traceparent");
    set_env(1, "REQTAG_FIELDS", "tenant=Org-Tenant");
    set_env(2, "REQTAG_FORMAT", "{path} {id} ");
    load(&cfg);
    CHECK(first_is(&cfg, 'r') && first_is(&cfg, 'O') && !first_is(&cfg, 'x') && cfg.want_line,
          "first letters follow REQTAG_HEADER and REQTAG_FIELDS; {path} keeps the request line");
    CHECK(cfg.names_at['R'] == 1u << NAME_HDR0 && cfg.names_at['t'] == (1u << NAME_TE | 1u << (NAME_HDR0 + 1)) &&
              cfg.names_at['o'] == 1u << NAME_FIELD0 && cfg.names_at['C'] == 1u << NAME_CL,
          "each first byte names exactly the headers starting with it (traceparent beside Transfer-Encoding)");
    CHECK(!cfg.fine_clock, "{path} does not need the fine clock");
    set_env(2, "REQTAG_FORMAT", "[{id} {elapsed_ms}] ");
    load(&cfg);
    CHECK(cfg.fine_clock && !cfg.want_line, "{elapsed_ms} reads the fine clock");
    set_env(1, NULL, NULL);
    set_env(2, "REQTAG_SUMMARY", "1");
    load(&cfg);
    CHECK(cfg.want_line && cfg.fine_clock, "summaries keep the request line and read the fine clock");
    memset(env_name, 0, sizeof env_name);
}

int main(void)
{
    test_derived();
    test_defaults();
    test_bad();
    test_good();
    return unit_done();
}
