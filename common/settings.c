/* settings.c -- the REQTAG_* table and its parsers (pure: no allocation, no stdio). */
#include "settings.h"

#include <string.h>

static int parse_header(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_generate(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_format(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_disable(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_crash(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_debug(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_echo(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_output(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_summary(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_streams(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_echo_header(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_propagate(const char *v, struct reqtag_config *cfg, const char **why);
static int parse_fields(const char *v, struct reqtag_config *cfg, const char **why);

const struct reqtag_setting reqtag_settings[] = {
    {"REQTAG_HEADER", "X-Request-ID", "header", 'H', NULL, "NAMES",
     "request headers holding the ID, comma-separated, first present wins; traceparent gives its trace-id",
     parse_header, false},
    {"REQTAG_OUTPUT", "text", "output", 0, NULL, "text|logfmt|json",
     "text puts the tag in front of each line; logfmt and json turn every stderr line into a record",
     parse_output, false},
    {"REQTAG_STREAMS", "stderr", "streams", 0, NULL, "LIST",
     "outputs to tag, comma-separated: stderr, stdout, absolute paths or globs of log files",
     parse_streams, false},
    {"REQTAG_GENERATE", "1", "no-generate", 0, "0", NULL,
     "give a request without a usable ID a fresh 32-hex ID (on by default; --no-generate leaves it untagged)",
     parse_generate, false},
    /* Before REQTAG_FORMAT: a format may name the fields. */
    {"REQTAG_FIELDS", "", "field", 0, NULL, "NAME=Header",
     "capture another request header as a named field (repeatable; at most 4): {NAME} in the format, a key in records",
     parse_fields, true},
    {"REQTAG_FORMAT", "[{id}] ", "format", 0, NULL, "TEMPLATE",
     "the tag put in front of each line: {id} the request ID, {pid}, {tid}, {elapsed_ms}, {method}, {path}, {NAME}",
     parse_format, false},
    {"REQTAG_SUMMARY", "0", "summary", 0, "1", NULL,
     "write one line per finished request: method, path, status, response bytes, duration",
     parse_summary, false},
    {"REQTAG_CRASH", "1", "no-crash", 0, "0", NULL,
     "on a fatal signal, report the request, the signal and a backtrace on stderr (--no-crash: off)",
     parse_crash, false},
    {"REQTAG_ECHO", "0", "echo", 0, "1", NULL,
     "add the request's ID header to every HTTP/1.x response the program sends on its connection",
     parse_echo, false},
    {"REQTAG_ECHO_HEADER", "", "echo-header", 0, NULL, "NAME",
     "the header --echo and --propagate add (default: the first REQTAG_HEADER name, X-Request-ID for traceparent)",
     parse_echo_header, false},
    {"REQTAG_PROPAGATE", "0", "propagate", 0, "1", NULL,
     "add the ID (or a traceparent continuing the trace) to HTTP/1.x requests the program sends out",
     parse_propagate, false},
    {"REQTAG_DEBUG", "0", "debug", 0, "1", NULL,
     "write the shim's own decisions (requests read, contexts adopted, descriptors followed, IDs dropped and why) "
     "to stderr, untagged, at most 100 lines a second",
     parse_debug, false},
    {"REQTAG_DISABLE", "0", "disable", 0, "1", NULL,
     "load the shim but pass every call straight through", parse_disable, false},
};
const size_t reqtag_nsettings = sizeof reqtag_settings / sizeof reqtag_settings[0];

static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int parse_header(const char *v, struct reqtag_config *cfg, const char **why)
{
    struct reqtag_config out = *cfg;
    out.nheaders = 0;
    const char *p = v;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (is_tchar((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - start);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ',' && *p != '\0') {
            *why = "a header name may hold only letters, digits and !#$%&'*+-.^_`|~";
            return -1;
        }
        if (len == 0) {
            *why = "empty header name";
            return -1;
        }
        if (len > REQTAG_MAX_HEADER_LEN) {
            *why = "header name longer than 63 bytes";
            return -1;
        }
        if (out.nheaders == REQTAG_MAX_HEADERS) {
            *why = "more than 8 header names";
            return -1;
        }
        char *dst = out.header[out.nheaders];
        if (out.nheaders == 0) {
            memcpy(out.first, start, len);
            out.first[len] = '\0';
            out.first_len = (uint8_t)len;
        }
        for (size_t i = 0; i < len; i++)
            dst[i] = (char)lower((unsigned char)start[i]);
        dst[len] = '\0';
        out.header_len[out.nheaders] = (uint8_t)len;
        out.header_traceparent[out.nheaders] = (len == 11 && memcmp(dst, "traceparent", 11) == 0);
        out.nheaders++;
        if (*p == '\0')
            break;
        p++; /* the comma */
    }
    *cfg = out;
    return 0;
}

static int parse_bool(const char *v, bool *out, const char **why)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    *why = "expected 1 or 0 (true/false, yes/no, on/off)";
    return -1;
}

static int parse_generate(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->generate, why);
}

static int parse_disable(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->disable, why);
}

static int parse_crash(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->crash, why);
}

static int parse_debug(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->debug, why);
}

static int parse_summary(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->summary, why);
}

static int parse_echo(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->echo, why);
}

static int parse_output(const char *v, struct reqtag_config *cfg, const char **why)
{
    static const char *const names[] = {"text", "logfmt", "json"};
    for (uint8_t i = 0; i < 3; i++) {
        if (strcmp(v, names[i]) == 0) {
            cfg->output = i;
            return 0;
        }
    }
    *why = "expected text, logfmt or json";
    return -1;
}

static int parse_streams(const char *v, struct reqtag_config *cfg, const char **why)
{
    struct reqtag_config out = *cfg;
    out.streams_stderr = out.streams_stdout = false;
    out.nstreams = 0;
    for (const char *p = v;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 6 && memcmp(p, "stderr", 6) == 0) {
            out.streams_stderr = true;
        } else if (n == 6 && memcmp(p, "stdout", 6) == 0) {
            out.streams_stdout = true;
        } else if (n > 0 && p[0] == '/') {
            if (n > REQTAG_MAX_STREAM_LEN || out.nstreams == REQTAG_MAX_STREAMS) {
                *why = "at most 8 paths of at most 255 bytes";
                return -1;
            }
            memcpy(out.stream[out.nstreams], p, n);
            out.stream[out.nstreams++][n] = '\0';
        } else {
            *why = "each entry is stderr, stdout, or an absolute path or glob";
            return -1;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    *cfg = out;
    return 0;
}

static int parse_propagate(const char *v, struct reqtag_config *cfg, const char **why)
{
    return parse_bool(v, &cfg->propagate, why);
}

static int parse_echo_header(const char *v, struct reqtag_config *cfg, const char **why)
{
    size_t n = strlen(v);
    if (n == 0) {
        cfg->echo_len = 0; /* derived from REQTAG_HEADER */
        return 0;
    }
    if (n > REQTAG_MAX_HEADER_LEN) {
        *why = "header name longer than 63 bytes";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_tchar((unsigned char)v[i])) {
            *why = "a header name may hold only letters, digits and !#$%&'*+-.^_`|~";
            return -1;
        }
    }
    memcpy(cfg->echo_name, v, n + 1);
    cfg->echo_len = (uint8_t)n;
    return 0;
}

const char *settings_echo_header(const struct reqtag_config *cfg, size_t *len)
{
    if (cfg->echo_len > 0) {
        *len = cfg->echo_len;
        return cfg->echo_name;
    }
    if (cfg->first_len > 0 && !cfg->header_traceparent[0]) {
        *len = cfg->first_len;
        return cfg->first;
    }
    *len = sizeof "X-Request-ID" - 1;
    return "X-Request-ID";
}

/* Names the output already uses, so a field cannot shadow them in a record or a format. */
static const char *const reserved_names[] = {"id", "pid", "tid", "method", "path", "elapsed_ms", "time", "req_id", "msg"};

static int field_name_ok(const char *p, size_t n, const char **why)
{
    if (n == 0 || n > REQTAG_MAX_FIELD_NAME || !(p[0] >= 'a' && p[0] <= 'z')) {
        *why = "a field name is 1 to 31 of a-z 0-9 _, starting with a letter";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            *why = "a field name is 1 to 31 of a-z 0-9 _, starting with a letter";
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++) {
        if (strlen(reserved_names[i]) == n && memcmp(reserved_names[i], p, n) == 0) {
            *why = "reserved field name (id pid tid method path elapsed_ms time req_id msg)";
            return -1;
        }
    }
    return 0;
}

static int parse_fields(const char *v, struct reqtag_config *cfg, const char **why)
{
    struct reqtag_config out = *cfg;
    out.nfields = 0;
    for (const char *p = v; *p != '\0';) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        const char *eq = memchr(p, '=', n);
        if (eq == NULL) {
            *why = "each entry is NAME=Header";
            return -1;
        }
        size_t nl = (size_t)(eq - p), hl = n - nl - 1;
        if (field_name_ok(p, nl, why) != 0)
            return -1;
        if (hl == 0 || hl > REQTAG_MAX_HEADER_LEN) {
            *why = "a field's header name is 1 to 63 bytes";
            return -1;
        }
        for (size_t i = 0; i < hl; i++) {
            if (!is_tchar((unsigned char)eq[1 + i])) {
                *why = "a header name may hold only letters, digits and !#$%&'*+-.^_`|~";
                return -1;
            }
        }
        for (unsigned k = 0; k < out.nfields; k++) {
            if (out.field_name_len[k] == nl && memcmp(out.field_name[k], p, nl) == 0) {
                *why = "a field name is given twice";
                return -1;
            }
        }
        if (out.nfields == REQTAG_MAX_FIELDS) {
            *why = "more than 4 fields";
            return -1;
        }
        uint8_t k = out.nfields++;
        memcpy(out.field_name[k], p, nl);
        out.field_name[k][nl] = '\0';
        out.field_name_len[k] = (uint8_t)nl;
        for (size_t i = 0; i < hl; i++)
            out.field_hdr[k][i] = (char)lower((unsigned char)eq[1 + i]);
        out.field_hdr[k][hl] = '\0';
        out.field_hdr_len[k] = (uint8_t)hl;
        if (end == NULL)
            break;
        p = end + 1;
        if (*p == '\0') {
            *why = "empty entry";
            return -1;
        }
    }
    /* The format may name a field this value no longer has: it is checked again below. */
    *cfg = out;
    return 0;
}

/* Append a literal run to the compiled format, merging with a preceding literal. */
static int add_literal(struct reqtag_tagfmt *f, size_t *litlen, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (*litlen + n > sizeof f->lit)
        return -1;
    memcpy(f->lit + *litlen, s, n);
    if (f->nseg > 0 && f->seg[f->nseg - 1].kind == TAG_LITERAL) {
        f->seg[f->nseg - 1].len = (uint8_t)(f->seg[f->nseg - 1].len + n);
    } else {
        if (f->nseg == REQTAG_MAX_SEGMENTS)
            return -1;
        f->seg[f->nseg++] = (struct tag_seg){TAG_LITERAL, (uint8_t)*litlen, (uint8_t)n};
    }
    *litlen += n;
    return 0;
}

static int parse_format(const char *v, struct reqtag_config *cfg, const char **why)
{
    struct reqtag_tagfmt f = {0};
    size_t litlen = 0, n = strlen(v);
    int have_id = 0;
    if (n >= REQTAG_MAX_FORMAT) {
        *why = "longer than 127 bytes";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f) {
            *why = "control characters are not allowed";
            return -1;
        }
    }
    for (size_t i = 0; i < n;) {
        if (v[i] == '{') {
            const char *close = memchr(v + i, '}', n - i);
            if (close == NULL) {
                *why = "unclosed {";
                return -1;
            }
            size_t plen = (size_t)(close - (v + i)) + 1;
            static const struct {
                const char *name;
                uint8_t kind;
            } known[] = {{"{id}", TAG_ID},           {"{pid}", TAG_PID},       {"{tid}", TAG_TID},
                         {"{elapsed_ms}", TAG_ELAPSED}, {"{method}", TAG_METHOD}, {"{path}", TAG_PATH}};
            int kind = -1, field = 0;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                if (plen == strlen(known[k].name) && memcmp(v + i, known[k].name, plen) == 0)
                    kind = known[k].kind;
            for (unsigned k = 0; kind < 0 && k < cfg->nfields && k < REQTAG_MAX_FIELDS; k++) {
                if (plen == (size_t)cfg->field_name_len[k] + 2 && memcmp(v + i + 1, cfg->field_name[k], plen - 2) == 0) {
                    kind = TAG_FIELD;
                    field = (int)k;
                }
            }
            if (kind < 0) {
                *why = "unknown placeholder (known: {id} {pid} {tid} {elapsed_ms} {method} {path} and REQTAG_FIELDS names)";
                return -1;
            }
            if (f.nseg == REQTAG_MAX_SEGMENTS) {
                *why = "too many pieces";
                return -1;
            }
            f.seg[f.nseg++] = (struct tag_seg){(uint8_t)kind, (uint8_t)field, 0};
            f.vars |= kind != TAG_ID && kind != TAG_FIELD;
            have_id |= kind == TAG_ID;
            i += plen;
            continue;
        }
        size_t j = i;
        while (j < n && v[j] != '{')
            j++;
        if (add_literal(&f, &litlen, v + i, j - i) != 0) {
            *why = "too many pieces";
            return -1;
        }
        i = j;
    }
    if (!have_id) {
        *why = "has no {id}";
        return -1;
    }
    cfg->format = f;
    return 0;
}

static void first_letter(struct reqtag_config *cfg, char c, unsigned bit)
{
    unsigned char lo = (unsigned char)c, up = (lo >= 'a' && lo <= 'z') ? (unsigned char)(lo - 32) : lo;
    cfg->names_at[lo] |= (uint16_t)(1u << bit);
    cfg->names_at[up] |= (uint16_t)(1u << bit);
}

static void derive(struct reqtag_config *cfg)
{
    memset(cfg->names_at, 0, sizeof cfg->names_at);
    first_letter(cfg, 'c', NAME_CL);
    first_letter(cfg, 't', NAME_TE);
    for (unsigned k = 0; k < cfg->nheaders && k < REQTAG_MAX_HEADERS; k++)
        first_letter(cfg, cfg->header[k][0], NAME_HDR0 + k);
    for (unsigned k = 0; k < cfg->nfields && k < REQTAG_MAX_FIELDS; k++)
        first_letter(cfg, cfg->field_hdr[k][0], NAME_FIELD0 + k);
    cfg->want_line = cfg->summary;
    cfg->fine_clock = cfg->summary;
    for (unsigned k = 0; k < cfg->format.nseg && k < REQTAG_MAX_SEGMENTS; k++) {
        if (cfg->format.seg[k].kind == TAG_METHOD || cfg->format.seg[k].kind == TAG_PATH)
            cfg->want_line = true;
        if (cfg->format.seg[k].kind == TAG_ELAPSED)
            cfg->fine_clock = true;
    }
}

int settings_parse_one(const struct reqtag_setting *s, const char *value, struct reqtag_config *cfg,
                       const char **why)
{
    *why = "";
    int rc = s->parse(value, cfg, why);
    derive(cfg); /* whatever changed, the derived parts follow */
    return rc;
}

const struct reqtag_setting *settings_find(const char *env)
{
    for (size_t i = 0; i < reqtag_nsettings; i++)
        if (strcmp(reqtag_settings[i].env, env) == 0)
            return &reqtag_settings[i];
    return NULL;
}

void settings_load(struct reqtag_config *cfg, settings_get_fn get, settings_warn_fn warn)
{
    const char *why;
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < reqtag_nsettings; i++)
        (void)settings_parse_one(&reqtag_settings[i], reqtag_settings[i].def, cfg, &why);
    for (size_t i = 0; get != NULL && i < reqtag_nsettings; i++) {
        const struct reqtag_setting *s = &reqtag_settings[i];
        const char *v = get(s->env);
        if (v == NULL)
            continue;
        /* A failed parser leaves cfg untouched, so the default stays. */
        if (settings_parse_one(s, v, cfg, &why) != 0 && warn != NULL)
            warn(s, v, why);
    }
}
