/* test_scan.c -- unit tests for the incremental HTTP request-head scanner (shim/scan.c). */
#include <stdlib.h>
#include <string.h>

#include "scan.h"
#include "settings.h"
#include "unit.h"

#define TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
#define TP_ID "4bf92f3577b34da6a3ce929d0e0e4736"
/* A body that looks like a request: 38 bytes. */
#define EVIL "GET / HTTP/1.1\r\nX-Request-ID: evil\r\n\r\n"

static struct reqtag_config cfg_default; /* X-Request-ID */
static struct reqtag_config cfg_two;     /* X-Trace,traceparent */

/* One scanner fed piece by piece; what it reported, written as text: "H<end>:<id> ... OPAQUE". */
struct run {
    struct scan s;
    struct scan_buf b;
    const struct reqtag_config *cfg;
    size_t off;         /* bytes fed so far */
    bool opaque;
    bool bad;           /* a rule of the scan_feed contract broke; why says which */
    enum scan_status last;
    char why[160];
    char desc[4096];
};

static void run_init(struct run *r, const struct reqtag_config *cfg)
{
    memset(r, 0, sizeof *r);
    scan_init(&r->s);
    r->cfg = cfg;
    r->last = SCAN_NEED_MORE;
}

static void run_bad(struct run *r, const char *why, size_t at)
{
    if (!r->bad)
        snprintf(r->why, sizeof r->why, "%s (at byte %zu)", why, at);
    r->bad = true;
}

static void run_add(struct run *r, const char *text)
{
    size_t n = strlen(r->desc);
    snprintf(r->desc + n, sizeof r->desc - n, "%s%s", n ? " " : "", text);
}

/* Feed one piece, calling scan_feed until the piece is used up, checking every answer. */
static void feed(struct run *r, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n && !r->bad) {
        enum scan_status st = (enum scan_status)99;
        struct scan_head h;
        memset(&h, 0x5a, sizeof h);
        size_t left = n - done, at = r->off + done;
        /* Outside a head the buffer need not survive: the shim lends a scratch one. */
        if (!scan_mid_head(&r->s))
            memset(&r->b, 0xa5, sizeof r->b);
        size_t c = scan_feed(&r->s, &r->b, r->cfg, p + done, left, &st, &h);
        if (c > left) {
            run_bad(r, "consumed more than it was given", at);
            break;
        }
        r->last = st;
        if (st == SCAN_NEED_MORE) {
            if (c != left)
                run_bad(r, "SCAN_NEED_MORE without consuming everything", at);
            if (r->opaque)
                run_bad(r, "SCAN_NEED_MORE after SCAN_OPAQUE", at);
        } else if (st == SCAN_HEAD) {
            if (c == 0)
                run_bad(r, "SCAN_HEAD consuming nothing", at);
            if (r->opaque)
                run_bad(r, "SCAN_HEAD after SCAN_OPAQUE", at);
            if (h.idlen > REQTAG_MAX_ID)
                run_bad(r, "idlen over REQTAG_MAX_ID", at);
            char text[3 * 4 * REQTAG_MAX_ID + 32], *o = text;
            o += sprintf(o, "H%zu:", at + c);
            for (size_t i = 0; i < h.idlen && i < REQTAG_MAX_ID; i++) {
                unsigned char ch = (unsigned char)h.id[i];
                o += sprintf(o, (ch > 32 && ch < 127 && ch != '\\') ? "%c" : "\\x%02x", ch);
            }
            run_add(r, text);
        } else if (st == SCAN_OPAQUE) {
            if (c != left)
                run_bad(r, "SCAN_OPAQUE without consuming everything", at);
            if (!r->opaque)
                run_add(r, "OPAQUE");
            r->opaque = true;
        } else {
            run_bad(r, "unknown status", at);
        }
        done += c;
    }
    r->off += n;
}

/* Feed buf in pieces of `step` bytes (0: one buffer). */
static void run_steps(struct run *r, const char *buf, size_t len, size_t step)
{
    for (size_t i = 0; i < len; i += step ? step : len)
        feed(r, buf + i, step && len - i > step ? step : len - i);
}

/* Ways to cut the input; BIG leaves out SPLITS, which is quadratic. */
enum { ONE = 1, SPLITS = 2, BYTES = 4, SEVENS = 8, RANDOM = 16, ALL = 31, BIG = ALL & ~SPLITS };

static bool matches(const struct run *r, const char *exp, const char *alt)
{
    return !r->bad && (strcmp(r->desc, exp) == 0 || (alt && strcmp(r->desc, alt) == 0));
}

static bool report(const struct run *r, const char *mode, const char *exp, const char *alt)
{
    unit_diag("%s: expected \"%s\"%s%s%s, got \"%s\"%s%s", mode, exp, alt ? " or \"" : "",
              alt ? alt : "", alt ? "\"" : "", r->desc, r->bad ? "; " : "", r->why);
    return false;
}

/* Scan buf in the ways `modes` says; every way must report exp (or alt). */
static bool scan_ways(const struct reqtag_config *cfg, const char *buf, size_t len, int modes,
                      const char *exp, const char *alt)
{
    static struct run r;
    if (modes & ONE) {
        run_init(&r, cfg);
        run_steps(&r, buf, len, 0);
        if (!matches(&r, exp, alt))
            return report(&r, "one buffer", exp, alt);
    }
    if (modes & SPLITS) {
        for (size_t k = 1; k < len; k++) {
            run_init(&r, cfg);
            feed(&r, buf, k);
            feed(&r, buf + k, len - k);
            if (!matches(&r, exp, alt)) {
                char mode[64];
                snprintf(mode, sizeof mode, "split at %zu", k);
                return report(&r, mode, exp, alt);
            }
        }
    }
    if (modes & BYTES) {
        run_init(&r, cfg);
        run_steps(&r, buf, len, 1);
        if (!matches(&r, exp, alt))
            return report(&r, "one byte at a time", exp, alt);
    }
    if (modes & SEVENS) {
        run_init(&r, cfg);
        run_steps(&r, buf, len, 7);
        if (!matches(&r, exp, alt))
            return report(&r, "7-byte pieces", exp, alt);
    }
    for (int round = 0; (modes & RANDOM) && round < 20; round++) {
        run_init(&r, cfg);
        for (size_t i = 0, piece; i < len; i += piece) {
            piece = 1 + unit_rnd(12);
            feed(&r, buf + i, piece < len - i ? piece : len - i);
        }
        if (!matches(&r, exp, alt))
            return report(&r, "random pieces of 1 to 12 bytes", exp, alt);
    }
    return true;
}

/* A one-request buffer must give one head at its end with this ID ("" for none). */
static void expect_id(const char *name, const struct reqtag_config *cfg, const char *req, int modes,
                      const char *id)
{
    char exp[512];
    snprintf(exp, sizeof exp, "H%zu:%s", strlen(req), id);
    CHECK(scan_ways(cfg, req, strlen(req), modes, exp, NULL), "%s", name);
}

static const char R1[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n"
                         "X-Request-ID: abc-123\r\nAccept: */*\r\n\r\n";

static void test_basic(void)
{
    char exp[64];
    snprintf(exp, sizeof exp, "H%zu:abc-123", strlen(R1));
    CHECK(scan_ways(&cfg_default, R1, strlen(R1), ONE, exp, NULL), "ID found in one buffer");
    CHECK(scan_ways(&cfg_default, R1, strlen(R1), SPLITS, exp, NULL),
          "same request split at every byte into two feeds");
    CHECK(scan_ways(&cfg_default, R1, strlen(R1), BYTES, exp, NULL), "same request one byte at a time");
    CHECK(scan_ways(&cfg_default, R1, strlen(R1), SEVENS, exp, NULL), "same request in 7-byte pieces");

    struct scan s;
    static struct scan_buf sb;
    enum scan_status st = SCAN_HEAD;
    struct scan_head h;
    scan_init(&s);
    size_t n = scan_feed(&s, &sb, &cfg_default, R1, strlen(R1) - 1, &st, &h);
    CHECK(st == SCAN_NEED_MORE && n == strlen(R1) - 1,
          "incomplete head: SCAN_NEED_MORE, everything consumed");
    n = scan_feed(&s, &sb, &cfg_default, "\n", 1, &st, &h);
    CHECK(st == SCAN_HEAD && n == 1 && h.idlen == 7 && memcmp(h.id, "abc-123", 7) == 0,
          "its last byte completes the head");

    expect_id("HTTP/1.0 request", &cfg_default, "GET / HTTP/1.0\r\nX-Request-ID: ten\r\n\r\n", ALL, "ten");
    expect_id("leading empty lines are skipped", &cfg_default,
              "\r\n\n\r\nGET / HTTP/1.1\r\nX-Request-ID: lead\r\n\r\n", ALL, "lead");
    expect_id("no header: SCAN_HEAD with idlen 0", &cfg_default,
              "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, "");
    expect_id("head with no headers at all", &cfg_default, "GET / HTTP/1.1\r\n\r\n", ALL, "");
    expect_id("every safe character kept", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: AZaz09-_.:/+=@\r\n\r\n", ALL, "AZaz09-_.:/+=@");
}

/* Headers of about `size` bytes in total, none of them configured. */
static size_t filler(char *out, size_t size)
{
    size_t n = 0;
    for (int i = 0; n < size; i++)
        n += (size_t)sprintf(out + n, "X-Filler-%d: %s\r\n", i, "0123456789abcdefghijklmnopqrstuvwxyz");
    return n;
}

static void test_long_heads(void)
{
    static char req[1 << 21];
    size_t n = (size_t)sprintf(req, "GET / HTTP/1.1\r\n");
    n += filler(req + n, 8192);
    sprintf(req + n, "X-Request-ID: after-8k\r\n\r\n");
    expect_id("header after 8 KB of other headers", &cfg_default, req, ALL, "after-8k");

    n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nCookie: ");
    memset(req + n, 'c', 3072);
    n += 3072;
    sprintf(req + n, "\r\nX-Request-ID: after-3k\r\n\r\n");
    expect_id("header after a 3 KB header", &cfg_default, req, ALL, "after-3k");

    n = (size_t)sprintf(req, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 20000; i++)
        n += (size_t)sprintf(req + n, "X-H%d: v\r\n", i);
    sprintf(req + n, "X-Request-ID: many\r\n\r\n");
    expect_id("20000 headers before the ID", &cfg_default, req, BIG, "many");

    n = (size_t)sprintf(req, "GET /");
    memset(req + n, 'u', 65536);
    n += 65536;
    sprintf(req + n, " HTTP/1.1\r\nX-Request-ID: long-url\r\n\r\n");
    expect_id("64 KB request target", &cfg_default, req, BIG, "long-url");

    n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nX-Request-ID: ");
    memset(req + n, 'i', 1 << 20);
    n += 1 << 20;
    sprintf(req + n, "\r\nX-Other: x\r\n\r\n");
    expect_id("1 MB ID value: absent, head still found", &cfg_default, req, BIG, "");
}

static void test_names(void)
{
    static const char name[] = "x-request-id";
    int letters[16], nl = 0;
    for (int i = 0; name[i]; i++)
        if (name[i] != '-')
            letters[nl++] = i;
    bool ok = true;
    for (int mask = 0; mask < (1 << nl) && ok; mask++) {
        char req[128], nm[16];
        strcpy(nm, name);
        for (int b = 0; b < nl; b++)
            if (mask & (1 << b))
                nm[letters[b]] = (char)(nm[letters[b]] - 32);
        sprintf(req, "GET / HTTP/1.1\r\n%s: case\r\n\r\n", nm);
        char exp[64];
        sprintf(exp, "H%zu:case", strlen(req));
        ok = scan_ways(&cfg_default, req, strlen(req), ONE | BYTES, exp, NULL);
        if (!ok)
            unit_diag("name spelled %s", nm);
    }
    CHECK(ok, "header name matched in every letter case (%d spellings)", 1 << nl);

    expect_id("near-miss header names do not match", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-IDs: e1\r\nX-Request-I: e2\r\nX-Request-ID-2: e3\r\n"
              "Y-Request-ID: e4\r\nXX-Request-ID: e5\r\n\r\n",
              ALL, "");
    expect_id("name inside the request target is not a header", &cfg_default,
              "GET /X-Request-ID:evil HTTP/1.1\r\nX-Trace: ok\r\n\r\n", ALL, "");
    expect_id("LF-only line ends", &cfg_default, "GET / HTTP/1.1\nHost: a\nX-Request-ID: lf\n\n", ALL,
              "lf");
    expect_id("CRLF line ends", &cfg_default, "GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: crlf\r\n\r\n",
              ALL, "crlf");
    expect_id("mixed LF and CRLF line ends", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: mix\nHost: a\r\n\n", ALL, "mix");
    expect_id("OWS around the value trimmed", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: \t  ows-1 \t \r\n\r\n", ALL, "ows-1");
    expect_id("no OWS at all", &cfg_default, "GET / HTTP/1.1\r\nX-Request-ID:tight\r\n\r\n", ALL, "tight");
}

static void test_hostile(void)
{
    static const struct {
        const char *name, *value;
    } bad[] = {
        {"control byte", "ab\x01" "cd"},
        {"ESC sequence", "\x1b[31mred"},
        {"space inside", "abc def"},
        {"tab inside", "abc\tdef"},
        {"double quote", "\"abc\""},
        {"semicolon", "abc;def"},
        {"comma", "abc,def"},
        {"empty value", ""},
        {"only spaces", "   "},
        {"non-ASCII UTF-8", "caf\xc3\xa9"},
        {"non-ASCII byte 0xff", "ab\xff"},
        {"DEL byte", "ab\x7f"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char req[256], name[64];
        snprintf(req, sizeof req, "GET / HTTP/1.1\r\nX-Request-ID: %s\r\nHost: h\r\n\r\n", bad[i].value);
        snprintf(name, sizeof name, "hostile value treated as absent: %s", bad[i].name);
        expect_id(name, &cfg_default, req, ALL, "");
    }

    char req[512], id[REQTAG_MAX_ID + 2];
    memset(id, 'a', sizeof id - 1);
    id[REQTAG_MAX_ID + 1] = '\0';
    sprintf(req, "GET / HTTP/1.1\r\nX-Request-ID: %s\r\n\r\n", id);
    expect_id("hostile value treated as absent: 201 bytes", &cfg_default, req, ALL, "");
    id[REQTAG_MAX_ID] = '\0';
    sprintf(req, "GET / HTTP/1.1\r\nX-Request-ID: %s\r\n\r\n", id);
    expect_id("200-byte value accepted", &cfg_default, req, ALL, id);
    sprintf(req, "GET / HTTP/1.1\r\nX-Request-ID: %s  \t \r\n\r\n", id);
    expect_id("200-byte value with trailing OWS accepted", &cfg_default, req, ALL, id);

    expect_id("hostile value treated as absent: obs-folded continuation", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: abc\r\n def\r\nHost: h\r\n\r\n", ALL, "");
    expect_id("hostile value treated as absent: value only on a folded line", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID:\r\n\tabc\r\n\r\n", ALL, "");
    expect_id("a folded duplicate does not void the first valid value", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: good\r\nX-Request-ID: other\r\n folded\r\n\r\n", ALL, "good");
    expect_id("a folded first name falls back to the second name's value", &cfg_two,
              "GET / HTTP/1.1\r\ntraceparent: " TP "\r\nX-Trace: mine\r\n folded\r\n\r\n", ALL, TP_ID);
    expect_id("a fold in another header leaves the ID alone", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: keep\r\nX-Other: a\r\n b\r\n\r\n", ALL, "keep");
}

static void test_choice(void)
{
    expect_id("first configured name wins (listed second in request)", &cfg_two,
              "GET / HTTP/1.1\r\ntraceparent: " TP "\r\nX-Trace: mine\r\n\r\n", ALL, "mine");
    expect_id("first configured name wins (listed first in request)", &cfg_two,
              "GET / HTTP/1.1\r\nX-Trace: mine\r\ntraceparent: " TP "\r\n\r\n", ALL, "mine");
    expect_id("unsafe first name falls back to the second name's value", &cfg_two,
              "GET / HTTP/1.1\r\nX-Trace: bad value\r\ntraceparent: " TP "\r\n\r\n", ALL, TP_ID);
    expect_id("unsafe first name after the second falls back too", &cfg_two,
              "GET / HTTP/1.1\r\ntraceparent: " TP "\r\nX-Trace: bad;value\r\n\r\n", ALL, TP_ID);
    expect_id("duplicate header: first one wins", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: first\r\nX-Request-ID: second\r\n\r\n", ALL, "first");
    expect_id("duplicate header: first valid one wins", &cfg_default,
              "GET / HTTP/1.1\r\nX-Request-ID: bad value\r\nX-Request-ID: good\r\n"
              "X-Request-ID: later\r\n\r\n",
              ALL, "good");
    expect_id("header not configured is ignored", &cfg_two,
              "GET / HTTP/1.1\r\nX-Request-ID: other\r\n\r\n", ALL, "");
    expect_id("traceparent yields its trace-id", &cfg_two, "GET / HTTP/1.1\r\nTraceParent: " TP "\r\n\r\n",
              ALL, TP_ID);

    static const struct {
        const char *name, *value;
    } bad[] = {
        {"uppercase hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
        {"all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        {"too short", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"},
        {"too long", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011"},
        {"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        {"bad dashes", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"},
        {"one bad dash", "00-4bf92f3577b34da6a3ce929d0e0e4736x00f067aa0ba902b7-01"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char req[256], name[64];
        snprintf(req, sizeof req, "GET / HTTP/1.1\r\ntraceparent: %s\r\n\r\n", bad[i].value);
        snprintf(name, sizeof name, "invalid traceparent yields nothing: %s", bad[i].name);
        expect_id(name, &cfg_two, req, ALL, "");
    }
}

static const char RA[] = "GET /a HTTP/1.1\r\nHost: h\r\nX-Request-ID: req-a\r\n\r\n";
static const char RB[] = "GET /b HTTP/1.1\r\nX-Request-ID: req-b\r\nHost: h\r\n\r\n";
static const char RC[] = "GET /c HTTP/1.1\r\nHost: h\r\n\r\n";

static void test_sequence(void)
{
    struct run r;
    char exp[256];
    size_t a = strlen(RA), b = strlen(RB), c = strlen(RC);
    run_init(&r, &cfg_default);
    feed(&r, RA, a);
    feed(&r, RB, b);
    feed(&r, RC, c);
    snprintf(exp, sizeof exp, "H%zu:req-a H%zu:req-b H%zu:", a, a + b, a + b + c);
    CHECK(matches(&r, exp, NULL) || report(&r, "three feeds", exp, NULL),
          "keep-alive: each head has its own ID, none carried over");

    char all[512];
    snprintf(all, sizeof all, "%s%s%s", RA, RB, RC);
    struct scan s;
    static struct scan_buf sb;
    struct scan_head h;
    enum scan_status st1, st2, st3;
    scan_init(&s);
    size_t n1 = scan_feed(&s, &sb, &cfg_default, all, a + b + c, &st1, &h);
    bool ok1 = st1 == SCAN_HEAD && n1 == a && h.idlen == 5 && memcmp(h.id, "req-a", 5) == 0;
    size_t n2 = ok1 ? scan_feed(&s, &sb, &cfg_default, all + a, b + c, &st2, &h) : 0;
    bool ok2 = ok1 && st2 == SCAN_HEAD && n2 == b && h.idlen == 5 && memcmp(h.id, "req-b", 5) == 0;
    size_t n3 = ok2 ? scan_feed(&s, &sb, &cfg_default, all + a + b, c, &st3, &h) : 0;
    bool ok3 = ok2 && st3 == SCAN_HEAD && n3 == c && h.idlen == 0;
    CHECK(ok1 && ok2 && ok3, "pipelining: three heads in order, each return = bytes of its request");
    if (!(ok1 && ok2 && ok3))
        unit_diag("consumed %zu/%zu/%zu, expected %zu/%zu/%zu", n1, n2, n3, a, b, c);
    CHECK(scan_ways(&cfg_default, all, a + b + c, ALL, exp, NULL), "pipelining: same in any pieces");
}

static void test_bodies(void)
{
    static char buf[16384];
    char exp[128];
    const char *next = "GET /next HTTP/1.1\r\nX-Request-ID: two\r\n\r\n";

    int h = sprintf(buf, "POST /f HTTP/1.1\r\nX-Request-ID: one\r\nContent-Length: %zu\r\n\r\n",
                    strlen(EVIL));
    int n = h + sprintf(buf + h, "%s%s", EVIL, next);
    snprintf(exp, sizeof exp, "H%d:one H%d:two", h, n);
    CHECK(scan_ways(&cfg_default, buf, (size_t)n, ALL, exp, NULL),
          "Content-Length body holding a request is skipped, in any pieces");

    h = sprintf(buf, "POST /f HTTP/1.1\r\ncontent-LENGTH:  %zu \r\nX-Request-ID: one\r\n\r\n", strlen(EVIL));
    n = h + sprintf(buf + h, "%s%s", EVIL, next);
    snprintf(exp, sizeof exp, "H%d:one H%d:two", h, n);
    CHECK(scan_ways(&cfg_default, buf, (size_t)n, ALL, exp, NULL),
          "Content-Length in any case, with OWS, before the ID");

    h = sprintf(buf, "POST /f HTTP/1.1\r\nContent-Length: 0\r\nX-Request-ID: one\r\n\r\n");
    n = h + sprintf(buf + h, "%s", next);
    snprintf(exp, sizeof exp, "H%d:one H%d:two", h, n);
    CHECK(scan_ways(&cfg_default, buf, (size_t)n, ALL, exp, NULL), "Content-Length: 0 means no body");

    h = sprintf(buf, "POST /c HTTP/1.1\r\nX-Request-ID: one\r\nTransfer-Encoding: chunked\r\n\r\n");
    n = h + sprintf(buf + h, "%zx;ext=1\r\n%s\r\n", strlen(EVIL), EVIL);
    const char *tricky = "0\r\n\r\nGET / HTTP/1.1\r\nX-Request-ID: evil\r\n\r\n";
    n += sprintf(buf + n, "%zX;a=b;flag\r\n%s\r\n", strlen(tricky), tricky);
    int big = n + sprintf(buf + n, "%X\r\n", 38 * 100);
    n = big;
    for (int i = 0; i < 100; i++)
        n += sprintf(buf + n, "%s", EVIL);
    n += sprintf(buf + n, "\r\n0\r\nX-Request-ID: evil\r\nX-Trailer: GET / HTTP/1.1\r\n\r\n%s", next);
    snprintf(exp, sizeof exp, "H%d:one H%d:two", h, n);
    CHECK(scan_ways(&cfg_default, buf, (size_t)n, ALL, exp, NULL),
          "chunked body with extensions and trailers holding requests is skipped, in any pieces");

    h = sprintf(buf, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Request-ID: one\r\n\r\n");
    n = h + sprintf(buf + h, "%zx\r\n%s\r\n0\r\n\r\n%s", strlen(EVIL), EVIL, next);
    snprintf(exp, sizeof exp, "H%d:one H%d:two", h, n);
    CHECK(scan_ways(&cfg_default, buf, (size_t)n, ALL, exp, NULL), "chunked body without trailers");
}

static void test_opaque(void)
{
    static char buf[4096];
    static const char tls[] = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x5e\x7f\x00\x13\x01";
    size_t n = sizeof tls - 1;
    memcpy(buf, tls, n);
    strcpy(buf + n, R1);
    n += strlen(R1);
    CHECK(scan_ways(&cfg_default, buf, n, ALL, "OPAQUE", NULL),
          "TLS bytes give SCAN_OPAQUE and stay opaque for later feeds");

    n = (size_t)sprintf(buf, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n%s", R1);
    CHECK(scan_ways(&cfg_default, buf, n, ALL, "OPAQUE", NULL), "HTTP/2 preface gives SCAN_OPAQUE for good");

    n = (size_t)sprintf(buf, "GET /\r\n%s", R1);
    CHECK(scan_ways(&cfg_default, buf, n, ALL, "OPAQUE", NULL),
          "HTTP/0.9 request gives SCAN_OPAQUE for good");

    n = (size_t)sprintf(buf, "hello world\r\n\r\n%s", R1);
    CHECK(scan_ways(&cfg_default, buf, n, ALL, "OPAQUE", NULL), "a line that is not a request line: opaque");

    /* Whether the bad request's own head is reported first is not fixed by the contract. */
    static const char *const bad_cl[] = {"Content-Length: abc", "Content-Length:",
                                         "Content-Length: 5\r\nContent-Length: 6"};
    for (int i = 0; i < 3; i++) {
        int h = sprintf(buf, "POST / HTTP/1.1\r\nX-Request-ID: bad-cl\r\n%s\r\n\r\n", bad_cl[i]);
        n = (size_t)h + (size_t)sprintf(buf + h, "12345GET / HTTP/1.1\r\nX-Request-ID: later\r\n\r\n");
        char alt[64];
        snprintf(alt, sizeof alt, "H%d:bad-cl OPAQUE", h);
        CHECK(scan_ways(&cfg_default, buf, n, ALL, "OPAQUE", alt),
              "invalid Content-Length (%s) makes it opaque; the next request is never scanned",
              i == 0 ? "abc" : i == 1 ? "empty" : "5 and 6");
    }

    struct scan s;
    static struct scan_buf sb;
    struct scan_head hd;
    enum scan_status st = SCAN_HEAD;
    scan_init(&s);
    size_t c = scan_feed(&s, &sb, &cfg_default, tls, sizeof tls - 1, &st, &hd);
    CHECK(st == SCAN_OPAQUE && c == sizeof tls - 1, "SCAN_OPAQUE consumes everything");
    scan_init(&s);
    c = scan_feed(&s, &sb, &cfg_default, R1, strlen(R1), &st, &hd);
    CHECK(st == SCAN_HEAD && c == strlen(R1) && hd.idlen == 7, "scan_init restarts an opaque scanner");
}

static struct reqtag_config cfg_fields; /* X-Request-ID; tenant=X-Tenant, user=X-User */

/* Feed req in every split (and byte by byte); the one head must carry exactly these fields. */
static void expect_fields(const char *name, const char *req, const char *tenant, const char *user)
{
    size_t len = strlen(req);
    for (size_t k = 0; k <= len; k++) {
        struct scan s;
        struct scan_buf b;
        struct scan_head h;
        /* The head points into b, which the next call may reuse: copy the fields out. */
        uint8_t glen[2] = {0, 0};
        char gval[2][REQTAG_MAX_FIELD];
        enum scan_status st;
        int heads = 0;
        scan_init(&s);
        size_t cuts[3] = {k, len, len};
        for (size_t at = 0, piece = 0; at < len; piece++) {
            size_t end = k == len ? at + 1 : cuts[piece < 2 ? piece : 1];
            if (end > len)
                end = len;
            while (at < end) {
                memset(&h, 0x5a, sizeof h);
                if (!scan_mid_head(&s))
                    memset(&b, 0xa5, sizeof b);
                at += scan_feed(&s, &b, &cfg_fields, req + at, end - at, &st, &h);
                if (st == SCAN_HEAD) {
                    for (int f = 0; f < 2; f++) {
                        glen[f] = h.flen[f] <= REQTAG_MAX_FIELD ? h.flen[f] : 0;
                        memcpy(gval[f], h.field[f], glen[f]);
                    }
                    heads++;
                }
            }
        }
        const char *want[2] = {tenant, user};
        bool ok = heads == 1;
        for (int f = 0; ok && f < 2; f++) {
            size_t wl = want[f] ? strlen(want[f]) : 0;
            ok = glen[f] == wl && memcmp(gval[f], want[f] ? want[f] : "", wl) == 0;
        }
        if (!ok) {
            CHECK(false, "%s (%s)", name, k == len ? "byte by byte" : "split");
            unit_diag("split at %zu: heads %d, tenant \"%.*s\", user \"%.*s\"", k, heads,
                      glen[0], gval[0], glen[1], gval[1]);
            return;
        }
    }
    CHECK(true, "%s", name);
}

static void test_fields(void)
{
    expect_fields("fields: both captured, trimmed",
                  "GET / HTTP/1.1\r\nX-Tenant:  acme \t\r\nx-user: bob\r\nX-Request-ID: a\r\n\r\n", "acme", "bob");
    expect_fields("fields: absent headers are absent", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", NULL, NULL);
    expect_fields("fields: quotes, backslashes and spaces are kept",
                  "GET / HTTP/1.1\r\nX-Tenant: a \"b\" \\c\r\n\r\n", "a \"b\" \\c", NULL);
    expect_fields("fields: a control byte or ESC voids the field",
                  "GET / HTTP/1.1\r\nX-Tenant: a\x1b[31m\r\nX-User: b\x01\r\n\r\n", NULL, NULL);
    expect_fields("fields: bytes over 0x7e void the field",
                  "GET / HTTP/1.1\r\nX-Tenant: caf\xc3\xa9\r\nX-User: \x7f\r\n\r\n", NULL, NULL);
    expect_fields("fields: the first of two headers counts",
                  "GET / HTTP/1.1\r\nX-Tenant: one\r\nX-Tenant: two\r\n\r\n", "one", NULL);
    expect_fields("fields: an unusable first header is not replaced by a second",
                  "GET / HTTP/1.1\r\nX-Tenant: \x01\r\nX-Tenant: two\r\n\r\n", NULL, NULL);
    expect_fields("fields: a folded value voids the field",
                  "GET / HTTP/1.1\r\nX-Tenant: a\r\n b\r\nX-User: u\r\n\r\n", NULL, "u");
    expect_fields("fields: empty is absent", "GET / HTTP/1.1\r\nX-Tenant:   \r\n\r\n", NULL, NULL);
    char req[512], v64[65], v65[66];
    memset(v64, 'x', 64);
    v64[64] = '\0';
    memset(v65, 'y', 65);
    v65[65] = '\0';
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nX-Tenant: %s\r\nX-User: %s\r\n\r\n", v64, v65);
    expect_fields("fields: 64 bytes kept, 65 refused", req, v64, NULL);
    expect_fields("fields: a traceparent-like value is a plain field",
                  "GET / HTTP/1.1\r\nX-User: " TP "\r\n\r\n", NULL, TP);
    /* A body never yields fields; the next request has its own. */
    expect_fields("fields: per request, a body skipped",
                  "POST / HTTP/1.1\r\nContent-Length: 13\r\nX-Tenant: t1\r\n\r\nX-Tenant: bad", "t1", NULL);
}

/* The drop reason a head reports (REQTAG_DEBUG), fed whole, byte by byte and in 7-byte pieces:
 * the one-pass path and the byte states must agree. */
static void expect_drop(const char *name, const struct reqtag_config *cfg, const char *req, unsigned why,
                        unsigned hdr)
{
    static const size_t steps[] = {0, 1, 7};
    size_t len = strlen(req);
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        struct scan s;
        static struct scan_buf b;
        struct scan_head h = {0}, got = {.dropped = 0xff};
        scan_init(&s);
        size_t step = steps[k] ? steps[k] : len;
        for (size_t i = 0; i < len; i += step) {
            size_t n = len - i < step ? len - i : step, at = 0;
            while (at < n) {
                enum scan_status st;
                at += scan_feed(&s, &b, cfg, req + i + at, n - at, &st, &h);
                if (st == SCAN_HEAD)
                    got = h;
                else
                    break;
            }
        }
        CHECK(got.dropped == why && (why == DROP_NONE || got.dropped_hdr == hdr),
              "%s (pieces of %zu): dropped %u from header %u, expected %u from %u", name, step,
              (unsigned)got.dropped, (unsigned)got.dropped_hdr, why, hdr);
    }
}

static void test_dropped(void)
{
    char longid[400];
    snprintf(longid, sizeof longid, "GET / HTTP/1.1\r\nX-Request-ID: %0250d\r\n\r\n", 7);
    expect_drop("good ID", &cfg_default, RA, DROP_NONE, 0);
    expect_drop("no ID header", &cfg_default, RC, DROP_NONE, 0);
    expect_drop("escape in the ID", &cfg_default, "GET / HTTP/1.1\r\nX-Request-ID: a\x1b[31m\r\n\r\n", DROP_UNSAFE, 0);
    expect_drop("empty ID", &cfg_default, "GET / HTTP/1.1\r\nX-Request-ID:   \r\n\r\n", DROP_UNSAFE, 0);
    expect_drop("250-byte ID", &cfg_default, longid, DROP_LONG, 0);
    expect_drop("folded ID", &cfg_default, "GET / HTTP/1.1\r\nX-Request-ID: f-1\r\n more\r\nHost: h\r\n\r\n",
                DROP_FOLDED, 0);
    expect_drop("bad traceparent, good X-Trace", &cfg_two,
                "GET / HTTP/1.1\r\ntraceparent: 00-zz-00f067aa0ba902b7-01\r\nX-Trace: t-1\r\n\r\n",
                DROP_TRACEPARENT, 1);
    expect_drop("next head starts clean", &cfg_default,
                "GET / HTTP/1.1\r\nX-Request-ID: a b\r\n\r\nGET / HTTP/1.1\r\nX-Request-ID: ok\r\n\r\n",
                DROP_NONE, 0);
}

/* A request the program sends in two calls cut between its blank line's CR and LF: the plan for
 * the second call (a copy of the connection's scanner, fed with a watch) must end the head at the
 * LF and not report the blank line again, or the added line would go between CR and LF. */
static void test_split_blank(void)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    static struct scan_buf sb, plan_sb;
    const struct watch w = {.n = 1, .len = {12}, .name = {"x-request-id"}};
    size_t n = sizeof req - 1;
    struct scan s, plan;
    enum scan_status st;
    struct scan_head h;
    scan_init(&s);
    size_t used = scan_feed(&s, &sb, &cfg_default, req, n - 2, &st, &h);
    CHECK(used == n - 2 && st == SCAN_NEED_MORE, "split blank line: the head up to its blank line is taken");
    plan = s;
    plan_sb = sb;
    used = scan_feed_watch(&plan, &plan_sb, &cfg_default, req + n - 2, 2, &st, &h, &w);
    CHECK(used == 0 && st == SCAN_BLANK, "split blank line: before the CR a line can be added");
    used = scan_feed(&s, &sb, &cfg_default, req + n - 2, 1, &st, &h);
    CHECK(used == 1 && st == SCAN_NEED_MORE, "split blank line: the CR alone is taken");
    plan = s;
    plan_sb = sb;
    used = scan_feed_watch(&plan, &plan_sb, &cfg_default, req + n - 1, 1, &st, &h, &w);
    CHECK(used == 1 && st == SCAN_HEAD, "split blank line: after its CR the LF ends the head, no line in between");
}

/* A request the program sends with a line that starts with a bare CR: no line is added to it
 * (no BLANK), the head is still counted; cut right after that CR, the next byte is not known and
 * the BLANK comes there (the documented limit). */
static void test_bare_cr(void)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\rX-Odd: 1\r\n\r\n";
    static struct scan_buf sb;
    const struct watch w = {.n = 1, .len = {12}, .name = {"x-request-id"}};
    size_t n = sizeof req - 1;
    struct scan s;
    enum scan_status st;
    struct scan_head h;
    scan_init(&s);
    size_t used = scan_feed_watch(&s, &sb, &cfg_default, req, n, &st, &h, &w);
    CHECK(used == n && st == SCAN_HEAD, "bare CR: the head ends at its blank line, no BLANK (%d at %zu)", (int)st, used);
    scan_init(&s);
    size_t cut = sizeof "GET / HTTP/1.1\r\nHost: h\r\n\r" - 1;
    used = scan_feed_watch(&s, &sb, &cfg_default, req, cut, &st, &h, &w);
    CHECK(used == cut - 1 && st == SCAN_BLANK, "bare CR at a buffer's end: BLANK before it (the byte after is unknown)");
}

int main(void)
{
    unit_seed(7);
    const char *why = NULL;
    settings_load(&cfg_default, NULL, NULL);
    settings_load(&cfg_two, NULL, NULL);
    int rc = settings_parse_one(settings_find("REQTAG_HEADER"), "X-Trace,traceparent", &cfg_two, &why);
    CHECK(rc == 0 && cfg_two.nheaders == 2, "config X-Trace,traceparent parsed");

    test_basic();
    test_long_heads();
    test_names();
    test_hostile();
    test_choice();
    test_sequence();
    test_bodies();
    test_opaque();
    test_dropped();
    test_split_blank();
    test_bare_cr();
    settings_load(&cfg_fields, NULL, NULL);
    rc = settings_parse_one(settings_find("REQTAG_FIELDS"), "tenant=X-Tenant, user=X-User", &cfg_fields, &why);
    CHECK(rc == 0 && cfg_fields.nfields == 2, "config tenant=X-Tenant, user=X-User parsed");
    test_fields();
    return unit_done();
}
