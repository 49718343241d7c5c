/* summary.h -- one line per finished request (REQTAG_SUMMARY): the access log for servers that have none.
 *
 * Contract: summary_write() writes, with one write on fd 2, the line
 *   reqtag: summary method=GET path=/x status=200 bytes=123 duration_us=456
 * tagged with (text) or recorded under (logfmt, json) the request's own ID, whatever the calling
 * thread works on. The path is the request target as read (cut at REQTAG_MAX_PATH bytes), bytes
 * outside printable ASCII spelled %XX; status 0 means no response was written; bytes are the
 * bytes the program wrote for the response (head and body). Held line pieces are not touched.
 */
#ifndef REQTAG_SUMMARY_H
#define REQTAG_SUMMARY_H

#include <stdint.h>

#include "context.h"

void summary_write(const struct reqctx *req, uint16_t code, uint64_t bytes);
/* The line itself, without tag or newline, into out (SUMMARY_MAX bytes); returns its length. */
size_t summary_line(char *out, const struct reqctx *req, uint16_t code, uint64_t bytes, uint64_t dur_us);

enum { SUMMARY_MAX = 128 + 3 * REQTAG_MAX_PATH + REQTAG_MAX_METHOD };

#endif
