# epoll.bats -- a single-threaded epoll server: one thread switches between many connections' requests.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper
load helpers/fixture_server

# The standard mix: 400 fresh + 400 keep-alive + 2 + 3 + 3 pipelined + 1 big header + 1 in pieces.
MIX=810

setup() {
    tpc_vars
}

checktags() {
    timeout 120 python3 "$HELPERS/checktags.py" "$@"
}

# epoll_mix MODE: epollserver under reqtag, the standard mix, every line checked.
epoll_mix() {
    local tag="ep$1"
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/epollserver" "$PORT"
    run timeout 150 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag"
    assert_success
    stop_logged
    # Pipelined: until the newest request's response starts, nothing the shim sees says which
    # request the server works on, so those lines may be untagged; a wrong tag never is.
    run checktags "$ERR" --startup-lines 1 --min-lines $((2 * MIX - 5)) \
        --allow-untagged "^epoll (done )?path=/r/$tag-p-[01]$" \
        --allow-untagged "^epoll path=/r/$tag-p-2$"
    assert_success
    assert_equal "$(head -n 1 "$ERR")" "epollserver listening on $PORT"
    assert_equal "$(grep -cE '^(\[[^]]*\] )?epoll path=/r/[^ ]+$' "$ERR")" "$MIX"
    assert_equal "$(grep -cE '^(\[[^]]*\] )?epoll done path=/r/[^ ]+$' "$ERR")" "$MIX"
    assert_equal "$(wc -l <"$ERR")" $((2 * MIX + 1))
    run grep -F "epoll done path=/r/$tag-p-2" "$ERR"
    assert_output "[$tag-p-2] epoll done path=/r/$tag-p-2"
}

@test "epollserver, stderr appended to a file: the standard mix, each line tagged with its request" {
    epoll_mix file
}

@test "epollserver, stderr a pipe: the standard mix, each line tagged with its request" {
    epoll_mix pipe
}

@test "epollserver: 100 connections at once, requests cut inside the ID and interleaved" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/epollserver" "$PORT"
    run timeout 60 python3 "$HELPERS/interleave.py" --port "$PORT" --tag il --conns 100 --rounds 3
    assert_success
    assert_output 'interleave: 300 requests over 100 connections, 0 bad'
    stop_logged
    run checktags "$ERR" --startup-lines 1 --min-lines 600
    assert_success
    assert_equal "$(wc -l <"$ERR")" 601
}

@test "epollserver: keep-alive requests on one connection each get their own ID" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/epollserver" "$PORT"
    run timeout 30 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /r/one HTTP/1.1\r\nX-Request-ID: one\r\n\r\n' \
        --raw 'GET /r/two HTTP/1.1\r\n\r\n' \
        --raw 'GET /r/three HTTP/1.1\r\nX-Request-ID: three\r\nConnection: close\r\n\r\n'
    assert_success
    stop_logged
    run sed -n '2,$p' "$ERR"
    assert_line --index 0 '[one] epoll path=/r/one'
    assert_line --index 1 '[one] epoll done path=/r/one'
    # A request without an ID gets a generated one, never the previous request's.
    assert_line --index 2 --regexp '^\[[0-9a-f]{32}\] epoll path=/r/two$'
    assert_line --index 3 --regexp '^\[[0-9a-f]{32}\] epoll done path=/r/two$'
    assert_line --index 4 '[three] epoll path=/r/three'
    assert_line --index 5 '[three] epoll done path=/r/three'
    assert_equal "${#lines[@]}" 6
    assert_equal "${lines[2]%%]*}" "${lines[3]%%]*}"
}

# epoll_wrk MODE: 100,000 requests over 64 connections; every line tagged with its own ID.
epoll_wrk() {
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/epollserver" "$PORT"
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
    local done_lines distinct
    done_lines=$(grep -c ' epoll done path=/r/w' "$ERR")
    distinct=$(grep -o ' epoll done path=/r/w[0-9]*-[0-9]*' "$ERR" | sort -u | wc -l)
    [ "$done_lines" -ge "$requests" ]
    assert_equal "$distinct" "$done_lines"
}

@test "epollserver, stderr a file: 100,000 requests over 64 connections with wrk, zero wrong, zero untagged" {
    epoll_wrk file
}

@test "epollserver, stderr a pipe: 100,000 requests over 64 connections with wrk, zero wrong, zero untagged" {
    epoll_wrk pipe
}
