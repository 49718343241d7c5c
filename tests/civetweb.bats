# civetweb.bats -- civetweb (a pool of worker threads) under reqtag: each access-log line carries its ID.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    PORT=$(free_port)
    DIR="$BATS_TEST_TMPDIR/civetweb"
    LOG="$BATS_TEST_TMPDIR/log"
    OUT="$BATS_TEST_TMPDIR/out"
    CONF="$DIR/civetweb.conf"
    mkdir -p "$DIR/docs/r"
    : >"$LOG"
    sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" \
        "$ROOT/tests/servers/civetweb/civetweb.conf.in" >"$CONF"
}

# start_civetweb file|pipe: civetweb under reqtag, its stdout appended to $OUT and its stderr
# appended to $LOG directly (file) or through a named pipe read by cat (pipe).
start_civetweb() {
    local cmd=(timeout 300 "$REQTAG" -- civetweb "$CONF")
    if [ "$1" = file ]; then
        start_split "$OUT" "$LOG" "${cmd[@]}"
    else
        mkfifo "$BATS_TEST_TMPDIR/fifo"
        timeout 300 cat "$BATS_TEST_TMPDIR/fifo" >>"$LOG" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        "${cmd[@]}" >>"$OUT" 2>"$BATS_TEST_TMPDIR/fifo" &
        SERVER_PID=$!
        BG_PIDS+=("$SERVER_PID")
    fi
    wait_port "$PORT" 15
}

# stop_civetweb: stop civetweb (and the pipe's reader, once it has read everything).
stop_civetweb() {
    stop_pid "$SERVER_PID" 15
    if [ -n "${CAT_PID:-}" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null || true
    fi
}

# scenario_ids TAG COUNT: the IDs scenarios.py sends, but the first two pipelined ones.
scenario_ids() {
    local t=$1 n=$2 i
    for ((i = 0; i < n; i++)); do
        echo "$t-f-$i"
        echo "$t-k-$i"
    done
    printf '%s\n' "$t-two-0" "$t-two-1" "$t-three-0" "$t-three-1" "$t-three-2" "$t-p-2" "$t-b-0" "$t-7-0"
}

# run_scenarios file|pipe: the standard mix against civetweb (every path a file: civetweb closes
# a keep-alive connection after an error status), then the log check.
run_scenarios() {
    local tag="cw$1" id
    scenario_ids "$tag" 400 >"$BATS_TEST_TMPDIR/ids"
    for id in $(cat "$BATS_TEST_TMPDIR/ids") "$tag-p-0" "$tag-p-1"; do
        echo ok >"$DIR/docs/r/$id"
    done
    start_civetweb "$1"
    run timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag"
    assert_success
    stop_civetweb
    # civetweb writes nothing on stderr but its access log (its banner goes to stdout, which is
    # block-buffered into a file and not always flushed when civetweb is stopped: not checked).
    # Each request has exactly one access-log line (400 + 400 + 2 + 3 + 3 + 1 + 1), and there is
    # nothing else.
    run grep -cE "^(\[[^]]*\] )?127\.0\.0\.1 - - \[[^]]+\] \"GET /r/$tag-[a-z0-9]+-[0-9]+ HTTP/1\.1\" 200 [0-9]+ - -$" "$LOG"
    assert_output 810
    run wc -l <"$LOG"
    assert_output 810
    # Pipelined requests (three in one write): civetweb writes the access lines of the first two
    # after the first response has started and before the last one has, where the shim cannot
    # tell which of the three requests the worker is on; they may be untagged, never wrongly
    # tagged.
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --expect-ids "$BATS_TEST_TMPDIR/ids" \
        --min-lines 808 \
        --allow-untagged "^127\.0\.0\.1 - - \[[^]]+\] \"GET /r/$tag-p-[01] HTTP/1\.1\" 200 [0-9]+ - -$"
    echo "$output"
    assert_success
}

@test "stderr a file: every access-log line (fopen /dev/stderr + fprintf) carries its own ID" {
    run_scenarios file
}

@test "stderr a pipe: every access-log line (fopen /dev/stderr + fprintf) carries its own ID" {
    run_scenarios pipe
}

@test "404s for missing files: each access-log line carries its own ID" {
    start_civetweb file
    run timeout 120 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag gone --status 404 \
        --count 200 --only fresh
    assert_success
    stop_civetweb
    run grep -cE '^\[gone-f-([0-9]+)\] 127\.0\.0\.1 - - \[[^]]+\] "GET /r/gone-f-\1 HTTP/1\.1" 404 [0-9]+ - -$' "$LOG"
    assert_output 200
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --min-lines 200
    echo "$output"
    assert_success
}
