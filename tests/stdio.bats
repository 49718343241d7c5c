# stdio.bats -- every stdio/err/error path to stderr is tagged once, whole; pieced lines never mix.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    T="$BATS_TEST_TMPDIR"
}

@test "stdiopaths: each via= line tagged [stdio-1] once, no-context lines untouched, exit 3 from err()" {
    local st=0
    # stderr is appended to a file: the fixture also reopens /dev/stderr.
    "$FIXTURES/stdiopaths" >"$T/plain.out" 2>>"$T/plain.err" || st=$?
    assert_equal "$st" 3
    assert_equal "$(grep -c 'via=' "$T/plain.err")" 21
    st=0
    env LD_PRELOAD="$PRELOAD" "$FIXTURES/stdiopaths" >"$T/shim.out" 2>>"$T/shim.err" || st=$?
    assert_equal "$st" 3
    # What the shim must have written: the plain lines, tagged unless they are no-context lines.
    sed -E '/^no-context /!s/^/[stdio-1] /' "$T/plain.err" >"$T/expected.err"
    run diff "$T/expected.err" "$T/shim.err"
    assert_success
    assert_output ''
    cmp "$T/plain.out" "$T/shim.out"
}

@test "stdiopaths with stderr a pipe: the same lines" {
    local st
    "$FIXTURES/stdiopaths" 2>&1 >/dev/null | cat >"$T/plain.err"
    env LD_PRELOAD="$PRELOAD" "$FIXTURES/stdiopaths" 2>&1 >/dev/null | cat >"$T/shim.err"
    st=${PIPESTATUS[0]}
    assert_equal "$st" 3
    sed -E '/^no-context /!s/^/[stdio-1] /' "$T/plain.err" >"$T/expected.err"
    run diff "$T/expected.err" "$T/shim.err"
    assert_success
}

# check_pieces FILE IDS...: every line is one whole line of one instance, tagged with its ID,
# and each instance's 4 threads x 300 lines all arrived.
check_pieces() {
    local file=$1 id
    shift
    local alt
    alt=$(printf '%s|' "$@")
    alt=${alt%|}
    run grep -cvE "^\[($alt)\] id=($alt) t=[0-3] n=[0-9]+ alpha bravo charlie delta echo foxtrot end$" "$file"
    assert_output 0
    for id in "$@"; do
        assert_equal "$(grep -c "^\[$id\] id=$id t=" "$file")" 1200
        assert_equal "$(grep "^\[$id\] id=$id t=" "$file" | cut -d' ' -f3,4 | sort -u | wc -l)" 1200
    done
    assert_equal "$(wc -l <"$file")" $((1200 * $#))
}

@test "two processes, 4 threads each, writing pieced lines into one pipe: no line interleaves" {
    {
        env LD_PRELOAD="$PRELOAD" "$FIXTURES/stdiopaths" pieces pa 4 300 &
        env LD_PRELOAD="$PRELOAD" "$FIXTURES/stdiopaths" pieces pb 4 300 &
        wait
    } 2>&1 >/dev/null | cat >"$T/pieces"
    check_pieces "$T/pieces" pa pb
}

@test "two processes writing pieced lines into one file opened for appending: no line interleaves" {
    {
        env LD_PRELOAD="$PRELOAD" "$FIXTURES/stdiopaths" pieces fa 4 300 &
        env LD_PRELOAD="$PRELOAD" "$FIXTURES/stdiopaths" pieces fb 4 300 &
        wait
    } 2>>"$T/pieces" >/dev/null
    check_pieces "$T/pieces" fa fb
}

@test "threads cancelled inside tagged fputs, fwrite, fprintf, puts and perror leave no stdio lock held" {
    # The shim holds the stream's lock around its write, a cancellation point: a thread cancelled
    # there must give the lock back, or the next stdio call in the process waits forever.
    run --separate-stderr timeout 60 env LD_PRELOAD="$PRELOAD" REQTAG_STREAMS=stderr,stdout \
        "$FIXTURES/cancelstdio" 200
    assert_success
    assert_line '[cs-1] main 199 ok'
    assert_equal "${lines[-1]}" '[cs-1] done'
    assert_equal "$(grep -c '^\[cs-1\] main [0-9]* ok$' <<<"$stderr")" 200
    # Every stderr line whole and tagged once (a cancelled write may leave a line unwritten, never half).
    run grep -cvE '^\[cs-1\] (fputs line|fwrite line|fprintf line 1|perror line: Resource temporarily unavailable|main [0-9]+ ok)$' <<<"$stderr"
    assert_output 0
}
