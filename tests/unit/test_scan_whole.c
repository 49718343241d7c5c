/* test_scan_whole.c -- the request scanner's whole-head path agrees with its byte states (random and hostile heads, any cut). */
#include <stdlib.h>
#include <string.h>

#include "scan.h"
#include "settings.h"
#include "token.h"
#include "unit.h"

#define TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

/* Request lines: good ones, and ones only the byte states may judge (a method of 32 and 33
 * bytes, an empty target, a space or CR in the target, a bad version, CRs after it). */
static const char *const reqline[] = {
    "GET / HTTP/1.1\r\n",
    "GET /r/cg-17 HTTP/1.1\r\n",
    "HEAD /h HTTP/1.1\r\n",
    "head /h HTTP/1.1\r\n",
    "HEADS /h HTTP/1.0\n",
    "HEAP /h HTTP/1.1\r\n",
    "POST /api/v1/orders?page=2&limit=50 HTTP/1.1\r\n",
    "GET /0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 HTTP/1.1\r\n",
    "VERYLONGMETHODNAME /m HTTP/1.1\r\n",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF /m HTTP/1.1\r\n",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG /m HTTP/1.1\r\n",
    "GET  HTTP/1.1\r\n",
    "GET /a b HTTP/1.1\r\n",
    "GET /a\rb HTTP/1.1\r\n",
    "GET /a\rHTTP/1.1\r\n",
    "GET / HTTP/1.1\r\r\n",
    "GET / HTTP/1.1 \r\n",
    "GET / HTTP/2.0\r\n",
    "GET / HTTP/1.x\r\n",
    "GET / http/1.1\r\n",
    "GET /\r\n",
    "G(T / HTTP/1.1\r\n",
    "\r\nGET /lead HTTP/1.1\r\n",
    "\x16\x03\x01\x00\xa5\x01",
    "GET /tab\there HTTP/1.1\r\n",
    "M-!#$%&'*+.^_`|~ /tok HTTP/1.9\r\n",
};

/* Header lines: the ID headers in any case and in near misses, good and unsafe values (200,
 * 201 and 202 bytes, trailing blanks, blanks past the kept length), traceparents, framing
 * headers, fields, folds, CR and control bytes at a line start, lines with no colon. */
static const char *const pool[] = {
    "Host: 127.0.0.1\r\n",
    "User-Agent: kaclient\r\n",
    "Accept: */*\r\n",
    "X-Request-ID: cg-1\r\n",
    "x-request-id:abc\r\n",
    "X-REQUEST-ID: \t AZaz09-_.:/+=@ \t \r\n",
    "X-Request-ID: bad value\r\n",
    "X-Request-ID: semi;colon\r\n",
    "X-Request-ID: \r\n",
    "X-Request-ID:\n",
    "X-Request-ID: lf-only\n",
    "X-Request-ID: cr\rinside\r\n",
    "X-Request-ID: caf\xc3\xa9\r\n",
    "X-Request-ID : spaced\r\n",
    "X-Request-IDs: plural\r\n",
    "X-Request-I: short\r\n",
    "X-Request-ID\r\n",
    "X-Request-ID: @200\r\n",
    "X-Request-ID: @201\r\n",
    "X-Request-ID: @202\r\n",
    "X-Request-ID: @200   \t  \r\n",
    "X-Request-ID: @201\t\t\t\t\r\n",
    "X-Trace: mine\r\n",
    "x-trace: other-one\r\n",
    "X-Trace: no good\r\n",
    "traceparent: " TP "\r\n",
    "TraceParent: 01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ab-extra\r\n",
    "traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01\r\n",
    "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n",
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \r\n",
    /* Later versions may be longer: 200, 201 and 202 bytes (only what the byte states keep counts). */
    "traceparent: 01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-@144\r\n",
    "traceparent: 01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-@145\r\n",
    "traceparent: 01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-@146\r\n",
    "Content-Length: 5\r\n",
    "content-length:0\r\n",
    "CONTENT-LENGTH:  5 \t\r\n",
    "Content-Length: 6\r\n",
    "Content-Length: abc\r\n",
    "Content-Length:\r\n",
    "Content-Length: 1234567890123456789\r\n",
    "Content-Length: 000000000000000005\r\n",
    "Content-Length : 5\r\n",
    "Transfer-Encoding: chunked\r\n",
    "transfer-encoding: gzip, chunked\r\n",
    "Transfer-Encoding: chunked, gzip\r\n",
    "TRANSFER-ENCODING:chunked\n",
    "Transfer-Encoding: @192, chunked\r\n",
    "Transfer-Encoding: @193, chunked\r\n",
    "X-Tenant: acme\r\n",
    "x-tenant:  a \"b\" \\c \t\r\n",
    "X-Tenant: \x1b[31m\r\n",
    "X-Tenant: del\x7f\r\n",
    "X-Tenant: @64\r\n",
    "X-Tenant: @65\r\n",
    "X-User: bob\r\n",
    "X-User: caf\xc3\xa9\r\n",
    "X-User:   \r\n",
    "\xc3\xa9: high\r\n",
    "c\r\n",
    "t:\r\n",
    "x:\r\n",
    ":\r\n",
    "No-Colon-Here\r\n",
    "Cookie: a=0123456789012345678901234567890123456789; b=0123456789012345678901234567890123456789\r\n",
    /* UNUSUAL from here: the whole-head path leaves heads with these to the byte states. */
    " folded\r\n",
    "\tfolded too\r\n",
    "\rX-Request-ID: cr-start\r\n",
    "\x01X-Request-ID: ctl\r\n",
    " \n",
    "\x01\n",
    "X-Request-ID: @300\r\n",
    "Transfer-Encoding: @300\r\n",
};
enum { NPOOL = sizeof pool / sizeof pool[0], UNUSUAL = NPOOL - 8 };

static const char *const blank[] = {"\r\n", "\n", "\r\n", "\r\r\n", "\r\n"};
static const char *const bodies[] = {"", "", "12345", "5\r\nabcde\r\n0\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "abc"};

/* Append s, spelling "@N" as N ID-safe bytes. */
static size_t add(char *buf, size_t at, size_t cap, const char *s)
{
    for (; *s && at < cap; s++) {
        if (*s == '@' && s[1] >= '0' && s[1] <= '9') {
            int k = atoi(s + 1);
            for (int j = 0; j < k && at < cap; j++)
                buf[at++] = (char)('a' + j % 26);
            while (s[1] >= '0' && s[1] <= '9')
                s++;
        } else {
            buf[at++] = *s;
        }
    }
    return at;
}

/* One to three requests: a request line, headers, a blank line, maybe a body. */
static size_t make(char *buf, size_t cap)
{
    size_t n = 0;
    for (int k = 1 + (int)unit_rnd(3); k > 0; k--) {
        /* Mostly good request lines: the rest stop the scan for good. */
        n = add(buf, n, cap, unit_rnd(4) ? reqline[unit_rnd(6)] : reqline[unit_rnd(sizeof reqline / sizeof reqline[0])]);
        size_t from = unit_rnd(4) ? UNUSUAL : NPOOL;
        for (int h = (int)unit_rnd(8); h > 0; h--)
            n = add(buf, n, cap, pool[unit_rnd(from)]);
        n = add(buf, n, cap, blank[unit_rnd(sizeof blank / sizeof blank[0])]);
        n = add(buf, n, cap, bodies[unit_rnd(sizeof bodies / sizeof bodies[0])]);
    }
    return n;
}

static size_t put(char *out, size_t o, size_t cap, const char *what, const char *p, size_t n)
{
    o += (size_t)snprintf(out + o, cap - o, "%s=", what);
    for (size_t i = 0; i < n && o < cap - 8; i++) {
        unsigned char c = (unsigned char)p[i];
        o += (size_t)snprintf(out + o, cap - o, (c > 32 && c < 127 && c != '\\') ? "%c" : "\\x%02x", c);
    }
    return o < cap - 1 ? o + (size_t)snprintf(out + o, cap - o, " ") : o;
}

static int fast_heads, all_heads;

/* Feed buf in pieces (step 0: whole; > 0: that size; < 0: random sizes), each piece in a heap
 * block of exactly its size (a read past it is caught), and write everything each head said. */
static void trace(const struct reqtag_config *cfg, const char *buf, size_t len, int step, char *out, size_t cap)
{
    struct scan s;
    static struct scan_buf b;
    scan_init(&s);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0, piece; i < len; i += piece) {
        piece = unit_piece(step, len - i, 40);
        char *p = malloc(piece);
        memcpy(p, buf + i, piece);
        for (size_t done = 0; done < piece;) {
            enum scan_status st;
            struct scan_head h;
            memset(&h, 0x5a, sizeof h);
            if (!scan_mid_head(&s))
                memset(&b, 0xa5, sizeof b); /* outside a head the buffer is scratch */
            size_t c = scan_feed(&s, &b, cfg, p + done, piece - done, &st, &h);
            done += c;
            if (st == SCAN_NEED_MORE)
                continue;
            if (st == SCAN_OPAQUE) { /* everything consumed: where it was found depends on the cut */
                snprintf(out + o, cap - o, "OPAQUE");
                free(p);
                return;
            }
            if (step == 0) {
                all_heads++;
                fast_heads += h.method >= p && h.method < p + piece;
            }
            o += (size_t)snprintf(out + o, cap - o, "%d@%zu head=%u tp=%u/%u ", (int)st, i + done, h.is_head,
                                  h.traceparent, h.trace_flags);
            o = put(out, o, cap, "m", h.method, h.mlen);
            o = put(out, o, cap, "p", h.path, h.plen);
            o = put(out, o, cap, "id", h.id, h.idlen);
            for (int k = 0; k < REQTAG_MAX_FIELDS; k++)
                o = put(out, o, cap, "f", h.field[k], h.flen[k]);
            o += (size_t)snprintf(out + o, cap - o, "| ");
            if (o >= cap - 512) {
                free(p);
                return;
            }
        }
        free(p);
    }
}

static void agree(const struct reqtag_config *cfg, const char *name)
{
    static char buf[8192], a[16384], b[16384];
    bool ok = true;
    fast_heads = all_heads = 0;
    for (int round = 0; round < 4000 && ok; round++) {
        size_t len = make(buf, sizeof buf);
        trace(cfg, buf, len, 1, a, sizeof a);
        int steps[] = {0, -1, 7, 64};
        for (size_t s = 0; s < sizeof steps / sizeof steps[0] && ok; s++) {
            trace(cfg, buf, len, steps[s], b, sizeof b);
            if (strcmp(a, b) != 0) {
                ok = false;
                unit_diag("step %d:\n  bytes \"%s\"\n  vs    \"%s\"\n  for %.*s", steps[s], a, b, (int)len, buf);
            }
        }
    }
    CHECK(ok, "%s: whole heads, pieces and single bytes report the same", name);
    /* The whole-head path answers with pointers into the caller's bytes: it was taken often. */
    CHECK(fast_heads * 2 > all_heads, "%s: the whole-head path took %d of %d heads", name, fast_heads, all_heads);
}

/* token_name_is (8 bytes at a time) against a byte-by-byte reading of its rule, for every byte
 * value at every place of names of 1 to 20 bytes; token_trim_end for every byte value. */
static void test_token(void)
{
    static const char name[] = "x-request-id!#$%&'*+.^_`|~09az";
    bool ok = true;
    for (size_t len = 1; len <= 20 && ok; len++) {
        for (size_t at = 0; at < len && ok; at++) {
            const char *lower = name + (len * 7) % 10;
            for (int c = 0; c < 256 && ok; c++) {
                char *p = malloc(len), *l = malloc(len);
                memcpy(p, lower, len);
                memcpy(l, lower, len);
                p[at] = (char)c;
                unsigned char want = (unsigned char)l[at];
                bool exp = c == want || (want >= 'a' && want <= 'z' && c == want - 32);
                if (token_name_is(p, len, l, len) != exp) {
                    ok = false;
                    unit_diag("length %zu, byte %zu: 0x%02x against '%c'", len, at, c, want);
                }
                free(p);
                free(l);
            }
        }
    }
    CHECK(ok, "token_name_is: every byte at every place, names of 1 to 20 bytes");

    /* token_trim_end (a bit test a byte): SP, HT and CR go, every other byte stays. */
    ok = true;
    for (int c = 0; c < 256; c++) {
        char v[3] = {'a', (char)c, (char)c};
        size_t want = (c == ' ' || c == '\t' || c == '\r') ? 1 : 3;
        if (token_trim_end(v, 3) != want) {
            ok = false;
            unit_diag("byte 0x%02x: %zu bytes kept", c, token_trim_end(v, 3));
        }
    }
    CHECK(ok, "token_trim_end: only SP, HT and CR are trimmed");
}

static void load(struct reqtag_config *cfg, const char *headers, const char *fields)
{
    const char *why = NULL;
    settings_load(cfg, NULL, NULL);
    if (headers != NULL && settings_parse_one(settings_find("REQTAG_HEADER"), headers, cfg, &why) != 0)
        unit_diag("REQTAG_HEADER %s: %s", headers, why);
    if (fields != NULL && settings_parse_one(settings_find("REQTAG_FIELDS"), fields, cfg, &why) != 0)
        unit_diag("REQTAG_FIELDS %s: %s", fields, why);
}

int main(void)
{
    unit_seed(13);
    static struct reqtag_config cfg;
    test_token();
    load(&cfg, NULL, NULL);
    agree(&cfg, "X-Request-ID");
    load(&cfg, "X-Trace,traceparent", NULL);
    agree(&cfg, "X-Trace,traceparent");
    load(&cfg, "traceparent,X-Request-ID", "tenant=X-Tenant, user=X-User");
    agree(&cfg, "traceparent,X-Request-ID with two fields");
    load(&cfg, "X-Request-ID,Content-Length", "rid=X-Request-ID, tp=traceparent, len=Content-Length, u=X-User");
    agree(&cfg, "ID and framing headers that are fields too");
    return unit_done();
}
