# connections.bats -- stress: 10,000 connections open at once; descriptor numbers above 65,536.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load stress_helper

setup() {
    tpc_vars
}

@test "epollserver: 10,000 connections open at once, two requests each, every line tagged" {
    # Both ends in this machine: 10,000 descriptors each, and the listener's backlog.
    [ "$(ulimit -n)" -ge 10100 ] || ulimit -n 10100 2>/dev/null || skip "open files limit $(ulimit -n) < 10,100"
    serve 'epollserver listening' epollserver "$PORT"
    run hammer "$PORT" 10000 20000
    assert_success
    assert_output --regexp '^hammer: 20000 answered, 0 wrong'
    stop_pid "$SERVER_PID"
    run stress_check epoll 20000
    assert_success
}

@test "descriptor numbers above 65,536: poolserver's connections numbered from 70,000 up stay followed" {
    ulimit -n 1048576 2>/dev/null || skip "the open files limit cannot be raised to 1048576 here (hard limit $(ulimit -Hn))"
    # The server starts with 70,000 descriptors open (inherited): every one it accepts is above them.
    start_split "$OUT" "$ERR" python3 -c '
import os, sys
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(70000)]
for fd in fds:
    os.set_inheritable(fd, True)
os.execv(sys.argv[1], sys.argv[1:])' "$REQTAG" -- "$FIXTURES/poolserver" "$PORT" 4
    wait_line "$ERR" 'poolserver listening' 30
    [ "$(find "/proc/$SERVER_PID/fd" | wc -l)" -gt 70000 ]
    run hammer "$PORT" 64 "$(scaled 100000)"
    assert_success
    stop_pid "$SERVER_PID"
    run stress_check pool "$(scaled 100000)"
    assert_success
}
