# fdreuse.bats -- a connection's descriptor number reused for accept, eventfd, pipe, dup2, fclose, shutdown: never a stale ID.
# shellcheck shell=bash disable=SC2154,SC2016
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    ERR="$BATS_TEST_TMPDIR/err"
}

# check_out TEXT: fdreuse's stdout: every step really reused the connection's number (the
# number itself depends on the descriptors the test runner leaves open).
check_out() {
    local n
    n=$(sed -n '1s/^accept reused fd \([0-9][0-9]*\)$/\1/p' <<<"$1")
    [ -n "$n" ]
    assert_equal "$1" "accept reused fd $n
eventfd reused fd $n
pipe reused fd $n
dup2pipe reused fd $n
dup2conn reused fd $n
fclose reused fd $n
shutdown reused fd $n"
}

# expected_err: the lines fdreuse writes; a new connection's lines carry its new ID, a reused
# descriptor that is no longer a connection gives its user no ID at all.
expected_err() {
    cat <<'LINES'
[fd-new-1] accept path=/r/fd-new-1
eventfd: reused descriptor written by a thread without a request
pipe: reused descriptor read by a thread without a request
dup2pipe: reused descriptor written by a thread without a request
[fd-b-5] dup2conn written path=/r/fd-b-5
[fd-b2-5] dup2conn read path=/r/fd-b2-5
fclose: reused descriptor read by a thread without a request
[fd-new-7] shutdown path=/r/fd-new-7
LINES
}

@test "without the library: the same steps, the same lines, untagged" {
    run --separate-stderr timeout 20 "$FIXTURES/fdreuse"
    assert_success
    check_out "$output"
    assert_equal "$stderr" "$(expected_err | sed -E 's/^\[[^]]*\] //')"
}

@test "stderr appended to a file: no line carries a stale ID" {
    run timeout 20 bash -c '"$1" -- "$2" 2>>"$3"' _ "$REQTAG" "$FIXTURES/fdreuse" "$ERR"
    assert_success
    check_out "$output"
    assert_equal "$(cat "$ERR")" "$(expected_err)"
    run timeout 60 python3 "$HELPERS/checktags.py" "$ERR" --min-lines 4
    assert_success
}

@test "stderr a pipe: no line carries a stale ID" {
    run timeout 20 bash -c '"$1" -- "$2" 2>&1 >"$3" | cat >>"$4"' _ \
        "$REQTAG" "$FIXTURES/fdreuse" "$BATS_TEST_TMPDIR/out" "$ERR"
    assert_success
    check_out "$(cat "$BATS_TEST_TMPDIR/out")"
    assert_equal "$(cat "$ERR")" "$(expected_err)"
}
