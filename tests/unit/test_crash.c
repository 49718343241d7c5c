/* test_crash.c -- unit tests for crash report lines (shim/crashfmt.c) and module lookup (shim/maps.c). */
#include <signal.h>
#include <string.h>

#include "crashfmt.h"
#include "maps.h"
#include "unit.h"

static char buf[512];

static bool line_is(size_t n, const char *want)
{
    bool ok = n == strlen(want) && memcmp(buf, want, n) == 0;
    if (!ok)
        unit_diag("got \"%.*s\", expected \"%s\"", (int)n, buf, want);
    return ok;
}

static const char maps[] =
    "55d0c2a1a000-55d0c2a1b000 r--p 00000000 08:01 123 /usr/local/bin/server\n"
    "55d0c2a1b000-55d0c2a1c000 r-xp 00001000 08:01 123 /usr/local/bin/server\n"
    "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
    "7f1000000000-7f1000100000 r-xp 00026000 08:01 456                        /usr/lib/libc.so.6\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]";

int main(void)
{
    struct crash_info ci = {.sig = SIGSEGV, .has_addr = true, .addr = 0x10, .tid = 4711,
                            .id = "abc-1", .idlen = 5, .has_elapsed = true, .elapsed_ms = 12};
    CHECK(line_is(crash_header(buf, sizeof buf, &ci),
                  "reqtag: SIGSEGV (address 0x10) in thread 4711 while handling abc-1, 12 ms into the request\n"),
          "header with a request, an address and the elapsed time");
    struct crash_info none = {.sig = SIGABRT, .tid = 7};
    CHECK(line_is(crash_header(buf, sizeof buf, &none), "reqtag: SIGABRT in thread 7, handling no request\n"),
          "header without a request or an address");
    struct crash_info odd = {.sig = 63, .tid = 1};
    CHECK(line_is(crash_header(buf, sizeof buf, &odd), "reqtag: signal 63 in thread 1, handling no request\n"),
          "an unnamed signal is given by number");
    CHECK(line_is(crash_frame(buf, sizeof buf, 0, 0x55d0c2a1b2c3, "handle_crash", 0x13,
                              "/usr/local/bin/server", 21, true, 0x12c3),
                  "reqtag:   #0 0x55d0c2a1b2c3 handle_crash+0x13 (/usr/local/bin/server+0x12c3)\n"),
          "frame with function and module");
    CHECK(line_is(crash_frame(buf, sizeof buf, 12, 0x1000, "", 0, NULL, 0, false, 0), "reqtag:   #12 0x1000 ?\n"),
          "frame with nothing known");
    size_t n = crash_header(buf, 20, &ci);
    CHECK(n == 20 && buf[19] == '\n', "a header cut at the buffer's end still ends in a newline");
    CHECK(crash_header(buf, 0, &ci) == 0, "a zero-size buffer gets nothing");
    CHECK(crash_signame(SIGBUS) && strcmp(crash_signame(SIGBUS), "SIGBUS") == 0 && crash_signame(SIGUSR1) == NULL,
          "signal names: known ones by name, others none");

    const char *path;
    size_t plen;
    uintptr_t off;
    bool found = maps_lookup(maps, sizeof maps - 1, 0x55d0c2a1b2c3, &path, &plen, &off);
    CHECK(found && plen == 21 && memcmp(path, "/usr/local/bin/server", plen) == 0 && off == 0x12c3,
          "an address in the executable's text: its path and file offset");
    found = maps_lookup(maps, sizeof maps - 1, 0x7f1000000010, &path, &plen, &off);
    CHECK(found && plen == 18 && memcmp(path, "/usr/lib/libc.so.6", plen) == 0 && off == 0x26010,
          "a library mapped at a file offset: the offset is added");
    found = maps_lookup(maps, sizeof maps - 1, 0x7f0000000100, &path, &plen, &off);
    CHECK(found && plen == 0, "an anonymous mapping has no path");
    found = maps_lookup(maps, sizeof maps - 1, 0x7ffd00000008, &path, &plen, &off);
    CHECK(found && plen == 7 && memcmp(path, "[stack]", 7) == 0, "the last line, without a newline, is read");
    CHECK(!maps_lookup(maps, sizeof maps - 1, 0x1234, &path, &plen, &off), "an unmapped address is not found");
    CHECK(!maps_lookup("garbage\nmore garbage", 20, 0x1234, &path, &plen, &off), "garbage finds nothing");
    return unit_done();
}
