# apache.bats -- apache2 (mpm_event, mpm_worker, mpm_prefork + CGI) under reqtag: its log lines carry their request's ID.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper

CONFS="$ROOT/tests/servers/apache"
# An apache error-log line that starts with its own timestamp, i.e. carries no tag.
TS='\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:.]+ [0-9]{4}\]'

setup() {
    command -v apache2 >/dev/null || fail "apache2 is not installed (scripts/deps.sh test)"
    PORT=$(free_port)
    DIR="$BATS_TEST_TMPDIR"
    LOG="$DIR/log"
    OUT="$DIR/out"
    mkdir -p "$DIR/run" "$DIR/docs" "$DIR/cgi-bin"
    echo hello >"$DIR/docs/hello.txt"
    local f
    for f in common.conf event.conf worker.conf prefork.conf; do
        sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" "$CONFS/$f" >"$DIR/$f"
    done
    install -m 755 "$CONFS/cgi.sh" "$DIR/cgi-bin/cgi.sh"
    # The children run as www-data: they must reach the files under bats' private (0700)
    # run directory. Grant search (not read) on the directories from there down.
    local d=$DIR
    while [ "$d" != "$BATS_RUN_TMPDIR" ] && [ "$d" != / ]; do
        chmod o+x "$d"
        d=$(dirname "$d")
    done
    chmod o+x "$BATS_RUN_TMPDIR"
    runuser -u www-data -- test -r "$DIR/docs/hello.txt" ||
        fail "www-data cannot read $DIR/docs/hello.txt"
    runuser -u www-data -- test -r "$LIBREQTAG" ||
        fail "www-data cannot read $LIBREQTAG (the CGI child loads it)"
}

teardown() {
    # Apache runs in its own session (see start_apache): if it ignores TERM, end its children too.
    if [ -n "${SERVER_PID:-}" ]; then
        stop_pid "$SERVER_PID" 20
        kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    fi
    stop_bg
}

# start_apache MPM file|pipe: apache2 in the foreground under reqtag; its stderr appended to
# $LOG directly (file) or through a named pipe and cat (pipe). Waits for the start-up lines and
# sets STARTUP to the number of lines logged before the first request.
start_apache() {
    local mpm=$1 mode=$2 err=$LOG
    if [ "$mode" = pipe ]; then
        err="$DIR/fifo"
        mkfifo "$err"
        cat "$err" >>"$LOG" &
        CAT_PID=$!
        BG_PIDS+=("$CAT_PID")
    fi
    # Its own session: on SIGTERM apache (prefork) signals its whole process group.
    start_split "$OUT" "$err" setsid "$REQTAG" -- apache2 -f "$DIR/$mpm.conf" -DFOREGROUND
    # setsid forks (and the pid would not be apache's) only for a group leader; ours is not.
    wait_port "$PORT" 15
    assert_equal "$(ps -o sid= -p "$SERVER_PID" | tr -d ' ')" "$SERVER_PID"
    wait_line "$LOG" 'AH00094: Command line: ' 15
    STARTUP=$(wc -l <"$LOG")
}

# stop_apache: TERM apache (it stops its children) and, with a pipe, let cat drain it.
stop_apache() {
    stop_pid "$SERVER_PID" 20
    if [ -n "${CAT_PID:-}" ]; then
        timeout 10 tail --pid="$CAT_PID" -f /dev/null
    fi
}

# scenarios ARGS...: the standard request mix against this test's server.
scenarios() {
    timeout 180 python3 "$HELPERS/scenarios.py" --port "$PORT" "$@"
}

# checktags ARGS...: the tag checker on $LOG.
checktags() {
    timeout 60 python3 "$HELPERS/checktags.py" "$LOG" --startup-lines "$STARTUP" "$@"
}

# requests_sent: the number of requests scenarios.py reported in $output.
requests_sent() {
    awk '/ requests, 0 bad/ { n += $2 } END { print n + 0 }' <<<"$output"
}

# count_ids ERE: how many lines of $LOG match ERE, and how many distinct IDs they name
# (each such line names one "/r/", "/nf/" or "/cgi/" path), as "LINES IDS".
count_ids() {
    local lines ids
    lines=$(grep -cE -- "$1" "$LOG" || true)
    ids=$(grep -E -- "$1" "$LOG" | grep -oE '/(r|nf|cgi)/[A-Za-z0-9_.-]+' | sort -u | wc -l)
    echo "$lines $ids"
}

# check_startup_shutdown MPM_TAG START_AH STOP_AH: the lines before the first request are
# apache's own untagged notices, and so is the parent's shutdown notice.
check_startup_shutdown() {
    [ "$STARTUP" -ge 3 ]
    run head -n "$STARTUP" "$LOG"
    assert_line --regexp "^$TS \[$1:notice\] \[pid [0-9]+:tid [0-9]+\] $2: Apache/.* configured -- resuming normal operations$"
    assert_line --regexp "^$TS \[core:notice\] \[pid [0-9]+:tid [0-9]+\] AH00094: Command line: 'apache2 -f $DIR/.*'$"
    run grep -cvE "^$TS \[[a-z_]+:[a-z]+\] \[pid [0-9]+:tid [0-9]+\] AH00[0-9]{3}: " <(head -n "$STARTUP" "$LOG")
    assert_output 0
    run grep -E " $3: caught SIGTERM, shutting down$" "$LOG"
    assert_output --regexp "^$TS \[$1:notice\] \[pid [0-9]+:tid [0-9]+\] $3: caught SIGTERM, shutting down$"
}

# threaded_case MPM MODE START_AH STOP_AH: the standard mix twice (200 on /r/, 404 on /nf/)
# against a threaded MPM; every access line and every "File does not exist" line carries its
# request's ID. START_AH and STOP_AH number the MPM's start-up and SIGTERM notices.
threaded_case() {
    local mpm=$1 mode=$2 tag="$1-$2" sent200 sent404
    start_apache "$mpm" "$mode"
    run scenarios --tag "$tag" --base /r/ --status 200
    assert_success
    sent200=$(requests_sent)
    run scenarios --tag "$tag" --base /nf/ --status 404
    assert_success
    sent404=$(requests_sent)
    [ "$sent200" -gt 800 ]
    [ "$sent404" -eq "$sent200" ]
    stop_apache

    # Every request left one access line (and a 404 one error line), each naming a distinct ID.
    assert_equal "$(count_ids "^(\[[^]]+\] )?127\.0\.0\.1 \"GET /r/$tag-[^ ]+ HTTP/1\.1\" 200 [0-9]+$")" "$sent200 $sent200"
    assert_equal "$(count_ids "^(\[[^]]+\] )?127\.0\.0\.1 \"GET /nf/$tag-[^ ]+ HTTP/1\.1\" 404 [0-9]+$")" "$sent404 $sent404"
    assert_equal "$(count_ids "^(\[[^]]+\] )?$TS \[core:info\] .* AH00128: File does not exist: $DIR/docs/nf/$tag-[^ ]+$")" "$sent404 $sent404"

    # Pipelined requests (documented): apache reads the three heads in one read, then either
    # answers each in its own write or (often for the 404s) holds the responses back and sends
    # all three in one write, logging each access line after that write. The shim cannot tell
    # these three apart, so their lines may stay untagged. Never wrongly tagged: checktags fails
    # on any wrong tag whatever these patterns say.
    run checktags --base /r/ --min-lines "$((sent200 - 3))" \
        --allow-untagged "^127\.0\.0\.1 \"GET /r/$tag-p-[0-2] HTTP/1\.1\" 200 [0-9]+$"
    assert_success
    run checktags --base /nf/ --min-lines "$((2 * sent404 - 6))" \
        --allow-untagged "^127\.0\.0\.1 \"GET /nf/$tag-p-[0-2] HTTP/1\.1\" 404 [0-9]+$" \
        --allow-untagged "^$TS \[core:info\] \[pid [0-9]+:tid [0-9]+\] \[client 127\.0\.0\.1:[0-9]+\] AH00128: File does not exist: $DIR/docs/nf/$tag-p-[0-2]$"
    assert_success
    check_startup_shutdown "mpm_$mpm" "$3" "$4"
}

# cgi_case MODE: mpm_prefork runs cgi.sh for /cgi/<ID>; apache's lines carry the ID, and so does
# the line the CGI itself writes to its stderr, which apache relays into the error log.
cgi_case() {
    local mode=$1 tag="cgi-$1" sent
    start_apache prefork "$mode"
    run scenarios --tag "$tag" --base /cgi/ --status 200 --count 100 --parallel 8
    assert_success
    sent=$(requests_sent)
    [ "$sent" -gt 200 ]
    stop_apache

    assert_equal "$(count_ids "^(\[[^]]+\] )?127\.0\.0\.1 \"GET /cgi/$tag-[^ ]+ HTTP/1\.1\" 200 [0-9]+$")" "$sent $sent"
    # One relayed line per request. The CGI ran with the environment apache built; its own
    # line must start with the ID it inherited across that exec (apache's own tag in front is
    # checked by checktags below). Pipelined requests may leave it untagged (see below), never
    # wrongly tagged. The first offending lines are shown.
    local relayed=" AH01215: stderr from $DIR/cgi-bin/cgi\.sh: " bad
    assert_equal "$(count_ids "$relayed")" "$sent $sent"
    bad=$(grep -E -- "$relayed" "$LOG" |
        grep -vE -- "${relayed}\[([^] ]+)\] cgi /cgi/\1\$" |
        grep -vE -- "${relayed}cgi /cgi/$tag-p-[0-2]\$" || true)
    assert_equal "$(head -n 5 <<<"$bad")" ""

    # Pipelined requests (documented): apache reads the three heads in one read, runs the CGIs
    # one after another and may send several of the responses in one write, logging their
    # access lines after it; their lines may stay untagged, never wrongly tagged (checktags
    # fails on any wrong tag whatever these patterns say).
    run checktags --base /cgi/ --min-lines "$((2 * sent - 6))" \
        --allow-untagged "^127\.0\.0\.1 \"GET /cgi/$tag-p-[0-2] HTTP/1\.1\" 200 [0-9]+$" \
        --allow-untagged "^$TS \[cgi:error\] \[pid [0-9]+:tid [0-9]+\] \[client 127\.0\.0\.1:[0-9]+\]${relayed}(\[$tag-p-[0-2]\] )?cgi /cgi/$tag-p-[0-2]$"
    assert_success
    check_startup_shutdown mpm_prefork AH00163 AH00169
}

@test "mpm_event, stderr appended to a file: access and 404 lines carry their own ID; start-up and shutdown untagged" {
    threaded_case event file AH00489 AH00491
}

@test "mpm_event, stderr a pipe: access and 404 lines carry their own ID; start-up and shutdown untagged" {
    threaded_case event pipe AH00489 AH00491
}

@test "mpm_worker, stderr appended to a file: access and 404 lines carry their own ID; start-up and shutdown untagged" {
    threaded_case worker file AH00292 AH00295
}

@test "mpm_worker, stderr a pipe: access and 404 lines carry their own ID; start-up and shutdown untagged" {
    threaded_case worker pipe AH00292 AH00295
}

@test "mpm_prefork + CGI, stderr appended to a file: apache's lines and the CGI's own stderr line carry the ID" {
    cgi_case file
}

@test "mpm_prefork + CGI, stderr a pipe: apache's lines and the CGI's own stderr line carry the ID" {
    cgi_case pipe
}
