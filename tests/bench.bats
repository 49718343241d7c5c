# bench.bats -- `make bench QUICK=1` runs and prints its table with every row (budgets are not checked: not a timed test).
# shellcheck shell=bash
bats_require_minimum_version 1.5.0
load test_helper

@test "make bench QUICK=1 exits 0 and prints the table header and every row" {
    # Benchmarks measure the plain build; bench.sh preloads the shim alone, without the runtime.
    [ -z "${REQTAG_SANITIZE:-}" ] || skip "a $REQTAG_SANITIZE build is not benchmarked"
    run timeout 600 make -C "$ROOT" bench QUICK=1 BUILD="$BUILD"
    echo "$output" | tail -n 60
    assert_success
    assert_line --regexp '^\| measure +\| baseline +\| with shim +\| ratio/added +\| budget +\| met\? +\|$'
    local s c n
    for s in nginx lighttpd node python poolserver; do
        for c in "ID present" "ID absent"; do
            assert_line --regexp "^\| $s req/s, $c +\|"
            assert_line --regexp "^\| $s p99 ms, $c +\|"
        done
    done
    assert_line --regexp '^\| nginx Ir/request \(callgrind, ID present\) +\|'
    assert_line --regexp '^\| poolserver Ir/request \(callgrind, ID present\) +\|'
    assert_line --regexp '^\| hooked read, untracked file \(ns/call\) +\|'
    assert_line --regexp '^\| hooked write/read, untracked pipe \(ns/call\) +\|'
    assert_line --regexp '^\| hooked read, untracked file \(instructions/call\) +\| +[0-9.]+ +\| +[0-9.]+ +\|'
    assert_line --regexp '^\| hooked write/read, untracked pipe \(instructions/call\) +\| +[0-9.]+ +\| +[0-9.]+ +\|'
    assert_line --regexp '^\| stderr line tagged vs untagged \(ns/line\) +\|'
    assert_line --regexp '^\| pthread_create\+join \(ns\) +\|'
    assert_line --regexp '^\| scanner GB/s \(heads [0-9]+-[0-9]+ B, ID last\) +\|'
    assert_line --regexp '^\| heap allocs/request after warm-up \(poolserver\) +\|'
    for n in 10 1000 10000 100000; do
        assert_line --regexp "^\| shim memory/conn at N=$n \(bytes\) +\|"
    done
    assert_line --regexp '^\| shim memory per added conn, N 10 to 1000 \(bytes\) +\|'
    assert_line --regexp '^- cpu: '
    assert_line --regexp '^- kernel: '
    assert_line --partial 'QUICK'
}
