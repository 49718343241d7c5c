# tagging.bats -- tpcserver under reqtag: every request's lines carry its own ID once, whole.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    tpc_vars
}

# check_stdout N: tpcserver's stdout holds "ready" and N untouched "served" lines.
check_stdout() {
    assert_equal "$(head -n 1 "$OUT")" "ready"
    assert_equal "$(grep -c '^served /r/[0-9]*$' "$OUT")" "$1"
    assert_equal "$(wc -l <"$OUT")" "$(($1 + 1))"
}

@test "400 requests, 16 in parallel, stderr appended to a file: each line tagged once with its own ID" {
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --
    run load_run --port "$PORT" --count 400 --parallel 16 --prefix id-
    assert_success
    stop_pid "$SERVER_PID"
    run check_lines "$ERR" --kind tpc --prefix id- --count 400 --untagged "listening on $PORT"
    assert_success
    assert_equal "$(wc -l <"$ERR")" "$((400 * 7 + 1))"
    check_stdout 400
}

@test "400 requests, 16 in parallel, stderr a pipe: each line tagged once with its own ID" {
    local fifo="$BATS_TEST_TMPDIR/fifo"
    mkfifo "$fifo"
    cat "$fifo" >>"$ERR" &
    local cat_pid=$!
    BG_PIDS+=("$cat_pid")
    start_tpc "$OUT" "$fifo" "$PORT" "$REQTAG" --
    run load_run --port "$PORT" --count 400 --parallel 16 --prefix pipe-
    assert_success
    stop_pid "$SERVER_PID"
    # The server is gone, so cat sees the end of the pipe and ends by itself.
    timeout 10 tail --pid="$cat_pid" -f /dev/null
    run check_lines "$ERR" --kind tpc --prefix pipe- --count 400 --untagged "listening on $PORT"
    assert_success
    check_stdout 400
}

@test "keep-alive: 400 requests, 10 per connection, 16 connections at once" {
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --
    run load_run --port "$PORT" --count 400 --parallel 16 --keepalive 10 --prefix ka-
    assert_success
    assert_output --partial "over 40 connections, 0 failed"
    stop_pid "$SERVER_PID"
    run check_lines "$ERR" --kind tpc --prefix ka- --count 400 --untagged "listening on $PORT"
    assert_success
    check_stdout 400
}

@test "keep-alive with request bodies (POST, Content-Length): the body is not a request" {
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --
    # The body looks like a request with another ID; it must not change the connection's ID.
    local body='GET /r/9 HTTP/1.1\r\nX-Request-ID: body-9\r\n\r\n'
    run timeout 20 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw "POST /r/1 HTTP/1.1\r\nX-Request-ID: post-1\r\nContent-Length: 43\r\n\r\n${body}" \
        --raw 'GET /r/2 HTTP/1.1\r\nX-Request-ID: post-2\r\nConnection: close\r\n\r\n'
    assert_success
    assert_output $'200 ok /r/1\n200 ok /r/2'
    stop_pid "$SERVER_PID"
    run check_lines "$ERR" --kind tpc --prefix post- --count 2 --untagged "listening on $PORT"
    assert_success
}

@test "without the shim the same load tears and leaves lines untagged (the checker can fail)" {
    start_tpc "$OUT" "$ERR" "$PORT"
    run load_run --port "$PORT" --count 50 --parallel 8 --prefix raw-
    assert_success
    stop_pid "$SERVER_PID"
    run check_lines "$ERR" --kind tpc --prefix raw- --count 50 --untagged "listening on $PORT"
    assert_failure
    assert_output --partial "problems"
}
