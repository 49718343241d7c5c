# python_pool.bats -- the lazily created ThreadPoolExecutor trap and a downstream call, under reqtag: no task line ever carries another request's ID.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper
load helpers/stderr_sink

setup() {
    PORT=$(free_port)
    LOG="$BATS_TEST_TMPDIR/log"
    SERVER="$ROOT/tests/servers/python/pool_server.py"
}

# start_pool MODE [DOWNSTREAM_PORT]: the pool server under reqtag, stderr appended to $LOG.
start_pool() {
    start_sink "$1" "$LOG" "$REQTAG" -- python3 "$SERVER" "$PORT" "${2:-0}"
    wait_line "$LOG" '^pool server listening on ' 20
}

# wrong_tasks LOG: "N wrong" (task lines tagged with an ID other than the one their path names),
# then the first five of them.
wrong_tasks() {
    local wrong
    wrong=$(grep -E '^\[[^] ]+\] task /r/' "$1" | grep -vE '^\[([^] ]+)\] task /r/\1 [0-2]$') || true
    if [ -z "$wrong" ]; then
        echo "0 wrong"
    else
        echo "$(wc -l <<<"$wrong") wrong"
        head -5 <<<"$wrong"
    fi
}

# pool_case MODE KIND: 400 fresh requests 16 in flight and 400 keep-alive ones, each fanning out
# three tasks to a ThreadPoolExecutor whose workers were created by request threads (so each
# worker inherited some request's context, then serves other requests' tasks). Task lines may be
# untagged (nothing the shim sees says whose task it is) but never carry a wrong ID; the handler's
# own lines (tasks-done, access log) carry their request's ID.
pool_case() {
    local t="q$1"
    start_pool "$1"
    run stderr_kind "$SERVER_PID"
    assert_output "$2"
    run run_scenarios --port "$PORT" --tag "$t" --only fresh --only keepalive --count 400 --parallel 16
    assert_success
    assert_output "fresh: 400 requests, 0 bad 
keepalive: 400 requests, 0 bad "
    stop_sink
    run sed -n 1p "$LOG"
    assert_output "pool server listening on 127.0.0.1:$PORT"
    # every task ran and logged once: 800 requests x 3 tasks
    run grep -cE "^(\[[^] ]+\] )?task /r/$t-[fk]-[0-9]+ [0-2]\$" "$LOG"
    assert_output 2400
    run wrong_tasks "$LOG"
    assert_output "0 wrong"
    # the handler's own lines: tasks-done and the access-log line, both tagged (1600 at least)
    run check_tags "$LOG" --startup-lines 1 --min-lines 1600 --allow-untagged '^task '
    assert_success
    run grep -cE "^\[($t-[fk]-[0-9]+)\] (tasks-done /r/\1 3|127\.0\.0\.1 - - \[[^]]+\] \"GET /r/\1 HTTP/1\.1\" 200 -)\$" "$LOG"
    assert_output 1600
}

@test "python thread pool: stderr appended to a file: no task line carries another request's ID" {
    pool_case file "regular file"
}

@test "python thread pool: stderr through a pipe: no task line carries another request's ID" {
    pool_case pipe fifo
}

# downstream_case MODE KIND: each /d/ request connects to a local http.server (not under reqtag),
# waits for its reply in poll (socket timeout) and then logs after-downstream: the request thread
# keeps its ID across the outbound call.
downstream_case() {
    local t="d$1" dport
    dport=$(free_port)
    mkdir -p "$BATS_TEST_TMPDIR/docs"
    start_bg "$BATS_TEST_TMPDIR/downstream.log" \
        python3 -m http.server "$dport" --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR/docs"
    wait_port "$dport" 20
    start_pool "$1" "$dport"
    run stderr_kind "$SERVER_PID"
    assert_output "$2"
    run run_scenarios --port "$PORT" --tag "$t" --base /d/ --only fresh --only keepalive \
        --only two --only three --count 200 --parallel 16
    assert_success
    stop_sink
    run check_tags "$LOG" --base /d/ --startup-lines 1 --min-lines 1215
    assert_success
    # 405 requests: before-downstream, after-downstream and the access-log line, each tagged
    run grep -cE "^\[($t-[a-z]+-[0-9]+)\] after-downstream /d/\1\$" "$LOG"
    assert_output 405
    run grep -cE "^\[($t-[a-z]+-[0-9]+)\] before-downstream /d/\1\$" "$LOG"
    assert_output 405
    # the downstream server really answered every call (its own access log, untagged)
    run grep -cE '"GET / HTTP/1\.0" 200 -$' "$BATS_TEST_TMPDIR/downstream.log"
    assert_output 405
}

@test "python downstream call: stderr appended to a file: the request keeps its ID after waiting for the reply" {
    downstream_case file "regular file"
}

@test "python downstream call: stderr through a pipe: the request keeps its ID after waiting for the reply" {
    downstream_case pipe fifo
}
