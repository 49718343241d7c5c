# streams.bats -- REQTAG_STREAMS: stderr by default, stdout when asked, log files matched by a glob.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper

run_filelog() {
    run --separate-stderr "$REQTAG" "$@" -- "$FIXTURES/filelog" "$BATS_TEST_TMPDIR"
    assert_success
}

@test "default: stderr is tagged; stdout and log files are untouched" {
    run_filelog
    assert_equal "$stderr" "[files-1] to stderr via=write"
    assert_equal "$output" $'to stdout via=printf\nto stdout via=write'
    assert_equal "$(cat "$BATS_TEST_TMPDIR/app.log")" $'to app.log via=write\nto app.log via=fprintf'
    assert_equal "$(cat "$BATS_TEST_TMPDIR/other.txt")" "to other.txt via=write"
}

@test "--streams stderr,stdout: stdout lines are tagged too, printf and write alike" {
    run_filelog --streams stderr,stdout
    assert_equal "$stderr" "[files-1] to stderr via=write"
    assert_equal "$output" $'[files-1] to stdout via=printf\n[files-1] to stdout via=write'
}

@test "--streams with a glob: the matching log file is tagged (write and fprintf), other files are not" {
    run_filelog --streams "stderr,$BATS_TEST_TMPDIR/*.log"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/app.log")" $'[files-1] to app.log via=write\n[files-1] to app.log via=fprintf'
    assert_equal "$(cat "$BATS_TEST_TMPDIR/other.txt")" "to other.txt via=write"
    assert_equal "$stderr" "[files-1] to stderr via=write"
}

@test "--streams with only a path: stderr is no longer tagged" {
    run_filelog --streams "$BATS_TEST_TMPDIR/app.log"
    assert_equal "$stderr" "to stderr via=write"
    assert_equal "$(head -n 1 "$BATS_TEST_TMPDIR/app.log")" "[files-1] to app.log via=write"
}

@test "stdout on the same file as stderr (2>&1) is stderr's stream: its lines are tagged too" {
    run bash -c "'$REQTAG' -- '$FIXTURES/filelog' '$BATS_TEST_TMPDIR' 2>&1"
    assert_success
    assert_line "[files-1] to stderr via=write"
    assert_line "[files-1] to stdout via=write"
    assert_line "[files-1] to stdout via=printf"
}

@test "--streams stdout alone: stdout is tagged, stderr is not" {
    run_filelog --streams stdout
    assert_equal "$stderr" "to stderr via=write"
    assert_equal "$output" $'[files-1] to stdout via=printf\n[files-1] to stdout via=write'
}

@test "a bad REQTAG_STREAMS entry warns once and falls back to stderr" {
    run --separate-stderr env REQTAG_STREAMS=relative/path.log "$REQTAG" -- "$FIXTURES/filelog" "$BATS_TEST_TMPDIR"
    assert_success
    assert_equal "$(grep -c "REQTAG_STREAMS='relative/path.log'" <<<"$stderr")" 1
    assert_equal "$(grep -c '^\[files-1\] to stderr via=write$' <<<"$stderr")" 1
}
