# build.bats -- the library and the command build warning-free with gcc and clang; TLS stays initial-exec.
# shellcheck shell=bash
bats_require_minimum_version 1.5.0
load test_helper

build_with() {
    local cc=$1 out
    out="$BATS_TEST_TMPDIR/build-$cc"
    run make -C "$ROOT" -s BUILD="$out" CC="$cc" all
    assert_success
    [ -f "$out/libreqtag.so" ]
    [ -x "$out/reqtag" ]
}

@test "gcc builds the library and the command with -Wall -Wextra -Werror" {
    build_with gcc
}

@test "clang builds the library and the command with -Wall -Wextra -Werror" {
    command -v clang >/dev/null || skip "clang is not installed"
    build_with clang
}

@test "thread-local state uses the initial-exec model: no __tls_get_addr, a small TLS segment" {
    run nm -D --undefined-only "$LIBREQTAG"
    assert_success
    refute_output --partial "__tls_get_addr"
    # readelf prints the TLS program header's sizes; MemSiz is the per-thread cost: one request
    # context (a 200-byte ID, method, path, four 64-byte fields) and the line state, under 768.
    local memsz
    memsz=$(readelf -lW "$LIBREQTAG" | awk '$1 == "TLS" { print $6 }')
    [ -n "$memsz" ]
    [ "$((memsz))" -gt 0 ]
    [ "$((memsz))" -le 768 ]
}
