# threads.bats -- stress: 100,000 threads created and joined while requests flow.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load stress_helper

setup() {
    tpc_vars
}

@test "tpcserver: 100,000 requests each on its own connection (200,000 threads, half of them joined), every line tagged" {
    local n
    n=$(scaled 100000)
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --
    # Each connection gets a thread, each request a helper thread created and joined.
    run hammer "$PORT" 64 "$n" close
    assert_success
    assert_output --regexp "^hammer: $n answered, 0 wrong"
    stop_pid "$SERVER_PID"
    run stress_check tpc "$n"
    assert_success
}
