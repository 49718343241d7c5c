# debug.bats -- REQTAG_DEBUG: the shim's own decisions on stderr, untagged, values escaped or withheld, rate-limited.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    tpc_vars
}

# serve [REQTAG OPTIONS...]: tpcserver under reqtag with those options.
serve() {
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" "$@" --
}

# debug_lines: the debug lines tpcserver's stderr got.
debug_lines() {
    grep 'reqtag: debug:' "$ERR" || true
}

@test "off by default: a served request leaves no debug line" {
    serve
    run load_run --port "$PORT" --count 3 --prefix dbg-
    assert_success
    stop_pid "$SERVER_PID"
    grep -q '^\[dbg-1\] ' "$ERR" # the requests were served and tagged
    assert_equal "$(debug_lines)" ""
}

@test "--debug: the connection, its request and ID, the thread serving it; every debug line untagged" {
    serve --debug
    run raw_request "$PORT" 'GET /a HTTP/1.1\r\nHost: x\r\nX-Request-ID: dbg-1\r\nConnection: close\r\n\r\n'
    assert_success
    stop_pid "$SERVER_PID"
    run debug_lines
    assert_line --regexp '^reqtag: debug: accepted fd=[0-9]+ on listener fd=[0-9]+: following its requests$'
    assert_line --regexp '^reqtag: debug: request fd=[0-9]+ #1 id=dbg-1 \(from the request\)$'
    assert_line --regexp '^reqtag: debug: thread [0-9]+ serves fd=[0-9]+ id=dbg-1 \(from the request\)$'
    assert_line --regexp '^reqtag: debug: output fd=2: its lines are tagged$'
    assert_line --regexp '^reqtag: debug: forgot fd=[0-9]+: closed or replaced$'
    # Untagged, though written while the thread served dbg-1 (whose own lines are tagged).
    refute_line --regexp '^\['
    grep -q '^\[dbg-1\] ' "$ERR"
}

# dropped HEADER-LINES REASON [OPTIONS...]: a request with those header lines gets a generated
# ID; the debug output says why the ID header was dropped.
dropped() {
    serve --debug "${@:3}"
    run raw_request "$PORT" "GET /d HTTP/1.1\\r\\nHost: x\\r\\n$1Connection: close\\r\\n\\r\\n"
    assert_success
    stop_pid "$SERVER_PID"
    run debug_lines
    assert_line --regexp '^reqtag: debug: request fd=[0-9]+ #1 id=[0-9a-f]{32} \(generated\)$'
    assert_line --regexp "^reqtag: debug: dropped ID on fd=[0-9]+: the [a-z-]+ value \\(not shown\\) is $2\$"
}

@test "an ID with an escape sequence is dropped, says why, and its value appears nowhere" {
    dropped 'X-Request-ID: evil\x1b[31mred\r\n' 'empty or holds a byte an ID may not .*'
    run grep -c -e 'evil' -e $'\x1b' "$ERR"
    assert_output 0
}

@test "an over-long ID is dropped as too long" {
    dropped "X-Request-ID: $(printf 'a%.0s' {1..300})\\r\\n" 'longer than the 200 bytes an ID may have'
    run grep -c 'aaaaaaaaaa' "$ERR"
    assert_output 0
}

@test "an ID continued on a folded line is dropped as folded" {
    dropped 'X-Request-ID: fold-1\r\n  more\r\n' 'continued on a folded line'
}

@test "a malformed traceparent is dropped as such" {
    dropped 'traceparent: 00-nothex-00f067aa0ba902b7-01\r\n' 'not a valid traceparent' --header traceparent
}

@test "a connection that is not HTTP/1.x is said once" {
    serve --debug
    run raw_request "$PORT" '\x16\x03\x01\x00\x05hello'
    stop_pid "$SERVER_PID"
    run debug_lines
    assert_line --regexp '^reqtag: debug: not HTTP/1.x on fd=[0-9]+: its bytes are no longer looked at, its requests not followed$'
    assert_equal "$(grep -c 'not HTTP/1.x' <<<"$output")" 1
}

@test "a burst: at most 100 debug lines a second leave, then the count of those dropped" {
    serve --debug
    run load_run --port "$PORT" --count 400 --parallel 8 --prefix burst-
    assert_success
    sleep 1.2 # a new second: the next line may leave, after the count
    run raw_request "$PORT" 'GET /late HTTP/1.1\r\nHost: x\r\nX-Request-ID: late-1\r\nConnection: close\r\n\r\n'
    stop_pid "$SERVER_PID"
    run debug_lines
    # 400 requests make over 1,000 decisions; the burst straddles at most two seconds.
    local before
    before=$(grep -n 'rate limit' <<<"$output" | head -n 1 | cut -d: -f1)
    [ -n "$before" ] || fail "no rate limit line"
    [ "$((before - 1))" -le 200 ]
    assert_line --regexp '^reqtag: debug: rate limit: [0-9]+ lines dropped$'
    local n
    n=$(grep -m1 'rate limit' <<<"$output" | awk '{ print $5 }')
    [ "$n" -gt 0 ] # how many depends on the machine's speed (the burst may last several seconds)
    # Every request was still served and tagged.
    [ "$(grep -o '^\[burst-[0-9]*\]' "$ERR" | sort -u | wc -l)" -eq 400 ]
}
