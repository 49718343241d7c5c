/* earlyhandler.c -- preloadable library whose constructor installs a SIGSEGV handler before the shim's constructor runs (crash.bats builds it). */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void early_handler(int sig)
{
    static const char msg[] = "early handler ran\n";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(79);
    _exit(78);
}

/* Preloaded after libreqtag.so (LD_PRELOAD="libreqtag.so:earlyhandler.so"), this constructor runs
 * before the shim's, as a program's own shared libraries' constructors do. */
__attribute__((constructor)) static void early_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = early_handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        _exit(80);
}
