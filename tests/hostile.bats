# hostile.bats -- unsafe header values are never printed: the request gets a generated ID instead.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    tpc_vars
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --
}

# send_value PATH HEADER-LINES: one request to PATH with the given header lines (Python escapes,
# each ending in \r\n); the reply must be 200 with the path in its body.
send_value() {
    run raw_request "$PORT" "GET $1 HTTP/1.1\r\nHost: x\r\n$2Connection: close\r\n\r\n"
    assert_success
    assert_line --index 0 $'HTTP/1.1 200 OK\r'
    assert_line "ok $1"
}

# tags_of PATH: the tag of each of PATH's lines (whole-line match: the line must be well formed).
tags_of() {
    grep -F "path=$1 " "$ERR" | sed -nE 's#^\[([^]]*)\] path=[^ ]+ via=(write|fprintf|perror: No such file or directory|devstderr|devstderr-once|helper|pieces)$#\1#p'
}

# assert_generated PATH: all 7 lines of PATH carry one and the same generated 32-hex ID.
assert_generated() {
    assert_equal "$(grep -cF "path=$1 " "$ERR")" 7
    run tags_of "$1"
    assert_equal "${#lines[@]}" 7
    assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" 1
    [[ ${lines[0]} =~ ^[0-9a-f]{32}$ ]]
}

# assert_absent TEXT: TEXT occurs nowhere in the server's stderr or stdout.
assert_absent() {
    run grep -caF -- "$1" "$ERR" "$OUT"
    assert_output --partial "$ERR:0"
    assert_output --partial "$OUT:0"
}

@test "control bytes in the value" {
    send_value /h/ctl 'X-Request-ID: evilctl\x01\x02x\r\n'
    assert_generated /h/ctl
    assert_absent evilctl
}

@test "ESC sequences (terminal colours, title) in the value" {
    send_value /h/esc 'X-Request-ID: evilesc\x1b[31mred\x1b[0m\x1b]0;title\x07\r\n'
    assert_generated /h/esc
    assert_absent evilesc
    assert_absent $'\x1b'
}

@test "a space, a double quote, a semicolon, a tab, a percent escape" {
    send_value /h/sp 'X-Request-ID: evil space\r\n'
    send_value /h/dq 'X-Request-ID: evil"quote\r\n'
    send_value /h/semi 'X-Request-ID: evil;semi\r\n'
    send_value /h/tab 'X-Request-ID: evil\ttab\r\n'
    send_value /h/pct 'X-Request-ID: evil%0d%0aX\r\n'
    local p
    for p in /h/sp /h/dq /h/semi /h/tab /h/pct; do
        assert_generated "$p"
    done
    assert_absent 'evil'
}

@test "201 bytes is too long; 200 bytes is used as it is" {
    local v200 v201
    v200="long200-$(printf 'a%.0s' $(seq 192))"
    v201="long201-$(printf 'b%.0s' $(seq 193))"
    [ "${#v200}" -eq 200 ] && [ "${#v201}" -eq 201 ]
    send_value /h/201 "X-Request-ID: $v201\r\n"
    assert_generated /h/201
    assert_absent long201
    send_value /h/200 "X-Request-ID: $v200\r\n"
    run tags_of /h/200
    assert_equal "${#lines[@]}" 7
    assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u)" "$v200"
}

@test "an empty value, and a value of only spaces" {
    send_value /h/empty 'X-Request-ID:\r\n'
    send_value /h/blank 'X-Request-ID:    \r\n'
    assert_generated /h/empty
    assert_generated /h/blank
}

@test "spaces around a safe value are not part of it (RFC 9110 OWS)" {
    send_value /h/ows 'X-Request-ID:   ows-1  \r\n'
    run tags_of /h/ows
    assert_equal "${#lines[@]}" 7
    assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u)" "ows-1"
}

@test "non-ASCII bytes (UTF-8 and a lone 0xff)" {
    send_value /h/utf8 'X-Request-ID: evilutf\xc3\xa9t\xe2\x80\xae8\r\n'
    send_value /h/ff 'X-Request-ID: evilff\xff\r\n'
    assert_generated /h/utf8
    assert_generated /h/ff
    assert_absent evilutf
    assert_absent evilff
}

@test "a bare CR or bare LF inside the value does not smuggle a second header or a tag" {
    # A bare CR is a control byte inside one header line: the value is unsafe.
    send_value /h/cr 'X-Request-ID: evilcr\rX-Request-ID: smuggled-cr\r\n'
    assert_generated /h/cr
    assert_absent evilcr
    assert_absent smuggled-cr
}

@test "CRLF injection: a value that arrives as two header lines is two headers" {
    # What a client meant as 'a\r\nX-Request-ID: b' arrives as two X-Request-ID headers with the
    # safe values inj-a and inj-b. Either may be used, as a whole; nothing else may appear.
    send_value /h/inj 'X-Request-ID: inj-a\r\nX-Request-ID: inj-b\r\n'
    run tags_of /h/inj
    assert_equal "${#lines[@]}" 7
    local tag
    tag=$(printf '%s\n' "${lines[@]}" | sort -u)
    [[ $tag == inj-a || $tag == inj-b ]]
}

@test "a folded (obs-fold) ID header is unsafe" {
    send_value /h/fold 'X-Request-ID: evilfold\r\n continued\r\n'
    assert_generated /h/fold
    assert_absent evilfold
}

@test "a hostile value does not disturb the next request on the same connection" {
    run timeout 20 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /h/k1 HTTP/1.1\r\nX-Request-ID: evilnext\x1b[2J\r\n\r\n' \
        --raw 'GET /h/k2 HTTP/1.1\r\nX-Request-ID: next-ok\r\nConnection: close\r\n\r\n'
    assert_success
    assert_output $'200 ok /h/k1\n200 ok /h/k2'
    assert_generated /h/k1
    run tags_of /h/k2
    assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u)" "next-ok"
    assert_absent evilnext
}
