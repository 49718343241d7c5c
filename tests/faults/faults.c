/* faults.c -- test-only preload: reads and writes on sockets and stderr fail short, with EINTR or EAGAIN at random. */
/*
 * Loaded after libreqtag.so (LD_PRELOAD="libreqtag.so:faults.so"), so both the program's calls and
 * the shim's own calls to the next read or write land here. A call on a socket, or a write on
 * fd 2, is faulted with probability 1/FAULTS_RATE (default 4):
 *   - short: the real call with a smaller length (at least 1 byte), its result returned as is;
 *   - EINTR: -1 without doing anything, as a signal before any byte moved would give;
 *   - EAGAIN: -1 without doing anything, only when the descriptor is non-blocking (O_NONBLOCK or
 *     MSG_DONTWAIT): a blocking program is never promised EAGAIN.
 * No byte is changed. FAULTS_SEED seeds the generators. At exit the counts go to the file named
 * by FAULTS_REPORT, one "name count" per line, so a test can show that faults really fired.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

enum kind { K_SHORT, K_EINTR, K_EAGAIN, K_KINDS };
enum dir { D_READ, D_WRITE, D_STDERR, D_DIRS };
enum { IOV_COPY = 64 };

static const char *const kind_name[K_KINDS] = {"short", "eintr", "eagain"};
static const char *const dir_name[D_DIRS] = {"read", "write", "stderr"};

static uint64_t counts[D_DIRS][K_KINDS];
static uint64_t calls[D_DIRS];
static unsigned rate = 4;
static uint64_t seed = 1;
static uint64_t threads_seen;

static __thread uint64_t rng;

/* splitmix64: each thread its own stream, from the seed and the order threads first came here. */
static uint64_t next_rand(void)
{
    if (rng == 0)
        rng = seed * 0x9e3779b97f4a7c15ull + __atomic_add_fetch(&threads_seen, 1, __ATOMIC_RELAXED);
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

__attribute__((constructor)) static void faults_init(void)
{
    const char *s = getenv("FAULTS_SEED");
    if (s != NULL && *s != '\0')
        seed = strtoull(s, NULL, 10) + 1;
    const char *r = getenv("FAULTS_RATE");
    if (r != NULL && atoi(r) >= 1)
        rate = (unsigned)atoi(r);
}

/* The report is written with raw system calls: at exit the shim in front of us may be half gone. */
__attribute__((destructor)) static void faults_report(void)
{
    const char *path = getenv("FAULTS_REPORT");
    if (path == NULL || *path == '\0')
        return;
    char buf[1024];
    size_t at = 0;
    for (int d = 0; d < D_DIRS; d++) {
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s_calls %llu\n", dir_name[d],
                               (unsigned long long)__atomic_load_n(&calls[d], __ATOMIC_RELAXED));
        for (int k = 0; k < K_KINDS; k++)
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s_%s %llu\n", dir_name[d], kind_name[k],
                                   (unsigned long long)__atomic_load_n(&counts[d][k], __ATOMIC_RELAXED));
    }
    int saved = errno;
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        for (size_t off = 0; off < at;) {
            long w = syscall(SYS_write, fd, buf + off, at - off);
            if (w <= 0 && errno != EINTR)
                break;
            if (w > 0)
                off += (size_t)w;
        }
        syscall(SYS_close, fd);
    }
    errno = saved;
}

/* The next definition of name, looked up once. */
static void *next_fn(void **slot, const char *name)
{
    void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (p == NULL) {
        p = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    }
    return p;
}

#define NEXT(fn) ((__typeof__(&fn))next_fn((void **)&next_##fn, #fn))

static void *next_read, *next_write, *next_readv, *next_writev, *next_recv, *next_recvfrom,
    *next_recvmsg, *next_send, *next_sendto, *next_sendmsg;

/* Which counter a call on fd belongs to, or -1 when it is never faulted (files, pipes, datagrams). */
static int dir_of(int fd, int writing)
{
    struct stat st;
    int saved = errno;
    int type = 0;
    socklen_t tlen = sizeof type;
    /* A stream socket only: a datagram cut short would lose its tail. */
    int sock = syscall(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
               syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_STREAM;
    errno = saved;
    if (writing && fd == 2)
        return D_STDERR;
    if (!sock)
        return -1;
    return writing ? D_WRITE : D_READ;
}

static int nonblocking(int fd, int flags)
{
    if (flags & MSG_DONTWAIT)
        return 1;
    int saved = errno;
    long fl = syscall(SYS_fcntl, fd, F_GETFL);
    errno = saved;
    return fl >= 0 && (fl & O_NONBLOCK);
}

/* The fault for this call: -1 for none, else a kind. `len` is what the call would move. */
static int pick(int fd, int writing, int flags, size_t len, int *dir)
{
    *dir = dir_of(fd, writing);
    if (*dir < 0)
        return -1;
    __atomic_add_fetch(&calls[*dir], 1, __ATOMIC_RELAXED);
    uint64_t r = next_rand();
    if (r % rate != 0)
        return -1;
    r /= rate;
    int k = (int)(r % 3);
    if (k == K_EAGAIN && !nonblocking(fd, flags))
        k = K_EINTR;
    if (k == K_SHORT && len < 2)
        k = K_EINTR;
    return k;
}

static ssize_t fail(int dir, int kind)
{
    __atomic_add_fetch(&counts[dir][kind], 1, __ATOMIC_RELAXED);
    errno = kind == K_EAGAIN ? EAGAIN : EINTR;
    return -1;
}

/* A shorter length for a short call: half the time 1 to 16 bytes, to cut inside tags and heads. */
static size_t shorter(size_t len, int dir)
{
    __atomic_add_fetch(&counts[dir][K_SHORT], 1, __ATOMIC_RELAXED);
    uint64_t r = next_rand();
    size_t most = len - 1;
    if ((r & 1) && most > 16)
        most = 16;
    return 1 + (size_t)((r >> 1) % most);
}

static size_t iov_total(const struct iovec *iov, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

/* Copy iov into out, cut to `keep` bytes; returns the new count. */
static int iov_cut(const struct iovec *iov, int n, size_t keep, struct iovec *out)
{
    int m = 0;
    for (int i = 0; i < n && keep > 0; i++) {
        out[m] = iov[i];
        if (out[m].iov_len > keep)
            out[m].iov_len = keep;
        keep -= out[m].iov_len;
        m++;
    }
    return m;
}

ssize_t read(int fd, void *buf, size_t n)
{
    int dir, k = pick(fd, 0, 0, n, &dir);
    if (k == K_SHORT)
        n = shorter(n, dir);
    else if (k >= 0)
        return fail(dir, k);
    return NEXT(read)(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    int dir, k = pick(fd, 1, 0, n, &dir);
    if (k == K_SHORT)
        n = shorter(n, dir);
    else if (k >= 0)
        return fail(dir, k);
    return NEXT(write)(fd, buf, n);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    int dir, k = pick(fd, 0, flags, n, &dir);
    if (k == K_SHORT)
        n = shorter(n, dir);
    else if (k >= 0)
        return fail(dir, k);
    return NEXT(recv)(fd, buf, n, flags);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    int dir, k = pick(fd, 1, flags, n, &dir);
    if (k == K_SHORT)
        n = shorter(n, dir);
    else if (k >= 0)
        return fail(dir, k);
    return NEXT(send)(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *alen)
{
    int dir, k = pick(fd, 0, flags, n, &dir);
    if (k == K_SHORT)
        n = shorter(n, dir);
    else if (k >= 0)
        return fail(dir, k);
    return NEXT(recvfrom)(fd, buf, n, flags, addr, alen);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t alen)
{
    int dir, k = pick(fd, 1, flags, n, &dir);
    if (k == K_SHORT)
        n = shorter(n, dir);
    else if (k >= 0)
        return fail(dir, k);
    return NEXT(sendto)(fd, buf, n, flags, addr, alen);
}

/* The vector calls: a short call gets a copy of the vector cut to fewer bytes. A vector too long
 * to copy here is not cut (it may still get EINTR or EAGAIN). */
ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    size_t len = iovcnt > 0 && iovcnt <= IOV_COPY ? iov_total(iov, iovcnt) : 0;
    int dir, k = pick(fd, 0, 0, len, &dir);
    struct iovec cut[IOV_COPY];
    if (k == K_SHORT)
        return NEXT(readv)(fd, cut, iov_cut(iov, iovcnt, shorter(len, dir), cut));
    if (k >= 0)
        return fail(dir, k);
    return NEXT(readv)(fd, iov, iovcnt);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    size_t len = iovcnt > 0 && iovcnt <= IOV_COPY ? iov_total(iov, iovcnt) : 0;
    int dir, k = pick(fd, 1, 0, len, &dir);
    struct iovec cut[IOV_COPY];
    if (k == K_SHORT)
        return NEXT(writev)(fd, cut, iov_cut(iov, iovcnt, shorter(len, dir), cut));
    if (k >= 0)
        return fail(dir, k);
    return NEXT(writev)(fd, iov, iovcnt);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    int cnt = msg != NULL && msg->msg_iovlen <= IOV_COPY ? (int)msg->msg_iovlen : 0;
    size_t len = cnt > 0 ? iov_total(msg->msg_iov, cnt) : 0;
    int dir, k = pick(fd, 0, flags, len, &dir);
    if (k == K_SHORT) {
        struct iovec cut[IOV_COPY];
        struct msghdr m = *msg;
        m.msg_iov = cut;
        m.msg_iovlen = (size_t)iov_cut(msg->msg_iov, cnt, shorter(len, dir), cut);
        ssize_t got = NEXT(recvmsg)(fd, &m, flags);
        /* What the kernel reports back lives in the header: the program's header gets it. */
        msg->msg_namelen = m.msg_namelen;
        msg->msg_controllen = m.msg_controllen;
        msg->msg_flags = m.msg_flags;
        return got;
    }
    if (k >= 0)
        return fail(dir, k);
    return NEXT(recvmsg)(fd, msg, flags);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    int cnt = msg != NULL && msg->msg_iovlen <= IOV_COPY ? (int)msg->msg_iovlen : 0;
    size_t len = cnt > 0 ? iov_total(msg->msg_iov, cnt) : 0;
    int dir, k = pick(fd, 1, flags, len, &dir);
    if (k == K_SHORT) {
        struct iovec cut[IOV_COPY];
        struct msghdr m = *msg;
        m.msg_iov = cut;
        m.msg_iovlen = (size_t)iov_cut(msg->msg_iov, cnt, shorter(len, dir), cut);
        return NEXT(sendmsg)(fd, &m, flags);
    }
    if (k >= 0)
        return fail(dir, k);
    return NEXT(sendmsg)(fd, msg, flags);
}
