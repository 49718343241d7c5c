# test_helper.bash -- shared set-up for the bats tests: paths, ports, background servers.
# shellcheck shell=bash

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" # tests/stress/ loads it too
BUILD="${REQTAG_BUILD:-$ROOT/build}"
REQTAG="$BUILD/reqtag"
LIBREQTAG="$BUILD/libreqtag.so"
FIXTURES="$BUILD/fixtures"
HELPERS="$ROOT/tests/helpers"
export ROOT BUILD REQTAG LIBREQTAG FIXTURES HELPERS

# Never let the test environment's own settings leak into a case.
unset LD_PRELOAD REQTAG_HEADER REQTAG_GENERATE REQTAG_FORMAT REQTAG_DISABLE

# PRELOAD: what a test puts in LD_PRELOAD to load the shim by hand (the injector builds the same).
export PRELOAD="$LIBREQTAG"

# make check-asan / check-tsan (tests/run.sh exports REQTAG_SANITIZE and REQTAG_SAN_DIR).
# Under ASan the runtime must load right behind the shim, ahead of libc, to see every thread,
# vfork and allocation (as a mere dependency of the shim it would load behind the host's
# libraries, and fail in node). $REQTAG becomes a wrapper that hands the injector the runtime in
# LD_PRELOAD (the injector keeps what it finds there, behind the shim); tests that preload by
# hand use $PRELOAD. Nothing else gets the runtime (ps deadlocks under it). The runtime is not
# first in the list, so that check is off. Reports go to files in REQTAG_SAN_DIR, where run.sh
# counts them; they never mix into the stderr a test reads. Leak checks are off: the hosts' own
# leaks at exit are not ours (the unit tests check ours). The crash handlers and core dumps are
# left as they are without a sanitizer: the shim's crash reports are under test.
case "${REQTAG_SANITIZE:-}" in
asan)
    ASAN_RT=$(readlink -f "$(gcc -print-file-name=libasan.so)")
    PRELOAD="$LIBREQTAG:$ASAN_RT"
    REQTAG="$BATS_RUN_TMPDIR/reqtag-asan"
    if [ ! -x "$REQTAG" ]; then
        printf '%s\n' '#!/bin/sh' \
            "LD_PRELOAD=\"$ASAN_RT\${LD_PRELOAD:+:\$LD_PRELOAD}\" exec \"$BUILD/reqtag\" \"\$@\"" >"$REQTAG.tmp"
        chmod +x "$REQTAG.tmp"
        mv "$REQTAG.tmp" "$REQTAG"
    fi
    export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:allow_user_segv_handler=1:disable_coredump=0:log_path=$REQTAG_SAN_DIR/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REQTAG_SAN_DIR/ubsan"
    ;;
tsan)
    export TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:allow_user_segv_handler=1:suppressions=$ROOT/tests/tsan.supp:log_path=$REQTAG_SAN_DIR/tsan"
    ;;
esac

# plain_host_only WHAT: skip under check-tsan, whose shim loads only into a host that carries the
# TSan runtime (the fixtures do); WHAT (nginx, python3, ...) does not.
plain_host_only() {
    [ "${REQTAG_SANITIZE:-}" != tsan ] || skip "check-tsan: $1 has no TSan runtime for the TSan shim to load into"
}

BG_PIDS=()

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: wait until something accepts on 127.0.0.1:PORT.
wait_port() {
    local port=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "nothing listens on port $port after ${limit}s" >&2
    return 1
}

# start_bg LOG CMD [ARGS...]: run CMD in the background, stdout and stderr appended to LOG
# (appended: two descriptors on one file must not overwrite each other). Killed in teardown.
start_bg() {
    local log=$1
    shift
    "$@" >>"$log" 2>&1 &
    BG_PIDS+=("$!")
}

# stop_bg: end every background process this test started, and wait for it.
stop_bg() {
    local pid
    for pid in "${BG_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BG_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    BG_PIDS=()
}

teardown() {
    stop_bg
}

# ---- helpers for the fixture-based tests (tagging, threads, python, hostile, identical, ...) ----

# wait_line FILE ERE [SECONDS]: wait until a line of FILE matches the extended regex ERE.
wait_line() {
    local file=$1 re=$2 limit=${3:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        if [ -f "$file" ] && grep -qE -- "$re" "$file"; then
            return 0
        fi
        sleep 0.05
    done
    echo "no line matching '$re' in $file after ${limit}s" >&2
    return 1
}

# start_split OUT ERR CMD [ARGS...]: run CMD in the background, stdout appended to OUT and
# stderr appended to ERR; its pid goes to BG_PIDS and to SERVER_PID.
start_split() {
    local out=$1 err=$2
    shift 2
    "$@" >>"$out" 2>>"$err" &
    SERVER_PID=$!
    BG_PIDS+=("$SERVER_PID")
}

# start_tpc OUT ERR PORT [PREFIX...]: start tpcserver on PORT (stdout to OUT, stderr to ERR),
# optionally behind a prefix such as "$REQTAG --" or "env LD_PRELOAD=...", and wait for "ready".
start_tpc() {
    local out=$1 err=$2 port=$3
    shift 3
    start_split "$out" "$err" "$@" "$FIXTURES/tpcserver" "$port"
    wait_line "$out" '^ready$' 10
}

# stop_pid PID [SECONDS]: TERM a background process this test started and wait for it to end.
stop_pid() {
    local pid=$1 limit=${2:-10} i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < limit * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# load_run ARGS...: the load client, bounded in time.
load_run() {
    timeout 120 python3 "$HELPERS/load.py" "$@"
}

# raw_request PORT DATA: send DATA (Python escapes) once and print the raw reply.
raw_request() {
    timeout 20 python3 "$HELPERS/load.py" --port "$1" --raw "$2"
}

# check_lines ARGS...: the log checker.
check_lines() {
    timeout 60 python3 "$HELPERS/checklines.py" "$@"
}

# tpc_vars: a free PORT and this test's OUT and ERR files for a tpcserver run.
tpc_vars() {
    PORT=$(free_port)
    OUT="$BATS_TEST_TMPDIR/out"
    ERR="$BATS_TEST_TMPDIR/err"
}

# Crash reports are on by default; a REQTAG_CRASH from the test environment must not turn them off.
unset REQTAG_CRASH
