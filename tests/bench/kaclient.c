/* kaclient.c -- send exactly N keep-alive GET requests on one connection to 127.0.0.1:PORT, one at a time, reading each response. */
/*
 * Usage: kaclient PORT N [PREFIX]. Request i carries "X-Request-ID: PREFIX-i" (no ID header when
 * PREFIX is "-"; default "ka"). Responses must carry Content-Length (nginx, poolserver do).
 * Exits 0 when N responses with status 200 came back.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char in[65536];
static size_t have;

/* Read one response; returns its status or -1. */
static int response(int fd)
{
    for (;;) {
        char *end = memmem(in, have, "\r\n\r\n", 4);
        if (end != NULL) {
            size_t head = (size_t)(end - in) + 4;
            long status = strtol(in + 9, NULL, 10);
            size_t body = 0;
            for (char *p = in; p < end; p++)
                if ((p == in || p[-1] == '\n') && strncasecmp(p, "Content-Length:", 15) == 0)
                    body = strtoul(p + 15, NULL, 10);
            while (have < head + body) {
                ssize_t n = read(fd, in + have, sizeof in - have);
                if (n <= 0)
                    return -1;
                have += (size_t)n;
            }
            memmove(in, in + head + body, have - head - body);
            have -= head + body;
            return (int)status;
        }
        if (have == sizeof in)
            return -1;
        ssize_t n = read(fd, in + have, sizeof in - have);
        if (n <= 0)
            return -1;
        have += (size_t)n;
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: kaclient PORT N [PREFIX|-]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long n = atol(argv[2]);
    const char *prefix = argc == 4 ? argv[3] : "ka";
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("kaclient: connect");
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (long i = 0; i < n; i++) {
        char req[512];
        int len;
        if (strcmp(prefix, "-") == 0)
            len = snprintf(req, sizeof req, "GET /r/%ld HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: kaclient\r\n"
                                            "Accept: */*\r\n\r\n", i);
        else
            len = snprintf(req, sizeof req, "GET /r/%s-%ld HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: kaclient\r\n"
                                            "Accept: */*\r\nX-Request-ID: %s-%ld\r\n\r\n", prefix, i, prefix, i);
        if (write(fd, req, (size_t)len) != len) {
            perror("kaclient: write");
            return 1;
        }
        int st = response(fd);
        if (st != 200) {
            fprintf(stderr, "kaclient: request %ld: status %d\n", i, st);
            return 1;
        }
    }
    close(fd);
    return 0;
}
