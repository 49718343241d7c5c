#!/usr/bin/env bats
# cli.bats -- the reqtag command: options, environment, LD_PRELOAD, exit statuses, install.
bats_require_minimum_version 1.5.0

load test_helper

# The command itself is under test here, as users run it (check-asan's wrapper adds the ASan runtime).
REQTAG="$BUILD/reqtag"

setup() {
    LIB="$(readlink -f "$LIBREQTAG")"
    [ -f "$LIB" ] || fail "no $LIBREQTAG: run make all"
}

# The REQTAG_* environment names in the settings table (the quoted strings, not the constants).
table_settings() {
    grep -o '"REQTAG_[A-Z_]*"' "$ROOT/common/settings.c" | tr -d '"' | sort -u
}

# stub_lib NAME: build an empty shared library in the test's temporary directory; print its path.
stub_lib() {
    gcc -shared -fPIC -o "$BATS_TEST_TMPDIR/$1" -x c /dev/null
    echo "$BATS_TEST_TMPDIR/$1"
}

@test "--help lists every REQTAG_* setting of the table, on stdout, and exits 0" {
    run --separate-stderr "$REQTAG" --help
    assert_success
    [ -z "$stderr" ] || fail "stderr: $stderr"
    assert_equal "$(grep -o 'REQTAG_[A-Z_]*[A-Z]' <<<"$output" | sort -u)" "$(table_settings)"
    assert_line --index 0 "Usage: reqtag [options] [--] COMMAND [ARGS...]"
}

@test "--help shows each setting's option, variable and default" {
    run --separate-stderr "$REQTAG" --help
    assert_success
    assert_line --regexp "^  -H, --header NAMES +.*\[REQTAG_HEADER; default 'X-Request-ID'\]$"
    assert_line --regexp "^      --format TEMPLATE +.*\[REQTAG_FORMAT; default '\[\{id\}\] '\]$"
    assert_line --regexp "^      --no-generate +.*\[sets REQTAG_GENERATE=0; default 1\]$"
    assert_line --regexp "^      --disable +.*\[sets REQTAG_DISABLE=1; default 0\]$"
    assert_line --regexp "^      --lib PATH +"
}

@test "-h is --help" {
    run --separate-stderr "$REQTAG" --help
    local long=$output
    run --separate-stderr "$REQTAG" -h
    assert_success
    assert_equal "$output" "$long"
}

@test "the man page documents every setting and its option" {
    local env opt n=0
    for env in $(table_settings); do
        grep -q "^\.B.* $env\b" "$ROOT/man/reqtag.1" || fail "man/reqtag.1 lacks $env"
    done
    # The table rows: {"REQTAG_X", "default", "long-option", ...; the man page writes \-\-long\-option.
    while read -r opt; do
        n=$((n + 1))
        grep -q -- "\\\\-\\\\-${opt//-/\\\\-}" "$ROOT/man/reqtag.1" || fail "man/reqtag.1 lacks --$opt"
    done < <(grep -o '^    {"REQTAG_[A-Z_]*", "[^"]*", "[a-z-]*"' "$ROOT/common/settings.c" |
        sed 's/.*, "//; s/"$//')
    [ "$n" -eq "$(table_settings | wc -l)" ] || fail "found $n options in the table"
}

@test "the man page carries the version from settings.h" {
    local v
    v=$(sed -n 's/^#define REQTAG_VERSION "\(.*\)"$/\1/p' "$ROOT/common/settings.h")
    [ -n "$v" ]
    run grep -c "^\.TH REQTAG 1 .* \"reqtag $v\"" "$ROOT/man/reqtag.1"
    assert_output 1
}

@test "--version and -V print the version from settings.h" {
    local v
    v=$(sed -n 's/^#define REQTAG_VERSION "\(.*\)"$/\1/p' "$ROOT/common/settings.h")
    [ -n "$v" ]
    run --separate-stderr "$REQTAG" --version
    assert_success
    assert_output "reqtag $v"
    run --separate-stderr "$REQTAG" -V
    assert_success
    assert_output "reqtag $v"
}

@test "a command that is not found exits 127 naming it" {
    run -127 --separate-stderr "$REQTAG" -- reqtag-no-such-command
    assert_failure 127
    assert_equal "$stderr" "reqtag: reqtag-no-such-command: command not found"
    assert_output ""
    run -127 --separate-stderr "$REQTAG" -- "$BATS_TEST_TMPDIR/missing"
    assert_failure 127
    assert_equal "$stderr" "reqtag: $BATS_TEST_TMPDIR/missing: No such file or directory"
}

@test "a file that is not executable exits 126" {
    mkdir "$BATS_TEST_TMPDIR/bin"
    printf '#!/bin/sh\necho ran\n' >"$BATS_TEST_TMPDIR/bin/notexec"
    chmod 644 "$BATS_TEST_TMPDIR/bin/notexec"
    run --separate-stderr "$REQTAG" -- "$BATS_TEST_TMPDIR/bin/notexec"
    assert_failure 126
    assert_equal "$stderr" "reqtag: $BATS_TEST_TMPDIR/bin/notexec: Permission denied"
    assert_output ""
    PATH="$BATS_TEST_TMPDIR/bin:$PATH" run --separate-stderr "$REQTAG" notexec
    assert_failure 126
    assert_equal "$stderr" "reqtag: notexec: Permission denied"
}

@test "the command's exit status, stdout and arguments pass through" {
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
    run --separate-stderr "$REQTAG" -- sh -c 'echo "out:$1:$2"; exit 7' sh 'a b' --format
    assert_failure 7
    assert_output "out:a b:--format"
}

@test "COMMAND may come without --; later options belong to it" {
    run --separate-stderr "$REQTAG" --no-generate printf '%s|' --format -x --
    assert_success
    assert_output "--format|-x|--|"
}

@test "a missing library exits 1 and says where it looked" {
    local lone="$BATS_TEST_TMPDIR/lone"
    if [ -e /usr/local/lib/reqtag/libreqtag.so ]; then
        skip "a library is installed in /usr/local/lib/reqtag"
    fi
    mkdir "$lone"
    cp "$REQTAG" "$lone/reqtag"
    run --separate-stderr "$lone/reqtag" -- true
    assert_failure 1
    assert_output ""
    local want
    want="reqtag: cannot find libreqtag.so (looked in: $(readlink -f "$lone")/libreqtag.so,"
    want+=" $(readlink -f "$BATS_TEST_TMPDIR")/lib/reqtag/libreqtag.so,"
    want+=" /usr/local/lib/reqtag/libreqtag.so); build it with make or pass --lib"
    assert_equal "$stderr" "$want"
}

@test "options set the REQTAG_* variables" {
    run --separate-stderr "$REQTAG" --header X-Foo --no-generate --format '<{id}> ' -- env
    assert_success
    assert_line "REQTAG_HEADER=X-Foo"
    assert_line "REQTAG_GENERATE=0"
    assert_line "REQTAG_FORMAT=<{id}> "
    refute_line --regexp '^REQTAG_DISABLE='
}

@test "short and --opt=value forms set the variables too; the last option wins" {
    run --separate-stderr "$REQTAG" -H X-A -HX-B,traceparent --format='{id}: ' --disable -- env
    assert_success
    assert_line "REQTAG_HEADER=X-B,traceparent"
    assert_line "REQTAG_FORMAT={id}: "
    assert_line "REQTAG_DISABLE=1"
    refute_line --regexp '^REQTAG_GENERATE='
}

@test "variables already set pass through unless an option overrides them" {
    REQTAG_HEADER=X-Env REQTAG_FORMAT='({id}) ' run --separate-stderr "$REQTAG" --format '{id} ' env
    assert_success
    assert_line "REQTAG_HEADER=X-Env"
    assert_line "REQTAG_FORMAT={id} "
}

@test "LD_PRELOAD starts with the absolute build library and keeps existing entries" {
    local a b
    a=$(stub_lib a.so)
    b=$(stub_lib b.so)
    LD_PRELOAD="$a $b" run --separate-stderr "$REQTAG" -- env
    assert_success
    assert_line "LD_PRELOAD=$LIB:$a:$b"
    assert_equal "$stderr" ""
    LD_PRELOAD=":$a::$b:" run --separate-stderr "$REQTAG" -- env
    assert_line "LD_PRELOAD=$LIB:$a:$b"
}

@test "reqtag works when started through a relative path" {
    cd "$BUILD"
    run --separate-stderr ./reqtag -- env
    assert_success
    assert_line "LD_PRELOAD=$LIB"
}

@test "the library is never preloaded twice" {
    run --separate-stderr "$REQTAG" -- "$REQTAG" -- env
    assert_success
    assert_line "LD_PRELOAD=$LIB"
    assert_equal "$stderr" ""
    local a
    a=$(stub_lib a.so)
    mkdir "$BATS_TEST_TMPDIR/old"
    cp "$LIB" "$BATS_TEST_TMPDIR/old/libreqtag.so"
    LD_PRELOAD="$BATS_TEST_TMPDIR/old/libreqtag.so:$a $LIB" run --separate-stderr "$REQTAG" -- env
    assert_success
    assert_line "LD_PRELOAD=$LIB:$a"
}

@test "--lib PATH preloads that library by its canonical path" {
    local a
    a=$(stub_lib a.so)
    ln -s a.so "$BATS_TEST_TMPDIR/link.so"
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr "$REQTAG" --lib ./link.so -- env
    assert_success
    assert_line "LD_PRELOAD=$(readlink -f "$a")"
    run --separate-stderr "$REQTAG" --lib="$BATS_TEST_TMPDIR/nope.so" -- true
    assert_failure 1
    assert_equal "$stderr" "reqtag: --lib $BATS_TEST_TMPDIR/nope.so: No such file or directory"
}

@test "a bad option value exits 2 naming the option, and runs nothing" {
    run --separate-stderr "$REQTAG" --format abc -- touch "$BATS_TEST_TMPDIR/ran"
    assert_failure 2
    assert_equal "$stderr" "reqtag: --format: has no {id}"
    [ ! -e "$BATS_TEST_TMPDIR/ran" ]
    run --separate-stderr "$REQTAG" -H '' -- true
    assert_failure 2
    assert_equal "$stderr" "reqtag: --header: empty header name"
    run --separate-stderr "$REQTAG" --header='X-A,bad name' -- true
    assert_failure 2
    assert_regex "$stderr" '^reqtag: --header: a header name may hold only'
}

@test "unknown options, missing values and a missing COMMAND exit 2" {
    run --separate-stderr "$REQTAG" --bogus -- true
    assert_failure 2
    assert_regex "$stderr" "^reqtag: unknown option '--bogus'"
    run --separate-stderr "$REQTAG" -Z true
    assert_failure 2
    assert_regex "$stderr" "^reqtag: unknown option '-Z'"
    run --separate-stderr "$REQTAG" --no-generate=0 -- true
    assert_failure 2
    assert_regex "$stderr" "^reqtag: option '--no-generate' takes no value"
    run --separate-stderr "$REQTAG" --format
    assert_failure 2
    assert_regex "$stderr" "^reqtag: option '--format' needs a value"
    run --separate-stderr "$REQTAG" --no-generate --
    assert_failure 2
    assert_regex "$stderr" $'^reqtag: no COMMAND given\nUsage: reqtag '
    run --separate-stderr "$REQTAG"
    assert_failure 2
    assert_output ""
}

@test "reqtag leaves no extra file descriptors open in the command" {
    run --separate-stderr ls /proc/self/fd
    local direct=$output
    # Crash reports off: the library then opens nothing at all.
    run --separate-stderr "$REQTAG" --no-crash -- ls /proc/self/fd
    assert_success
    assert_output "$direct"
}

@test "with crash reports on, the only extra descriptors are libunwind's pipe, moved near the limit" {
    local limit extra
    limit=$(ulimit -n)
    run --separate-stderr ls /proc/self/fd
    local direct=$output
    run --separate-stderr "$REQTAG" -- ls /proc/self/fd
    assert_success
    extra=$(comm -13 <(sort <<<"$direct") <(sort <<<"$output"))
    # Two descriptors (the pipe's ends), both within 32 of the soft limit; the low numbers a
    # program would get are untouched.
    [ "$(wc -l <<<"$extra")" -eq 2 ]
    while read -r fd; do
        [ "$fd" -ge $((limit - 32)) ]
    done <<<"$extra"
}

@test "make install DESTDIR=... installs reqtag, the library and the man page" {
    local stage="$BATS_TEST_TMPDIR/stage"
    run make -C "$ROOT" --no-print-directory install DESTDIR="$stage" PREFIX=/usr/local BUILD="$BUILD"
    assert_success
    [ -x "$stage/usr/local/bin/reqtag" ]
    [ -f "$stage/usr/local/lib/reqtag/libreqtag.so" ]
    cmp "$ROOT/man/reqtag.1" "$stage/usr/local/share/man/man1/reqtag.1"

    # The staged reqtag finds the staged library, not the build tree's.
    run --separate-stderr "$stage/usr/local/bin/reqtag" -- env
    assert_success
    assert_line "LD_PRELOAD=$(readlink -f "$stage/usr/local/lib/reqtag/libreqtag.so")"
    assert_equal "$stderr" ""
}

@test "the README has a row for every setting of the table, with its option" {
    local env opt
    while IFS=' ' read -r env opt; do
        run grep -E "^\| \`$env\` \| \`(-[A-Za-z], )?--$opt" "$ROOT/README.md"
        assert_success
    done < <(grep -oE '^    \{"REQTAG_[A-Z_]+", "[^"]*", "[a-z-]+"' "$ROOT/common/settings.c" |
        sed -E 's/^    \{"([A-Z_]+)", "[^"]*", "([a-z-]+)"/\1 \2/')
    [ "$(table_settings | wc -l)" -ge 10 ]
}
