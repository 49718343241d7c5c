# faults.bats -- under injected short reads and writes, EINTR and EAGAIN, echoed bodies stay byte-exact and every line keeps its own tag.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper

# tests/faults/faults.c (built as fixtures/faults.so) is preloaded after the shim: the program's
# reads and writes on sockets and stderr, and the shim's own writes, meet its faults. A run under
# fault injection must show that faults of each kind fired, or it proves nothing.

setup() {
    tpc_vars
    MANIFEST="$BATS_TEST_TMPDIR/manifest"
    REPORT="$BATS_TEST_TMPDIR/faults"
    # A new seed each run explores more cut points; a failing run prints it (FAULTS_TEST_SEED=N repeats it).
    SEED=${FAULTS_TEST_SEED:-$RANDOM}
    echo "seed $SEED"
    # 6 keep-alive connections of PER_CONN requests, bodies of 0 to MAX_BODY bytes; one call in RATE faulted.
    PER_CONN=40
    MAX_BODY=204800
    RATE=4
}

# start_echo MODE [PREFIX...]: faultecho in MODE (tpc or epoll) on PORT behind PREFIX.
start_echo() {
    local mode=$1
    shift
    start_split "$OUT" "$ERR" "$@" "$FIXTURES/faultecho" "$mode" "$PORT"
    wait_line "$OUT" '^ready$' 10
}

# faulted CMD...: exec CMD with faults.so preloaded (after the shim, when CMD is reqtag); for start_split,
# whose background process it replaces, so that SERVER_PID is the server.
faulted() {
    exec env LD_PRELOAD="$FIXTURES/faults.so" FAULTS_SEED="$SEED" FAULTS_RATE="$RATE" FAULTS_REPORT="$REPORT" "$@"
}

faultload() {
    timeout 60 python3 "$HELPERS/faultload.py" "$@"
}

# send_and_stop [ARGS...]: the load, every echo exact; then TERM, which faultecho answers with
# exit(), so the report is written.
send_and_stop() {
    run faultload send --port "$PORT" --seed "$SEED" --manifest "$MANIFEST" --conns 6 --per-conn "$PER_CONN" \
        --max-body "$MAX_BODY" "$@"
    assert_success
    assert_output --regexp "^faultload: $((6 * PER_CONN)) requests over 6 connections, [0-9]+ body bytes each way, 0 bad\$"
    stop_pid "$SERVER_PID"
}

# assert_checked LINES_PER_REQUEST [untagged]: the checker's verdict over all 6 x PER_CONN requests.
assert_checked() {
    local n=$((6 * PER_CONN * $1)) how="all tagged with their own ID"
    [ -z "${2:-}" ] || how="all untagged"
    assert_output "checkfaults: $((n + 1)) lines, $n request lines $how"
}

# check_log MODE [ARGS...]: every line of the server's stderr, against the manifest.
check_log() {
    local mode=$1
    shift
    run timeout 60 python3 "$HELPERS/faultload.py" check --manifest "$MANIFEST" --log "$ERR" \
        --startup "faultecho $mode listening on $PORT" "$@"
    assert_success
}

# count NAME: the report's count NAME.
count() {
    sed -n "s/^$1 \([0-9]*\)$/\1/p" "$REPORT"
}

# assert_fired MODE: faults of every kind the mode can get fired; a blocking program never got EAGAIN.
assert_fired() {
    local name
    cat "$REPORT"
    for name in read_short read_eintr write_short write_eintr stderr_short stderr_eintr; do
        [ "$(count "$name")" -gt 0 ] || fail "no $name fault fired"
    done
    for name in read_eagain write_eagain stderr_eagain; do
        if [ "$1" = epoll ]; then
            [ "$(count "$name")" -gt 0 ] || fail "no $name fault fired"
        else
            assert_equal "$(count "$name")" 0
        fi
    done
}

# faulted_run MODE: the load under reqtag with faults, every body and every line checked.
faulted_run() {
    start_echo "$1" faulted "$REQTAG" --
    send_and_stop
    check_log "$1"
    assert_checked 3
    assert_fired "$1"
}

@test "faults, blocking thread-per-connection server: bodies echoed exact, every line tagged with its own ID" {
    faulted_run tpc
}

@test "faults, non-blocking epoll server (stderr non-blocking too): bodies echoed exact, every line tagged with its own ID" {
    faulted_run epoll
}

# faulted_echo MODE [--summary]: the same with --echo: the shim's own header line and its response
# counting meet short sends, EINTR and EAGAIN. With --summary, one summary line per request too,
# its byte count exact. Only the epoll server takes --summary: a summary line is the shim's own,
# written outside the program's log lock, so after a short write to stderr another thread's line
# can land inside it (a known limit: the shim's lines are one write each, not atomic after a cut).
# Many small responses, every other call faulted: more heads cut at every offset, the ID line's
# own included (a cut right after the blank line's CR once put a second ID line before its LF).
faulted_echo() {
    local mode=$1 summary=${2:-}
    PER_CONN=150
    MAX_BODY=16384
    RATE=2
    start_echo "$mode" faulted "$REQTAG" --echo ${summary:+--summary} --
    send_and_stop --echo
    check_log "$mode" ${summary:+--summary}
    assert_checked $((${summary:+1} + 3))
    assert_fired "$mode"
}

@test "faults with --echo, thread-per-connection: each response carries its own ID, bodies echoed exact" {
    faulted_echo tpc
}

@test "faults with --echo --summary, epoll: each response carries its own ID, bodies exact, summary byte counts exact" {
    faulted_echo epoll --summary
}

@test "control: the same load under reqtag without faults passes and leaves no fault report" {
    start_echo epoll "$REQTAG" --
    send_and_stop
    check_log epoll
    assert_checked 3
    [ ! -e "$REPORT" ]
}

@test "faults without the shim: faultecho itself copes (lines untagged), and faults reach the program's own stderr writes" {
    start_echo epoll faulted
    send_and_stop
    check_log epoll --untagged
    assert_checked 3 untagged
    assert_fired epoll
}
