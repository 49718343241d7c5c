/* crash.c -- report fatal signals with the request and a backtrace, then chain or die as before. */
#include "crash.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "crashfmt.h"
#include "maps.h"
#include "out.h"
#include "pool.h"
#include "real.h"
#include "record.h"
#include "tag.h"
#include "unwind.h"

enum { NSIGS = 65, ALT_STACK = 128 * 1024, MAX_FRAMES = 64, MAPS_MAX = 512 * 1024 };

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS};

static struct sigaction chained[NSIGS]; /* what the program believes is installed */
static bool owned[NSIGS];               /* the kernel runs on_fatal for this signal */
static int in_fatal;                    /* a report is being made (nested signals just die) */
static bool thread_stacks; /* REQTAG_CRASH: every thread the shim starts gets an alternate stack */
/* A sanitizer runtime in the process (a host built with ASan, say) unmaps whatever alternate stack
 * a thread has when the thread ends, after our cleanup ran: a stack left installed for the next
 * thread (kept_put) would be unmapped under us, and its address handed to someone else. There
 * every ending thread takes its stack off first. */
static bool stacks_unmapped_by_others;

/* Used only inside the handler, one crash at a time. */
static char maps_text[MAPS_MAX];
static struct frame frames[MAX_FRAMES];
static char line[TAG_MAX + 512];
static char rec[RECORD_MAX(TAG_MAX + 512)];

static int kernel_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int (*real)(int, const struct sigaction *, struct sigaction *) = REAL(sigaction);
    return real != NULL ? real(sig, act, old) : -1;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        long w = syscall(SYS_write, 2, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* One report line (text, ending in '\n', after taglen bytes of tag): as it is, or as a record. */
static void emit(size_t taglen, size_t len)
{
    if (reqtag_cfg.output == OUTPUT_TEXT) {
        write_all(line, taglen + len);
        return;
    }
    struct record_ctx rc;
    out_record_ctx(&me()->ctx, &rc);
    size_t n = len > 0 ? len - 1 : 0; /* the record holds the line without its newline */
    size_t r = reqtag_cfg.output == OUTPUT_JSON ? record_json(rec, &rc, line + taglen, n)
                                                : record_logfmt(rec, &rc, line + taglen, n);
    write_all(rec, r);
}

static size_t read_maps(void)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t len = 0;
    while (len < sizeof maps_text) {
        long r = syscall(SYS_read, fd, maps_text + len, sizeof maps_text - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    syscall(SYS_close, fd);
    return len;
}

static bool is_fault(int sig, const siginfo_t *si)
{
    return si != NULL && si->si_code > 0 &&
           (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL);
}

static void report(int sig, siginfo_t *si, void *uc)
{
    struct tstate *t = me();
    size_t taglen = 0;
    if (reqtag_cfg.output == OUTPUT_TEXT)
        taglen = out_tag(&t->ctx, line, TAG_MAX);
    struct crash_info ci = {.sig = sig, .tid = (long)syscall(SYS_gettid)};
    if (is_fault(sig, si)) {
        ci.has_addr = true;
        ci.addr = (uintptr_t)si->si_addr;
    }
    if (t->ctx.len > 0) {
        ci.id = t->ctx.id;
        ci.idlen = t->ctx.len;
        ci.has_elapsed = t->ctx.start_ns != 0;
        ci.elapsed_ms = ctx_elapsed_ns(&t->ctx) / 1000000u;
    }
    size_t cap = sizeof line - taglen;
    emit(taglen, crash_header(line + taglen, cap, &ci));

    int n = unwind_frames(uc, frames, MAX_FRAMES);
    size_t maps_len = read_maps();
    for (int i = 0; i < n; i++) {
        const char *mod = NULL;
        size_t modlen = 0;
        uintptr_t modoff = 0;
        bool found = maps_lookup(maps_text, maps_len, frames[i].pc, &mod, &modlen, &modoff);
        size_t len = crash_frame(line + taglen, cap, (unsigned)i, frames[i].pc, frames[i].fn,
                                 frames[i].fnoff, found ? mod : NULL, modlen, found, modoff);
        emit(taglen, len);
    }
}

/* The default action, now: a fault is re-executed and kills; anything else is sent again. */
static void die_default(int sig, const siginfo_t *si)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    kernel_sigaction(sig, &dfl, NULL);
    if (!is_fault(sig, si))
        raise(sig);
}

static void on_fatal(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    if (sig <= 0 || sig >= NSIGS || __atomic_exchange_n(&in_fatal, 1, __ATOMIC_ACQ_REL)) {
        die_default(sig, si);
        errno = saved;
        return;
    }
    out_flush_mine();
    if (reqtag_cfg.crash) {
        if (me()->lines.open)
            write_all("\n", 1); /* the half line just written: the report starts a line of its own */
        report(sig, si, uc);
    }
    struct sigaction ch = chained[sig];
    bool siginfo = (ch.sa_flags & SA_SIGINFO) != 0;
    void *fn = siginfo ? (void *)ch.sa_sigaction : (void *)ch.sa_handler;
    if (fn == (void *)SIG_DFL || fn == (void *)SIG_IGN || fn == NULL) {
        die_default(sig, si);
        errno = saved;
        return;
    }
    /* The program's handler runs as the kernel would have run it. */
    if (ch.sa_flags & SA_RESETHAND) {
        memset(&chained[sig], 0, sizeof chained[sig]);
        chained[sig].sa_handler = SIG_DFL;
    }
    sigset_t mask = ch.sa_mask, old;
    if (!(ch.sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    pthread_sigmask(SIG_BLOCK, &mask, &old);
    errno = saved;
    if (siginfo)
        ch.sa_sigaction(sig, si, uc);
    else
        ch.sa_handler(sig);
    saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* It returned: the program handled it (or will fault again, and be reported again). */
    __atomic_store_n(&in_fatal, 0, __ATOMIC_RELEASE);
    errno = saved;
}

/* Spare signal stacks of threads that ended: the next thread takes one instead of a fresh
 * mapping (thread creation stays cheap). At most SPARE_MAX are kept; the rest are unmapped. */
enum { SPARE_MAX = 64 };
static struct lifo spare_stacks;
static uint32_t spares;

/* An ended thread's stack kept for the next thread glibc gives the same descriptor (pthread_self):
 * glibc hands a descriptor out again only once the kernel has ended the thread that had it, so
 * that thread keeps its stack installed to its last instruction, and no system call takes it off
 * (one sigaltstack per thread less). A slot's self: 0 free, KEPT_BUSY while it changes hands,
 * else the descriptor whose stack it holds. Descriptors glibc never reuses leave their slot
 * taken: at most KEPT stacks, then the spares above serve. */
enum { KEPT = 64 };
#define KEPT_BUSY ((uintptr_t)1)
static struct {
    uintptr_t self;
    void *stack;
} kept[KEPT];

static size_t kept_slot(uintptr_t self)
{
    return (size_t)((self * 0x9e3779b97f4a7c15ull) >> 58); /* KEPT = 64: the top 6 bits */
}

_Static_assert(KEPT == 64, "kept_slot takes 6 bits");

static bool kept_put(void *stack)
{
    uintptr_t self = (uintptr_t)pthread_self(), want = 0;
    size_t i = kept_slot(self);
    if (!__atomic_compare_exchange_n(&kept[i].self, &want, KEPT_BUSY, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return false;
    kept[i].stack = stack;
    __atomic_store_n(&kept[i].self, self, __ATOMIC_RELEASE);
    return true;
}

static void *kept_take(void)
{
    uintptr_t self = (uintptr_t)pthread_self(), want = self;
    size_t i = kept_slot(self);
    if (self <= KEPT_BUSY ||
        !__atomic_compare_exchange_n(&kept[i].self, &want, KEPT_BUSY, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return NULL;
    void *m = kept[i].stack;
    __atomic_store_n(&kept[i].self, 0, __ATOMIC_RELEASE);
    return m;
}

void crash_thread_end(void *p)
{
    if (p == NULL || (!stacks_unmapped_by_others && kept_put(p)))
        return;
    /* The thread is ending: whatever alternate stack it has (ours, or one the program set since)
     * goes, so no late signal can run on memory the next thread gets. */
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    if (__atomic_add_fetch(&spares, 1, __ATOMIC_ACQ_REL) <= SPARE_MAX) {
        lifo_push(&spare_stacks, p);
        return;
    }
    __atomic_sub_fetch(&spares, 1, __ATOMIC_ACQ_REL);
    munmap(p, ALT_STACK);
}

/* A new thread (fresh) has no alternate stack yet: no need to ask the kernel, and a stack kept for
 * its descriptor may be had. Returns the stack given, NULL when none. */
static void *give_stack(bool fresh)
{
    stack_t cur;
    if (!fresh && (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)))
        return NULL; /* the program has its own */
    void *m = fresh ? kept_take() : NULL;
    if (m == NULL && (m = lifo_pop(&spare_stacks)) != NULL)
        __atomic_sub_fetch(&spares, 1, __ATOMIC_ACQ_REL);
    if (m == NULL)
        m = mmap(NULL, ALT_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    stack_t ss = {.ss_sp = m, .ss_size = ALT_STACK, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(m, ALT_STACK);
        return NULL;
    }
    return m;
}

void *crash_thread_start(void)
{
    if (!thread_stacks)
        return NULL;
    /* A sanitizer runtime may have given the thread a stack already (and unmaps whatever stack a
     * thread has at its end): there ask the kernel, and keep theirs. */
    return give_stack(!stacks_unmapped_by_others);
}

void crash_init(void)
{
    /* Alternate signal stacks only serve crash reports (a stack overflow still gets one). */
    if (reqtag_cfg.crash) {
        thread_stacks = true;
        stacks_unmapped_by_others = dlsym(RTLD_DEFAULT, "__sanitizer_set_report_path") != NULL;
        unwind_init();
        (void)give_stack(false); /* the main thread's: kept for the life of the process */
    }
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
        int sig = fatal_signals[i];
        struct sigaction old;
        if (kernel_sigaction(sig, NULL, &old) != 0)
            continue;
        bool ign = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN;
        if (ign)
            continue; /* ignored before us: stays ignored */
        /* The default, or a handler installed before us (a library's constructor): ours goes in
         * front and chains to it. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fatal;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        chained[sig] = old;
        if (kernel_sigaction(sig, &sa, NULL) == 0)
            owned[sig] = true;
    }
}

bool crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig <= 0 || sig >= NSIGS || !__atomic_load_n(&owned[sig], __ATOMIC_ACQUIRE))
        return false;
    if (old != NULL)
        *old = chained[sig];
    if (act != NULL) {
        bool ign = !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN;
        if (ign) {
            if (kernel_sigaction(sig, act, NULL) != 0)
                return false;
            __atomic_store_n(&owned[sig], false, __ATOMIC_RELEASE);
        }
        chained[sig] = *act;
    }
    return true;
}
