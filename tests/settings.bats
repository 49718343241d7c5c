# settings.bats -- REQTAG_HEADER, REQTAG_FORMAT, REQTAG_GENERATE and bad values of each setting.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

TP_ID=4bf92f3577b34da6a3ce929d0e0e4736
TP="00-$TP_ID-00f067aa0ba902b7-01"

# selfreq REQUEST-HEAD-LINES [THREADS]: run the selfreq fixture under the shim with the current
# environment; the request is "GET / HTTP/1.1\r\n" + the given header lines + "\r\n".
selfreq() {
    run --separate-stderr timeout 20 env LD_PRELOAD="$PRELOAD" "$FIXTURES/selfreq" \
        "GET / HTTP/1.1\r\nHost: x\r\n$1\r\n" "${2:-0}"
    assert_success
    assert_output 'done'
}

@test "default: X-Request-ID is used" {
    selfreq 'X-Request-ID: def-1\r\n'
    assert_equal "$stderr" '[def-1] selfreq main'
}

@test "REQTAG_HEADER with two names: the first listed that is present wins, whatever the order in the request" {
    export REQTAG_HEADER='X-Trace-Id,X-Request-ID'
    selfreq 'X-Request-ID: second-1\r\nX-Trace-Id: first-1\r\n'
    assert_equal "$stderr" '[first-1] selfreq main'
    selfreq 'X-Request-ID: second-2\r\n'
    assert_equal "$stderr" '[second-2] selfreq main'
    selfreq 'X-Other: nope\r\n'
    assert_output 'done'
    [[ $stderr =~ ^\[[0-9a-f]{32}\]\ selfreq\ main$ ]]
}

@test "REQTAG_HEADER: an unsafe value in the first header counts as absent" {
    export REQTAG_HEADER='X-Trace-Id, X-Request-ID'
    selfreq 'X-Trace-Id: bad value\r\nX-Request-ID: fallback-1\r\n'
    assert_equal "$stderr" '[fallback-1] selfreq main'
}

@test "header names match in any case, in the setting and in the request" {
    export REQTAG_HEADER='x-REQUEST-id'
    selfreq 'X-REQUEST-ID: caps-1\r\n'
    assert_equal "$stderr" '[caps-1] selfreq main'
    selfreq 'x-request-id: lower-1\r\n'
    assert_equal "$stderr" '[lower-1] selfreq main'
}

@test "REQTAG_HEADER=traceparent yields the 32-hex trace-id" {
    export REQTAG_HEADER=traceparent
    selfreq "traceparent: $TP\\r\\n"
    assert_equal "$stderr" "[$TP_ID] selfreq main"
    # Header names are case-insensitive for traceparent too.
    selfreq "TraceParent: $TP\\r\\n"
    assert_equal "$stderr" "[$TP_ID] selfreq main"
}

@test "a bad traceparent falls through to the next header, or to a generated ID" {
    export REQTAG_HEADER='traceparent,X-Request-ID'
    selfreq 'traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\nX-Request-ID: next-1\r\n'
    assert_equal "$stderr" '[next-1] selfreq main'
    selfreq 'traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01\r\n'
    [[ $stderr =~ ^\[([0-9a-f]{32})\]\ selfreq\ main$ ]]
    [ "${BASH_REMATCH[1]}" != 4bf92f3577b34da6a3ce929d0e0e4736 ]
    [ "${BASH_REMATCH[1]}" != 00000000000000000000000000000000 ]
}

@test "REQTAG_FORMAT: a custom template, also for inheriting threads" {
    export REQTAG_FORMAT='rid={id} | '
    selfreq 'X-Request-ID: fmt-1\r\n' 3
    assert_equal "$(sort <<<"$stderr")" "$(printf 'rid=fmt-1 | selfreq %s\n' main 'thread 0' 'thread 1' 'thread 2' | sort)"
}

@test "REQTAG_GENERATE=0: no ID, no tag; a given ID is still used" {
    export REQTAG_GENERATE=0
    selfreq 'X-Other: 1\r\n' 2
    assert_equal "$(sort <<<"$stderr")" "$(printf 'selfreq %s\n' main 'thread 0' 'thread 1' | sort)"
    selfreq 'X-Request-ID: gen-1\r\n'
    assert_equal "$stderr" '[gen-1] selfreq main'
}

# bad_value VAR VALUE: with VAR=VALUE the shim warns once, naming VAR and VALUE, and keeps going;
# the warning is printed once although 16 threads write. Leaves the other stderr lines in $rest.
bad_value() {
    export "$1=$2"
    selfreq "${REQ:-X-Request-ID: bad-1\\r\\n}" 16
    local warns
    warns=$(grep -F "$1" <<<"$stderr" || true)
    assert_equal "$(grep -c . <<<"$warns")" 1
    [[ $warns == *"$2"* ]]
    rest=$(grep -vF "$1" <<<"$stderr" | sort)
    assert_equal "$(grep -c . <<<"$rest")" 17
}

@test "a bad REQTAG_HEADER warns once and falls back to X-Request-ID" {
    bad_value REQTAG_HEADER 'X Bad,Name'
    assert_equal "$rest" "$(printf '[bad-1] selfreq %s\n' main 'thread '{0..15} | sort)"
}

@test "a bad REQTAG_FORMAT warns once and falls back to [{id}] " {
    bad_value REQTAG_FORMAT 'tag-without-placeholder'
    assert_equal "$rest" "$(printf '[bad-1] selfreq %s\n' main 'thread '{0..15} | sort)"
}

@test "a bad REQTAG_GENERATE warns once and falls back to generating" {
    REQ='X-Other: 1\r\n' bad_value REQTAG_GENERATE 'maybe'
    run grep -cE '^\[[0-9a-f]{32}\] selfreq (main|thread [0-9]+)$' <<<"$rest"
    assert_output 17
    assert_equal "$(cut -c1-34 <<<"$rest" | sort -u | wc -l)" 1
}

@test "a bad REQTAG_DISABLE warns once and falls back to tagging" {
    bad_value REQTAG_DISABLE 'perhaps'
    assert_equal "$rest" "$(printf '[bad-1] selfreq %s\n' main 'thread '{0..15} | sort)"
}

@test "a bad setting warns exactly once in a busy threaded server" {
    local port
    port=$(free_port)
    REQTAG_FORMAT='{nope} {id}' start_tpc "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err" "$port" \
        env LD_PRELOAD="$PRELOAD"
    run load_run --port "$port" --count 100 --parallel 16 --prefix busy-
    assert_success
    stop_pid "$SERVER_PID"
    assert_equal "$(grep -c 'REQTAG_FORMAT' "$BATS_TEST_TMPDIR/err")" 1
    grep 'REQTAG_FORMAT' "$BATS_TEST_TMPDIR/err" | grep -qF '{nope} {id}'
    grep -v 'REQTAG_FORMAT' "$BATS_TEST_TMPDIR/err" >"$BATS_TEST_TMPDIR/rest"
    run check_lines "$BATS_TEST_TMPDIR/rest" --kind tpc --prefix busy- --count 100 --untagged "listening on $port"
    assert_success
}
