/* main.c -- the reqtag command: options -> environment -> exec. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/settings.h"
#include "preload.h"

#ifndef REQTAG_LIBDIR
#define REQTAG_LIBDIR "/usr/local/lib/reqtag"
#endif

enum {
    EXIT_USAGE = 2,       /* bad option or value, missing COMMAND */
    EXIT_NOEXEC = 126,    /* COMMAND found but could not be run */
    EXIT_NOTFOUND = 127,  /* COMMAND not found */
};

static const char usage_line[] = "Usage: reqtag [options] [--] COMMAND [ARGS...]\n";

static void usage_error(const char *fmt, const char *arg)
{
    fputs("reqtag: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fputs(usage_line, stderr);
    fputs("Try 'reqtag --help' for more information.\n", stderr);
    exit(EXIT_USAGE);
}

/* The option column of --help for one setting, e.g. "-H, --header NAMES". */
static void option_column(const struct reqtag_setting *s, char *buf, size_t len)
{
    char shortopt[8] = "    ";
    if (s->opt_short != 0)
        snprintf(shortopt, sizeof shortopt, "-%c, ", s->opt_short);
    if (s->opt_sets != NULL || s->metavar == NULL)
        snprintf(buf, len, "%s--%s", shortopt, s->opt_long);
    else
        snprintf(buf, len, "%s--%s %s", shortopt, s->opt_long, s->metavar);
}

static void help(void)
{
    printf("%s", usage_line);
    printf("Run COMMAND with libreqtag.so preloaded: each line it writes to stderr while it handles an\n"
           "HTTP request is prefixed with that request's ID, taken from a request header.\n"
           "\n"
           "Options (each sets the REQTAG_* variable shown; a variable already in the environment\n"
           "applies when no option overrides it):\n");
    char col[96];
    for (size_t i = 0; i < reqtag_nsettings; i++) {
        const struct reqtag_setting *s = &reqtag_settings[i];
        option_column(s, col, sizeof col);
        if (s->opt_sets != NULL)
            printf("  %-22s %s [sets %s=%s; default %s]\n", col, s->doc, s->env, s->opt_sets, s->def);
        else
            printf("  %-22s %s [%s; default '%s']\n", col, s->doc, s->env, s->def);
    }
    printf("  %-22s %s\n", "    --lib PATH", "preload this library instead of the one found next to reqtag");
    printf("  %-22s %s\n", "-h, --help", "print this help and exit");
    printf("  %-22s %s\n", "-V, --version", "print the version and exit");
    printf("\n"
           "Exit status: COMMAND's own; 1 if libreqtag.so is missing, 2 for a usage error,\n"
           "126 if COMMAND cannot be run, 127 if COMMAND is not found.\n"
           "Static binaries, programs that bypass libc (Go) and setuid programs are not tagged.\n");
}

/* Write stdout out and exit: 0, or 1 when it could not be written (a closed pipe, a full disk). */
static void finish_stdout(void)
{
    exit(fflush(stdout) != 0 || ferror(stdout) ? 1 : 0);
}

static void version(void)
{
    printf("reqtag %s\n", REQTAG_VERSION);
}

static const struct reqtag_setting *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < reqtag_nsettings; i++) {
        const char *o = reqtag_settings[i].opt_long;
        if (o != NULL && strlen(o) == len && memcmp(o, name, len) == 0)
            return &reqtag_settings[i];
    }
    return NULL;
}

static const struct reqtag_setting *find_short(char c)
{
    for (size_t i = 0; i < reqtag_nsettings; i++)
        if (reqtag_settings[i].opt_short != 0 && reqtag_settings[i].opt_short == c)
            return &reqtag_settings[i];
    return NULL;
}

/* Option values as given, applied in the table's order once all are read (a format may name a
 * field given after it). A repeatable option's values are joined with commas. */
enum { MAX_GIVEN = 32, JOIN_MAX = 4096 };
static const char *given[MAX_GIVEN];
static char joined[MAX_GIVEN][JOIN_MAX];

static void give(const struct reqtag_setting *s, const char *value)
{
    size_t k = (size_t)(s - reqtag_settings);
    if (k >= MAX_GIVEN)
        usage_error("option '--%s' cannot be used", s->opt_long);
    if (!s->repeat) {
        given[k] = value;
        return;
    }
    if (strchr(value, ',') != NULL) {
        fprintf(stderr, "reqtag: --%s: one entry per --%s (give the option again for another)\n", s->opt_long,
                s->opt_long);
        exit(EXIT_USAGE);
    }
    size_t have = given[k] != NULL ? strlen(joined[k]) : 0, n = strlen(value);
    if (have + n + 2 > JOIN_MAX)
        usage_error("too many '--%s' options", s->opt_long);
    if (have > 0)
        joined[k][have++] = ',';
    memcpy(joined[k] + have, value, n + 1);
    given[k] = joined[k];
}

/* Validate every given value (the scratch config absorbs it) and put it in the environment. */
static void apply_given(struct reqtag_config *scratch)
{
    for (size_t k = 0; k < reqtag_nsettings && k < MAX_GIVEN; k++) {
        const struct reqtag_setting *s = &reqtag_settings[k];
        const char *why = "";
        if (given[k] == NULL)
            continue;
        if (settings_parse_one(s, given[k], scratch, &why) != 0) {
            fprintf(stderr, "reqtag: --%s: %s\n", s->opt_long, why);
            exit(EXIT_USAGE);
        }
        if (setenv(s->env, given[k], 1) != 0) {
            fprintf(stderr, "reqtag: %s: %s\n", s->env, strerror(errno));
            exit(1);
        }
    }
}

/* --lib PATH: remember the library given (the last one wins). */
static const char *lib_arg;

/* Handle the long option in arg (after "--"); may consume argv[*i + 1]. */
static void long_option(char **argv, int argc, int *i)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const char *value = eq != NULL ? eq + 1 : NULL;

    int is_help = len == 4 && memcmp(name, "help", 4) == 0;
    int is_version = len == 7 && memcmp(name, "version", 7) == 0;
    if ((is_help || is_version) && value != NULL)
        usage_error("option '%s' takes no value", is_help ? "--help" : "--version");
    if (is_help || is_version) {
        is_help ? help() : version();
        finish_stdout();
    }
    int is_lib = len == 3 && memcmp(name, "lib", 3) == 0;
    const struct reqtag_setting *s = is_lib ? NULL : find_long(name, len);
    if (!is_lib && s == NULL)
        usage_error("unknown option '%s'", argv[*i]);
    if (s != NULL && s->opt_sets != NULL) {
        if (value != NULL)
            usage_error("option '--%s' takes no value", s->opt_long);
        give(s, s->opt_sets);
        return;
    }
    if (value == NULL) {
        if (*i + 1 >= argc)
            usage_error("option '%s' needs a value", argv[*i]);
        value = argv[++*i];
    }
    if (is_lib)
        lib_arg = value;
    else
        give(s, value);
}

/* Handle the short option cluster in arg (after "-"); may consume argv[*i + 1]. */
static void short_options(char **argv, int argc, int *i)
{
    for (const char *p = argv[*i] + 1; *p != '\0'; p++) {
        if (*p == 'h' || *p == 'V') {
            *p == 'h' ? help() : version();
            finish_stdout();
        }
        const struct reqtag_setting *s = find_short(*p);
        if (s == NULL) {
            char opt[3] = {'-', *p, '\0'};
            usage_error("unknown option '%s'", opt);
        }
        if (s->opt_sets != NULL) {
            give(s, s->opt_sets);
            continue;
        }
        const char *value = p + 1;
        if (*value == '\0') {
            if (*i + 1 >= argc) {
                char opt[3] = {'-', *p, '\0'};
                usage_error("option '%s' needs a value", opt);
            }
            value = argv[++*i];
        }
        give(s, value);
        return;
    }
}

/* The library to preload: --lib's, or the one found next to reqtag; exits 1 when there is none. */
static char *library(void)
{
    char *lib;
    if (lib_arg != NULL) {
        lib = preload_canon(lib_arg);
        if (lib == NULL) {
            fprintf(stderr, "reqtag: --lib %s: %s\n", lib_arg, strerror(errno));
            exit(1);
        }
    } else {
        char looked[4096];
        lib = preload_find(REQTAG_LIBDIR, looked, sizeof looked);
        if (lib == NULL) {
            fprintf(stderr,
                    "reqtag: cannot find " PRELOAD_LIBNAME " (looked in: %s); build it with make or "
                    "pass --lib\n",
                    looked);
            exit(1);
        }
    }
    if (!preload_path_ok(lib)) {
        fprintf(stderr, "reqtag: %s: LD_PRELOAD cannot hold a path with a space or colon\n", lib);
        exit(1);
    }
    return lib;
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

int main(int argc, char **argv)
{
    struct reqtag_config scratch;
    settings_load(&scratch, env_get, NULL); /* a --format may name a field from REQTAG_FIELDS */

    int i = 1;
    while (i < argc) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break; /* the first non-option is COMMAND */
        if (a[1] == '-')
            long_option(argv, argc, &i);
        else
            short_options(argv, argc, &i);
        i++;
    }
    apply_given(&scratch);
    if (i >= argc) {
        fputs("reqtag: no COMMAND given\n", stderr);
        fputs(usage_line, stderr);
        fputs("Try 'reqtag --help' for more information.\n", stderr);
        return EXIT_USAGE;
    }

    char *lib = library();
    char *list = preload_list(lib, getenv("LD_PRELOAD"));
    if (list == NULL || setenv("LD_PRELOAD", list, 1) != 0) {
        fprintf(stderr, "reqtag: LD_PRELOAD: %s\n", strerror(errno));
        return 1;
    }
    free(list);
    free(lib);

    const char *cmd = argv[i];
    fflush(NULL);
    execvp(cmd, &argv[i]);
    int err = errno;
    if (err == ENOENT) {
        if (strchr(cmd, '/') != NULL)
            fprintf(stderr, "reqtag: %s: %s\n", cmd, strerror(err));
        else
            fprintf(stderr, "reqtag: %s: command not found\n", cmd);
        return EXIT_NOTFOUND;
    }
    fprintf(stderr, "reqtag: %s: %s\n", cmd, strerror(err));
    return EXIT_NOEXEC;
}
