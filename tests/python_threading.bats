# python_threading.bats -- python3's ThreadingHTTPServer (HTTP/1.1 keep-alive) under reqtag: every handler line carries its ID, stderr a file and a pipe.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper
load helpers/stderr_sink

setup() {
    PORT=$(free_port)
    LOG="$BATS_TEST_TMPDIR/log"
    SERVER="$ROOT/tests/servers/python/threading_server.py"
}

# start_threading MODE: the server under reqtag, stderr appended to $LOG (MODE file or pipe).
start_threading() {
    start_sink "$1" "$LOG" "$REQTAG" -- python3 "$SERVER" "$PORT"
    wait_line "$LOG" '^threading server listening on ' 20
}

# threading_case MODE KIND: the standard mix; the handler's log_message line, its direct
# sys.stderr.write line and the access-log line of each request carry its own ID; the start-up
# line is untagged. Pipelined requests (read in one recv): all nine lines are written before the
# third response starts, while several requests are in flight and the newest is unanswered
# (ambiguous, shim/conn.h: they may be untagged, never wrongly tagged).
threading_case() {
    local t="py$1"
    start_threading "$1"
    run stderr_kind "$SERVER_PID"
    assert_output "$2"
    run run_scenarios --port "$PORT" --tag "$t"
    assert_success
    assert_output --partial "fresh: 400 requests, 0 bad"
    assert_output --partial "keepalive: 400 requests, 0 bad"
    stop_sink
    run sed -n 1p "$LOG"
    assert_output "threading server listening on 127.0.0.1:$PORT"
    run check_tags "$LOG" --startup-lines 1 --min-lines 2421 --allow-untagged "/r/$t-p-[012]( |\$)"
    assert_success
    # three lines per request: 3 x (400 + 400 + 2 + 3 + 3 + 1 + 1)
    run grep -cE "(\] handling /r/$t-[^ ]+\$|^(\[[^] ]+\] )?direct /r/$t-|\"GET /r/$t-[^ ]+ HTTP/1\\.1\" 200 -\$)" "$LOG"
    assert_output 2430
}

@test "python ThreadingHTTPServer: stderr appended to a file: every handler line carries its own ID" {
    threading_case file "regular file"
}

@test "python ThreadingHTTPServer: stderr through a pipe: every handler line carries its own ID" {
    threading_case pipe fifo
}

@test "python ThreadingHTTPServer: keep-alive requests on one connection each get their own ID on all three lines" {
    start_threading file
    run run_scenarios --port "$PORT" --tag ka --only three
    assert_success
    stop_sink
    local i
    for i in 0 1 2; do
        run grep -c "^\[ka-three-$i\] .*/r/ka-three-$i\\b" "$LOG"
        assert_output 3
    done
}
