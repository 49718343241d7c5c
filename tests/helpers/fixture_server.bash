# fixture_server.bash -- start a fixture server with stderr to a file or a pipe, and drive wrk with ids.lua.
# shellcheck shell=bash

# start_logged MODE OUT ERR CMD [ARGS...]: run CMD in the background, stdout appended to OUT and
# stderr appended to ERR (MODE file) or written into a pipe whose reader appends to ERR (MODE
# pipe). Sets SERVER_PID (and CAT_PID for a pipe); both go to BG_PIDS. Waits for "ready" on OUT.
start_logged() {
    local mode=$1 out=$2 err=$3
    shift 3
    CAT_PID=
    if [ "$mode" = pipe ]; then
        local fifo="$BATS_TEST_TMPDIR/stderr.fifo"
        mkfifo "$fifo"
        cat "$fifo" >>"$err" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
        start_split "$out" "$fifo" "$@"
    else
        start_split "$out" "$err" "$@"
    fi
    wait_line "$out" '^ready$' 10
}

# stop_logged: stop the server started by start_logged and, for a pipe, wait for its reader to
# have copied everything.
stop_logged() {
    stop_pid "$SERVER_PID"
    if [ -n "$CAT_PID" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null
    fi
}

# run_wrk PORT TOTAL: 64 connections on 2 threads send TOTAL requests with distinct IDs
# (ids.lua) and stop; prints wrk's output. Bounded: wrk's own limit is 170 s.
run_wrk() {
    local port=$1 total=$2 marks="$BATS_TEST_TMPDIR/wrk-marks" pid i
    mkdir -p "$marks"
    wrk -t2 -c64 -d170s --timeout 10s -s "$HELPERS/ids.lua" "http://127.0.0.1:$port/" \
        -- "$total" 2 "$marks" >"$BATS_TEST_TMPDIR/wrk.out" 2>&1 &
    pid=$!
    for ((i = 0; i < 3200; i++)); do
        [ -e "$marks/done-1" ] && [ -e "$marks/done-2" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" || true
    cat "$BATS_TEST_TMPDIR/wrk.out"
}
