# pool.bats -- thread pools: poolserver (epoll acceptor + worker queue) and lazypool (workers created by the first request).
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper
load helpers/fixture_server

# The standard mix: 400 fresh + 400 keep-alive + 2 + 3 + 3 pipelined + 1 big header + 1 in pieces.
MIX=810

setup() {
    tpc_vars
}

# checktags LOG ARGS...: the tag checker, bounded in time.
checktags() {
    timeout 120 python3 "$HELPERS/checktags.py" "$@"
}

# scenarios PORT TAG: the standard request mix, bounded in time.
scenarios() {
    timeout 150 python3 "$HELPERS/scenarios.py" --port "$1" --tag "$2"
}

# Pipelined requests: until the newest one's response starts, nothing the shim sees says which
# request the server works on (servers answer, log and buffer in different orders), so those
# lines may be untagged (README, "Pipelining"); a wrong tag is never allowed.
# pipeline_ends TAG PREFIX_AFTER: the line logged after the last pipelined response carries its ID.
pipeline_ends() {
    local tag=$1
    run grep -F -- "$2 path=/r/$tag-p-2 " "$ERR"
    assert_output --regexp "^\[$tag-p-2\] $2 path=/r/$tag-p-2 "
}

# pool_mix MODE: poolserver with 4 workers under reqtag, the standard mix, every line checked.
pool_mix() {
    local tag="pool$1"
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/poolserver" "$PORT" 4
    run scenarios "$PORT" "$tag"
    assert_success
    stop_logged
    run checktags "$ERR" --startup-lines 1 --min-lines $((2 * MIX - 6)) \
        --allow-untagged "path=/r/$tag-p-[0-2] "
    assert_success
    assert_output --partial " 0 wrong, "
    assert_equal "$(head -n 1 "$ERR")" "poolserver listening on $PORT workers=4"
    assert_equal "$(grep -cE '^(\[[^]]*\] )?pool path=/r/[^ ]+ worker=[0-3]$' "$ERR")" "$MIX"
    assert_equal "$(grep -cE '^(\[[^]]*\] )?pool done path=/r/[^ ]+ worker=[0-3]$' "$ERR")" "$MIX"
    assert_equal "$(wc -l <"$ERR")" $((2 * MIX + 1))
    pipeline_ends "$tag" "pool done"
    # The model really hands one connection's requests to several workers.
    [ "$(grep -o 'worker=[0-9]*' "$ERR" | sort -u | wc -l)" -ge 2 ]
}

@test "poolserver, stderr appended to a file: the standard mix, each line tagged with its request" {
    pool_mix file
}

@test "poolserver, stderr a pipe: the standard mix, each line tagged with its request" {
    pool_mix pipe
}

@test "poolserver: one keep-alive connection's requests are served by different workers, each tagged" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/poolserver" "$PORT" 4
    local raws=() i
    for ((i = 1; i <= 12; i++)); do
        raws+=(--raw "GET /r/ka-$i HTTP/1.1\r\nX-Request-ID: ka-$i\r\n\r\n")
    done
    run timeout 30 python3 "$HELPERS/load.py" --port "$PORT" "${raws[@]}"
    assert_success
    assert_line --index 11 '200 ok /r/ka-12'
    stop_logged
    for ((i = 1; i <= 12; i++)); do
        assert_equal "$(grep -cE "^\[ka-$i\] pool (done )?path=/r/ka-$i worker=[0-3]$" "$ERR")" 2
    done
    run checktags "$ERR" --startup-lines 1 --min-lines 24
    assert_success
}

@test "poolserver: 100 connections at once, requests cut inside the ID and interleaved" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/poolserver" "$PORT" 4
    run timeout 60 python3 "$HELPERS/interleave.py" --port "$PORT" --tag il --conns 100 --rounds 3
    assert_success
    stop_logged
    run checktags "$ERR" --startup-lines 1 --min-lines 600
    assert_success
    assert_equal "$(wc -l <"$ERR")" 601
}

# pool_wrk MODE: 100,000 requests over 64 connections; every line tagged with its own ID.
pool_wrk() {
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/poolserver" "$PORT" 4
    run run_wrk "$PORT" 100000
    assert_success
    stop_logged
    local summary requests
    summary=$(grep '^ids: ' <<<"$output")
    requests=$(sed -E 's/^ids: requests=([0-9]+) .*/\1/' <<<"$summary")
    [ "$requests" -ge 100000 ] && [ "$requests" -le 100064 ]
    assert_regex "$summary" "^ids: requests=$requests responses=$requests non200=0 errors=0$"
    run checktags "$ERR" --startup-lines 1 --min-lines $((2 * requests))
    assert_success
    assert_output --regexp '^[0-9]+ lines tagged right, 0 wrong, 0 untagged, 0 tagged twice'
    # Every answered request had its own ID.
    local done_lines distinct
    done_lines=$(grep -c ' pool done path=/r/w' "$ERR")
    distinct=$(grep -o ' pool done path=/r/w[0-9]*-[0-9]*' "$ERR" | sort -u | wc -l)
    [ "$done_lines" -ge "$requests" ]
    assert_equal "$distinct" "$done_lines"
}

@test "poolserver, stderr a file: 100,000 requests over 64 connections with wrk, zero wrong, zero untagged" {
    pool_wrk file
}

@test "poolserver, stderr a pipe: 100,000 requests over 64 connections with wrk, zero wrong, zero untagged" {
    pool_wrk pipe
}

# lazy_mix MODE: lazypool under reqtag, the standard mix: no line carries a wrong ID; request and
# handler lines carry their own; task lines (run by the lazily created workers) may be untagged.
lazy_mix() {
    local tag="lazy$1"
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/lazypool" "$PORT"
    run scenarios "$PORT" "$tag"
    assert_success
    stop_logged
    run checktags "$ERR" --startup-lines 1 --min-lines $((2 * MIX - 6)) \
        --allow-untagged '^task path=/r/' --allow-untagged "^(request|handler) path=/r/$tag-p-[0-2]$"
    assert_success
    assert_output --partial " 0 wrong, "
    assert_equal "$(grep -c 'request path=/r/' "$ERR")" "$MIX"
    assert_equal "$(grep -c 'handler path=/r/' "$ERR")" "$MIX"
    assert_equal "$(grep -c 'task path=/r/' "$ERR")" $((2 * MIX))
    assert_equal "$(grep -cE '^(\[[^]]*\] )?task path=/r/[^ ]+ k=[01]$' "$ERR")" $((2 * MIX))
}

@test "lazypool, stderr appended to a file: zero wrong tags; handlers keep their ID across the wait" {
    lazy_mix file
}

@test "lazypool, stderr a pipe: zero wrong tags; handlers keep their ID across the wait" {
    lazy_mix pipe
}

@test "lazypool: the first request's ID does not stick to the workers it created" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/lazypool" "$PORT"
    run timeout 30 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /r/first HTTP/1.1\r\nX-Request-ID: first\r\n\r\n' \
        --raw 'GET /r/second HTTP/1.1\r\nX-Request-ID: second\r\n\r\n' \
        --raw 'GET /r/third HTTP/1.1\r\nX-Request-ID: third\r\nConnection: close\r\n\r\n'
    assert_success
    assert_output $'200 ok /r/first\n200 ok /r/second\n200 ok /r/third'
    stop_logged
    run grep -c '^\[first\]' "$ERR"
    assert_output 2
    run grep -E 'path=/r/(second|third)' "$ERR"
    assert_line '[second] request path=/r/second'
    assert_line '[second] handler path=/r/second'
    assert_line '[third] request path=/r/third'
    assert_line '[third] handler path=/r/third'
    refute_line --partial '[first]'
    run checktags "$ERR" --startup-lines 1 --allow-untagged '^task path=/r/' --min-lines 6
    assert_success
}

@test "lazypool, stderr a file: 100,000 requests over 64 connections with wrk, zero wrong tags" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/lazypool" "$PORT"
    run run_wrk "$PORT" 100000
    assert_success
    stop_logged
    local summary requests
    summary=$(grep '^ids: ' <<<"$output")
    requests=$(sed -E 's/^ids: requests=([0-9]+) .*/\1/' <<<"$summary")
    [ "$requests" -ge 100000 ] && [ "$requests" -le 100064 ]
    assert_regex "$summary" "^ids: requests=$requests responses=$requests non200=0 errors=0$"
    run checktags "$ERR" --startup-lines 1 --min-lines $((2 * requests)) --allow-untagged '^task path=/r/'
    assert_success
    assert_output --regexp '^[0-9]+ lines tagged right, 0 wrong, [0-9]+ untagged, 0 tagged twice'
}
