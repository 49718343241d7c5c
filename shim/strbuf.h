/* strbuf.h -- a format buffer for the stdio hooks: 1 KiB on the stack, mmap'd beyond (no malloc).
 *
 * Contract: strbuf_init() readies an empty buffer; strbuf_vformat() appends the program's
 * formatted text (chk_flag >= 0: with glibc's fortify checks, as __vfprintf_chk would) and
 * returns the number of bytes appended, or -1 with errno (ENOMEM, or the formatter's error);
 * strbuf_put() appends raw bytes (silently cut when memory runs out). The caller owns the
 * buffer and must call strbuf_free(). errno is not changed on success.
 */
#ifndef REQTAG_STRBUF_H
#define REQTAG_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *p;
    size_t len, cap;
    int mapped;
    char stack[1024];
};

void strbuf_init(struct strbuf *sb);
int strbuf_vformat(struct strbuf *sb, int chk_flag, const char *fmt, va_list ap);
int strbuf_format(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_put(struct strbuf *sb, const char *s, size_t n);
/* Make room for extra more bytes (and a terminator): 0, or -1 when memory ran out. */
int strbuf_reserve(struct strbuf *sb, size_t extra);
void strbuf_free(struct strbuf *sb);

#endif
