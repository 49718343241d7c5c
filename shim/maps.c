/* maps.c -- parse /proc/self/maps lines by hand to name the module behind an address. */
#include "maps.h"

static bool hexnum(const char **p, const char *end, uintptr_t *out)
{
    uintptr_t v = 0;
    const char *s = *p;
    int digits = 0;
    for (; s < end; s++) {
        char c = *s;
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0 || digits == 16)
            break;
        v = v * 16 + (uintptr_t)d;
        digits++;
    }
    *p = s;
    *out = v;
    return digits > 0;
}

static const char *skip_field(const char *p, const char *end)
{
    while (p < end && *p != ' ')
        p++;
    while (p < end && *p == ' ')
        p++;
    return p;
}

bool maps_lookup(const char *text, size_t len, uintptr_t pc, const char **path, size_t *pathlen,
                 uintptr_t *modoff)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n')
            eol++;
        uintptr_t start, stop, off;
        const char *q = p;
        if (hexnum(&q, eol, &start) && q < eol && *q == '-' && (q++, hexnum(&q, eol, &stop)) &&
            pc >= start && pc < stop) {
            q = skip_field(q, eol);      /* to perms */
            q = skip_field(q, eol);      /* to offset */
            if (!hexnum(&q, eol, &off))
                off = 0;
            q = skip_field(q, eol);      /* to dev */
            q = skip_field(q, eol);      /* to inode */
            q = skip_field(q, eol);      /* to path, if any */
            *path = q;
            *pathlen = (size_t)(eol - q);
            *modoff = pc - start + off;
            return true;
        }
        p = eol < end ? eol + 1 : end;
    }
    return false;
}
