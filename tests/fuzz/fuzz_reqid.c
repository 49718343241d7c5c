/* fuzz_reqid.c -- libFuzzer: reqid_safe, reqid_traceparent and reqid_hex on arbitrary bytes against the contract's rules written out again. */
#include <stdbool.h>

#include "fuzz.h"
#include "reqid.h"
#include "settings.h"

/* reqid.h's safe bytes, by ranges and a list rather than through its table. */
static bool safe_byte(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '-': case '_': case '.': case ':': case '/': case '+': case '=': case '@':
        return true;
    default:
        return false;
    }
}

static bool lower_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strchr("0123456789abcdef", p[i]) == NULL || p[i] == '\0')
            return false;
    return true;
}

/* W3C traceparent as reqid.h states it: version-traceid-parentid-flags, version 00 exactly 55
 * bytes, a later one 55 or more with '-' after the flags, never ff, trace-id not all zeros. */
static bool own_traceparent(const char *p, size_t n)
{
    if (n < 55 || !lower_hex(p, 2) || (p[0] == 'f' && p[1] == 'f'))
        return false;
    bool v00 = p[0] == '0' && p[1] == '0';
    if ((v00 && n != 55) || (!v00 && n > 55 && p[55] != '-'))
        return false;
    if (p[2] != '-' || p[35] != '-' || p[52] != '-')
        return false;
    if (!lower_hex(p + 3, 32) || !lower_hex(p + 36, 16) || !lower_hex(p + 53, 2))
        return false;
    for (size_t i = 3; i < 35; i++)
        if (p[i] != '0')
            return true;
    return false;
}

static void check_safe(const char *p, size_t n)
{
    bool want = n >= 1 && n <= REQTAG_MAX_ID;
    for (size_t i = 0; want && i < n; i++)
        want = safe_byte((unsigned char)p[i]);
    if (reqid_safe(p, n) != want) {
        fuzz_dump("value", p, n);
        fuzz_fail("reqid_safe says %d, the rule %d", !want, want);
    }
}

static void check_traceparent(const char *p, size_t n)
{
    char out[33];
    memset(out, '!', sizeof out);
    bool got = reqid_traceparent(p, n, out), want = own_traceparent(p, n);
    if (got != want) {
        fuzz_dump("value", p, n);
        fuzz_fail("reqid_traceparent says %d, the rule %d", got, want);
    }
    for (size_t i = 0; i < sizeof out; i++)
        if (got ? (i < 32 && out[i] != p[3 + i]) || (i == 32 && out[i] != '!') : out[i] != '!') {
            fuzz_dump("value", p, n);
            fuzz_dump("out", out, sizeof out);
            fuzz_fail(got ? "the trace-id copied wrong" : "out written on a refusal");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size == 0)
        return 0;
    /* Each value in its own exact heap block: a read past its end is an ASan report. */
    char *p = fuzz_copy(in, size);
    check_safe(p, size);
    check_traceparent(p, size);
    /* Every split into a value and what follows: the prefixes lengths near the limits get. */
    for (size_t n = 1; n < size && n <= REQTAG_MAX_ID + 2; n++) {
        char *q = fuzz_copy(in, n);
        check_safe(q, n);
        if (n >= 55)
            check_traceparent(q, n);
        free(q);
    }
    if (size >= 16) {
        char hex[32];
        reqid_hex(in, hex);
        for (int i = 0; i < 32; i++) {
            unsigned nib = (i & 1) ? in[i / 2] & 15u : in[i / 2] >> 4;
            if (hex[i] != "0123456789abcdef"[nib])
                fuzz_fail("reqid_hex: digit %d is '%c' for byte 0x%02x", i, hex[i], in[i / 2]);
        }
    }
    free(p);
    return 0;
}
