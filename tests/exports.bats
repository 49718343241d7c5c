# exports.bats -- libreqtag.so exports only names libc exports too, none of its internals.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

# The libc.so.6 the dynamic loader gives our programs, symlinks followed.
libc_path() {
    local p
    p=$(ldd "$FIXTURES/errnoprobe" | awk '$1 == "libc.so.6" { print $3 }')
    [ -n "$p" ] || p=$(gcc -print-file-name=libc.so.6)
    readlink -f "$p"
}

# defined_names LIB: the dynamic symbols LIB defines, without version suffixes, sorted.
defined_names() {
    nm -D --defined-only "$1" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u
}

@test "the shim exports something, and every name it exports is one libc exports too" {
    local libc
    libc=$(libc_path)
    [ -f "$libc" ]
    defined_names "$LIBREQTAG" >"$BATS_TEST_TMPDIR/shim"
    if [ "${REQTAG_SANITIZE:-}" = asan ]; then
        # check-asan's shim also gives its runtime default options (tests/sanitize/defaults.c).
        grep -vxE '__(asan|ubsan)_default_options' "$BATS_TEST_TMPDIR/shim" >"$BATS_TEST_TMPDIR/shim.plain" || true
        mv "$BATS_TEST_TMPDIR/shim.plain" "$BATS_TEST_TMPDIR/shim"
    fi
    defined_names "$libc" >"$BATS_TEST_TMPDIR/libc"
    # It must at least stand in front of write and pthread_create.
    grep -qx write "$BATS_TEST_TMPDIR/shim"
    grep -qx pthread_create "$BATS_TEST_TMPDIR/shim"
    run comm -23 "$BATS_TEST_TMPDIR/shim" "$BATS_TEST_TMPDIR/libc"
    assert_success
    assert_output ''
}

@test "no internal name is exported" {
    run bash -c "nm -D --defined-only '$LIBREQTAG' | awk '{ print \$NF }' | grep -E '^(scan_|lines_|reqid_|settings_|real_|tag_|config_|context_|ctx_|reqtag_)'"
    assert_failure 1
    assert_output ''
}
