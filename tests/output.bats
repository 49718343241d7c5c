# output.bats -- --output json|logfmt: every stderr line one record (requests, no request, warnings, crashes); {pid} {tid} {elapsed_ms} in text mode.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    T="$BATS_TEST_TMPDIR"
    PORT=$(free_port)
    OUT="$T/out"
    ERR="$T/err"
    SINCE=$(date +%s.%N)
    : >"$OUT"
    : >"$ERR"
}

# records LOG KIND [ARGS...]: every line of LOG is a well-formed KIND record (records.py check);
# writes LOG.text (the text-mode line each record stands for) and LOG.fields (req_id pid tid).
records() {
    local log=$1 kind=$2
    shift 2
    run timeout 120 python3 "$HELPERS/records.py" check "$log" --output "$kind" --since "$SINCE" \
        --text "$log.text" --fields "$log.fields" "$@"
    echo "$output"
    assert_success
}

# start_stderr MODE CMD [ARGS...]: run CMD in the background, stdout appended to $OUT, stderr
# appended to $ERR directly (MODE file) or through a named pipe read by cat (MODE pipe).
# SERVER_PID is CMD's pid.
start_stderr() {
    local mode=$1
    shift
    if [ "$mode" = file ]; then
        start_split "$OUT" "$ERR" "$@"
    else
        mkfifo "$T/fifo"
        timeout 300 cat "$T/fifo" >>"$ERR" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        "$@" >>"$OUT" 2>"$T/fifo" &
        SERVER_PID=$!
        BG_PIDS+=("$SERVER_PID")
    fi
}

# stop_server: stop SERVER_PID (and the pipe's reader, once it has read everything).
stop_server() {
    stop_pid "$SERVER_PID" 15
    if [ -n "${CAT_PID:-}" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null || true
    fi
}

# scenario_ids TAG COUNT: the IDs scenarios.py sends that must each be seen with their req_id
# (all but the first two pipelined ones, which may have none: see README, Pipelining).
scenario_ids() {
    local t=$1 n=$2 i
    for ((i = 0; i < n; i++)); do
        echo "$t-f-$i"
        echo "$t-k-$i"
    done
    printf '%s\n' "$t-two-0" "$t-two-1" "$t-three-0" "$t-three-1" "$t-three-2" "$t-p-2" "$t-b-0" "$t-7-0"
}

# ---- python3 -m http.server ----

# py_case KIND MODE: http.server under --output KIND, the standard mix, every stderr line a record.
py_case() {
    local kind=$1 mode=$2 tag="py$1$2"
    # A file for every request (http.server closes the connection after an error response).
    mkdir -p "$T/docs/r"
    (cd "$T/docs/r" && scenario_ids "$tag" 100 | xargs touch && touch "$tag-p-0" "$tag-p-1")
    PYTHONUNBUFFERED=1 start_stderr "$mode" "$REQTAG" --output "$kind" -- \
        python3 -m http.server "$PORT" --bind 127.0.0.1 --protocol HTTP/1.1 --directory "$T/docs"
    wait_line "$OUT" '^Serving HTTP on' 15
    run timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag" --count 100
    assert_success
    # An 8 KB path (no such file: 404): one record, whole.
    local long
    long="$tag-long/$(printf 'x%.0s' $(seq 8000))"
    run raw_request "$PORT" "GET /r/$long HTTP/1.1\r\nHost: x\r\nX-Request-ID: $tag-long\r\nConnection: close\r\n\r\n"
    assert_line --index 0 $'HTTP/1.1 404 File not found\r'
    stop_server
    # The banner went to stdout, and nothing else did.
    run cat "$OUT"
    assert_output "Serving HTTP on 127.0.0.1 port $PORT (http://127.0.0.1:$PORT/) ..."
    records "$ERR" "$kind" --min-lines 212
    # One access record per request, with its request's req_id; the 8 KB one adds "code 404".
    # http.server logs a request in send_response, before its response's first byte goes out, so
    # all three pipelined requests' lines may have no req_id (README, Pipelining), never a wrong one.
    scenario_ids "$tag" 100 | grep -v -- "-p-2$" >"$T/ids"
    run timeout 60 python3 "$HELPERS/checktags.py" "$ERR.text" --expect-ids "$T/ids" --min-lines 208 \
        --allow-untagged "^127\.0\.0\.1 - - \[[^]]+\] \"GET /r/$tag-p-[0-2] HTTP/1\.1\" 200 -$"
    echo "$output"
    assert_success
    assert_equal "$(wc -l <"$ERR.text")" 212
    run grep -cE "^\[$tag-long\] 127\.0\.0\.1 - - \[[^]]+\] code 404, message File not found$" "$ERR.text"
    assert_output 1
    run grep -cE "^\[$tag-f-[0-9]+\] 127\.0\.0\.1 - - \[[^]]+\] \"GET /r/$tag-f-[0-9]+ HTTP/1\.1\" 200 -$" "$ERR.text"
    assert_output 100
    # Records without a request name no request (http.server logs nothing else here).
    run grep -vE '^\[' "$ERR.text"
    refute_output --regexp "/r/$tag-(f|k|two|three|b|7)-"
    run grep -cE "^\[$tag-long\] 127\.0\.0\.1 - - \[[^]]+\] \"GET /r/$long HTTP/1\.1\" 404 -$" "$ERR.text"
    assert_output 1
    # pid: the server's own (reqtag execs it); tid: a number.
    run awk '{print $2}' "$ERR.fields"
    assert_equal "$(sort -u <<<"$output")" "$SERVER_PID"
}

@test "json: python3 -m http.server, stderr a file: every line a JSON record, req_id on request lines" {
    plain_host_only python3
    py_case json file
}

@test "json: python3 -m http.server, stderr a pipe: every line a JSON record, req_id on request lines" {
    plain_host_only python3
    py_case json pipe
}

@test "logfmt: python3 -m http.server, stderr a file: every line a logfmt record" {
    plain_host_only python3
    py_case logfmt file
}

# ---- tpcserver: the 7 lines of each request, the start-up line, the helper thread ----

# tpc_case KIND MODE: tpcserver under --output KIND, the standard mix; start-up record without
# req_id; 7 records per request with its req_id, the helper thread's with another tid.
tpc_case() {
    local kind=$1 mode=$2 tag="tpc$1$2"
    start_stderr "$mode" "$REQTAG" --output "$kind" -- "$FIXTURES/tpcserver" "$PORT"
    wait_line "$OUT" '^ready$' 10
    run timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag" --count 100
    assert_success
    stop_server
    records "$ERR" "$kind" --pid "$SERVER_PID" --min-lines 1471
    # The first record: the start-up line, no req_id.
    run head -n 1 "$ERR.text"
    assert_output "listening on $PORT"
    run head -n 1 "$ERR"
    refute_output --partial req_id
    # tpcserver logs each pipelined request before writing its response, so the lines of all
    # three come before the newest one's response starts: they may have no req_id (README,
    # Pipelining), never a wrong one.
    scenario_ids "$tag" 100 | grep -v -- "-p-2$" >"$T/ids"
    run timeout 60 python3 "$HELPERS/checktags.py" "$ERR.text" --startup-lines 1 --expect-ids "$T/ids" \
        --min-lines 1449 \
        --allow-untagged "^path=/r/$tag-p-[0-2] via=(write|fprintf|perror: No such file or directory|devstderr|devstderr-once|helper|pieces)$"
    echo "$output"
    assert_success
    # 7 records for each of the 210 requests, each line exactly as tpcserver wrote it.
    run grep -cE "^(\[[^]]+\] )?path=/r/$tag-[a-z0-9]+-[0-9]+ via=(write|fprintf|perror: No such file or directory|devstderr|devstderr-once|helper|pieces)$" "$ERR.text"
    assert_output 1470
    assert_equal "$(wc -l <"$ERR.text")" 1471
    # The helper thread's record has its own tid; the other six share the request thread's.
    local id=$tag-f-5 n
    n=$(grep -nF "[$id] path=/r/$id via=helper" "$ERR.text" | cut -d: -f1)
    local helper_tid req_tid
    helper_tid=$(sed -n "${n}p" "$ERR.fields" | awk '{print $3}')
    req_tid=$(grep -nF "[$id] path=/r/$id via=write" "$ERR.text" | cut -d: -f1)
    req_tid=$(sed -n "${req_tid}p" "$ERR.fields" | awk '{print $3}')
    [[ $helper_tid =~ ^[0-9]+$ && $req_tid =~ ^[0-9]+$ ]]
    [ "$helper_tid" != "$req_tid" ]
    [ "$req_tid" != "$SERVER_PID" ]
}

@test "json: tpcserver, stderr a file: 7 records per request with its req_id, start-up record without" {
    tpc_case json file
}

@test "json: tpcserver, stderr a pipe: 7 records per request with its req_id, start-up record without" {
    tpc_case json pipe
}

@test "logfmt: tpcserver, stderr a file: 7 records per request with its req_id, start-up record without" {
    tpc_case logfmt file
}

@test "logfmt: tpcserver, stderr a pipe: 7 records per request with its req_id, start-up record without" {
    tpc_case logfmt pipe
}

# ---- nginx ----

# nginx_case MODE: nginx (2 workers, tests/servers/nginx/nginx.conf.in) under --output json; access
# and error_log lines are records with their request's req_id; notices are records without.
nginx_case() {
    local mode=$1 tag="ngxj$1" dir="$T/nginx"
    mkdir -p "$dir/tmp" "$dir/docs/miss"
    sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$dir|g" -e "s|@WORKERS@|2|g" \
        "$ROOT/tests/servers/nginx/nginx.conf.in" >"$dir/nginx.conf"
    start_stderr "$mode" timeout 300 "$REQTAG" --output json -- nginx -e stderr -c "$dir/nginx.conf" -p "$dir/"
    wait_port "$PORT" 15
    run timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag" --count 100
    assert_success
    run timeout 120 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "${tag}m" --base /miss/ \
        --status 404 --count 20 --only fresh --only keepalive
    assert_success
    stop_server
    records "$ERR" json --min-lines 300
    # Every start-up and shutdown notice: a record without req_id.
    run grep -cE '^[0-9/]{10} [0-9:]{8} \[notice\] [0-9]+#[0-9]+: ' "$ERR.text"
    [ "$output" -ge 5 ]
    run grep -E '^\[[^]]*\] .*\[notice\]' "$ERR.text"
    assert_output ''
    # Access lines: one per request (210), with its req_id (the first two pipelined may have none).
    scenario_ids "$tag" 100 >"$T/ids"
    run timeout 60 python3 "$HELPERS/checktags.py" "$ERR.text" --expect-ids "$T/ids" --min-lines 207 \
        --allow-untagged "^127\.0\.0\.1 \"GET /r/$tag-p-[01] HTTP/1\.1\" 200 [0-9]+$"
    echo "$output"
    assert_success
    run grep -cE "^(\[[^]]*\] )?127\.0\.0\.1 \"GET /r/$tag-[a-z0-9]+-[0-9]+ HTTP/1\.1\" 200 [0-9]+$" "$ERR.text"
    assert_output 210
    # error_log lines of /miss/ requests: each with its own req_id, as is its access line.
    local id errors=0 access=0
    for id in $(scenario_ids "${tag}m" 20 | grep -E -- '-(f|k)-'); do
        [ "$(grep -cE "^\[$id\] [0-9/]{10} [0-9:]{8} \[error\] [0-9]+#[0-9]+: \*[0-9]+ open\(\) \"$dir/docs/miss/$id\" failed \(2: No such file or directory\), client: 127\.0\.0\.1, server: , request: \"GET /miss/$id HTTP/1\.1\", host: \"127\.0\.0\.1:$PORT\"$" "$ERR.text")" -eq 1 ] &&
            errors=$((errors + 1))
        [ "$(grep -cE "^\[$id\] 127\.0\.0\.1 \"GET /miss/$id HTTP/1\.1\" 404 [0-9]+$" "$ERR.text")" -eq 1 ] &&
            access=$((access + 1))
    done
    assert_equal "$errors" 40
    assert_equal "$access" 40
}

@test "json: nginx (2 workers), stderr a file: access and error_log records with req_id, notices without" {
    plain_host_only nginx
    nginx_case file
}

@test "json: nginx (2 workers), stderr a pipe: access and error_log records with req_id, notices without" {
    plain_host_only nginx
    nginx_case pipe
}

# ---- hostile bytes ----

# corpus_case KIND: the hostile corpus in tpcserver's paths; every record decodes to the exact bytes.
corpus_case() {
    local kind=$1
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --output "$kind" --
    run timeout 60 python3 "$HELPERS/corpus.py" send "$PORT" "c$kind"
    echo "$output"
    assert_success
    stop_pid "$SERVER_PID"
    run timeout 60 python3 "$HELPERS/corpus.py" check "$ERR" "$kind" "c$kind"
    echo "$output"
    assert_success
    assert_line "corpus: 7 paths, 0 failures"
}

@test "json: quotes, backslashes, control bytes, invalid and valid UTF-8 in tpcserver paths decode to the exact bytes" {
    corpus_case json
}

@test "logfmt: the same hostile paths decode to the exact bytes with the logfmt parser" {
    corpus_case logfmt
}

@test "json and logfmt: raw hostile lines without a request (NUL, tab, CR, 8 KB, split UTF-8, no final newline)" {
    plain_host_only python3
    local kind
    for kind in json logfmt; do
        "$REQTAG" --output "$kind" -- python3 "$HELPERS/corpus.py" write 2>>"$T/raw.$kind"
        run timeout 60 python3 "$HELPERS/corpus.py" check-raw "$T/raw.$kind" "$kind"
        echo "$output"
        assert_success
        assert_line "raw corpus: 9 records, all exact"
    done
}

@test "json: backspace and form feed are escaped \\b and \\f (record.h); logfmt gives \\x08 \\x0c" {
    plain_host_only python3
    "$REQTAG" --output json -- python3 -c 'import os; os.write(2, b"bs\x08 ff\x0c\n")' 2>>"$T/bf.json"
    run cat "$T/bf.json"
    assert_output --regexp '^\{"time":"[^"]+","pid":[0-9]+,"tid":[0-9]+,"msg":"bs\\b ff\\f"\}$'
    "$REQTAG" --output logfmt -- python3 -c 'import os; os.write(2, b"bs\x08 ff\x0c\n")' 2>>"$T/bf.logfmt"
    run cat "$T/bf.logfmt"
    assert_output --regexp '^time=[^ ]+ pid=[0-9]+ tid=[0-9]+ msg="bs\\x08 ff\\x0c"$'
}

@test "the logfmt parser the tests use rejects malformed lines" {
    run python3 "$HELPERS/logfmt.py" --self-test
    assert_success
    assert_output --regexp 'self-test: [0-9]+ good, [0-9]+ malformed, 0 failures$'
}

# ---- threads without a request ----

@test "json: stdiopaths: a thread without a request writes through write and fprintf: records without req_id" {
    local st=0
    "$FIXTURES/stdiopaths" >"$T/plain.out" 2>>"$T/plain.err" || st=$?
    assert_equal "$st" 3
    st=0
    "$REQTAG" --output json -- "$FIXTURES/stdiopaths" >"$T/shim.out" 2>>"$ERR" || st=$?
    assert_equal "$st" 3
    records "$ERR" json --min-lines 21
    # The same lines as without the shim; no-context lines have no req_id, the others stdio-1.
    sed -E '/^no-context /!s/^/[stdio-1] /' "$T/plain.err" >"$T/expected"
    run diff "$T/expected" "$ERR.text"
    assert_success
    assert_equal "$(grep -c '^no-context ' "$ERR.text")" 3
    cmp "$T/plain.out" "$T/shim.out"
}

@test "json: tpcserver's /bg thread (started before any request) writes records without req_id" {
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --output json --
    run raw_request "$PORT" 'GET /bg HTTP/1.1\r\nX-Request-ID: bg-1\r\nConnection: close\r\n\r\n'
    assert_line --index 0 $'HTTP/1.1 200 OK\r'
    stop_pid "$SERVER_PID"
    records "$ERR" json --pid "$SERVER_PID"
    run grep -c '^\[bg-1\] path=/bg via=' "$ERR.text"
    assert_output 7
    run grep -nx 'bg-line after /bg' "$ERR.text"
    assert_success
    run grep -c 'bg-line' "$ERR"
    assert_output 1
    run grep 'bg-line' "$ERR"
    refute_output --partial '"req_id"'
}

# ---- the shim's own warnings and crash reports ----

@test "json and logfmt: a bad REQTAG_FORMAT gives a warning record naming REQTAG_FORMAT, no req_id" {
    # tpcserver without a port: its usage line on stderr, exit 2.
    local kind st
    for kind in json logfmt; do
        st=0
        REQTAG_FORMAT='nope' "$REQTAG" --output "$kind" -- "$FIXTURES/tpcserver" 2>>"$T/w.$kind" || st=$?
        assert_equal "$st" 2
        records "$T/w.$kind" "$kind" --min-lines 2
        run cat "$T/w.$kind.text"
        assert_line --index 0 --regexp "^reqtag: .*REQTAG_FORMAT.*'nope'"
        assert_line --index 1 'usage: tpcserver PORT'
        assert_equal "${#lines[@]}" 2
    done
}

@test "json: a crash report (/segv): every line, header and frames, a record with the request's req_id" {
    local st=0 module
    module=$(readlink -f "$FIXTURES/crashserver")
    start_split "$OUT" "$ERR" "$REQTAG" --output json -- "$FIXTURES/crashserver" "$PORT"
    local pid=$SERVER_PID
    wait_line "$OUT" '^ready$' 10
    timeout 25 python3 "$HELPERS/crashrun.py" send "$PORT" /segv cj-1
    timeout 20 tail --pid="$pid" -f /dev/null || true
    wait "$pid" || st=$?
    assert_equal "$st" 139
    records "$ERR" json --pid "$pid" --min-lines 3
    # Every record carries cj-1: the server's line, the header, the frames.
    run grep -cv '^\[cj-1\] ' "$ERR.text"
    assert_output 0
    run head -n 1 "$ERR.text"
    assert_output "[cj-1] handling /segv"
    run grep -E '^\[cj-1\] reqtag: SIG' "$ERR.text"
    assert_output --regexp '^\[cj-1\] reqtag: SIGSEGV \(address 0x10\) in thread [0-9]+ while handling cj-1, [0-9]+ ms into the request$'
    run grep -E '^\[cj-1\] reqtag:   #[0-9]+ 0x[0-9a-f]+ ' "$ERR.text"
    assert_output --regexp "#[0-9]+ 0x[0-9a-f]+ crash_segv_helper\\+0x[0-9a-f]+ "
    assert_output --partial "($module+0x"
}

# ---- text mode placeholders ----

@test "text: --format '[{id} pid={pid} tid={tid} t={elapsed_ms}] ': the server's pid, thread ids, small elapsed" {
    start_tpc "$OUT" "$ERR" "$PORT" "$REQTAG" --format '[{id} pid={pid} tid={tid} t={elapsed_ms}] ' --
    run raw_request "$PORT" 'GET /p/1 HTTP/1.1\r\nX-Request-ID: ph-1\r\nConnection: close\r\n\r\n'
    assert_line --index 0 $'HTTP/1.1 200 OK\r'
    stop_pid "$SERVER_PID"
    run grep -F 'path=/p/1 ' "$ERR"
    assert_equal "${#lines[@]}" 7
    local re='^\[ph-1 pid=([0-9]+) tid=([0-9]+) t=([0-9]+)\] path=/p/1 via=(write|fprintf|perror: No such file or directory|devstderr|devstderr-once|helper|pieces)$'
    local line req_tid="" helper_tid=""
    for line in "${lines[@]}"; do
        [[ $line =~ $re ]] || fail "not a well-formed tagged line: $line"
        assert_equal "${BASH_REMATCH[1]}" "$SERVER_PID"
        [ "${BASH_REMATCH[3]}" -lt 5000 ] || fail "elapsed_ms too large: $line"
        if [ "${BASH_REMATCH[4]}" = helper ]; then
            helper_tid=${BASH_REMATCH[2]}
        elif [ -z "$req_tid" ]; then
            req_tid=${BASH_REMATCH[2]}
        else
            assert_equal "${BASH_REMATCH[2]}" "$req_tid"
        fi
    done
    [ -n "$helper_tid" ] && [ -n "$req_tid" ]
    [ "$helper_tid" != "$req_tid" ]
    [ "$req_tid" != "$SERVER_PID" ]
    # The start-up line stays untagged.
    run head -n 1 "$ERR"
    assert_output "listening on $PORT"
}
