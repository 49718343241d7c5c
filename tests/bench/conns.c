/* conns.c -- hold N open keep-alive connections: a one-thread epoll server, and a client that opens them. */
/*
 * conns server PORT: accepts, reads each request head (one read), logs "conns GET <path>" on
 *   stderr, answers 200 with Content-Length and keeps the connection open until the peer closes.
 * conns client PORT N: opens N connections from source addresses 127.0.0.2, .3, ... (at most
 *   20,000 per address, ports picked at connect), in batches of up to 2,000 in flight, sends two
 *   requests one after the other with an X-Request-ID on each (a kept-alive connection's steady
 *   state: the server has served one and holds the next), reads the responses, keeps them all open, prints
 *   "open N" on stdout and then waits until stdin closes (or a signal ends it).
 * Both need RLIMIT_NOFILE above N (the caller raises ulimit -n).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n";

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int server(int port)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 4096) != 0)
        die("conns server: listen");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev) != 0)
        die("conns server: epoll");
    printf("ready\n");
    fflush(stdout);
    struct epoll_event evs[256];
    char buf[4096];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR)
            die("conns server: epoll_wait");
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) != 0)
                        close(c);
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf - 1);
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                close(fd);
                continue;
            }
            if (r < 0)
                continue;
            buf[r] = '\0';
            char *sp = strchr(buf, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
            if (sp2 != NULL)
                fprintf(stderr, "conns GET %.*s\n", (int)(sp2 - sp - 1), sp + 1);
            if (write(fd, resp, sizeof resp - 1) < 0)
                close(fd);
        }
    }
    return 0;
}

static void send_request(int fd, int k)
{
    char buf[256];
    int len = snprintf(buf, sizeof buf, "GET /c/%d/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        "X-Request-ID: conn-%d-%d\r\n\r\n", fd, k, fd, k);
    if (write(fd, buf, (size_t)len) != len)
        die("conns client: write");
}

static int client(int port, long n)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("conns client: epoll");
    long opened = 0, done = 0, inflight = 0;
    struct epoll_event evs[512];
    char buf[512];
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("conns client: getrlimit");
    unsigned char *answered = calloc(rl.rlim_cur, 1); /* responses read, by fd */
    if (answered == NULL)
        die("conns client: calloc");
    while (done < n) {
        while (opened < n && inflight < 2000) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0)
                die("conns client: socket");
            int one = 1;
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            struct sockaddr_in src = {.sin_family = AF_INET};
            src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(opened / 20000));
            if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
                die("conns client: bind");
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
            sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
                die("conns client: connect");
            struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)fd};
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
                die("conns client: epoll_ctl");
            opened++;
            inflight++;
        }
        int k = epoll_wait(ep, evs, 512, 10000);
        if (k <= 0) {
            fprintf(stderr, "conns client: stalled at %ld open\n", done);
            return 1;
        }
        for (int i = 0; i < k; i++) {
            int fd = (int)evs[i].data.u64;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                fprintf(stderr, "conns client: connection failed after %ld\n", done);
                return 1;
            }
            if (evs[i].events & EPOLLOUT) {
                send_request(fd, 0);
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)fd};
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
            } else if (evs[i].events & EPOLLIN) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r <= 0) {
                    fprintf(stderr, "conns client: no response after %ld\n", done);
                    return 1;
                }
                if (answered[fd]++ == 0) {
                    send_request(fd, 1);
                    continue;
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                done++;
                inflight--;
            }
        }
    }
    printf("open %ld\n", done);
    fflush(stdout);
    while (read(0, buf, sizeof buf) > 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "server") == 0)
        return server(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "client") == 0)
        return client(atoi(argv[2]), atol(argv[3]));
    fprintf(stderr, "usage: conns server PORT | conns client PORT N\n");
    return 2;
}
