# hosts.bats -- programs that must keep working under the shim: interpreters, coreutils, fd chaos, static, raw syscalls, setuid, glibc's fatal checks.
# shellcheck shell=bash disable=SC2154,SC2016,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    T="$BATS_TEST_TMPDIR"
    SUID_DIR=
}

teardown() {
    [ -z "$SUID_DIR" ] || rm -rf "$SUID_DIR"
    stop_bg
}

# same_both CMD [ARGS...]: stdout, stderr and exit status of CMD are byte-identical with and
# without the shim (nothing serves a request here, so nothing may be tagged or changed).
same_both() {
    local st1=0 st2=0
    "$@" >"$T/a.out" 2>"$T/a.err" </dev/null || st1=$?
    "$REQTAG" -- "$@" >"$T/b.out" 2>"$T/b.err" </dev/null || st2=$?
    assert_equal "$st2" "$st1"
    cmp "$T/a.out" "$T/b.out"
    cmp "$T/a.err" "$T/b.err"
    [ -s "$T/a.out" ] || [ -s "$T/a.err" ] # the comparison compared something
}

@test "python3 (threads, a subprocess, stderr) runs unchanged" {
    same_both python3 -c '
import subprocess, sys, threading
def work(i): print("thread", i, file=sys.stderr, flush=True)
for i in range(4):
    t = threading.Thread(target=work, args=(i,)); t.start(); t.join()
print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())
sys.exit(3)'
}

@test "perl, ruby and node run unchanged" {
    same_both perl -e 'print STDERR "perl $_\n" for 1..3; print "out\n"; exit 4'
    same_both ruby -e 'Thread.new { $stderr.puts "ruby thread" }.join; puts "out"; exit 5'
    same_both node -e 'console.error("node err"); setTimeout(() => { console.log("out"); process.exit(6) }, 10)'
}

@test "bash and coreutils: pipes, sort, checksums and copies of a 4 MB file are unchanged" {
    head -c 4194304 /dev/urandom >"$T/blob"
    same_both bash -c 'for i in 3 1 2; do echo "line $i" >&2; echo "$i"; done | sort -n; exit 7'
    same_both bash -c "sha256sum '$T/blob' | cut -c1-64; cp '$T/blob' '$T/copy' && cmp '$T/blob' '$T/copy' && wc -c <'$T/copy'"
    same_both bash -c "cat '$T/blob' | gzip -1 | gzip -d | cmp - '$T/blob' && ls -l '$T/blob' | cut -d' ' -f5"
}

# chaos MODE: fdchaos under the shim, its first stderr in $T/err and its later one in $T/file.
chaos() {
    run --separate-stderr timeout 20 "$REQTAG" -- "$FIXTURES/fdchaos" "$1" "$T/file"
    assert_success
    assert_equal "$stderr" "[chaos-1] before"
}

@test "a program that closes every descriptor, then opens a file onto fd 2, keeps working" {
    chaos closeall
    # The write to the closed fd 2 failed with EBADF as it would without the shim (status 0).
    assert_equal "$(cat "$T/file")" "[chaos-1] after closeall"
}

@test "a program that dup2s a file over fd 2: its lines go to the file, still tagged" {
    chaos dup2
    assert_equal "$(cat "$T/file")" "$(printf '[chaos-1] after dup2 via %s\n' write fprintf)"
}

@test "a program that freopens stderr: its lines go to the new file, still tagged" {
    chaos freopen
    assert_equal "$(cat "$T/file")" "$(printf '[chaos-1] after freopen via %s\n' fprintf write)"
}

@test "raw system calls (as Go makes them) are not seen: that line leaves untouched" {
    run --separate-stderr timeout 20 "$REQTAG" -- "$FIXTURES/rawsys"
    assert_success
    assert_equal "$stderr" "$(printf '%s\n' '[raw-1] via libc write' 'via raw syscall')"
}

@test "a static binary ignores the preload: output identical to running it plainly" {
    # No program interpreter (the dynamic loader) in its program headers: static.
    readelf -lW "$FIXTURES/rawsys-static" | grep -q 'INTERP' && fail "rawsys-static is not static"
    same_both "$FIXTURES/rawsys-static"
    grep -qx 'via libc write' "$T/b.err"
}

@test "a setuid program run by another user: the loader skips the shim, nothing breaks" {
    # Its own directory under /tmp: the test's directory is not open to other users.
    local dir
    dir=$(mktemp -d /tmp/reqtag-suid.XXXXXX)
    SUID_DIR=$dir
    chmod 755 "$dir"
    cp "$FIXTURES/rawsys" "$dir/rawsys"
    chown root:root "$dir/rawsys"
    chmod 4755 "$dir/rawsys"
    runuser -u nobody -- test -x "$REQTAG" || skip "nobody cannot run $REQTAG"
    run --separate-stderr timeout 20 runuser -u nobody -- "$REQTAG" -- "$dir/rawsys"
    assert_success
    assert_output "euid 0" # it did run setuid root
    assert_equal "$stderr" "$(printf '%s\n' 'via libc write' 'via raw syscall')"
}

# fatal MODE MESSAGE: glibcfatal dies of SIGABRT with MESSAGE on stderr, with the shim as without.
fatal() {
    run --separate-stderr timeout 20 "$FIXTURES/glibcfatal" "$1"
    assert_equal "$status" 134
    grep -qF -- "$2" <<<"$stderr"
    run --separate-stderr timeout 20 "$REQTAG" -- "$FIXTURES/glibcfatal" "$1"
    assert_equal "$status" 134
    grep -qxF -- "[fatal-1] before $1" <<<"$stderr"
    # glibc writes its message with its own internal calls: whole, on a line of its own.
    grep -qF -- "$2" <<<"$stderr"
    grep -q 'reqtag: SIGABRT .* while handling fatal-1' <<<"$stderr"
}

@test "glibc's stack-smashing message still reaches stderr and the process still aborts" {
    fatal smash '*** stack smashing detected ***: terminated'
}

@test "glibc's double-free message still reaches stderr and the process still aborts" {
    # Under check-asan the preloaded ASan runtime's allocator, not glibc's, sees the double free.
    [ "${REQTAG_SANITIZE:-}" != asan ] || skip "ASan's allocator replaces glibc's"
    fatal doublefree 'free(): double free detected'
}
