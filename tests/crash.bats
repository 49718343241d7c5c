# crash.bats -- fatal signals: a report naming the request, the signal and the frames, then the death (or the program's handler) the program would have had anyway.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper

SERVER="$FIXTURES/crashserver"

setup() {
    tpc_vars
    MODULE=$(readlink -f "$SERVER")
}

# proc_gone PID: true when PID has ended (gone, or a zombie waiting to be reaped).
proc_gone() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [ "${stat%% *}" = Z ]
}

# crash_route ID ROUTE CMD [ARGS...]: start CMD (a crashserver, possibly behind a prefix) with
# stdout to $OUT and stderr to $ERR, wait for "ready", send ROUTE with X-Request-ID: ID, and wait
# (at most 20 s) for the server to end. Sets CRASH_STATUS to its exit status as bash reports it
# (128+N for signal N), or "running" when it did not end.
crash_route() {
    local id=$1 route=$2 pid i
    shift 2
    : >"$OUT"
    : >"$ERR"
    start_split "$OUT" "$ERR" "$@"
    pid=$SERVER_PID
    wait_line "$OUT" '^ready$' 10
    # CRASH_WARMUP=N: N requests to /ok first, one after another, each thread given time to end.
    for ((i = 1; i <= ${CRASH_WARMUP:-0}; i++)); do
        timeout 25 python3 "$HELPERS/crashrun.py" send "$PORT" /ok "warm-$i"
        sleep 0.2
    done
    timeout 25 python3 "$HELPERS/crashrun.py" send "$PORT" "$route" "$id"
    for ((i = 0; i < 400; i++)); do
        proc_gone "$pid" && break
        sleep 0.05
    done
    if ! proc_gone "$pid"; then
        CRASH_STATUS=running
        stop_pid "$pid"
        return 0
    fi
    CRASH_STATUS=0
    wait "$pid" || CRASH_STATUS=$?
}

# report_lines: the report's lines of $ERR (every line holding "reqtag:").
report_lines() {
    grep -F 'reqtag:' "$ERR" || true
}

# check_report ID SIGNAME ADDR_ERE FUNCTION ROUTE: $ERR holds one tagged report for ID: its header
# names the signal (with an address matching ADDR_ERE, or none when ADDR_ERE is empty), the
# request and the elapsed time; a frame names FUNCTION; a frame is in the fixture's module; every
# report line carries the tag; the server's first line is its tagged "handling ROUTE".
check_report() {
    local id=$1 sig=$2 addr=$3 fn=$4 report
    local tag="[$id] reqtag:" qid=$1 # the tests' IDs hold no regex metacharacters
    local addr_re=""
    [ -n "$addr" ] && addr_re=" \\(address $addr\\)"
    report=$(report_lines)
    # One header, with the request, the signal, the thread and the elapsed time.
    run grep -cE "reqtag: SIG" <<<"$report"
    assert_output 1
    run grep -E "reqtag: SIG" <<<"$report"
    assert_output --regexp "^\\[$qid\\] reqtag: $sig$addr_re in thread [0-9]+ while handling $qid, [0-9]+ ms into the request\$"
    # Frame lines: the crashing function, and the fixture's own module.
    run grep -E "^\\[$qid\\] reqtag:   #[0-9]+ 0x[0-9a-f]+ " <<<"$report"
    assert_success
    assert_output --regexp "#[0-9]+ 0x[0-9a-f]+ $fn\\+0x[0-9a-f]+ "
    assert_output --partial "($MODULE+0x"
    # Every report line starts with the tag (none untagged, none with another ID).
    run grep -cvF -- "$tag" <<<"$report"
    assert_output 0
    run grep -cF -- "$tag" <<<"$report"
    [ "$output" -ge 2 ]
    # The server's own line came first, tagged.
    run head -n 1 "$ERR"
    assert_output "[$id] handling $5"
}

# same_without_shim ID ROUTE STATUS: without the shim the same request ends the same way.
same_without_shim() {
    local want=$3
    crash_route "$1" "$2" "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" "$want"
    run report_lines
    assert_output ""
}

@test "/segv: tagged report (address 0x10, crash_segv_helper), dies of SIGSEGV (139) as without the shim" {
    crash_route segv-1 /segv "$REQTAG" -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 139
    check_report segv-1 SIGSEGV 0x10 crash_segv_helper /segv
    same_without_shim segv-1 /segv 139
}

@test "/abort: tagged report (no address, abort frame), dies of SIGABRT (134) as without the shim" {
    crash_route abort-1 /abort "$REQTAG" -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 134
    check_report abort-1 SIGABRT "" abort /abort
    run grep -F '(address' "$ERR"
    assert_failure
    same_without_shim abort-1 /abort 134
}

@test "/fpe: tagged report (address of the division, crash_fpe_helper), dies of SIGFPE (136) as without the shim" {
    crash_route fpe-1 /fpe "$REQTAG" -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 136
    check_report fpe-1 SIGFPE '0x[0-9a-f]+' crash_fpe_helper /fpe
    # The address is the faulting instruction: frame #0's pc.
    local addr pc0
    addr=$(grep -oE 'address 0x[0-9a-f]+' "$ERR" | cut -d' ' -f2)
    pc0=$(grep -oE 'reqtag:   #0 0x[0-9a-f]+' "$ERR" | awk '{print $3}')
    assert_equal "$addr" "$pc0"
    same_without_shim fpe-1 /fpe 136
}

@test "/overflow: stack overflow in the request thread is reported (crash_recurse), dies of SIGSEGV (139)" {
    crash_route ovf-1 /overflow "$REQTAG" -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 139
    check_report ovf-1 SIGSEGV '0x[0-9a-f]+' crash_recurse /overflow
    run grep -cE '^\[ovf-1\] reqtag:   #[0-9]+ 0x[0-9a-f]+ crash_recurse\+' "$ERR"
    [ "$output" -ge 2 ]
    same_without_shim ovf-1 /overflow 139
}

@test "/overflow after earlier request threads ended: the thread taking an ended one's place (and its kept signal stack) is reported" {
    CRASH_WARMUP=3 crash_route ovf-2 /overflow "$REQTAG" -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 139
    assert_equal "$(grep -c '^\[warm-[123]\] ok /ok done$' "$ERR")" 3
    # The warm-up's own lines set aside, the report reads as in the test above.
    grep -v '^\[warm-[123]\] ' "$ERR" >"$ERR.rest" || true
    mv "$ERR.rest" "$ERR"
    check_report ovf-2 SIGSEGV '0x[0-9a-f]+' crash_recurse /overflow
}

@test "/segv-in-child-thread: the child thread's crash carries the request's ID and the child's thread id" {
    crash_route child-1 /segv-in-child-thread "$REQTAG" -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 139
    check_report child-1 SIGSEGV 0x10 crash_segv_helper /segv-in-child-thread
    local child parent
    child=$(sed -n 's/^\[child-1\] child thread \([0-9]*\)$/\1/p' "$ERR")
    parent=$(sed -n 's/^\[child-1\] request thread \([0-9]*\)$/\1/p' "$ERR")
    [ -n "$child" ] && [ -n "$parent" ] && [ "$child" != "$parent" ]
    run grep -E 'reqtag: SIGSEGV' "$ERR"
    assert_output --partial " in thread $child while handling child-1,"
    run grep -E 'reqtag:   #[0-9]+ .* child_main\+' "$ERR"
    assert_success
    same_without_shim child-1 /segv-in-child-thread 139
}

@test "/ok: a request that does not crash gets its response, its line, and no report" {
    start_split "$OUT" "$ERR" "$REQTAG" -- "$SERVER" "$PORT"
    wait_line "$OUT" '^ready$' 10
    run raw_request "$PORT" 'GET /ok HTTP/1.1\r\nX-Request-ID: ok-1\r\nConnection: close\r\n\r\n'
    assert_success
    assert_line --index 0 $'HTTP/1.1 200 OK\r'
    kill -0 "$SERVER_PID"
    wait_line "$ERR" 'ok /ok done' 5
    run cat "$ERR"
    assert_output $'[ok-1] handling /ok\n[ok-1] ok /ok done'
}

@test "a crash in a thread with no request: untagged report, 'handling no request', SIGSEGV status" {
    run --separate-stderr "$REQTAG" -- "$SERVER" --crash-at-start
    assert_equal "$status" 139
    assert_output "sigsegv handler: default"
    local report
    report=$(grep -F 'reqtag:' <<<"$stderr")
    run grep -E 'reqtag: SIG' <<<"$report"
    assert_output --regexp '^reqtag: SIGSEGV \(address 0x10\) in thread [0-9]+, handling no request$'
    run grep -cvE '^reqtag: ' <<<"$report"
    assert_output 0
    run grep -E '^reqtag:   #[0-9]+ 0x[0-9a-f]+ crash_segv_helper\+0x[0-9a-f]+ ' <<<"$report"
    assert_output --partial "($MODULE+0x"
    run grep -E '^reqtag:   #[0-9]+ 0x[0-9a-f]+ main\+' <<<"$report"
    assert_success
    # Without the shim: the same status.
    run --separate-stderr "$SERVER" --crash-at-start
    assert_equal "$status" 139
    [ "$stderr" = "crashing at start" ]
}

@test "reqtag --no-crash: no report, the line stays tagged, same SIGSEGV status" {
    crash_route nc-1 /segv "$REQTAG" --no-crash -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 139
    run cat "$ERR"
    assert_output "[nc-1] handling /segv"
    crash_route nc-2 /abort "$REQTAG" --no-crash -- "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 134
    run cat "$ERR"
    assert_output "[nc-2] handling /abort"
}

@test "REQTAG_CRASH=0: no report, same statuses (SIGSEGV, SIGFPE)" {
    crash_route nc-3 /segv env LD_PRELOAD="$PRELOAD" REQTAG_CRASH=0 "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 139
    run cat "$ERR"
    assert_output "[nc-3] handling /segv"
    crash_route nc-4 /fpe env LD_PRELOAD="$PRELOAD" REQTAG_CRASH=0 "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 136
    run cat "$ERR"
    assert_output "[nc-4] handling /fpe"
}

# own_handler_case MODE ID: with the program's handler installed by MODE, the report comes first,
# then the handler's line, and the program's exit status 77 (as without the shim).
own_handler_case() {
    local mode=$1 id=$2
    crash_route "$id" /segv "$REQTAG" -- "$SERVER" "$PORT" --own-handler "$mode"
    assert_equal "$CRASH_STATUS" 77
    run cat "$OUT"
    assert_line --index 0 "sigsegv handler: own"
    check_report "$id" SIGSEGV 0x10 crash_segv_helper /segv
    run tail -n 1 "$ERR"
    assert_output "[$id] own handler ran"
    assert_equal "$(grep -c 'own handler ran' "$ERR")" 1
    # The report is complete before the handler's line.
    local header own
    header=$(grep -nF 'reqtag: SIGSEGV' "$ERR" | cut -d: -f1)
    own=$(grep -nF 'own handler ran' "$ERR" | cut -d: -f1)
    [ "$header" -lt "$own" ]
    # Without the shim.
    crash_route "$id" /segv "$SERVER" "$PORT" --own-handler "$mode"
    assert_equal "$CRASH_STATUS" 77
    run cat "$ERR"
    assert_output $'handling /segv\nown handler ran'
}

@test "own SIGSEGV handler installed with sigaction in main: report, then 'own handler ran', exit 77" {
    own_handler_case after own-a
}

@test "own SIGSEGV handler installed with signal(): report, then 'own handler ran', exit 77" {
    own_handler_case signal own-s
}

@test "own SIGSEGV handler installed in a constructor: the program sees its own handler; report, then it runs" {
    own_handler_case before own-b
}

@test "a program querying sigaction sees what it installed (own, or the default), never the shim's" {
    local mode
    for mode in after signal before; do
        run --separate-stderr env LD_PRELOAD="$PRELOAD" "$SERVER" --crash-at-start --own-handler "$mode"
        assert_line --index 0 "sigsegv handler: own"
    done
    run --separate-stderr env LD_PRELOAD="$PRELOAD" "$SERVER" --crash-at-start
    assert_line --index 0 "sigsegv handler: default"
    run --separate-stderr "$SERVER" --crash-at-start
    assert_line --index 0 "sigsegv handler: default"
}

# core_status ROUTE ID [PREFIX...]: run the crashserver (behind PREFIX) through ROUTE with cores
# allowed, in a directory of its own; prints "termsig=N coredump=0|1 exit=N".
core_status() {
    local route=$1 id=$2 dir
    shift 2
    dir=$(mktemp -d "$BATS_TEST_TMPDIR/core.XXXXXX")
    bash -c 'ulimit -c unlimited && cd "$1" && shift && exec "$@"' _ "$dir" \
        timeout 40 python3 "$HELPERS/crashrun.py" run "$PORT" "$route" "$id" "$ERR" -- \
        "$@" "$SERVER" "$PORT"
}

@test "core dumps: WTERMSIG and WCOREDUMP with the shim equal those without it (segv, abort, fpe)" {
    local pattern route plain shim
    pattern=$(cat /proc/sys/kernel/core_pattern)
    for route in /segv /abort /fpe; do
        plain=$(core_status "$route" core-plain)
        shim=$(core_status "$route" core-shim env LD_PRELOAD="$PRELOAD")
        echo "$route plain: $plain; shim: $shim; core_pattern: $pattern"
        [[ "$plain" =~ ^termsig=(11|6|8)\ coredump=[01]\ exit=-1$ ]]
        assert_equal "$shim" "$plain"
    done
    # Where the kernel writes cores to a plain file and the run produced one, the shim's run did too
    # (checked by the equality above); say so when this machine produces none at all.
    if [[ "$plain" == *coredump=0* ]]; then
        echo "# no core dumps on this machine (core_pattern '$pattern'): only the signals compared" >&3
    fi
    grep -qF 'reqtag: SIGFPE' "$ERR"
}

@test "C++ exceptions keep libgcc_s: every _Unwind_* binding outside libunwind goes to libgcc_s, and libunwind is loaded privately" {
    # The ASan runtime stands in front of _Unwind_RaiseException itself.
    [ "${REQTAG_SANITIZE:-}" != asan ] || skip "under check-asan, libstdc++ binds the unwinder to the ASan runtime"
    local dbg="$BATS_TEST_TMPDIR/lddebug"
    run --separate-stderr timeout 30 env LD_PRELOAD="$PRELOAD" LD_DEBUG=bindings,files \
        LD_DEBUG_OUTPUT="$dbg" "$FIXTURES/cxxthrow"
    assert_equal "$status" 6
    assert_line 'caught 6'
    local log
    log=$(cat "$dbg".*)
    # The shim did load libunwind, so the check below means something (under check-tsan, the
    # runtime's dlopen interceptor is what ld.so sees calling).
    local loader='libreqtag\.so'
    [ "${REQTAG_SANITIZE:-}" != tsan ] || loader='libtsan\.so\.[0-9]+'
    run grep -E "file=libunwind\.so\.8 \[0\]; +dynamically loaded by .*$loader" <<<"$log"
    assert_success
    # The bindings made by everything but libunwind itself.
    local binds
    binds=$(grep -E "binding file .* normal symbol \`_Unwind_" <<<"$log" | grep -vE 'binding file [^ ]*libunwind[^ ]* ')
    run grep -E "binding file [^ ]*libstdc\+\+\.so[^ ]* \[0\] to [^ ]*/libgcc_s\.so\.1 \[0\]: normal symbol \`_Unwind_RaiseException'" <<<"$binds"
    assert_success
    run grep -E "normal symbol \`_Unwind_RaiseException'" <<<"$binds"
    refute_output --partial libunwind
    run grep -E ' to [^ ]*libunwind' <<<"$binds"
    assert_failure
}

@test "libreqtag.so does not link libunwind (ldd, DT_NEEDED)" {
    run ldd "$LIBREQTAG"
    assert_success
    refute_output --partial libunwind
    run readelf -d "$LIBREQTAG"
    assert_success
    refute_output --partial libunwind
}

@test "own SIGSEGV handler installed by a library before the shim's constructor: report, then the handler (exit 78)" {
    local so="$BATS_TEST_TMPDIR/earlyhandler.so"
    "${CC:-cc}" -std=gnu11 -Wall -Wextra -Werror -O2 -shared -fPIC -o "$so" "$HELPERS/earlyhandler.c"
    # The library's constructor really runs before the shim's.
    run --separate-stderr env LD_PRELOAD="$PRELOAD:$so" LD_DEBUG=files "$SERVER" --crash-at-start
    run grep -oE 'calling init: [^ ]*(earlyhandler|libreqtag)\.so' <<<"$stderr"
    assert_line --index 0 --partial earlyhandler.so
    assert_line --index 1 --partial libreqtag.so
    # Without the shim: the handler runs, exit 78.
    crash_route early-1 /segv env LD_PRELOAD="$so" "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 78
    run cat "$ERR"
    assert_output $'handling /segv\nearly handler ran'
    # With it: the report, then the same handler and status.
    crash_route early-1 /segv env LD_PRELOAD="$PRELOAD:$so" "$SERVER" "$PORT"
    assert_equal "$CRASH_STATUS" 78
    run tail -n 1 "$ERR"
    assert_output "[early-1] early handler ran"
    check_report early-1 SIGSEGV 0x10 crash_segv_helper /segv
}
