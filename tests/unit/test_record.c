/* test_record.c -- unit tests for JSON and logfmt records (shim/record.c). */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "unit.h"

static char out[RECORD_MAX(9000)];

static bool is(size_t n, const char *want)
{
    bool ok = n == strlen(want) && memcmp(out, want, n) == 0;
    if (!ok)
        unit_diag("got  %.*s\n# want %s", (int)n, out, want);
    return ok;
}

int main(void)
{
    char t[RECORD_TIME_LEN];
    size_t n = record_time(0, 0, t);
    CHECK(n == RECORD_TIME_LEN && memcmp(t, "1970-01-01T00:00:00.000000Z", n) == 0, "the epoch");
    n = record_time(1795253479, 145450, t); /* 2026-11-21T09:31:19.145450Z */
    CHECK(n == RECORD_TIME_LEN && memcmp(t, "2026-11-21T09:31:19.145450Z", n) == 0, "a date in 2026");
    n = record_time(951782400, 999999, t); /* 2000-02-29 */
    CHECK(memcmp(t, "2000-02-29T00:00:00.999999Z", RECORD_TIME_LEN) == 0, "a leap day");

    struct record_ctx rc = {.sec = 0, .usec = 0, .id = "abc-1", .idlen = 5, .pid = 12, .tid = 34};
    const char plain[] = "hello";
    CHECK(is(record_json(out, &rc, plain, 5),
             "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"req_id\":\"abc-1\",\"pid\":12,\"tid\":34,\"msg\":\"hello\"}\n"),
          "json: a plain line with a request");
    struct record_ctx no = rc;
    no.id = NULL;
    no.idlen = 0;
    CHECK(is(record_json(out, &no, plain, 5),
             "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"pid\":12,\"tid\":34,\"msg\":\"hello\"}\n"),
          "json: no request, no req_id");
    const char hostile[] = "a\"b\\c\x01\td\xff\xc3\xa9\xe2\x82\xac\xed\xa0\x80z";
    CHECK(is(record_json(out, &no, hostile, sizeof hostile - 1),
             "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"pid\":12,\"tid\":34,\"msg\":"
             "\"a\\\"b\\\\c\\u0001\\td\\u00ff\xc3\xa9\xe2\x82\xac\\u00ed\\u00a0\\u0080z\"}\n"),
          "json: quotes, backslashes, control bytes and invalid UTF-8 (a lone byte, a surrogate) escaped; valid UTF-8 kept");
    CHECK(is(record_logfmt(out, &rc, hostile, sizeof hostile - 1),
             "time=1970-01-01T00:00:00.000000Z req_id=abc-1 pid=12 tid=34 msg="
             "\"a\\\"b\\\\c\\x01\\td\\xff\xc3\xa9\xe2\x82\xac\\xed\\xa0\\x80z\"\n"),
          "logfmt: the same escaping with \\xNN");
    CHECK(is(record_json(out, &no, "", 0), "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"pid\":12,\"tid\":34,\"msg\":\"\"}\n"),
          "json: an empty line");
    /* 8 KB of the worst bytes fit the bound. */
    char *big = malloc(8192);
    memset(big, 0x01, 8192);
    n = record_json(out, &rc, big, 8192);
    CHECK(n <= record_max(8192) && out[n - 1] == '\n' && n > 8192 * 6, "8 KB of control bytes stay within record_max");
    free(big);
    /* A truncated multi-byte sequence at the end is escaped byte by byte. */
    const char cut[] = "x\xe2\x82";
    CHECK(is(record_json(out, &no, cut, 3),
             "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"pid\":12,\"tid\":34,\"msg\":\"x\\u00e2\\u0082\"}\n"),
          "json: a UTF-8 sequence cut short is escaped");

    struct record_ctx fr = rc;
    fr.nfields = 2;
    fr.fname[0] = "tenant";
    fr.fname_len[0] = 6;
    fr.fval[0] = "a \"b\" \\c=d";
    fr.flen[0] = 10;
    fr.fname[1] = "user";
    fr.fname_len[1] = 4;
    fr.fval[1] = "bob";
    fr.flen[1] = 3;
    CHECK(is(record_json(out, &fr, plain, 5),
             "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"req_id\":\"abc-1\",\"pid\":12,\"tid\":34,"
             "\"tenant\":\"a \\\"b\\\" \\\\c=d\",\"user\":\"bob\",\"msg\":\"hello\"}\n"),
          "json: fields after tid, escaped");
    CHECK(is(record_logfmt(out, &fr, plain, 5),
             "time=1970-01-01T00:00:00.000000Z req_id=abc-1 pid=12 tid=34 tenant=\"a \\\"b\\\" \\\\c=d\" user=bob "
             "msg=\"hello\"\n"),
          "logfmt: fields after tid, quoted only when needed");
    return unit_done();
}
