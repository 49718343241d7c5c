# echo.bats -- reqtag --echo: every response gets one X-Request-ID line with its request's ID; bodies and return values untouched.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

unset REQTAG_ECHO REQTAG_ECHO_HEADER REQTAG_PROPAGATE

APACHE_CONFS="$ROOT/tests/servers/apache"
# File sizes served statically: empty, one byte, around a page, 64 KiB, 1 MiB + 7.
SIZES=(0 1 100 4095 4096 65536 1048583)

setup() {
    PORT=$(free_port)
    DIR="$BATS_TEST_TMPDIR"
    SPEC="$DIR/spec"
    mkdir -p "$DIR/docs/files" "$DIR/docs/miss" "$DIR/tmp" "$DIR/run" "$DIR/cgi-bin" "$DIR/sw"
    echo hello >"$DIR/docs/hello.txt"
    local s
    for s in "${SIZES[@]}"; do
        head -c "$s" /dev/urandom >"$DIR/docs/files/s$s"
    done
    SERVER_PID=
    CHECK_ARGS=()
}

teardown() {
    if [ -n "${SERVER_PID:-}" ]; then
        stop_pid "$SERVER_PID" 20
        kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    fi
    stop_bg
}

# echo_py ARGS...: the conversation helper, bounded in time.
echo_py() {
    timeout 120 python3 "$HELPERS/echo.py" "$@"
}

# spec_mix TAG [MISS]: fresh, without ID, HEAD, keep-alive and pipelined requests for /r/<ID>,
# and, with MISS (a path prefix that answers 404), 404s the same ways.
spec_mix() {
    local t=$1 miss=${2:-}
    cat <<EOF
seq GET:/r/$t-f-0:$t-f-0
seq GET:/r/$t-f-1:$t-f-1
seq GET:/r/$t-n-0
seq HEAD:/r/$t-h-0:$t-h-0
seq HEAD:/r/$t-h-1
seq GET:/r/$t-k-0:$t-k-0 GET:/r/$t-k-1 HEAD:/r/$t-k-2:$t-k-2 GET:/r/$t-k-3:$t-k-3 GET:/r/$t-k-4:$t-k-4
pipe GET:/r/$t-p-0:$t-p-0 GET:/r/$t-p-1:$t-p-1 GET:/r/$t-p-2:$t-p-2
pipe HEAD:/r/$t-q-0:$t-q-0 GET:/r/$t-q-1:$t-q-1 HEAD:/r/$t-q-2:$t-q-2
EOF
    if [ -n "$miss" ]; then
        cat <<EOF
seq GET:$miss$t-m-0:$t-m-0
seq GET:$miss$t-m-1
seq GET:$miss$t-m-2:$t-m-2 GET:/r/$t-m-3:$t-m-3 HEAD:$miss$t-m-4:$t-m-4 GET:$miss$t-m-5
pipe GET:$miss$t-mp-0:$t-mp-0 GET:$miss$t-mp-1:$t-mp-1 GET:/r/$t-mp-2:$t-mp-2
EOF
    fi
}

# spec_files TAG: every static file fresh, then all on one keep-alive connection, all pipelined
# in one write, and HEAD for each; a query string makes every request's path unique.
spec_files() {
    local t=$1 s line
    for s in "${SIZES[@]}"; do
        echo "seq GET:/files/s$s?$t-a-$s:$t-a-$s"
    done
    echo "seq GET:/files/s0?$t-g-0 GET:/files/s1048583?$t-g-1"
    for mode in seq pipe; do
        line=$mode
        for s in "${SIZES[@]}"; do
            line+=" GET:/files/s$s?$t-$mode-$s:$t-$mode-$s"
        done
        echo "$line"
    done
    line=seq
    for s in "${SIZES[@]}"; do
        line+=" HEAD:/files/s$s?$t-hd-$s:$t-hd-$s"
    done
    echo "$line"
}

# spec_own TAG: requests for nginx's /own/ (which sets X-Request-ID itself when the request has one).
spec_own() {
    local t=$1
    cat <<EOF
seq GET:/own/$t-o-0:$t-o-0
seq HEAD:/own/$t-o-1:$t-o-1
seq GET:/own/$t-o-2:$t-o-2 GET:/own/$t-o-3:$t-o-3 GET:/r/$t-o-4:$t-o-4 GET:/own/$t-o-5:$t-o-5
pipe GET:/own/$t-o-6:$t-o-6 GET:/r/$t-o-7:$t-o-7 GET:/own/$t-o-8:$t-o-8
seq GET:/own/$t-o-9
EOF
}

# ---- servers: start_<server> plain|noecho|echo LOG starts one in the foreground, stderr appended to LOG ----

# prefix_for RUN: the command prefix for a run without the shim, with it but no --echo, with --echo.
prefix_for() {
    case $1 in
    plain) PREFIX=() ;;
    noecho) PREFIX=("$REQTAG" --) ;;
    echo) PREFIX=("$REQTAG" --echo --) ;;
    *) PREFIX=("$REQTAG" "${@:2}" --) ;;
    esac
}

start_nginx() {
    prefix_for "$@"
    sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" "$ROOT/tests/servers/nginx/echo.conf.in" >"$DIR/nginx.conf"
    start_split "$LOG" "$LOG" setsid timeout 300 "${PREFIX[@]}" nginx -e stderr -c "$DIR/nginx.conf" -p "$DIR/"
    wait_port "$PORT" 15
    wait_line "$LOG" 'start worker process' 15
}

# Apache's children run as www-data: grant search on the directories down to the test's, and
# read on the documents.
apache_prepare() {
    local f d=$DIR
    for f in common.conf event.conf prefork.conf echo.conf; do
        sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" "$APACHE_CONFS/$f" >"$DIR/$f"
    done
    install -m 755 "$APACHE_CONFS/cgi.sh" "$DIR/cgi-bin/cgi.sh"
    printf 'Include "%s/%s.conf"\nInclude "%s/echo.conf"\n' "$DIR" event "$DIR" >"$DIR/echo-event.conf"
    printf 'Include "%s/%s.conf"\nInclude "%s/echo.conf"\n' "$DIR" prefork "$DIR" >"$DIR/echo-prefork.conf"
    while [ "$d" != "$BATS_RUN_TMPDIR" ] && [ "$d" != / ]; do
        chmod o+x "$d"
        d=$(dirname "$d")
    done
    chmod o+x "$BATS_RUN_TMPDIR"
    chmod -R o+rX "$DIR/docs"
    # Apache sends a weak ETag for a file changed within the last second: age the documents so
    # the runs with and without the shim get the same head.
    find "$DIR/docs" -type f -exec touch -d '1 hour ago' {} +
    runuser -u www-data -- test -r "$DIR/docs/files/s1048583" || fail "www-data cannot read the documents"
}

# start_apache MPM RUN: apache2 in the foreground, in its own session (prefork signals its group).
start_apache() {
    local mpm=$1
    shift
    prefix_for "$@"
    start_split "$DIR/apache.out" "$LOG" setsid "${PREFIX[@]}" apache2 -f "$DIR/echo-$mpm.conf" -DFOREGROUND
    wait_port "$PORT" 15
    wait_line "$LOG" 'AH00094: Command line: ' 15
}

# start_fixture NAME RUN [ARGS...]: one of our fixture servers.
start_fixture() {
    local name=$1
    prefix_for "$2"
    start_split "$DIR/fixture.out" "$LOG" setsid "${PREFIX[@]}" "$FIXTURES/$name" "$PORT" "${@:3}"
    wait_line "$DIR/fixture.out" '^ready$' 10
}

# stop_server: TERM the server (its session too) and wait for it.
stop_server() {
    stop_pid "$SERVER_PID" 20
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

# three_runs START...: the conversation in $SPEC against the server started by START (plus the
# run's name), once without the shim, once under reqtag without --echo and once with --echo;
# each capture goes to $DIR/<run>.json and each run's stderr to $DIR/<run>.log. Then: without
# --echo the bytes equal the shim-less run's; with --echo each head has one inserted line
# carrying the ID the request's log lines carry, and bodies are identical. CHECK_ARGS: more
# options for the comparison.
three_runs() {
    local run
    for run in plain noecho echo; do
        LOG="$DIR/$run.log"
        : >"$LOG"
        "$@" "$run"
        run echo_py capture --port "$PORT" --script "$SPEC" --out "$DIR/$run.json"
        assert_success
        stop_server
    done
    run echo_py check --plain "$DIR/plain.json" --other "$DIR/noecho.json" "${CHECK_ARGS[@]}"
    echo "$output"
    assert_success
    assert_output --regexp ' errors=0$'
    run echo_py check --plain "$DIR/plain.json" --other "$DIR/echo.json" --echo --log "$DIR/echo.log" "${CHECK_ARGS[@]}"
    echo "$output"
    assert_success
    assert_output --regexp '^responses=[1-9][0-9]* body_bytes=[0-9]+ generated=[1-9][0-9]* errors=0$'
}

# ---------------------------------------------------------------------------------------------

@test "nginx --echo: fresh, keep-alive, pipelined, HEAD and 404 responses each get one X-Request-ID with the request's ID" {
    plain_host_only nginx
    spec_mix ngx /miss/ >"$SPEC"
    three_runs start_nginx
}

@test "nginx --echo: static files of 0 B to 1 MiB+7 sent with sendfile keep byte-identical bodies (fresh, keep-alive, pipelined, HEAD)" {
    plain_host_only nginx
    spec_files ngxf >"$SPEC"
    three_runs start_nginx
    # The bodies are the files themselves.
    run python3 - "$DIR/echo.json" "$DIR/docs/files" <<'EOF'
import base64, hashlib, json, sys
sys.path.insert(0, __import__("os").environ["HELPERS"])
import echo
conns = json.load(open(sys.argv[1]))
bad = checked = 0
for c in conns:
    for head, body, status, i in echo.parse_all(base64.b64decode(c["raw"]), [r["method"] for r in c["reqs"]]):
        r = c["reqs"][i]
        if r["method"] != "GET":
            continue
        name = r["path"].split("/")[-1].split("?")[0]
        want = hashlib.sha256(open(f"{sys.argv[2]}/{name}", "rb").read()).hexdigest()
        checked += 1
        if hashlib.sha256(body).hexdigest() != want:
            bad += 1
            print("body differs from the file:", r["path"])
print(f"checked={checked} bad={bad}")
EOF
    echo "$output"
    assert_success
    assert_output --partial "checked=23 bad=0"
}

@test "nginx --echo: a response that already has X-Request-ID (add_header) is not given a second one" {
    plain_host_only nginx
    spec_own ngxo >"$SPEC"
    three_runs start_nginx
    # nginx itself wrote the header (there is one to keep): the plain run has it too.
    run grep -c 'X-Request-ID: ngxo-o-0' <(base64 -d <<<"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["raw"])' "$DIR/plain.json")")
    assert_output 1
}

@test "nginx --echo: wrk -t2 -c64 -d3s reports no socket errors and no non-2xx responses" {
    plain_host_only nginx
    LOG="$DIR/log"
    start_nginx echo
    run timeout 30 wrk -t2 -c64 -d3s -H 'X-Request-ID: wrk-ngx' "http://127.0.0.1:$PORT/r/wrk"
    echo "$output"
    assert_success
    assert_output --regexp '[0-9]+ requests in '
    refute_output --partial 'Socket errors'
    refute_output --partial 'Non-2xx'
    run curl -si --max-time 10 -H 'X-Request-ID: after-wrk' "http://127.0.0.1:$PORT/r/after-wrk"
    assert_success
    assert_equal "$(grep -ci '^x-request-id:' <<<"$output")" 1
    assert_line --regexp '^X-Request-ID: after-wrk.$'
}

@test "apache mpm_event --echo: fresh, keep-alive, pipelined, HEAD and 404 responses each get one X-Request-ID" {
    plain_host_only apache2
    command -v apache2 >/dev/null || fail "apache2 is not installed (scripts/deps.sh test)"
    apache_prepare
    spec_mix apev /nf/ >"$SPEC"
    three_runs start_apache event
}

@test "apache mpm_event --echo: static files (EnableSendfile On) keep byte-identical bodies" {
    plain_host_only apache2
    command -v apache2 >/dev/null || fail "apache2 is not installed (scripts/deps.sh test)"
    apache_prepare
    spec_files apf >"$SPEC"
    three_runs start_apache event
}

@test "apache mpm_prefork --echo: CGI responses (chunked) and 404s each get one X-Request-ID" {
    plain_host_only apache2
    command -v apache2 >/dev/null || fail "apache2 is not installed (scripts/deps.sh test)"
    apache_prepare
    local t=cgi
    cat >"$SPEC" <<EOF
seq GET:/cgi/$t-0:$t-0
seq GET:/cgi/$t-1
seq GET:/cgi/$t-2:$t-2 GET:/cgi/$t-3:$t-3 HEAD:/cgi/$t-4:$t-4 GET:/nf/$t-5:$t-5 GET:/cgi/$t-6:$t-6
pipe GET:/cgi/$t-7:$t-7 GET:/cgi/$t-8:$t-8 GET:/cgi/$t-9:$t-9
EOF
    # Apache sends a CGI's output with Content-Length or chunked depending on how the script's
    # output arrives (timing, with or without the shim): compare payloads, not framing.
    CHECK_ARGS=(--loose-framing)
    three_runs start_apache prefork
}

@test "tpcserver --echo: every response gets one X-Request-ID with the ID its log lines carry" {
    spec_mix tpc >"$SPEC"
    three_runs start_fixture tpcserver
}

@test "poolserver --echo: every response gets one X-Request-ID with the ID its log lines carry" {
    spec_mix pool >"$SPEC"
    three_runs start_fixture poolserver
}

@test "epollserver --echo: every response gets one X-Request-ID with the ID its log lines carry" {
    spec_mix epl >"$SPEC"
    three_runs start_fixture epollserver
}

@test "poolserver --echo: wrk -t2 -c64 -d3s reports no socket errors and no non-2xx responses" {
    LOG="$DIR/log"
    start_fixture poolserver echo 4
    run timeout 30 wrk -t2 -c64 -d3s -H 'X-Request-ID: wrk-pool' "http://127.0.0.1:$PORT/r/wrk"
    echo "$output"
    assert_success
    assert_output --regexp '[0-9]+ requests in '
    refute_output --partial 'Socket errors'
    refute_output --partial 'Non-2xx'
}

@test "--echo-header X-Corr: the line added is X-Corr: <id>; no X-Request-ID is added" {
    spec_mix corr >"$SPEC"
    local run
    for run in plain echo; do
        LOG="$DIR/$run.log"
        if [ "$run" = plain ]; then
            start_fixture tpcserver plain
        else
            PREFIX=("$REQTAG" --echo --echo-header X-Corr --)
            start_split "$DIR/fixture.out" "$LOG" setsid "${PREFIX[@]}" "$FIXTURES/tpcserver" "$PORT"
            wait_line "$DIR/fixture.out" '^ready$' 10
        fi
        run echo_py capture --port "$PORT" --script "$SPEC" --out "$DIR/$run.json"
        assert_success
        stop_server
        : >"$DIR/fixture.out"
    done
    run echo_py check --plain "$DIR/plain.json" --other "$DIR/echo.json" --echo --header X-Corr --log "$DIR/echo.log"
    echo "$output"
    assert_success
    assert_output --regexp ' errors=0$'
}

# ---- slowwriter: non-blocking, tiny send buffer, random pieces, a slow reader ----

# slow_case MODE SEED RUN: three pipelined requests answered by slowwriter (1 MiB bodies) run
# without the shim (plain), under reqtag (noecho) or under reqtag --echo (echo); the slow client
# must receive exactly what the program meant to send (plus, with --echo, one ID line in each
# head). The program must have met partial writes and EAGAIN, and never been told more bytes
# were taken than it gave.
slow_case() {
    local mode=$1 seed=$2 runname=$3 out="$DIR/sw/out-$1-$2-$3" sent="$DIR/sw/$1-$2-$3"
    mkdir -p "$sent"
    LOG="$DIR/sw/err-$1-$2-$3"
    prefix_for "$runname"
    start_split "$out" "$LOG" setsid timeout 120 "${PREFIX[@]}" "$FIXTURES/slowwriter" "$PORT" "$mode" "$seed" "$sent"
    wait_line "$out" '^ready$' 10
    local args=(--port "$PORT" --ids "sw$seed-a,sw$seed-b,sw$seed-c" --expect "$sent/sent-1")
    [ "$runname" = echo ] && args+=(--echo)
    run echo_py slow "${args[@]}"
    echo "$mode seed=$seed $runname: $output"
    assert_success
    assert_output --regexp '^identical: received [0-9]+ bytes'
    wait_line "$out" '^conn 1 ' 20
    local stats
    stats=$(grep '^conn 1 ' "$out")
    echo "$stats"
    assert_regex "$stats" '^conn 1 responses=3 bytes=[0-9]+ calls=[0-9]+ partial=[1-9][0-9]* eagain=[1-9][0-9]* over=0$'
    # The return values the program saw add up to exactly what it meant to send.
    assert_equal "$(sed -E 's/.* bytes=([0-9]+) .*/\1/' <<<"$stats")" "$(stat -c %s "$sent/sent-1")"
    stop_server
    PORT=$(free_port)
}

@test "slowwriter (write/writev/send/sendmsg, non-blocking, random pieces) with --echo: the slow client gets the program's bytes plus one ID line per head" {
    local seed
    for seed in 1 2 3 4 5; do
        slow_case mixed "$seed" echo
    done
}

@test "slowwriter (writev head + sendfile body, non-blocking) with --echo: the slow client gets the program's bytes plus one ID line per head" {
    local seed
    for seed in 11 12 13 14 15; do
        slow_case sendfile "$seed" echo
    done
}

@test "slowwriter without --echo (no shim, and the shim loaded): the slow client gets exactly the program's bytes" {
    local seed
    for seed in 21 22; do
        slow_case mixed "$seed" plain
        slow_case sendfile "$seed" plain
        slow_case mixed "$seed" noecho
        slow_case sendfile "$seed" noecho
    done
}
