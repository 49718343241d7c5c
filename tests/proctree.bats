# proctree.bats -- process trees: forked children, posix_spawn and execve shell-outs (clean or own environment), vfork.
# shellcheck shell=bash disable=SC2154,SC2153,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper
load helpers/fixture_server

setup() {
    tpc_vars
}

checktags() {
    timeout 120 python3 "$HELPERS/checktags.py" "$@"
}

@test "one request: the forked child and every shell-out, even with an environment without LD_PRELOAD, carry its ID" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/proctree" "$PORT"
    run raw_request "$PORT" 'GET /r/pt-1 HTTP/1.1\r\nX-Request-ID: pt-1\r\nConnection: close\r\n\r\n'
    assert_success
    assert_line --index 0 $'HTTP/1.1 200 OK\r'
    stop_logged
    run cat "$ERR"
    assert_output "proctree listening on $PORT
[pt-1] request path=/r/pt-1
[pt-1] child path=/r/pt-1
[pt-1] spawned /r/pt-1 via=posix_spawn
[pt-1] spawned /r/pt-1 via=execve-clean
[pt-1] spawned /r/pt-1 via=execve-environ
[pt-1] parent path=/r/pt-1 children=ok"
}

@test "the children of two requests on one keep-alive connection carry each its own ID" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/proctree" "$PORT"
    run timeout 30 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /r/pk-1 HTTP/1.1\r\nX-Request-ID: pk-1\r\n\r\n' \
        --raw 'GET /r/pk-2 HTTP/1.1\r\nX-Request-ID: pk-2\r\nConnection: close\r\n\r\n'
    assert_success
    stop_logged
    assert_equal "$(grep -c '^\[pk-1\] ' "$ERR")" 6
    assert_equal "$(grep -c '^\[pk-2\] ' "$ERR")" 6
    run checktags "$ERR" --startup-lines 1 --min-lines 12
    assert_success
}

# tree_mix MODE: 100 fresh and 100 keep-alive requests plus the small scenarios, each with a
# forked child and three shell-outs; every child line carries its request's ID.
tree_mix() {
    local tag="pt$1" n
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/proctree" "$PORT"
    run timeout 300 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag" --count 100
    assert_success
    stop_logged
    n=$((100 + 100 + 2 + 3 + 3 + 1 + 1))
    # Pipelined requests may be untagged until the newest one's response starts (README).
    run checktags "$ERR" --startup-lines 1 --min-lines $((6 * n - 18)) \
        --allow-untagged "/r/$tag-p-[0-2]( |\$)"
    assert_success
    assert_equal "$(grep -c "parent path=/r/[^ ]* children=ok$" "$ERR")" "$n"
    assert_equal "$(grep -c 'spawned /r/[^ ]* via=posix_spawn$' "$ERR")" "$n"
    assert_equal "$(grep -c 'spawned /r/[^ ]* via=execve-clean$' "$ERR")" "$n"
    assert_equal "$(grep -c 'spawned /r/[^ ]* via=execve-environ$' "$ERR")" "$n"
    assert_equal "$(grep -c 'child path=/r/' "$ERR")" "$n"
    assert_equal "$(wc -l <"$ERR")" $((6 * n + 1))
    # A request of its own (keep-alive, not pipelined) shows every kind of child carrying the ID.
    local k="$tag-k-5"
    run grep -E "/r/$k( |\$)" "$ERR"
    assert_line "[$k] child path=/r/$k"
    assert_line "[$k] spawned /r/$k via=posix_spawn"
    assert_line "[$k] spawned /r/$k via=execve-clean"
    assert_line "[$k] spawned /r/$k via=execve-environ"
}

@test "process trees, stderr appended to a file: every child line carries its request's ID" {
    tree_mix file
}

@test "process trees, stderr a pipe: every child line carries its request's ID" {
    tree_mix pipe
}

@test "a vfork child that closes every descriptor leaves the server's later requests tagged" {
    start_logged file "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/proctree" "$PORT"
    run timeout 30 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /v/vf-1 HTTP/1.1\r\nX-Request-ID: vf-1\r\n\r\n' \
        --raw 'GET /v/vf-2 HTTP/1.1\r\nX-Request-ID: vf-2\r\n\r\n' \
        --raw 'GET /r/vf-3 HTTP/1.1\r\nX-Request-ID: vf-3\r\n\r\n' \
        --raw 'GET /v/vf-4 HTTP/1.1\r\nX-Request-ID: vf-4\r\nConnection: close\r\n\r\n'
    assert_success
    assert_output $'200 ok /v/vf-1\n200 ok /v/vf-2\n200 ok /r/vf-3\n200 ok /v/vf-4'
    stop_logged
    run grep -E 'vf-[124]' "$ERR"
    local i expected=()
    for i in 1 2 4; do
        expected+=("[vf-$i] request path=/v/vf-$i"
            "[vf-$i] vfork path=/v/vf-$i how=close status=0"
            "[vf-$i] vfork path=/v/vf-$i how=close_range status=0"
            "[vf-$i] parent path=/v/vf-$i vforks=ok")
    done
    assert_output "$(printf '%s\n' "${expected[@]}")"
    assert_equal "$(grep -c '^\[vf-3\] .*/r/vf-3' "$ERR")" 6
    run checktags "$ERR" --startup-lines 1 --min-lines 6
    assert_success
}

# vfork_mix MODE: every request of the standard mix (fewer fresh and keep-alive ones) vforks
# twice; the requests after it on each keep-alive connection stay tagged.
vfork_mix() {
    local tag="vf$1" n
    start_logged "$1" "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/proctree" "$PORT"
    run timeout 300 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag" --base /v/ --count 100
    assert_success
    stop_logged
    n=$((100 + 100 + 2 + 3 + 3 + 1 + 1))
    run checktags "$ERR" --base /v/ --startup-lines 1 --min-lines $((4 * n - 12)) \
        --allow-untagged "/v/$tag-p-[0-2]( |\$)"
    assert_success
    assert_equal "$(grep -c "parent path=/v/[^ ]* vforks=ok$" "$ERR")" "$n"
    assert_equal "$(wc -l <"$ERR")" $((4 * n + 1))
}

@test "vfork children, stderr appended to a file: every request stays tagged" {
    vfork_mix file
}

@test "vfork children, stderr a pipe: every request stays tagged" {
    vfork_mix pipe
}
