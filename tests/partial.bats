# partial.bats -- half a line is never lost (thread exit, exit, _exit, exec, fatal signal) nor held while the thread waits.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper

# run_partial HOW: the fixture under reqtag, crash reports off (crash.bats covers those).
run_partial() {
    run --separate-stderr "$REQTAG" --no-crash -- "$FIXTURES/partial" "$1"
}

@test "thread exit: the thread's half line is written, tagged, before join returns" {
    run_partial thread-exit
    assert_success
    assert_output "joined"
    [ "$stderr" = "[partial-1] half-line via=thread-exit" ]
}

@test "exit(): the half line is written, tagged" {
    run_partial exit
    assert_success
    [ "$stderr" = "[partial-1] half-line via=exit" ]
}

@test "_exit(): the half line is written, tagged" {
    run_partial _exit
    assert_success
    [ "$stderr" = "[partial-1] half-line via=_exit" ]
}

@test "exec: the half line is written before the new program replaces this one" {
    run_partial exec
    assert_success
    [ "$stderr" = "[partial-1] half-line via=exec" ]
}

@test "SIGSEGV: the half line is written and the process still dies of SIGSEGV (status 139)" {
    run_partial segv
    [ "$status" -eq 139 ]
    [ "$stderr" = "[partial-1] half-line via=segv" ]
}

@test "abort(): the half line is written and the process still dies of SIGABRT (status 134)" {
    run_partial abort
    [ "$status" -eq 134 ]
    [ "$stderr" = "[partial-1] half-line via=abort" ]
}

@test "a program that blocks (sleep) has its half line written while it waits" {
    local err="$BATS_TEST_TMPDIR/err" out="$BATS_TEST_TMPDIR/out"
    "$REQTAG" -- "$FIXTURES/partial" wait >"$out" 2>>"$err" &
    local pid=$! i
    for ((i = 0; i < 100; i++)); do
        grep -q waiting "$out" 2>/dev/null && break
        sleep 0.05
    done
    sleep 0.5
    # Still asleep: the half line must already be in the file.
    kill -0 "$pid"
    run cat "$err"
    assert_output "[partial-1] half-line via=wait"
    kill "$pid"
    wait "$pid" || true
}

@test "with crash reports on, the report starts on a line of its own after the half line" {
    run --separate-stderr "$REQTAG" -- "$FIXTURES/partial" segv
    [ "$status" -eq 139 ]
    run head -n 2 <<<"$stderr"
    assert_line --index 0 "[partial-1] half-line via=segv"
    assert_line --index 1 --regexp '^\[partial-1\] reqtag: SIGSEGV \(address 0x0\) in thread [0-9]+ while handling partial-1, [0-9]+ ms into the request$'
}

@test "without the shim the half line of a crashing program is written untagged (the checks can fail)" {
    run --separate-stderr "$FIXTURES/partial" segv
    [ "$status" -eq 139 ]
    [ "$stderr" = "half-line via=segv" ]
}
