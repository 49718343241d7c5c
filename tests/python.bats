# python.bats -- python3 -m http.server under reqtag: access-log lines carry their request's ID.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    PORT=$(free_port)
    LOG="$BATS_TEST_TMPDIR/log"
    DOCS="$BATS_TEST_TMPDIR/docs"
    mkdir -p "$DOCS"
}

# start_py [REQTAG OPTIONS...]: http.server under reqtag, stdout and stderr appended to $LOG.
start_py() {
    PYTHONUNBUFFERED=1 start_bg "$LOG" "$REQTAG" "$@" -- \
        python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$DOCS"
    SERVER_PID=${BG_PIDS[-1]}
    wait_line "$LOG" '^Serving HTTP on' 15
}

# access_line N: the access-log line of request /r/N.
access_line() {
    grep -F "\"GET /r/$1 HTTP/1.1\" 404" "$LOG"
}

@test "400 requests, 16 in parallel: each access-log line starts with its own ID; banner untagged" {
    start_py
    run load_run --port "$PORT" --count 400 --parallel 16 --prefix py- --expect-status 404 --no-body-check
    assert_success
    stop_pid "$SERVER_PID"
    run check_lines "$LOG" --kind python --prefix py- --count 400 --untagged "Serving HTTP on 127.0.0.1 port $PORT"
    assert_success
}

@test "a request without the header gets a generated 32-hex ID, the same on both of its lines" {
    start_py
    run load_run --port "$PORT" --count 1 --first 7 --header '' --expect-status 404 --no-body-check
    assert_success
    stop_pid "$SERVER_PID"
    run access_line 7
    assert_output --regexp '^\[[0-9a-f]{32}\] 127\.0\.0\.1 - - \[[^]]+\] "GET /r/7 HTTP/1\.1" 404 -$'
    local id=${output:1:32}
    run grep -c "^\[$id\] 127.0.0.1 - - \[[^]]*\] code 404, message File not found$" "$LOG"
    assert_output 1
}

@test "two requests without the header get different generated IDs" {
    start_py
    run load_run --port "$PORT" --count 2 --header '' --expect-status 404 --no-body-check
    assert_success
    stop_pid "$SERVER_PID"
    local a b
    a=$(access_line 1 | cut -c1-34)
    b=$(access_line 2 | cut -c1-34)
    [[ $a =~ ^\[[0-9a-f]{32}\]$ ]]
    [[ $b =~ ^\[[0-9a-f]{32}\]$ ]]
    [ "$a" != "$b" ]
}

@test "--no-generate: a request without the header stays untagged, one with it is tagged" {
    start_py --no-generate
    run load_run --port "$PORT" --count 1 --first 1 --header '' --expect-status 404 --no-body-check
    assert_success
    run load_run --port "$PORT" --count 1 --first 2 --prefix ng- --expect-status 404 --no-body-check
    assert_success
    stop_pid "$SERVER_PID"
    run access_line 1
    assert_output --regexp '^127\.0\.0\.1 - - \[[^]]+\] "GET /r/1 HTTP/1\.1" 404 -$'
    run access_line 2
    assert_output --regexp '^\[ng-2\] 127\.0\.0\.1 - - \[[^]]+\] "GET /r/2 HTTP/1\.1" 404 -$'
}
