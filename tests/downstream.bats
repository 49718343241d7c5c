# downstream.bats -- a request thread that polls its own connection and calls a downstream service keeps its ID.
# shellcheck shell=bash disable=SC2154,SC2153,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper
load helpers/fixture_server

# The standard mix: 400 fresh + 400 keep-alive + 2 + 3 + 3 pipelined + 1 big header + 1 in pieces.
MIX=810

setup() {
    tpc_vars
    DPORT=$(free_port)
    # The downstream responder runs without the library: it is another service.
    start_split "$BATS_TEST_TMPDIR/down.out" "$BATS_TEST_TMPDIR/down.err" \
        "$FIXTURES/downstream" --responder "$DPORT"
    wait_line "$BATS_TEST_TMPDIR/down.out" '^ready$' 10
}

checktags() {
    timeout 120 python3 "$HELPERS/checktags.py" "$@"
}

@test "one request: the lines after polling its connection and after the downstream call carry its ID" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/downstream" "$PORT" "$DPORT"
    run timeout 30 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /r/dn-1 HTTP/1.1\r\nX-Request-ID: dn-1\r\n\r\n' \
        --raw 'GET /r/dn-2 HTTP/1.1\r\nX-Request-ID: dn-2\r\nConnection: close\r\n\r\n'
    assert_success
    assert_output $'200 ok /r/dn-1\n200 ok /r/dn-2'
    stop_logged
    run cat "$ERR"
    assert_output "downstream server listening on $PORT
[dn-1] request path=/r/dn-1
[dn-1] after-poll path=/r/dn-1 ready=0
[dn-1] after-downstream path=/r/dn-1 status=200
[dn-2] request path=/r/dn-2
[dn-2] after-poll path=/r/dn-2 ready=0
[dn-2] after-downstream path=/r/dn-2 status=200"
}

# downstream_mix MODE: the standard mix; the downstream's reply (which carries an
# X-Request-ID of its own) never becomes a request's ID.
downstream_mix() {
    local tag="dn$1"
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/downstream" "$PORT" "$DPORT"
    run timeout 150 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag"
    assert_success
    stop_logged
    # Pipelined: until the newest request's response starts its lines may be untagged (README).
    run checktags "$ERR" --startup-lines 1 --min-lines $((3 * MIX - 9)) \
        --allow-untagged "path=/r/$tag-p-[0-2]( |\$)"
    assert_success
    assert_equal "$(grep -c 'after-downstream path=/r/[^ ]* status=200$' "$ERR")" "$MIX"
    assert_equal "$(grep -c 'after-poll path=/r/' "$ERR")" "$MIX"
    assert_equal "$(grep -c 'downstream-reply' "$ERR")" 0
}

@test "downstream, stderr appended to a file: the standard mix, every line tagged with its request" {
    downstream_mix file
}

@test "downstream, stderr a pipe: the standard mix, every line tagged with its request" {
    downstream_mix pipe
}
