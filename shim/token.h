/* token.h -- the line finder, header-name and framing-value checks both HTTP scanners share (pure, inline).
 *
 * Contract: names are compared case-insensitively against a lowercase name; values are given
 * without their line end. token_decimal() accepts 1 to 18 digits and nothing else;
 * token_chunked_last() is true when "chunked" (any case) is the last coding listed.
 * Nothing reads a byte outside the lengths it is given.
 */
#ifndef REQTAG_TOKEN_H
#define REQTAG_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static inline unsigned char token_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline uint64_t token_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* p[0..8) is "HTTP/1." and a digit, the version both heads carry (8 bytes readable at p). */
static inline bool token_http1(const char *p)
{
    static const char mask[8] = {-1, -1, -1, -1, -1, -1, -1, 0};
    return (token_load8(p) & token_load8(mask)) == token_load8("HTTP/1.\0") && (unsigned char)(p[7] - '0') <= 9;
}

/* 0x20 in each byte of x that is a lowercase letter (where a name's byte may differ in case),
 * 0 in the others; no carry crosses a byte, whatever x holds. */
static inline uint64_t token_case_bits(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, low = x & 0x7f * ones;
    return ((low + (0x80 - 'a') * ones) & ~(low + (0x80 - 'z' - 1) * ones) & ~x & 0x80 * ones) >> 2;
}

static inline bool token_name_is(const char *p, size_t n, const char *lower_name, size_t len)
{
    if (n != len)
        return false;
    if (n >= 8 && n <= 16) { /* two blocks of 8, overlapping as needed: no byte outside either string read */
        uint64_t a = token_load8(lower_name), b = token_load8(lower_name + n - 8);
        return (((token_load8(p) | token_case_bits(a)) ^ a) | ((token_load8(p + n - 8) | token_case_bits(b)) ^ b)) == 0;
    }
    if (n > 16) { /* 8 bytes at a time, the last block overlapping */
        for (size_t i = 0;; i += 8) {
            if (i + 8 > n)
                i = n - 8;
            uint64_t want = token_load8(lower_name + i);
            if ((token_load8(p + i) | token_case_bits(want)) != want)
                return false;
            if (i + 8 >= n)
                return true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        /* Equal, or differing only in the case bit where the name has a letter. */
        unsigned char want = (unsigned char)lower_name[i], d = (unsigned char)p[i] ^ want;
        if (d != 0 && (d != 0x20 || (unsigned char)(want - 'a') > 'z' - 'a'))
            return false;
    }
    return true;
}

/* The value's length without trailing blanks and CR. */
static inline size_t token_trim_end(const char *p, size_t n)
{
    /* One bit test a byte: bit c of 0x100002200 is set for c = SP, HT, CR. */
    while (n > 0 && (unsigned char)p[n - 1] <= ' ' && ((0x100002200ull >> (unsigned char)p[n - 1]) & 1))
        n--;
    return n;
}

static inline bool token_decimal(const char *p, size_t n, uint64_t *v)
{
    if (n == 0 || n > 18)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(p[i] - '0');
    }
    *v = x;
    return true;
}

/* Chunked is framing only when it is the last coding listed. */
static inline bool token_chunked_last(const char *p, size_t n)
{
    if (n < 7)
        return false;
    size_t st = n - 7;
    if (!token_name_is(p + st, 7, "chunked", 7))
        return false;
    return st == 0 || p[st - 1] == ' ' || p[st - 1] == ',' || p[st - 1] == '\t';
}

/* p[0] is a CR at a line's start: true when the CRs there run into a byte other than LF within
 * p[0..n) (a bare CR, not a blank line). False when they reach n: the next byte is not known yet. */
static inline bool token_bare_cr(const char *p, size_t n)
{
    size_t j = 1;
    while (j < n && p[j] == '\r')
        j++;
    return j < n && p[j] != '\n';
}

/* Bit k set: p[k] is '\n' (16 bytes compared at once where SSE2 is there). Lines are found this
 * way, a whole head in one pass, instead of with a memchr call per line. */
static inline uint32_t token_nl16(const char *p)
{
#ifdef __SSE2__
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
#else
    uint32_t m = 0;
    for (unsigned k = 0; k < 16; k++)
        m |= (uint32_t)(p[k] == '\n') << k;
    return m;
#endif
}

/* The line ends in the next bytes of p[0..n) from *scanned (up to 32 of them): a mask based at
 * *base; *scanned moves past the bytes looked at. */
static inline uint32_t token_line_ends(const char *p, size_t *scanned, size_t n, size_t *base)
{
    size_t from = *scanned, left = n - from;
    if (left >= 32) {
        *base = from;
        *scanned = from + 32;
        return token_nl16(p + from) | token_nl16(p + from + 16) << 16;
    }
    *scanned = n;
    if (left >= 16) { /* the rest: 16 bytes, then the buffer's last 16 less those just looked at */
        *base = from;
        return token_nl16(p + from) | token_nl16(p + n - 16) >> (32 - left) << 16;
    }
    if (n >= 16) { /* the buffer's last 16 bytes, less those looked at before */
        *base = n - 16;
        return token_nl16(p + *base) >> (16 - left) << (16 - left);
    }
    const char *nl = left > 0 ? memchr(p + from, '\n', left) : NULL;
    *base = nl != NULL ? (size_t)(nl - p) : 0;
    *scanned = nl != NULL ? *base + 1 : n;
    return nl != NULL;
}

#endif
