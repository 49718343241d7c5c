# threads.bats -- the request context follows pthread_create: late, grand and detached children.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    tpc_vars
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --
}

# line_no ERE: the number of the first line of $ERR matching ERE (empty when none).
line_no() {
    grep -nE -- "$1" "$ERR" | head -n 1 | cut -d: -f1
}

@test "a child that logs after its creator moved on to the next request keeps the first ID" {
    run timeout 20 python3 "$HELPERS/load.py" --port "$PORT" \
        --raw 'GET /late?ms=300 HTTP/1.1\r\nX-Request-ID: late-1\r\n\r\n' \
        --raw 'GET /r/2 HTTP/1.1\r\nX-Request-ID: next-2\r\nConnection: close\r\n\r\n'
    assert_success
    assert_output $'200 ok /late?ms=300\n200 ok /r/2'
    wait_line "$ERR" 'via=late-child' 5
    run grep -F 'via=late-child' "$ERR"
    assert_output '[late-1] path=/late?ms=300 via=late-child'
    # The scenario really happened: the creator had served /r/2 before the child wrote.
    local late next
    late=$(line_no 'via=late-child')
    next=$(line_no '^\[next-2\] path=/r/2 via=pieces$')
    [ -n "$next" ] && [ "$late" -gt "$next" ]
    assert_equal "$(grep -c '^\[next-2\] path=/r/2 via=' "$ERR")" 7
    assert_equal "$(grep -c '^\[late-1\] path=/late?ms=300 via=' "$ERR")" 8
}

@test "a grandchild thread inherits the request's ID" {
    run raw_request "$PORT" 'GET /grandchild HTTP/1.1\r\nX-Request-ID: gc-1\r\nConnection: close\r\n\r\n'
    assert_success
    assert_line --index 0 $'HTTP/1.1 200 OK\r'
    run grep -F 'via=grandchild' "$ERR"
    assert_output '[gc-1] path=/grandchild via=grandchild'
}

@test "a detached thread inherits the request's ID" {
    run raw_request "$PORT" 'GET /detached HTTP/1.1\r\nX-Request-ID: det-1\r\nConnection: close\r\n\r\n'
    assert_success
    run grep -F 'via=detached' "$ERR"
    assert_output '[det-1] path=/detached via=detached'
}

@test "a thread created outside any request stays untagged while it serves requests' work" {
    run raw_request "$PORT" 'GET /bg HTTP/1.1\r\nX-Request-ID: bg-1\r\nConnection: close\r\n\r\n'
    assert_success
    run grep -F 'bg-line' "$ERR"
    assert_output 'bg-line after /bg'
    assert_equal "$(grep -c '^\[bg-1\] path=/bg via=' "$ERR")" 7
    run grep -F 'listening on' "$ERR"
    assert_output "listening on $PORT"
}

@test "many requests at once, each creating grandchildren: every grandchild line has its own ID" {
    local i pids=()
    for ((i = 1; i <= 40; i++)); do
        raw_request "$PORT" "GET /grandchild HTTP/1.1\r\nX-Request-ID: many-$i\r\nConnection: close\r\n\r\n" >/dev/null &
        pids+=("$!")
    done
    for i in "${pids[@]}"; do
        wait "$i"
    done
    assert_equal "$(grep -c 'via=grandchild' "$ERR")" 40
    for ((i = 1; i <= 40; i++)); do
        assert_equal "$(grep -cx "\[many-$i\] path=/grandchild via=grandchild" "$ERR")" 1
    done
}

# vm_after MODE N: kB of address space threadends has after N threads that end by MODE, under the shim.
vm_after() {
    LD_PRELOAD="$PRELOAD" "$FIXTURES/threadends" "$1" "$2" | awk '/^vmsize/ {print $2}'
}

@test "threads ending by return, pthread_exit or cancellation give their signal stacks back" {
    local mode few many
    for mode in return exit cancel; do
        few=$(vm_after "$mode" 5)
        many=$(vm_after "$mode" 2000)
        echo "$mode: $few kB after 5 threads, $many kB after 2000"
        [ -n "$few" ] && [ -n "$many" ]
        # A signal stack kept per ended thread would add 2000 of them (over 100 MB); given back,
        # the next thread reuses it.
        [ "$many" -le $((few + 4096)) ]
    done
}

@test "a host built with ASan, whose runtime unmaps a thread's alternate stack as it ends: every new thread's is mapped" {
    [ "${REQTAG_SANITIZE:-}" != tsan ] || skip "an ASan host cannot load check-tsan's shim"
    # 40 rounds of 8 threads, each taking a signal on its alternate stack: one given a stack
    # that ASan unmapped when an earlier thread ended would die of SIGSEGV.
    run --separate-stderr timeout 60 env ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
        "$REQTAG" -- "$FIXTURES/altstack-asan" 40 8
    assert_success
    assert_output "ok 320"
    run --separate-stderr timeout 60 "$REQTAG" -- "$FIXTURES/altstack" 40 8
    assert_success
    assert_output "ok 320"
}
