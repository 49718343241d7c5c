/* token.h -- the header-name and framing-value checks both HTTP scanners share (pure, inline).
 *
 * Contract: names are compared case-insensitively against a lowercase name; values are given
 * without their line end. token_decimal() accepts 1 to 18 digits and nothing else;
 * token_chunked_last() is true when "chunked" (any case) is the last coding listed.
 */
#ifndef REQTAG_TOKEN_H
#define REQTAG_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline unsigned char token_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline bool token_name_is(const char *p, size_t n, const char *lower_name, size_t len)
{
    if (n != len)
        return false;
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
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
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

#endif
