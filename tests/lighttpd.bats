# lighttpd.bats -- lighttpd (one event loop) under reqtag: its per-request error-log lines carry their ID.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    PORT=$(free_port)
    DIR="$BATS_TEST_TMPDIR/lighttpd"
    LOG="$BATS_TEST_TMPDIR/log"
    CONF="$DIR/lighttpd.conf"
    mkdir -p "$DIR/tmp" "$DIR/docs"
    : >"$LOG"
    sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" \
        "$ROOT/tests/servers/lighttpd/lighttpd.conf.in" >"$CONF"
}

# start_lighttpd file|pipe: lighttpd -D under reqtag, its stdout and stderr appended to $LOG
# directly (file) or through a named pipe read by cat (pipe). STARTUP is then the number of
# start-up lines.
start_lighttpd() {
    local cmd=(timeout 300 "$REQTAG" -- lighttpd -D -f "$CONF")
    if [ "$1" = file ]; then
        start_bg "$LOG" "${cmd[@]}"
        SERVER_PID=${BG_PIDS[-1]}
    else
        mkfifo "$BATS_TEST_TMPDIR/fifo"
        timeout 300 cat "$BATS_TEST_TMPDIR/fifo" >>"$LOG" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        "${cmd[@]}" >"$BATS_TEST_TMPDIR/fifo" 2>&1 &
        SERVER_PID=$!
        BG_PIDS+=("$SERVER_PID")
    fi
    wait_port "$PORT" 15
    wait_line "$LOG" '\(server\.c\.[0-9]+\) server started \(lighttpd/' 10
    STARTUP=$(wc -l <"$LOG")
}

# stop_lighttpd: stop lighttpd (and the pipe's reader, once it has read everything).
stop_lighttpd() {
    stop_pid "$SERVER_PID" 15
    if [ -n "${CAT_PID:-}" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null || true
    fi
}

# scenario_ids TAG COUNT: the IDs scenarios.py sends that must each be seen tagged (all but
# the three pipelined ones, which may be untagged; see run_scenarios).
scenario_ids() {
    local t=$1 n=$2 i
    for ((i = 0; i < n; i++)); do
        echo "$t-f-$i"
        echo "$t-k-$i"
    done
    printf '%s\n' "$t-two-0" "$t-two-1" "$t-three-0" "$t-three-1" "$t-three-2" "$t-b-0" "$t-7-0"
}

# run_scenarios file|pipe: the standard mix (every path a 404) against lighttpd, then the checks.
run_scenarios() {
    local tag="lt$1"
    start_lighttpd "$1"
    # lighttpd logs one start-up line before the first request.
    assert_equal "$STARTUP" 1
    run timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag" --status 404
    assert_success
    stop_lighttpd
    scenario_ids "$tag" 400 >"$BATS_TEST_TMPDIR/ids"
    # Each request's head is logged once (400 + 400 + 2 + 3 + 3 + 1 + 1).
    run grep -cE "^(\[[^]]*\] )?[0-9-]{10} [0-9:]{8}: \(response\.c\.[0-9]+\) URI +: /r/$tag-[a-z0-9]+-[0-9]+$" "$LOG"
    assert_output 810
    # Pipelined requests (three in one write): lighttpd logs each head just before answering it,
    # so all three heads' lines come after the one read that brought the three and before the
    # last response starts. There the shim cannot tell which request lighttpd is on (shim/conn.h):
    # those lines may be untagged, never wrongly tagged.
    local pipelined="^[0-9-]{10} [0-9:]{8}: \((connections|response)\.c\.[0-9]+\) .*($tag-p-[012])( HTTP/1\.1)?$"
    # The lines that name the request's path: request line, "Path" and "URI" of the 404.
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --startup-lines "$STARTUP" \
        --expect-ids "$BATS_TEST_TMPDIR/ids" --min-lines $((807 * 3)) --allow-untagged "$pipelined"
    echo "$output"
    assert_success
    # The logged X-Request-ID header line names the ID itself.
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --base 'rqst: X-Request-ID: ' \
        --startup-lines "$STARTUP" --expect-ids "$BATS_TEST_TMPDIR/ids" --min-lines 807 \
        --allow-untagged "$pipelined"
    echo "$output"
    assert_success
}

@test "stderr a file: every per-request debug line carries its own ID; the start-up line is untagged" {
    run_scenarios file
}

@test "stderr a pipe: every per-request debug line carries its own ID; the start-up line is untagged" {
    run_scenarios pipe
}

@test "the access log, in its own file as advised, is left untouched and names each ID itself" {
    start_lighttpd file
    run timeout 120 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag acc --status 404 \
        --count 100 --only fresh --only keepalive
    assert_success
    stop_lighttpd
    # mod_accesslog writes its buffer at exit at the latest: 200 lines, none tagged, each naming
    # in its id= field the ID of the request in its path.
    run grep -cE '^127\.0\.0\.1 "GET /r/(acc-[fk]-[0-9]+) HTTP/1\.1" 404 id=acc-[fk]-[0-9]+$' "$DIR/access.log"
    assert_output 200
    run grep -cvE '^127\.0\.0\.1 "GET /r/([a-z0-9-]+) HTTP/1\.1" 404 id=\1$' "$DIR/access.log"
    assert_output 0
    # The error log on stderr is still tagged.
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --startup-lines "$STARTUP" --min-lines 600
    echo "$output"
    assert_success
}
