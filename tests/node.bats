# node.bats -- node's http server (keep-alive) under reqtag: each request's stderr line carries its ID, stderr a file and a pipe.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper
load helpers/stderr_sink

setup() {
    PORT=$(free_port)
    LOG="$BATS_TEST_TMPDIR/log"
    SERVER="$ROOT/tests/servers/node/server.js"
}

# start_node MODE: node's server under reqtag, stderr appended to $LOG (MODE file or pipe).
start_node() {
    start_sink "$1" "$LOG" "$REQTAG" -- node "$SERVER" "$PORT"
    wait_line "$LOG" '^listening$' 20
}

# node_case MODE KIND NONBLOCK: the standard mix; every request line tagged with its own ID, start-up lines
# untagged. Pipelined requests (three in one read): node runs all three handlers before the third
# response starts, so all three lines fall while several requests are in flight and the newest is
# unanswered (ambiguous, shim/conn.h: they may be untagged, never wrongly tagged).
node_case() {
    start_node "$1"
    run stderr_kind "$SERVER_PID"
    assert_output "$2"
    run stderr_nonblocking "$SERVER_PID"
    assert_output "$3"
    run run_scenarios --port "$PORT" --tag "n$1"
    assert_success
    assert_output --partial "fresh: 400 requests, 0 bad"
    assert_output --partial "keepalive: 400 requests, 0 bad"
    stop_sink
    run sed -n 1,2p "$LOG"
    assert_output "node server starting on 127.0.0.1:$PORT
listening"
    run check_tags "$LOG" --startup-lines 2 --min-lines 807 --allow-untagged "^req /r/n$1-p-[012]\$"
    assert_success
    # one line per request: 400 + 400 + 2 + 3 + 3 + 1 + 1
    run grep -c 'req /r/' "$LOG"
    assert_output 810
}

@test "node: stderr appended to a file: every request line carries its own ID, start-up lines untagged" {
    node_case file "regular file" no
}

@test "node: stderr through a pipe (node makes it non-blocking): every request line carries its own ID" {
    node_case pipe fifo yes
}

@test "node: the line of a request without the header carries a generated 32-hex ID" {
    start_node file
    run timeout 20 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/r/none"
    assert_output 200
    stop_sink
    run grep -F 'req /r/none' "$LOG"
    assert_output --regexp '^\[[0-9a-f]{32}\] req /r/none$'
}
