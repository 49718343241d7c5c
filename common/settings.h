/* settings.h -- the REQTAG_* settings: one table, one parser, shared by the shim and the injector.
 *
 * Contract:
 * - reqtag_settings[] lists every setting once: environment name, default, the reqtag option that
 *   sets it, one line of documentation, and the parser that turns a string into config fields.
 * - settings_load() fills a struct reqtag_config from a lookup function (getenv in the shim).
 *   It never allocates, never touches stdio and never fails: a bad value is reported through
 *   `warn` (once per call, per setting) and that setting keeps its default.
 * - Parsers are pure: they read the string and write only into the config they are given.
 *   They return 0, or -1 with *why set to a static reason.
 */
#ifndef REQTAG_SETTINGS_H
#define REQTAG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REQTAG_VERSION "0.1.0"

enum {
    REQTAG_MAX_HEADERS = 8,    /* names in REQTAG_HEADER */
    REQTAG_MAX_HEADER_LEN = 63,
    REQTAG_MAX_ID = 200,       /* bytes in a safe request ID */
    REQTAG_MAX_METHOD = 15,    /* bytes of a request's method kept */
    REQTAG_MAX_PATH = 96,      /* bytes of a request's target kept (longer ones are cut) */
    REQTAG_GEN_ID_LEN = 32,    /* generated IDs: 128 bits as lowercase hex */
    REQTAG_MAX_FORMAT = 128,   /* bytes in REQTAG_FORMAT */
    REQTAG_MAX_SEGMENTS = 16,  /* literal and placeholder pieces of a compiled format */
    REQTAG_MAX_STREAMS = 8,    /* path globs in REQTAG_STREAMS */
    REQTAG_MAX_STREAM_LEN = 255,
    REQTAG_MAX_FIELDS = 4,     /* REQTAG_FIELDS entries */
    REQTAG_MAX_FIELD_NAME = 31,
    REQTAG_MAX_FIELD = 64,     /* bytes of a field's value (longer ones are refused, like IDs) */
};

/* One piece of the tag template: literal text, or a placeholder filled per line. */
enum tag_seg_kind { TAG_LITERAL, TAG_ID, TAG_PID, TAG_TID, TAG_ELAPSED, TAG_METHOD, TAG_PATH, TAG_FIELD };

struct tag_seg {
    uint8_t kind;   /* enum tag_seg_kind */
    uint8_t off;    /* literal: offset into reqtag_tagfmt.lit; field: its index in REQTAG_FIELDS */
    uint8_t len;    /* literal: length */
};

struct reqtag_tagfmt {
    uint8_t nseg;
    uint8_t vars;   /* a placeholder other than {id} and fields appears: per-line lookups needed */
    struct tag_seg seg[REQTAG_MAX_SEGMENTS];
    char lit[REQTAG_MAX_FORMAT];
};

/* Bits of reqtag_config.names_at. */
enum { NAME_CL = 0, NAME_TE = 1, NAME_HDR0 = 2, NAME_FIELD0 = NAME_HDR0 + REQTAG_MAX_HEADERS };
_Static_assert(NAME_FIELD0 + REQTAG_MAX_FIELDS <= 16, "names_at has a bit for every name");

enum reqtag_output { OUTPUT_TEXT, OUTPUT_LOGFMT, OUTPUT_JSON };

/* The parsed settings. Header names are stored lowercase. */
struct reqtag_config {
    uint8_t nheaders;
    uint8_t header_len[REQTAG_MAX_HEADERS];
    bool header_traceparent[REQTAG_MAX_HEADERS]; /* this name is `traceparent`: take its trace-id */
    char header[REQTAG_MAX_HEADERS][REQTAG_MAX_HEADER_LEN + 1];
    bool generate;
    bool disable;
    bool debug;
    bool crash;
    bool echo;
    bool propagate;
    bool summary;
    uint8_t output;                               /* enum reqtag_output */
    bool streams_stderr, streams_stdout;          /* REQTAG_STREAMS */
    uint8_t nstreams;                             /* ... and path globs */
    char stream[REQTAG_MAX_STREAMS][REQTAG_MAX_STREAM_LEN + 1];
    uint8_t first_len;                            /* the first REQTAG_HEADER name as written */
    char first[REQTAG_MAX_HEADER_LEN + 1];
    uint8_t echo_len;                             /* REQTAG_ECHO_HEADER as written; 0: derived */
    char echo_name[REQTAG_MAX_HEADER_LEN + 1];
    struct reqtag_tagfmt format;
    uint8_t nfields;                              /* REQTAG_FIELDS: name=Header pairs */
    uint8_t field_name_len[REQTAG_MAX_FIELDS];
    char field_name[REQTAG_MAX_FIELDS][REQTAG_MAX_FIELD_NAME + 1];
    uint8_t field_hdr_len[REQTAG_MAX_FIELDS];     /* header names, lowercase */
    char field_hdr[REQTAG_MAX_FIELDS][REQTAG_MAX_HEADER_LEN + 1];
    /* Derived (settings_load, settings_parse_one): for each byte value, the request header names
     * the shim reads that start with it in either case (bit NAME_CL, NAME_TE, NAME_HDR0 + k for
     * REQTAG_HEADER entry k, NAME_FIELD0 + k for REQTAG_FIELDS entry k), so a scanner passes over
     * every other line without comparing names, and compares a wanted line with those names only. */
    uint16_t names_at[256];
    bool want_line;  /* derived: a request's method and target are shown ({method}, {path}, summaries) */
    bool fine_clock; /* derived: elapsed time is shown to the microsecond or millisecond ({elapsed_ms},
                        summaries); otherwise only crash reports show it and a coarse clock will do */
};

struct reqtag_setting {
    const char *env;        /* environment variable, e.g. "REQTAG_HEADER" */
    const char *def;        /* default, as the string the parser accepts */
    const char *opt_long;   /* reqtag option, e.g. "header" for --header */
    char opt_short;         /* short option letter, or 0 */
    const char *opt_sets;   /* for a flag option: the value it sets; NULL: the option takes a value */
    const char *metavar;    /* what the option's value is called in --help */
    const char *doc;        /* one line for --help and the README */
    int (*parse)(const char *value, struct reqtag_config *cfg, const char **why);
    bool repeat;            /* the option may be given again: each adds one comma-separated entry */
};

extern const struct reqtag_setting reqtag_settings[];
extern const size_t reqtag_nsettings;

/* Called for a bad value: the setting, the rejected value (unsanitized, caller escapes it), why. */
typedef void (*settings_warn_fn)(const struct reqtag_setting *s, const char *value, const char *why);
typedef const char *(*settings_get_fn)(const char *name);

/* Fill *cfg: defaults first, then every variable `get` returns non-NULL for. */
void settings_load(struct reqtag_config *cfg, settings_get_fn get, settings_warn_fn warn);

/* Parse one value into *cfg with the setting's parser; 0 or -1 with *why. */
int settings_parse_one(const struct reqtag_setting *s, const char *value, struct reqtag_config *cfg,
                       const char **why);

/* The header echoed in responses and sent downstream for a plain ID: REQTAG_ECHO_HEADER, else the
 * first REQTAG_HEADER name as written, or X-Request-ID when that is traceparent. */
const char *settings_echo_header(const struct reqtag_config *cfg, size_t *len);

/* Find a setting by environment name; NULL when unknown. */
const struct reqtag_setting *settings_find(const char *env);

#endif
