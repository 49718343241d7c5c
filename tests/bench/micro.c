/* micro.c -- micro benchmarks: hooked read/write on untracked fds, a stderr line, pthread_create+join. */
/*
 * Usage: micro MODE COUNT [REPS]; prints "ns_per_op X" (the best of REPS timed repetitions).
 *   file   read(fd, buf, 64) on a regular file (rewound every 4096 reads): one hooked call per op
 *   pipe   write(w, buf, 64) then read(r, buf, 64) on one pipe: two hooked calls, ns per call
 *   line   write(2, line, 72): fd 2 should be a regular file; under the shim, with
 *          REQTAG_CONTEXT=<id> in the environment, every line is tagged
 *   thread pthread_create + pthread_join of a thread that returns at once
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void *nothing(void *arg)
{
    return arg;
}

static int g_file = -1, g_pr = -1, g_pw = -1;

/* One repetition of COUNT ops; returns ns per op (per hooked call for pipe). */
static double run_once(const char *mode, long count)
{
    char buf[64];
    static const char line[] = "127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET /index.html HTTP/1.1\" 200\n";
    memset(buf, 'x', sizeof buf);
    double t0 = now_ns();
    if (strcmp(mode, "file") == 0) {
        for (long i = 0; i < count; i++) {
            if (read(g_file, buf, sizeof buf) != (ssize_t)sizeof buf && lseek(g_file, 0, SEEK_SET) != 0)
                die("lseek");
            if ((i & 4095) == 4095 && lseek(g_file, 0, SEEK_SET) != 0)
                die("lseek");
        }
    } else if (strcmp(mode, "pipe") == 0) {
        for (long i = 0; i < count; i++) {
            if (write(g_pw, buf, sizeof buf) != (ssize_t)sizeof buf)
                die("write pipe");
            if (read(g_pr, buf, sizeof buf) != (ssize_t)sizeof buf)
                die("read pipe");
        }
        return (now_ns() - t0) / (double)count / 2.0;
    } else if (strcmp(mode, "line") == 0) {
        for (long i = 0; i < count; i++)
            if (write(2, line, sizeof line - 1) != (ssize_t)(sizeof line - 1))
                die("write stderr");
    } else if (strcmp(mode, "thread") == 0) {
        for (long i = 0; i < count; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
                die("pthread");
        }
    } else {
        fprintf(stderr, "micro: unknown mode %s\n", mode);
        exit(2);
    }
    return (now_ns() - t0) / (double)count;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: micro file|pipe|line|thread COUNT [REPS]\n");
        return 2;
    }
    const char *mode = argv[1];
    long count = atol(argv[2]);
    int reps = argc == 4 ? atoi(argv[3]) : 5;
    if (count < 1 || reps < 1) {
        fprintf(stderr, "micro: COUNT and REPS must be positive\n");
        return 2;
    }
    if (strcmp(mode, "file") == 0) {
        char path[] = "/tmp/reqtag-micro-XXXXXX";
        g_file = mkstemp(path);
        if (g_file < 0)
            die("mkstemp");
        unlink(path);
        static char block[65536];
        memset(block, 'f', sizeof block);
        for (int i = 0; i < 4; i++)
            if (write(g_file, block, sizeof block) != (ssize_t)sizeof block)
                die("write file");
        if (lseek(g_file, 0, SEEK_SET) != 0)
            die("lseek");
    } else if (strcmp(mode, "pipe") == 0) {
        int p[2];
        if (pipe(p) != 0)
            die("pipe");
        g_pr = p[0];
        g_pw = p[1];
    }
    run_once(mode, count / 10 + 1); /* warm-up */
    double best = 0;
    for (int r = 0; r < reps; r++) {
        double ns = run_once(mode, count);
        if (r == 0 || ns < best)
            best = ns;
    }
    printf("ns_per_op %.2f\n", best);
    return 0;
}
