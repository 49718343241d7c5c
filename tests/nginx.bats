# nginx.bats -- nginx (master + 1 or 2 event-loop workers) under reqtag: access and error lines carry their ID.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    PORT=$(free_port)
    DIR="$BATS_TEST_TMPDIR/nginx"
    LOG="$BATS_TEST_TMPDIR/log"
    CONF="$DIR/nginx.conf"
    mkdir -p "$DIR/tmp" "$DIR/docs/miss"
    : >"$LOG"
}

# make_conf WORKERS: fill the template for this test's port, directory and worker count.
make_conf() {
    sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" -e "s|@WORKERS@|$1|g" \
        "$ROOT/tests/servers/nginx/nginx.conf.in" >"$CONF"
}

# start_nginx WORKERS file|pipe: nginx under reqtag in the foreground, its stdout and stderr
# appended to $LOG directly (file) or through a named pipe read by cat (pipe). Waits until
# the master has started every worker; STARTUP is then the number of start-up lines.
start_nginx() {
    local workers=$1 mode=$2
    make_conf "$workers"
    local cmd=(timeout 300 "$REQTAG" -- nginx -e stderr -c "$CONF" -p "$DIR/")
    if [ "$mode" = file ]; then
        start_bg "$LOG" "${cmd[@]}"
        SERVER_PID=${BG_PIDS[-1]}
    else
        mkfifo "$BATS_TEST_TMPDIR/fifo"
        timeout 300 cat "$BATS_TEST_TMPDIR/fifo" >>"$LOG" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        "${cmd[@]}" >"$BATS_TEST_TMPDIR/fifo" 2>&1 &
        SERVER_PID=$!
        BG_PIDS+=("$SERVER_PID")
    fi
    wait_port "$PORT" 15
    local i
    for ((i = 0; i < 200; i++)); do
        [ "$(grep -c '\[notice\] [0-9]*#[0-9]*: start worker process [0-9]*$' "$LOG")" -eq "$workers" ] && break
        sleep 0.05
    done
    STARTUP=$(wc -l <"$LOG")
}

# stop_nginx: stop nginx (and the pipe's reader, once it has read everything).
stop_nginx() {
    stop_pid "$SERVER_PID" 15
    if [ -n "${CAT_PID:-}" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null || true
    fi
}

# scenario_ids TAG COUNT: the IDs scenarios.py sends that must each be seen tagged (all but
# the first two pipelined ones, which may be untagged; see check_log).
scenario_ids() {
    local t=$1 n=$2 i
    for ((i = 0; i < n; i++)); do
        echo "$t-f-$i"
        echo "$t-k-$i"
    done
    printf '%s\n' "$t-two-0" "$t-two-1" "$t-three-0" "$t-three-1" "$t-three-2" "$t-p-2" "$t-b-0" "$t-7-0"
}

# run_scenarios WORKERS file|pipe: the standard mix against nginx, then the log check.
run_scenarios() {
    local workers=$1 mode=$2 tag="ngx$1$2"
    start_nginx "$workers" "$mode"
    # nginx logs nothing but its start-up notices before the first request.
    [ "$STARTUP" -ge 5 ]
    run grep -cvE '^[0-9/]{10} [0-9:]{8} \[notice\] [0-9]+#[0-9]+: ' "$LOG"
    assert_output 0
    run timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag "$tag"
    assert_success
    stop_nginx
    scenario_ids "$tag" 400 >"$BATS_TEST_TMPDIR/ids"
    # Each request has exactly one access-log line (400 + 400 + 2 + 3 + 3 + 1 + 1).
    run grep -cE "^(\[[^]]*\] )?127\.0\.0\.1 \"GET /r/$tag-[a-z0-9]+-[0-9]+ HTTP/1\.1\" 200 [0-9]+$" "$LOG"
    assert_output 810
    # Pipelined requests (three in one write): the access lines of the first two come after
    # the first response has started and before the last one has, where the shim cannot tell
    # which of the three requests nginx is on; they may be untagged, never wrongly tagged.
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --startup-lines "$STARTUP" \
        --expect-ids "$BATS_TEST_TMPDIR/ids" --min-lines 808 \
        --allow-untagged "^127\.0\.0\.1 \"GET /r/$tag-p-[01] HTTP/1\.1\" 200 [0-9]+$"
    echo "$output"
    assert_success
}

@test "1 worker, stderr a file: every access-log line carries its own ID; start-up lines untagged" {
    run_scenarios 1 file
}

@test "1 worker, stderr a pipe: every access-log line carries its own ID; start-up lines untagged" {
    run_scenarios 1 pipe
}

@test "2 workers, stderr a file: every access-log line carries its own ID; start-up lines untagged" {
    run_scenarios 2 file
}

@test "2 workers, stderr a pipe: every access-log line carries its own ID; start-up lines untagged" {
    run_scenarios 2 pipe
}

@test "error_log lines a request causes (open() failed for a missing file) carry that request's ID" {
    start_nginx 2 file
    run timeout 120 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag miss --base /miss/ \
        --status 404 --count 100 --only fresh --only keepalive --only two --only three
    assert_success
    stop_nginx
    local ids=()
    mapfile -t ids < <(scenario_ids miss 100 | grep -E -- '-(f|k|two|three)-')
    [ "${#ids[@]}" -eq 205 ]
    local id errors=0 access=0
    for id in "${ids[@]}"; do
        # One error line and one access line per request, each with its own ID in front.
        [ "$(grep -cE "^\[$id\] [0-9/]{10} [0-9:]{8} \[error\] [0-9]+#[0-9]+: \*[0-9]+ open\(\) \"$DIR/docs/miss/$id\" failed \(2: No such file or directory\), client: 127\.0\.0\.1, server: , request: \"GET /miss/$id HTTP/1\.1\", host: \"127\.0\.0\.1:$PORT\"$" "$LOG")" -eq 1 ] &&
            errors=$((errors + 1))
        [ "$(grep -cE "^\[$id\] 127\.0\.0\.1 \"GET /miss/$id HTTP/1\.1\" 404 [0-9]+$" "$LOG")" -eq 1 ] &&
            access=$((access + 1))
    done
    assert_equal "$errors" 205
    assert_equal "$access" 205
    run timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --base /miss/ --startup-lines "$STARTUP" \
        --min-lines 410
    echo "$output"
    assert_success
}

@test "after requests, the workers' shutdown lines are untagged (the event loop drops the context)" {
    start_nginx 2 file
    run timeout 60 python3 "$HELPERS/scenarios.py" --port "$PORT" --tag down --count 20 \
        --only fresh --only keepalive
    assert_success
    stop_nginx
    # Each worker logs "signal 15 ... received", "exiting" and "exit" after its last request
    # (while in, or after leaving, epoll_wait); the master logs "exit" last.
    run grep -cE '^(\[[^]]*\] )?[0-9/]{10} [0-9:]{8} \[notice\] [0-9]+#[0-9]+: (exiting|exit)$' "$LOG"
    assert_output 5
    # None of nginx's notice lines carries a tag.
    run grep -E '^\[[^]]*\] .*\[notice\]' "$LOG"
    assert_output ''
}
