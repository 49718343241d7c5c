/* scanbench.c -- request-head scanner throughput (shim/scan.c) over browser-like heads of 300 B to 2 KB, the ID header last. */
/*
 * Usage: scanbench [SECONDS]. Builds 64 heads (sizes spread over 300..2048 bytes by the Cookie
 * and Referer they carry), feeds them whole, one after another, to one scanner as a keep-alive
 * connection would, for about SECONDS (default 1), checks every head yields its ID and prints
 * "gbps X heads N bytes B min_head MIN max_head MAX".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan.h"
#include "settings.h"

enum { NHEADS = 64, HEAD_MAX = 2048, HEAD_MIN = 300 };

static char heads[NHEADS][HEAD_MAX + 1];
static size_t head_len[NHEADS];

/* The one place scan_feed is called; its scratch buffer lives on the stack, as in the shim. */
static size_t feed(struct scan *s, const struct reqtag_config *cfg, const char *buf, size_t len,
                   enum scan_status *st, struct scan_head *h)
{
    struct scan_buf b;
    return scan_feed(s, &b, cfg, buf, len, st, h);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Head i: browser-like, about `want` bytes, X-Request-ID last. */
static size_t make_head(char *out, int i, size_t want)
{
    static const char *paths[] = {"/", "/index.html", "/api/v1/orders?page=2&limit=50", "/static/js/app.3f9a1c.js",
                                  "/images/logo@2x.png", "/search?q=request+id+logging&lang=en"};
    int n;
    if (want < 420) /* a short head: a script's fetch() from Firefox */
        n = snprintf(out, HEAD_MAX + 1,
                     "GET %s HTTP/1.1\r\n"
                     "Host: www.example.com\r\n"
                     "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\r\n"
                     "Accept: */*\r\n"
                     "Accept-Encoding: gzip, deflate, br\r\n",
                     paths[i % 6]);
    else
        n = snprintf(out, HEAD_MAX + 1,
                     "GET %s HTTP/1.1\r\n"
                     "Host: www.example.com\r\n"
                     "Connection: keep-alive\r\n"
                     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/120.0.0.0 Safari/537.36\r\n"
                     "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
                     "Accept-Encoding: gzip, deflate, br\r\n"
                     "Accept-Language: en-US,en;q=0.9\r\n",
                     paths[i % 6]);
    size_t len = (size_t)n;
    static const char tail_fmt[] = "X-Request-ID: bench-%04d-0123456789abcdef\r\n\r\n";
    size_t tail = sizeof tail_fmt - 1; /* "%04d" prints 4 digits: same length as the format */
    if (want > len + tail) {
        /* Fill with Referer and Cookie lines of the right length. */
        size_t room = want - len - tail;
        if (room > 150 && i % 2 == 0) {
            size_t r = room / 3 < 200 ? room / 3 : 200; /* at least 50 */
            len += (size_t)sprintf(out + len, "Referer: https://www.example.com/");
            size_t fill = r - 35;
            for (size_t k = 0; k < fill; k++)
                out[len++] = (char)('a' + (k * 7 + (size_t)i) % 26);
            out[len++] = '\r';
            out[len++] = '\n';
            room = want - len - tail;
        }
        if (room > 12) {
            len += (size_t)sprintf(out + len, "Cookie: ");
            size_t fill = room - 10;
            for (size_t k = 0; k < fill; k++)
                out[len++] = (k % 24 == 23) ? ';' : (k % 24 == 0 && k) ? ' ' : (char)('A' + (k * 13 + (size_t)i) % 26);
            out[len++] = '\r';
            out[len++] = '\n';
        }
    }
    len += (size_t)snprintf(out + len, HEAD_MAX + 1 - len, tail_fmt, i);
    return len;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    struct reqtag_config cfg;
    settings_load(&cfg, NULL, NULL);
    size_t minh = (size_t)-1, maxh = 0;
    for (int i = 0; i < NHEADS; i++) {
        size_t want = HEAD_MIN + (size_t)i * (HEAD_MAX - HEAD_MIN - 16) / (NHEADS - 1);
        head_len[i] = make_head(heads[i], i, want);
        if (head_len[i] > HEAD_MAX) {
            fprintf(stderr, "scanbench: head %d too long (%zu)\n", i, head_len[i]);
            return 1;
        }
        if (head_len[i] < minh)
            minh = head_len[i];
        if (head_len[i] > maxh)
            maxh = head_len[i];
    }
    struct scan s;
    scan_init(&s);
    struct scan_head h;
    unsigned long long bytes = 0, nheads = 0;
    double t0 = now_s(), t1 = t0;
    while (t1 - t0 < secs) {
        for (int rep = 0; rep < 64; rep++)
            for (int i = 0; i < NHEADS; i++) {
                enum scan_status st = SCAN_NEED_MORE;
                size_t off = 0;
                while (off < head_len[i]) {
                    off += feed(&s, &cfg, heads[i] + off, head_len[i] - off, &st, &h);
                    if (st == SCAN_HEAD) {
                        if (h.idlen != strlen("bench-0000-0123456789abcdef")) {
                            fprintf(stderr, "scanbench: head %d: ID not found (idlen %u)\n", i, h.idlen);
                            return 1;
                        }
                        nheads++;
                    } else if (st == SCAN_OPAQUE) {
                        fprintf(stderr, "scanbench: head %d made the connection opaque\n", i);
                        return 1;
                    }
                }
                bytes += head_len[i];
            }
        t1 = now_s();
    }
    if (nheads == 0 || nheads % NHEADS != 0) {
        fprintf(stderr, "scanbench: %llu heads completed\n", nheads);
        return 1;
    }
    printf("gbps %.3f heads %llu bytes %llu min_head %zu max_head %zu\n", (double)bytes / (t1 - t0) / 1e9, nheads,
           bytes, minh, maxh);
    return 0;
}
