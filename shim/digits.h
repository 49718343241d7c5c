/* digits.h -- spell an unsigned number in decimal without stdio (pure, async-signal-safe).
 *
 * Contract: digits_u64() writes the digits of v at the END of d (DIGITS_MAX bytes) and returns
 * a pointer to the first one; *n is their count. No terminator.
 */
#ifndef REQTAG_DIGITS_H
#define REQTAG_DIGITS_H

#include <stddef.h>
#include <stdint.h>

enum { DIGITS_MAX = 20 };

static inline const char *digits_u64(char d[DIGITS_MAX], uint64_t v, size_t *n)
{
    size_t i = DIGITS_MAX;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    *n = DIGITS_MAX - i;
    return d + i;
}

#endif
