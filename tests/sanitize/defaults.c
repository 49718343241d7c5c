/* defaults.c -- sanitizer options built into check-asan's shim, for processes whose environment was rebuilt. */
/*
 * Linked into the shim only by `make check-asan`. A child that the shim keeps preloaded after its
 * parent rebuilt the environment from scratch (mod_cgi does) has no ASAN_OPTIONS: without these
 * defaults the runtime, loaded behind libc as a dependency of the shim, would refuse to start,
 * and a report would go to a stderr the test may never read. An environment's own options
 * still win (the runtime applies them after these).
 */
#ifndef REQTAG_SAN_DIR
#error "REQTAG_SAN_DIR: the directory check-asan's reports go to (the Makefile sets it)"
#endif

__attribute__((visibility("default"))) const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
    return "verify_asan_link_order=0:detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
           "handle_sigill=0:handle_abort=0:allow_user_segv_handler=1:disable_coredump=0:log_path=" REQTAG_SAN_DIR "/asan";
}

const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1:halt_on_error=1:log_path=" REQTAG_SAN_DIR "/ubsan";
}
