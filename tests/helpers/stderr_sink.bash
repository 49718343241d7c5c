# stderr_sink.bash -- start a server with its stderr appended to a log file directly (file) or through a named pipe (pipe).
# shellcheck shell=bash

# start_sink MODE LOG CMD [ARGS...]: run CMD in the background, stdout appended to $BATS_TEST_TMPDIR/out,
# stderr appended to LOG (MODE file: `2>>LOG`) or written to a named pipe that cat appends to LOG
# (MODE pipe). Sets SERVER_PID (CMD) and SINK_PID (the cat, pipe mode only); both go to BG_PIDS.
start_sink() {
    local mode=$1 log=$2 fifo
    shift 2
    SINK_PID=
    case $mode in
    file)
        "$@" >>"$BATS_TEST_TMPDIR/out" 2>>"$log" &
        ;;
    pipe)
        fifo="$BATS_TEST_TMPDIR/stderr.fifo"
        rm -f "$fifo"
        mkfifo "$fifo"
        cat "$fifo" >>"$log" &
        SINK_PID=$!
        BG_PIDS+=("$SINK_PID")
        "$@" >>"$BATS_TEST_TMPDIR/out" 2>"$fifo" &
        ;;
    *)
        echo "start_sink: MODE must be file or pipe, not '$mode'" >&2
        return 2
        ;;
    esac
    SERVER_PID=$!
    BG_PIDS+=("$SERVER_PID")
}

# stop_sink: stop the server, then (pipe mode) wait up to 10 s for cat to copy the rest and end.
stop_sink() {
    local i
    stop_pid "$SERVER_PID"
    if [ -n "$SINK_PID" ]; then
        for ((i = 0; i < 200; i++)); do
            kill -0 "$SINK_PID" 2>/dev/null || break
            sleep 0.05
        done
        stop_pid "$SINK_PID"
    fi
}

# stderr_kind PID: the file type of PID's fd 2 ("fifo" or "regular file"), proving which case runs.
stderr_kind() {
    stat -L -c %F "/proc/$1/fd/2"
}

# run_scenarios ARGS...: the standard request mix, bounded in time.
run_scenarios() {
    timeout 180 python3 "$HELPERS/scenarios.py" "$@"
}

# check_tags ARGS...: the tag checker, bounded in time.
check_tags() {
    timeout 60 python3 "$HELPERS/checktags.py" "$@"
}

# stderr_nonblocking PID: "yes" if PID's fd 2 has O_NONBLOCK set, else "no".
stderr_nonblocking() {
    local flags
    flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$1/fdinfo/2") || return 1
    if (((8#$flags & 8#4000) != 0)); then echo yes; else echo no; fi
}
