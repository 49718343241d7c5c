/* test_reqid.c -- unit tests for the safe-ID check, traceparent parsing and ID generation (shim/reqid.c). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reqid.h"
#include "settings.h"
#include "unit.h"

#define TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
#define TP_ID "4bf92f3577b34da6a3ce929d0e0e4736"

static const char SAFE[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/+=@";

static void test_safe(void)
{
    CHECK(reqid_safe(SAFE, strlen(SAFE)), "every allowed character together is safe");
    static const char *const classes[] = {"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz",
                                          "0123456789", "-", "_", ".", ":", "/", "+", "=", "@"};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        bool ok = true;
        for (const char *c = classes[i]; *c; c++)
            ok = ok && reqid_safe(c, 1);
        CHECK(ok, "safe as a 1-byte ID: %s", classes[i]);
    }

    /* Every byte not in SAFE is rejected, alone and inside an otherwise good ID. */
    static const struct {
        const char *name;
        int lo, hi;
    } bad[] = {
        {"NUL and control bytes", 0x00, 0x1f}, {"space", ' ', ' '},         {"double quote", '"', '"'},
        {"semicolon", ';', ';'},               {"DEL", 0x7f, 0x7f},         {"non-ASCII", 0x80, 0xff},
        {"other punctuation", 0x21, 0x7e},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int wrong = -1;
        for (int c = bad[i].lo; c <= bad[i].hi; c++) {
            if (c != 0 && strchr(SAFE, c))
                continue;
            char one = (char)c, mid[5] = {'a', 'b', (char)c, 'c', 'd'};
            if (reqid_safe(&one, 1) || reqid_safe(mid, 5) || reqid_safe(mid, 3))
                wrong = c;
        }
        CHECK(wrong < 0, "rejected: %s", bad[i].name);
        if (wrong >= 0)
            unit_diag("byte 0x%02x was accepted", wrong);
    }

    char id[REQTAG_MAX_ID + 1];
    memset(id, 'z', sizeof id);
    CHECK(!reqid_safe(id, 0), "length 0 rejected");
    CHECK(reqid_safe(id, 1), "length 1 accepted");
    CHECK(reqid_safe(id, REQTAG_MAX_ID), "length 200 accepted");
    CHECK(!reqid_safe(id, REQTAG_MAX_ID + 1), "length 201 rejected");
    CHECK(!reqid_safe("\x1b[31mred", 8), "rejected: ESC sequence");
}

/* reqid_traceparent on a string: true only with out == want; false must leave out untouched. */
static bool tp(const char *value, const char *want)
{
    char out[33];
    memset(out, '#', sizeof out);
    bool got = reqid_traceparent(value, strlen(value), out);
    if (want)
        return got && memcmp(out, want, 32) == 0 && out[32] == '#';
    for (size_t i = 0; i < sizeof out; i++)
        if (out[i] != '#')
            return false;
    return !got;
}

static void test_traceparent(void)
{
    CHECK(tp(TP, TP_ID), "traceparent version 00 gives its trace-id");
    CHECK(tp("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", TP_ID), "flags 00 accepted");
    CHECK(tp("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", TP_ID),
          "future version with more fields accepted");
    CHECK(tp("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TP_ID),
          "future version of exactly 55 bytes accepted");

    static const struct {
        const char *name, *value;
    } bad[] = {
        {"uppercase trace-id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
        {"one uppercase hex digit", "00-4bf92f3577b34da6a3ce929d0e0e473A-00f067aa0ba902b7-01"},
        {"non-hex in trace-id", "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"},
        {"all-zero trace-id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        {"version 00, 54 bytes", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"},
        {"version 00, 56 bytes", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011"},
        {"version 00 with extra field", TP "-extra"},
        {"short trace-id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"},
        {"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        {"future version, no dash after flags", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"},
        {"empty", ""},
        {"dashes as underscores", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(tp(bad[i].value, NULL), "traceparent rejected, out untouched: %s", bad[i].name);

    bool ok = true;
    static const int dash[] = {2, 35, 52};
    for (int d = 0; d < 3; d++) {
        char v[sizeof TP];
        strcpy(v, TP);
        v[dash[d]] = 'x';
        ok = ok && tp(v, NULL);
    }
    CHECK(ok, "traceparent rejected: a dash replaced at each position");
}

static void test_hex(void)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t)i;
    char out[33];
    memset(out, '#', sizeof out);
    reqid_hex(b, out);
    CHECK(memcmp(out, "000102030405060708090a0b0c0d0e0f", 32) == 0 && out[32] == '#',
          "reqid_hex of 00..0f, no terminator written");
    static const uint8_t k[16] = {0xde, 0xad, 0xbe, 0xef, 0xff, 0x00, 0x10, 0xab,
                                  0x7f, 0x80, 0x01, 0xfe, 0x9a, 0xc3, 0x5b, 0x42};
    reqid_hex(k, out);
    CHECK(memcmp(out, "deadbeefff0010ab7f8001fe9ac35b42", 32) == 0, "reqid_hex of known bytes, lowercase");
}

static bool hex32(const char *p)
{
    bool nonzero = false;
    for (int i = 0; i < 32; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
        nonzero = nonzero || p[i] != '0';
    }
    return nonzero;
}

static int cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* True when the n 32-byte IDs at ids are all distinct (sorts them). */
static bool distinct(char (*ids)[32], size_t n)
{
    qsort(ids, n, 32, cmp32);
    for (size_t i = 1; i < n; i++)
        if (memcmp(ids[i - 1], ids[i], 32) == 0)
            return false;
    return true;
}

enum { NGEN = 10000, NTHREADS = 8, PER_THREAD = 2000, NFORK = 100 };
static char ids[NTHREADS * PER_THREAD > NGEN ? NTHREADS * PER_THREAD : NGEN][32];

static void *gen_thread(void *arg)
{
    char (*mine)[32] = arg;
    for (int i = 0; i < PER_THREAD; i++)
        reqid_generate(mine[i]);
    return NULL;
}

static void test_generate(void)
{
    char out[33];
    memset(out, '#', sizeof out);
    reqid_generate(out);
    CHECK(out[32] == '#', "reqid_generate writes exactly 32 bytes");
    bool ok = true;
    for (int i = 0; i < NGEN; i++) {
        reqid_generate(ids[i]);
        ok = ok && hex32(ids[i]);
    }
    CHECK(ok, "generated IDs are 32 lowercase hex, not all zeros");
    CHECK(distinct(ids, NGEN), "10000 generated IDs are all distinct");

    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, gen_thread, ids[i * PER_THREAD]);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    ok = true;
    for (int i = 0; i < NTHREADS * PER_THREAD; i++)
        ok = ok && hex32(ids[i]);
    CHECK(ok && distinct(ids, NTHREADS * PER_THREAD), "IDs from 8 concurrent threads are all distinct");

    int fds[2];
    if (pipe(fds) != 0) {
        CHECK(false, "pipe for the fork test");
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < NFORK; i++) {
            char id[32];
            reqid_generate(id);
            if (write(fds[1], id, 32) != 32)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    for (int i = 0; i < NFORK; i++)
        reqid_generate(ids[NFORK + i]);
    size_t got = 0;
    ssize_t r;
    while (got < NFORK * 32 && (r = read(fds[0], (char *)ids + got, NFORK * 32 - got)) > 0)
        got += (size_t)r;
    close(fds[0]);
    int status = -1;
    waitpid(pid, &status, 0);
    ok = pid > 0 && got == NFORK * 32 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    CHECK(ok && distinct(ids, 2 * NFORK), "IDs from a fork()ed child differ from the parent's next IDs");
}

int main(void)
{
    test_safe();
    test_traceparent();
    test_hex();
    test_generate();
    return unit_done();
}
