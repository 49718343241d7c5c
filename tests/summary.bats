# summary.bats -- --summary: one line per request, under its own ID, with the method, path, status and bytes the client received.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    T="$BATS_TEST_TMPDIR"
    PORT=$(free_port)
    OUT="$T/out"
    LOG="$T/log"
    DIR="$T/nginx"
    DOCS="$DIR/docs"
    CAT_PID=
    mkdir -p "$DIR/tmp" "$DOCS/miss" "$DOCS/files"
    : >"$OUT"
    : >"$LOG"
    # Static files of a few sizes (tests/helpers/summary.py FILES and BIG), random content.
    local size
    for size in 0 1 4096 300000; do
        head -c "$size" /dev/urandom >"$DOCS/files/s$size.bin"
    done
    head -c 16777216 /dev/urandom >"$DOCS/files/big.bin"
}

# start_server file|pipe CMD [ARGS...]: CMD in the background, stdout appended to $OUT, stderr
# appended to $LOG directly (file) or through a named pipe read by cat (pipe); waits for PORT.
start_server() {
    local mode=$1
    shift
    if [ "$mode" = file ]; then
        "$@" >>"$OUT" 2>>"$LOG" &
        SERVER_PID=$!
        BG_PIDS+=("$SERVER_PID")
    else
        mkfifo "$T/fifo"
        timeout 300 cat "$T/fifo" >>"$LOG" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        "$@" >>"$OUT" 2>"$T/fifo" &
        SERVER_PID=$!
        BG_PIDS+=("$SERVER_PID")
    fi
    wait_port "$PORT" 15
}

# stop_server: stop the server (and the pipe's reader, once it has read everything).
stop_server() {
    stop_pid "$SERVER_PID" 15
    if [ -n "$CAT_PID" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null || true
    fi
}

# start_kind SERVER file|pipe REQTAG-OPTIONS...: start tpc (tests/fixtures/tpcserver), nginx
# (tests/servers/nginx/nginx.conf.in, one worker, sendfile on: heads by writev, files by
# sendfile) or python (python3 -m http.server, HTTP/1.0) under reqtag with the options.
start_kind() {
    local kind=$1 mode=$2
    shift 2
    local rt=(timeout 300 "$REQTAG" "$@" --)
    case "$kind" in
    tpc)
        start_server "$mode" "${rt[@]}" "$FIXTURES/tpcserver" "$PORT"
        wait_line "$OUT" '^ready$' 10
        ;;
    nginx)
        sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" -e "s|@WORKERS@|1|g" \
            -e 's|^http {$|http {\n    sendfile on;|' \
            "$ROOT/tests/servers/nginx/nginx.conf.in" >"$DIR/nginx.conf"
        grep -q '^    sendfile on;$' "$DIR/nginx.conf"
        start_server "$mode" "${rt[@]}" nginx -e stderr -c "$DIR/nginx.conf" -p "$DIR/"
        wait_line "$LOG" 'start worker process [0-9]+' 10
        ;;
    python)
        start_server "$mode" "${rt[@]}" python3 -m http.server "$PORT" --bind 127.0.0.1 \
            --directory "$DOCS"
        ;;
    esac
}

# client SERVER TAG [ARGS...]: the summary client (every scenario unless --only), expectations
# to $T/expect.
client() {
    local kind=$1 tag=$2
    shift 2
    run timeout 120 python3 "$HELPERS/summary.py" client --port "$PORT" --server "$kind" \
        --tag "$tag" --out "$T/expect" "$@"
    echo "$output"
    assert_success
}

# check_summaries [ARGS...]: the summary lines of $LOG against $T/expect.
check_summaries() {
    run timeout 60 python3 "$HELPERS/summary.py" check "$LOG" --expect "$T/expect" "$@"
    echo "$output"
    assert_success
}

# scenario SERVER file|pipe: every scenario against SERVER under --summary; each request's one
# summary line matches what the client received.
scenario() {
    local kind=$1 mode=$2
    start_kind "$kind" "$mode" --summary
    client "$kind" "s$kind$mode"
    stop_server
    check_summaries
}

@test "tpcserver, stderr a file: one summary per request (200, HEAD, keep-alive, pipelined, closed, generated IDs, hostile path)" {
    scenario tpc file
}

@test "tpcserver, stderr a pipe: one summary per request with what the client received" {
    scenario tpc pipe
}

@test "nginx (writev + sendfile), stderr a file: one summary per request (200, 404, HEAD, files of 0 B..16 MB, keep-alive, pipelined, reset mid-file, generated IDs, hostile path)" {
    plain_host_only nginx
    scenario nginx file
}

@test "nginx (writev + sendfile), stderr a pipe: one summary per request with what the client received" {
    plain_host_only nginx
    scenario nginx pipe
}

@test "python3 http.server (HTTP/1.0), stderr a file: one summary per request; pipelined requests it never answers get status 0 at close" {
    plain_host_only python3
    scenario python file
}

@test "python3 http.server (HTTP/1.0), stderr a pipe: one summary per request with what the client received" {
    plain_host_only python3
    scenario python pipe
}

@test "nginx really sends files with sendfile and heads with writev (so the summary counts both)" {
    plain_host_only nginx
    command -v strace # scripts/deps.sh test installs it
    start_kind nginx file --summary
    local worker
    worker=$(pgrep -P "$(pgrep -P "$SERVER_PID" -x nginx | head -1)" -x nginx | head -1)
    [ -n "$worker" ]
    timeout 30 strace -f -qq -e trace=sendfile,writev -p "$worker" -o "$T/strace" &
    local st=$!
    sleep 0.5
    client nginx sf --only basic
    kill -INT "$st"
    wait "$st" || true
    grep -q '^[0-9]* *sendfile(' "$T/strace"
    grep -q '^[0-9]* *writev(' "$T/strace"
    stop_server
    check_summaries
}

# Each server, without --summary: the requests are logged, no summary line appears.
no_summary() {
    local kind=$1 re=$2
    start_kind "$kind" file
    client "$kind" "n$kind"
    stop_server
    run grep -c 'reqtag: summary' "$LOG"
    assert_output 0
    # The server did log the requests (so the absence means something).
    [ "$(grep -cE "$re" "$LOG")" -ge 10 ]
}

@test "without --summary, tpcserver: no summary line" {
    no_summary tpc '^\[ntpc-[a-z]+-[0-9]+\] path=/r/ntpc-'
}

@test "without --summary, nginx: no summary line" {
    plain_host_only nginx
    no_summary nginx '^\[nnginx-[a-z]+-[0-9]+\] 127\.0\.0\.1 "(GET|HEAD) /'
}

@test "without --summary, python3 http.server: no summary line" {
    plain_host_only python3
    no_summary python '^\[npython-[a-z]+-[0-9]+\] 127\.0\.0\.1 - - '
}

# json SERVER: every scenario under --summary --output json: every line is a JSON record, every
# summary a record whose req_id is its request's ID and whose msg is the summary text.
json_scenario() {
    local kind=$1
    start_kind "$kind" file --summary --output json
    client "$kind" "j$kind"
    stop_server
    check_summaries --output json
    # Summaries are records like any other line: the strict record checker accepts the stream.
    run timeout 60 python3 "$HELPERS/records.py" check "$LOG" --output json
    echo "$output"
    assert_success
    run grep -c '"msg":"reqtag: summary method=' "$LOG"
    assert_output "$(wc -l <"$T/expect")"
}

@test "--output json, tpcserver: every summary is a JSON record under its request's req_id" {
    json_scenario tpc
}

@test "--output json, nginx: every summary is a JSON record under its request's req_id" {
    plain_host_only nginx
    json_scenario nginx
}

@test "a hostile path (quotes, %, backslash, control and non-ASCII bytes, 300 bytes) shows as its %XX-encoded first 96 bytes" {
    start_kind tpc file --summary
    client tpc hostile --only hostile
    stop_server
    check_summaries
    # The exact line, independently of the checker: the raw target is sent by the client.
    local id=hostile-hostile-1 enc
    enc="/h/$id/q%22u%2525o%5Ct%01%02%1B%7F%80%C3%A9%FF~"
    enc+=$(printf 'a%.0s' $(seq $((96 - 3 - ${#id} - 19))))
    [ "$(grep -c '^\['"$id"'\] reqtag: summary method=GET path='"$enc"' status=200 bytes=[0-9]* duration_us=[1-9][0-9]*$' "$LOG")" -eq 1 ]
}

@test "a summary written inside dup2 (the connection closed under a pending cancel) is no cancellation point" {
    run --separate-stderr timeout 30 "$FIXTURES/cancelown"
    assert_success
    assert_output 'dup2 returned: yes, cancelled: yes'
    run --separate-stderr timeout 30 env LD_PRELOAD="$PRELOAD" REQTAG_SUMMARY=1 "$FIXTURES/cancelown"
    assert_success
    assert_output 'dup2 returned: yes, cancelled: yes'
    # The line was written all the same, for the request the connection still had open.
    [[ "$stderr" == *'[co-1] reqtag: summary method=GET path=/own status=0 bytes=0 '* ]]
}
