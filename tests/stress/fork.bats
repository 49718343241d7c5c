# fork.bats -- stress: a multithreaded server forking and spawning for every request while others flow.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load stress_helper

setup() {
    tpc_vars
}

@test "proctree: 3,000 requests over 32 connections, each forking, spawning and execing: every line tagged" {
    local n
    n=$(scaled 3000)
    serve 'proctree listening' proctree "$PORT"
    run hammer "$PORT" 32 "$n"
    assert_success
    assert_output --regexp "^hammer: $n answered, 0 wrong"
    stop_pid "$SERVER_PID"
    run stress_check fork "$n"
    assert_success
}
