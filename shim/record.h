/* record.h -- one log line as a structured record: JSON or logfmt, escaped, one line out (pure).
 *
 * Contract:
 * - record_max(n) bounds the bytes a record of an n-byte line can take.
 * - record_json() and record_logfmt() write the record for line (n bytes, without its '\n') into
 *   out (record_max(n) bytes) and return its length, ending in '\n'. They never fail.
 *   JSON: {"time":"2026-11-21T09:51:19.123456Z","req_id":"ID","pid":1,"tid":2,"msg":"..."};
 *   req_id is left out when the line has no request. msg escapes '"', '\\' and control bytes
 *   (\n \r \t \b \f, else \u00XX); a byte that is not part of valid UTF-8 becomes \u00XX too, so
 *   every record is valid JSON and no byte of the line is lost.
 *   logfmt: time=... req_id=ID pid=1 tid=2 msg="..." with the same escaping rules inside quotes
 *   (bytes that are not valid UTF-8 as \xNN).
 *   Fields (REQTAG_FIELDS) present for the request come after tid, as string keys; a logfmt value
 *   is quoted when it holds a space, '"', '=' or '\\' (or is empty).
 * - record_time() spells a CLOCK_REALTIME timestamp as RFC 3339 UTC with microseconds (27 bytes).
 */
#ifndef REQTAG_RECORD_H
#define REQTAG_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "../common/settings.h"

struct record_ctx {
    int64_t sec;          /* CLOCK_REALTIME */
    long usec;
    const char *id;       /* NULL or idlen 0: no request */
    size_t idlen;
    long pid, tid;
    unsigned nfields;     /* fields present, in order: "name":"value" after tid */
    const char *fname[REQTAG_MAX_FIELDS], *fval[REQTAG_MAX_FIELDS];
    size_t fname_len[REQTAG_MAX_FIELDS], flen[REQTAG_MAX_FIELDS];
};

enum { RECORD_TIME_LEN = 27 };

#define RECORD_MAX(n) ((n) * 6 + 656 + REQTAG_MAX_FIELDS * (REQTAG_MAX_FIELD_NAME + 8 + REQTAG_MAX_FIELD * 6)) /* a constant expression, for static buffers */

static inline size_t record_max(size_t n)
{
    return RECORD_MAX(n);
}

size_t record_time(int64_t sec, long usec, char out[RECORD_TIME_LEN]);
size_t record_json(char *out, const struct record_ctx *rc, const char *line, size_t n);
size_t record_logfmt(char *out, const struct record_ctx *rc, const char *line, size_t n);

#endif
