# requests.bats -- stress: a million requests with random IDs over 256 keep-alive connections, thread pool and epoll: no wrong tag, no torn line.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load stress_helper

setup() {
    tpc_vars
}

@test "poolserver, 8 workers: 1,000,000 requests over 256 connections, each line tagged with its own request" {
    local n
    n=$(scaled 1000000)
    serve 'poolserver listening' poolserver "$PORT" 8
    run hammer "$PORT" 256 "$n"
    assert_success
    assert_output --regexp "^hammer: $n answered, 0 wrong"
    stop_pid "$SERVER_PID"
    run stress_check pool "$n"
    assert_success
}

@test "epollserver: 1,000,000 requests over 256 connections, each line tagged with its own request" {
    local n
    n=$(scaled 1000000)
    serve 'epollserver listening' epollserver "$PORT"
    run hammer "$PORT" 256 "$n"
    assert_success
    assert_output --regexp "^hammer: $n answered, 0 wrong"
    stop_pid "$SERVER_PID"
    run stress_check epoll "$n"
    assert_success
}
