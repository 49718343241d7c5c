# propagate.bats -- --propagate: requests a program sends while working on a request carry its ID or continue its traceparent; nothing else is touched.
# shellcheck shell=bash disable=SC2154,SC2153
bats_require_minimum_version 1.5.0
load test_helper

CHAIN="$ROOT/tests/servers/chain"

setup() {
    APORT=$(free_port)
    BPORT=$(free_port)
    A_ERR="$BATS_TEST_TMPDIR/a.err"
    B_ERR="$BATS_TEST_TMPDIR/b.err"
    CLIENT_OUT="$BATS_TEST_TMPDIR/client.out"
    # The POST body A sends B: request-looking text, a header B would take as an ID, binary bytes.
    BODY="$BATS_TEST_TMPDIR/body.bin"
    printf 'start\r\nGET / HTTP/1.1\r\n\r\nPOST /x HTTP/1.1\r\nX-Request-ID: evil\r\n\r\n\000\377\200 bin\r\n\r\nend' >"$BODY"
    declare -gA SVC_PID=() SVC_CAT=()
}

# start_svc MODE NAME CMD [ARGS...]: run a service, stdout appended to NAME.out and stderr appended
# to NAME.err (MODE file) or written into a pipe whose reader appends to NAME.err (MODE pipe);
# wait for a new "ready" on its stdout (NAME may have run before in this test).
start_svc() {
    local mode=$1 name=$2 dir=$BATS_TEST_TMPDIR before i
    shift 2
    before=0
    if [ -f "$dir/$name.out" ]; then
        before=$(grep -c '^ready$' "$dir/$name.out" || true)
    fi
    SVC_CAT[$name]=
    if [ "$mode" = pipe ]; then
        rm -f "$dir/$name.fifo"
        mkfifo "$dir/$name.fifo"
        cat "$dir/$name.fifo" >>"$dir/$name.err" &
        SVC_CAT[$name]=$!
        BG_PIDS+=("$!")
        "$@" >>"$dir/$name.out" 2>>"$dir/$name.fifo" &
    else
        "$@" >>"$dir/$name.out" 2>>"$dir/$name.err" &
    fi
    SVC_PID[$name]=$!
    BG_PIDS+=("$!")
    for ((i = 0; i < 400; i++)); do
        [ "$(grep -sc '^ready$' "$dir/$name.out" || true)" -gt "$before" ] && return 0
        sleep 0.05
    done
    echo "$name: no new 'ready' on $dir/$name.out after 20s" >&2
    return 1
}

# stop_svc NAME: stop a service and, for a pipe, wait until its reader has copied everything.
stop_svc() {
    stop_pid "${SVC_PID[$1]}"
    if [ -n "${SVC_CAT[$1]}" ]; then
        timeout 10 tail --pid="${SVC_CAT[$1]}" -f /dev/null
    fi
}

# start_b MODE [REQTAG OPTIONS...]: service B under reqtag (never --propagate).
start_b() {
    local mode=$1
    shift
    start_svc "$mode" b "$REQTAG" "$@" -- python3 "$CHAIN/service_b.py" "$BPORT"
}

# start_a MODE [REQTAG OPTIONS...]: service A under reqtag, calling B.
start_a() {
    local mode=$1
    shift
    start_svc "$mode" a "$REQTAG" "$@" -- python3 "$CHAIN/service_a.py" "$APORT" "$BPORT" "$BODY"
}

stop_chain() {
    stop_svc a
    stop_svc b
}

# client ARGS...: the chain's client against A, its output in CLIENT_OUT.
client() {
    local rc=0
    timeout 120 python3 "$CHAIN/client.py" --port "$APORT" "$@" >"$CLIENT_OUT" || rc=$?
    cat "$CLIENT_OUT"
    return "$rc"
}

check_chain() {
    timeout 60 python3 "$CHAIN/check_chain.py" "$@"
}

checktags() {
    timeout 60 python3 "$HELPERS/checktags.py" "$@"
}

# chain_ids MODE: 100 fresh and 100 keep-alive requests, 8 in flight, distinct IDs: B's lines carry
# the client's ID, as tag and as the X-Request-ID it received (once, with no traceparent).
chain_ids() {
    local tag="pg$1" ids="$BATS_TEST_TMPDIR/ids" i
    start_b "$1"
    start_a "$1" --propagate
    run timeout 150 python3 "$HELPERS/scenarios.py" --port "$APORT" --tag "$tag" \
        --only fresh --only keepalive --count 100 --parallel 8
    assert_success
    stop_chain
    for i in $(seq 0 99); do
        echo "$tag-f-$i"
        echo "$tag-k-$i"
    done >"$ids"
    # B: its "B GET" line and its access log line for each request, both tagged with the client's ID.
    run checktags "$B_ERR" --startup-lines 1 --expect-ids "$ids" --min-lines 400
    assert_success
    run check_chain ids "$B_ERR" --expect-ids "$ids"
    assert_success
    assert_output --partial "ids: 200 requests checked, 0 problems"
    # A: start-up lines untagged, then its lines tagged with the client's ID.
    run checktags "$A_ERR" --startup-lines 2 --expect-ids "$ids" --min-lines 400
    assert_success
}

@test "chain, stderr appended to a file: B gets the client's X-Request-ID (200 requests, 8 in flight)" {
    chain_ids file
}

@test "chain, stderr a pipe: B gets the client's X-Request-ID (200 requests, 8 in flight)" {
    chain_ids pipe
}

@test "traceparent: B gets the same trace-id and flags (01 and 00) with a new span-id per request" {
    start_b file -H traceparent
    start_a file -H traceparent --propagate
    run client --mode trace --flags 01 --count 50 --parallel 8 --tag t1
    assert_success
    cp "$CLIENT_OUT" "$BATS_TEST_TMPDIR/client01.out"
    run client --mode trace --flags 00 --count 50 --parallel 8 --tag t0
    assert_success
    stop_chain
    run check_chain trace "$B_ERR" "$BATS_TEST_TMPDIR/client01.out"
    assert_success
    assert_output --partial "trace: 50 requests checked, 0 problems"
    run check_chain trace "$B_ERR" "$CLIENT_OUT"
    assert_success
    assert_output --partial "trace: 50 requests checked, 0 problems"
    # The span-ids are fresh across both runs too.
    local spans
    spans=$(grep -oE 'B GET path=/r/t[01]-[0-9]+ xrid=- tp=00-[0-9a-f]{32}-[0-9a-f]{16}-0[01] ' "$B_ERR" |
        sed -E 's/.*tp=00-[0-9a-f]{32}-([0-9a-f]{16})-.*/\1/')
    assert_equal "$(sort <<<"$spans" | wc -l)" 100
    assert_equal "$(sort -u <<<"$spans" | wc -l)" 100
}

@test "traceparent, stderr a pipe: a request without one starts a trace with A's generated ID, flags 01" {
    start_b pipe -H traceparent
    start_a pipe -H traceparent --propagate
    run client --mode none --count 40 --parallel 8 --tag gen
    assert_success
    stop_chain
    run check_chain generated "$A_ERR" "$B_ERR" "$CLIENT_OUT"
    assert_success
    assert_output --partial "generated: 40 requests checked, 0 problems"
}

@test "X-Request-ID,traceparent: an X-Request-ID goes on as X-Request-ID; no ID at all starts a trace" {
    start_b file -H X-Request-ID,traceparent
    start_a file -H X-Request-ID,traceparent --propagate
    run client --mode xrid --count 20 --parallel 8 --tag mx
    assert_success
    seq 0 19 | sed 's/^/mx-/' >"$BATS_TEST_TMPDIR/ids"
    cp "$CLIENT_OUT" "$BATS_TEST_TMPDIR/client-xrid.out"
    run client --mode none --count 20 --parallel 8 --tag mg
    assert_success
    stop_chain
    run check_chain ids "$B_ERR" --expect-ids "$BATS_TEST_TMPDIR/ids" --only-prefix mx-
    assert_success
    assert_output --partial "ids: 20 requests checked, 0 problems"
    run check_chain generated "$A_ERR" "$B_ERR" "$CLIENT_OUT"
    assert_success
    assert_output --partial "generated: 20 requests checked, 0 problems"
}

@test "the ID header goes out named as written in REQTAG_HEADER (-H x-request-id)" {
    start_b file
    start_a file -H x-request-id --propagate
    run client --mode xrid --count 10 --parallel 5 --tag lc
    assert_success
    stop_chain
    seq 0 9 | sed 's/^/lc-/' >"$BATS_TEST_TMPDIR/ids"
    run check_chain ids "$B_ERR" --expect-ids "$BATS_TEST_TMPDIR/ids" --name x-request-id
    assert_success
    assert_output --partial "ids: 10 requests checked, 0 problems"
}

@test "a thread without a request (started at A's start-up) calls B with no header added, even while a request waits for it" {
    start_b file
    start_a file --propagate
    run client --mode xrid --base /trigger/r/ --tag bg
    assert_success
    assert_output "path=/trigger/r/bg-0 sent_xrid=bg-0 sent_tp=- status=200 echo=- body=b=200_bg"
    stop_chain
    # The request that woke the thread had its ID (A's line is tagged with it) ...
    run grep -c '^\[bg-0\] A path=/trigger/r/bg-0 b=200$' "$A_ERR"
    assert_output 1
    # ... but the background thread's calls carry nothing: B saw no ID header and generated its own.
    run grep -E ' B GET path=/bg/' "$B_ERR"
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --regexp '^\[[0-9a-f]{32}\] B GET path=/bg/startup xrid=- tp=- names=Accept-Encoding,Host,User-Agent,Connection$'
    assert_line --index 1 --regexp '^\[[0-9a-f]{32}\] B GET path=/bg/triggered xrid=- tp=- names=Accept-Encoding,Host,User-Agent,Connection$'
}

@test "POST bodies holding request text reach B byte-identical (Content-Length and chunked); the head gets the ID" {
    local want i
    want="len=$(stat -c %s "$BODY") sha256=$(sha256sum "$BODY" | cut -d' ' -f1)"
    start_b file
    start_a file --propagate
    for kind in post chunked; do
        run client --mode xrid --base "/$kind/r/" --count 5 --parallel 5 --tag "$kind"
        assert_success
        for i in 0 1 2 3 4; do
            assert_line --index "$i" "path=/$kind/r/$kind-$i sent_xrid=$kind-$i sent_tp=- status=200 echo=- body=b=200_${want// /_}"
        done
    done
    stop_chain
    for kind in post chunked; do
        for i in 0 1 2 3 4; do
            run grep -c "^\[$kind-$i\] B POST path=/$kind/r/$kind-$i xrid=$kind-$i tp=- names=.* $want\$" "$B_ERR"
            assert_output 1
        done
    done
}

@test "a request that already carries the header is left alone (X-Request-ID, traceparent)" {
    start_b file
    start_a file --propagate
    run client --mode xrid --base /own/r/ --tag own
    assert_success
    stop_svc a
    start_a file -H traceparent --propagate
    run client --mode trace --base /owntp/r/ --tag owntp
    assert_success
    stop_chain
    # Exactly A's own value, once: the shim added no second X-Request-ID.
    run grep -E 'B GET path=/own/' "$B_ERR"
    assert_output '[a-own] B GET path=/own/r/own-0 xrid=a-own tp=- names=Accept-Encoding,Host,User-Agent,X-Request-Id,Connection'
    run grep -E 'B GET path=/owntp/' "$B_ERR"
    assert_output --regexp '^\[[0-9a-f]{32}\] B GET path=/owntp/r/owntp-0 xrid=- tp=00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01 names=Accept-Encoding,Host,User-Agent,Traceparent,Connection$'
}

@test "--echo --propagate: the client sees its X-Request-ID in A's response and B gets it too" {
    start_b file
    start_a file --echo --propagate
    run client --mode xrid --count 20 --parallel 8 --tag ec
    assert_success
    stop_chain
    local i
    for i in $(seq 0 19); do
        assert_line --index "$i" "path=/r/ec-$i sent_xrid=ec-$i sent_tp=- status=200 echo=ec-$i body=b=200_b_/r/ec-$i"
    done
    seq 0 19 | sed 's/^/ec-/' >"$BATS_TEST_TMPDIR/ids"
    run check_chain ids "$B_ERR" --expect-ids "$BATS_TEST_TMPDIR/ids"
    assert_success
    assert_output --partial "ids: 20 requests checked, 0 problems"
}

@test "--echo --propagate with traceparent: the response echoes the trace-id as X-Request-ID; B continues the trace" {
    start_b file -H traceparent
    start_a file -H traceparent --echo --propagate
    run client --mode trace --count 20 --parallel 8 --tag et
    assert_success
    local n=0 path tp tid echo
    while read -r path _ tp _ echo _; do
        tid=${tp#sent_tp=00-}
        tid=${tid%%-*}
        assert_equal "$echo" "echo=$tid"
        n=$((n + 1))
    done <"$CLIENT_OUT"
    assert_equal "$n" 20
    stop_chain
    run check_chain trace "$B_ERR" "$CLIENT_OUT"
    assert_success
    assert_output --partial "trace: 20 requests checked, 0 problems"
}

@test "off by default: without --propagate B gets no X-Request-ID the client sent to A" {
    start_b file
    start_a file
    run client --mode xrid --count 20 --parallel 8 --tag off
    assert_success
    stop_chain
    run check_chain none "$B_ERR" "$CLIENT_OUT"
    assert_success
    assert_output --partial "none: 20 requests checked, 0 problems"
    # A itself ran under the shim and tagged its lines with the client's IDs.
    seq 0 19 | sed 's/^/off-/' >"$BATS_TEST_TMPDIR/ids"
    run checktags "$A_ERR" --startup-lines 2 --expect-ids "$BATS_TEST_TMPDIR/ids" --min-lines 40
    assert_success
}

@test "off by default: without --propagate B gets no traceparent the client sent to A" {
    start_b file -H traceparent
    start_a file -H traceparent
    run client --mode trace --count 20 --parallel 8 --tag offt
    assert_success
    stop_chain
    run check_chain none "$B_ERR" "$CLIENT_OUT"
    assert_success
    assert_output --partial "none: 20 requests checked, 0 problems"
    # A tagged each request's lines with the trace-id the client sent.
    local path tp tid
    while read -r path _ tp _; do
        tid=${tp#sent_tp=00-}
        tid=${tid%%-*}
        run grep -c "^\[$tid\] A ${path} b=200\$" "$A_ERR"
        assert_output 1
    done <"$CLIENT_OUT"
}

# lineproto_run SUFFIX MODE [PREFIX...]: the line server (stderr to a file or a pipe) and the client,
# both run behind PREFIX; received bytes go to srv.SUFFIX and cli.SUFFIX, stderr to
# srv-err.SUFFIX and cli-err.SUFFIX.
lineproto_run() {
    local sfx=$1 mode=$2 port dir=$BATS_TEST_TMPDIR
    shift 2
    port=$(free_port)
    start_svc "$mode" "lp-$sfx" "$@" "$FIXTURES/lineproto" server "$port" "$dir/srv.$sfx" 2
    local rc=0
    timeout 30 "$@" "$FIXTURES/lineproto" client "$port" "$dir/cli.$sfx" 2>>"$dir/cli-err.$sfx" || rc=$?
    assert_equal "$rc" 0
    # The server exits by itself after its two connections.
    run timeout 10 tail --pid="${SVC_PID[lp-$sfx]}" -f /dev/null
    assert_success
    stop_svc "lp-$sfx"
    cp "$dir/lp-$sfx.err" "$dir/srv-err.$sfx"
}

# lineproto_same MODE: the bytes each side receives under --echo --propagate equal a run without the shim.
lineproto_same() {
    local dir=$BATS_TEST_TMPDIR
    lineproto_run plain "$1"
    lineproto_run shim "$1" "$REQTAG" --echo --propagate --
    # Both runs moved bytes at all.
    [ -s "$dir/srv.plain" ] && [ -s "$dir/cli.plain" ]
    assert_equal "$(sha256sum <"$dir/srv.shim")" "$(sha256sum <"$dir/srv.plain")"
    assert_equal "$(sha256sum <"$dir/cli.shim")" "$(sha256sum <"$dir/cli.plain")"
    # The server's log (every line it received, in hex) is the same; no connection there is HTTP.
    assert_equal "$(cat "$dir/srv-err.shim")" "$(cat "$dir/srv-err.plain")"
    assert_equal "$(grep -c '^server line ' "$dir/srv-err.plain")" 23
    assert_equal "$(grep -c '^PONG [1-4]$' "$dir/cli.shim")" 4
    # The client's thread did have a request: its lines carry lp-ctx, and are otherwise the same.
    assert_equal "$(cat "$dir/cli-err.shim")" "$(sed 's/^/[lp-ctx] /' "$dir/cli-err.plain")"
    assert_equal "$(head -n1 "$dir/cli-err.plain")" "client thread has a request"
}

@test "line protocol, server stderr appended to a file: --echo --propagate change no byte either way" {
    lineproto_same file
}

@test "line protocol, server stderr a pipe: --echo --propagate change no byte either way" {
    lineproto_same pipe
}
