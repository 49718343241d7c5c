/* mallocount.c -- LD_PRELOAD heap-allocation counter: malloc/calloc/realloc/aligned calls, kept in the file MALLOCOUNT_FILE. */
/*
 * The count lives in a shared mapping of MALLOCOUNT_FILE (8 bytes, a native uint64), so another
 * process can read it at any time (od -An -tu8 FILE). Before the constructor maps the file, calls
 * are counted in a static variable and added in. Allocation itself is glibc's (__libc_*).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static uint64_t early;
static uint64_t *volatile counter = &early;

static inline void count(void)
{
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void mallocount_init(void)
{
    const char *path = getenv("MALLOCOUNT_FILE");
    if (path == NULL)
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (ftruncate(fd, sizeof(uint64_t)) == 0) {
        void *p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            uint64_t *c = p;
            *c = __atomic_load_n(&early, __ATOMIC_RELAXED);
            counter = c;
        }
    }
    close(fd);
}

__attribute__((visibility("default"))) void *malloc(size_t n)
{
    count();
    return __libc_malloc(n);
}

__attribute__((visibility("default"))) void *calloc(size_t n, size_t m)
{
    count();
    return __libc_calloc(n, m);
}

__attribute__((visibility("default"))) void *realloc(void *p, size_t n)
{
    count();
    return __libc_realloc(p, n);
}

__attribute__((visibility("default"))) void *memalign(size_t a, size_t n)
{
    count();
    return __libc_memalign(a, n);
}

__attribute__((visibility("default"))) void *aligned_alloc(size_t a, size_t n)
{
    count();
    return __libc_memalign(a, n);
}

__attribute__((visibility("default"))) int posix_memalign(void **out, size_t a, size_t n)
{
    count();
    void *p = __libc_memalign(a, n);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
