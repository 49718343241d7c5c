# identical.bats -- the shim changes nothing but stderr tags: replies, stdout, errno, exceptions.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    T="$BATS_TEST_TMPDIR"
}

# Four requests on one connection (pipelined): GET, POST with a body, HEAD, GET with close.
REQS='GET /r/1 HTTP/1.1\r\nX-Request-ID: same-1\r\n\r\nPOST /r/2 HTTP/1.1\r\nX-Request-ID: same-2\r\nContent-Length: 11\r\n\r\nhello worldHEAD /r/3 HTTP/1.1\r\n\r\nGET /r/4 HTTP/1.1\r\nConnection: close\r\n\r\n'

# serve_once TAG [PREFIX...]: run tpcserver (optionally behind PREFIX), send $REQS and 20
# sequential keep-alive requests; the reply bytes go to $T/TAG.reply, stdout to $T/TAG.out.
serve_once() {
    local tag=$1 port
    shift
    port=$(free_port)
    start_tpc "$T/$tag.out" "$T/$tag.err" "$port" "$@"
    raw_request "$port" "$REQS" >"$T/$tag.reply"
    load_run --port "$port" --count 20 --first 11 --parallel 1 --keepalive 5 --prefix seq- >/dev/null
    stop_pid "$SERVER_PID"
}

@test "reply bytes and stdout of tpcserver are identical with and without the shim" {
    serve_once plain
    serve_once shim "$REQTAG" --
    assert_equal "$(grep -c $'^HTTP/1.1 200 OK\r$' "$T/plain.reply")" 4
    cmp "$T/plain.reply" "$T/shim.reply"
    assert_equal "$(wc -l <"$T/plain.out")" 25
    cmp "$T/plain.out" "$T/shim.out"
    # The shim was really at work in the second run.
    assert_equal "$(grep -c '^\[seq-11\] path=/r/11 via=' "$T/shim.err")" 7
}

@test "errnoprobe: stdout identical; stderr differs only by one tag per line" {
    run --separate-stderr "$FIXTURES/errnoprobe"
    assert_success
    local plain_out=$output plain_err=$stderr
    run --separate-stderr env LD_PRELOAD="$PRELOAD" "$FIXTURES/errnoprobe"
    assert_success
    assert_equal "$output" "$plain_out"
    # Every stderr line carries exactly one tag; without it the line is the plain one.
    run grep -cvE '^\[probe-[12]\] ' <<<"$stderr"
    assert_output 0
    assert_equal "$(sed -E 's/^\[probe-[12]\] //' <<<"$stderr")" "$plain_err"
    # The ID follows the request read last: probe-2 once the second request was read.
    assert_equal "$(grep -c '^\[probe-1\] probe line via=write$' <<<"$stderr")" 1
    assert_equal "$(grep -c '^\[probe-2\] after-peek via=write$' <<<"$stderr")" 1
    assert_equal "$(grep -c '^\[probe-2\] thread line via=thread$' <<<"$stderr")" 1
}

@test "errnoprobe --efault: a bad buffer gives EFAULT with the shim too, not a crash" {
    run --separate-stderr "$FIXTURES/errnoprobe" --efault
    assert_success
    assert_line --index 0 --regexp 'ret=-1 errno=14$'
    local plain=$output
    run --separate-stderr env LD_PRELOAD="$PRELOAD" "$FIXTURES/errnoprobe" --efault
    assert_success
    assert_equal "$output" "$plain"
}

@test "cxxthrow: stdout and exit status identical; stderr lines whole and tagged" {
    run --separate-stderr timeout 30 "$FIXTURES/cxxthrow"
    local plain_status=$status plain_out=$output
    assert_equal "$plain_status" 6
    assert_line 'caught 6'
    run --separate-stderr timeout 30 env LD_PRELOAD="$PRELOAD" "$FIXTURES/cxxthrow"
    assert_equal "$status" "$plain_status"
    assert_equal "$output" "$plain_out"
    run grep -cvE '^\[cxx-1\] (cxxthrow (start|end)|rethrow at depth (3|6|9|12)|thread1 throwing|async throwing|outer thread got: wrapped in inner thread|calling pthread_exit|waiting to be cancelled)$' <<<"$stderr"
    assert_output 0
    assert_equal "$(grep -c "rethrow at depth" <<<"$stderr")" 16
}

# run_both_disabled FIXTURE ARGS...: stderr (appended to a file) without the shim and with
# REQTAG_DISABLE=1 must be byte-identical, and so must the exit status.
run_both_disabled() {
    local st1=0 st2=0
    "$FIXTURES/$1" "${@:2}" >"$T/a.out" 2>>"$T/a.err" || st1=$?
    env LD_PRELOAD="$PRELOAD" REQTAG_DISABLE=1 "$FIXTURES/$1" "${@:2}" >"$T/b.out" 2>>"$T/b.err" || st2=$?
    assert_equal "$st2" "$st1"
    [ -s "$T/a.err" ]
    cmp "$T/a.err" "$T/b.err"
    cmp "$T/a.out" "$T/b.out"
    rm -f "$T"/[ab].out "$T"/[ab].err
}

@test "REQTAG_DISABLE=1: stderr byte-identical to running without the shim" {
    run_both_disabled errnoprobe
    run_both_disabled stdiopaths
    run_both_disabled selfreq 'GET / HTTP/1.1\r\nX-Request-ID: dis-1\r\n\r\n'
}

@test "REQTAG_DISABLE=1 under a loaded server: tpcserver's stderr has no tag" {
    local port
    port=$(free_port)
    start_tpc "$T/out" "$T/err" "$port" env REQTAG_DISABLE=1 "$REQTAG" --
    run load_run --port "$port" --count 20 --parallel 4 --prefix off-
    assert_success
    stop_pid "$SERVER_PID"
    assert_equal "$(grep -o 'path=/r/[0-9]*' "$T/err" | wc -l)" 140
    run grep -c 'off-' "$T/err"
    assert_output 0
}
