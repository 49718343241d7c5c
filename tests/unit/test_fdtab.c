/* test_fdtab.c -- the descriptor table at fd numbers far above 65,536 (which this machine's limits may not let a process open). */
#include <stdint.h>
#include <stdlib.h>

#include "../../shim/fdtab.c"
#include "unit.h"

/* fdtab.c's only tie to connections: count what it lets go of. */
static int unrefs;
void conn_unref(struct conn *c)
{
    (void)c;
    unrefs++;
}

static size_t chunks_made(void)
{
    size_t n = 0;
    for (size_t k = 0; k < FDTAB_MAX / FDTAB_CHUNK; k++)
        n += fdtab_top[k] != NULL;
    return n;
}

int main(void)
{
    static const int fds[] = {0, 2, 255, 256, 65535, 65536, 65537, 70000, 131071, 1048575, 1048576, FDTAB_MAX - 1};
    enum { N = sizeof fds / sizeof fds[0] };
    struct fdent *e[N];
    static struct conn fake[N];

    CHECK(fdtab_get(70000) == NULL && fdtab_get(-1) == NULL && fdtab_get(FDTAB_MAX) == NULL,
          "no entry before it is made; none outside 0 .. FDTAB_MAX-1");
    CHECK(fdtab_make(-1) == NULL && fdtab_make(FDTAB_MAX) == NULL && fdtab_make(INT32_MAX) == NULL,
          "fdtab_make refuses numbers out of range");
    bool ok = true;
    for (int k = 0; k < N; k++) {
        e[k] = fdtab_make(fds[k]);
        ok = ok && e[k] != NULL && fdtab_get(fds[k]) == e[k] && fdent_kind(e[k]) == FD_UNKNOWN;
        if (e[k] != NULL)
            fdtab_attach(e[k], &fake[k], FD_CONN);
    }
    CHECK(ok, "every number up to FDTAB_MAX-1 gets an entry, found again by fdtab_get");
    /* 0, 2, 255 share a chunk, and 65536, 65537 another; the other seven have one each. */
    CHECK(chunks_made() == 9, "memory follows the numbers used: %zu chunks for %d numbers", chunks_made(), N);
    ok = true;
    for (int k = 0; k < N; k++)
        ok = ok && fdent_conn(fdtab_get(fds[k])) == &fake[k] && fdent_kind(fdtab_get(fds[k])) == FD_CONN;
    CHECK(ok, "each entry keeps its own connection (no two numbers alias, 65536 apart or not)");
    CHECK(fdtab_get(70000 - 65536) == NULL && fdtab_get(70000 + 256) == NULL,
          "numbers beside a made one (and 65,536 below it) have no entry");

    unrefs = 0;
    fdtab_forget(70000);
    CHECK(fdent_kind(e[7]) == FD_UNKNOWN && fdent_conn(e[7]) == NULL && unrefs == 1,
          "fdtab_forget(70000) lets go of that connection only");
    CHECK(fdent_conn(e[6]) == &fake[6] && fdent_conn(e[8]) == &fake[8], "its neighbours are untouched");

    unrefs = 0;
    fdtab_forget_range(65536, 1048575);
    CHECK(unrefs == 4 && fdent_conn(e[4]) == &fake[4] && fdent_conn(e[10]) == &fake[10],
          "closing 65536 .. 1048575 (closefrom) resets the 4 live entries there, none outside (%d)", unrefs);
    unrefs = 0;
    fdtab_forget_range(3, (unsigned)FDTAB_MAX + 100);
    CHECK(unrefs == 5 && fdent_conn(e[1]) == &fake[1] && fdent_conn(e[11]) == NULL,
          "a range past FDTAB_MAX resets 255 .. FDTAB_MAX-1 and stops at the table's end (%d)", unrefs);
    return unit_done();
}
