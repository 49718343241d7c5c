# corpus.bats -- the hostile corpus (tests/hostile/): the program reads every byte unchanged, no hostile value is printed, nothing crashes.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    tpc_vars
    CONNS="$BATS_TEST_TMPDIR/conns"
    CORPUS="$BATS_TEST_TMPDIR/corpus"
    mkdir -p "$CONNS" "$CORPUS"
    cp "$ROOT"/tests/hostile/*.req "$CORPUS/"
    # The large cases: a 100 KB header line, a 100 KB ID, 10,000 headers before the ID.
    python3 - "$CORPUS" <<'PY'
import sys
d = sys.argv[1]
open(f"{d}/long-header-line.req", "wb").write(
    b"GET /a HTTP/1.1\r\nX-Filler: " + b"f" * 102400 + b"\r\nX-Request-ID: after-long-line\r\n\r\n")
open(f"{d}/long-id-100k.req", "wb").write(b"GET /a HTTP/1.1\r\nX-Request-ID: " + b"K" * 102400 + b"\r\n\r\n")
open(f"{d}/many-headers.req", "wb").write(
    b"GET /a HTTP/1.1\r\n" + b"".join(b"X-H-%d: v%d\r\n" % (i, i) for i in range(10000))
    + b"X-Request-ID: after-many-headers\r\n\r\n")
PY
}

# send_all: every corpus file, in name order, on a connection of its own (write side shut
# after it), each waited for until rawsink closed it.
send_all() {
    timeout 120 python3 - "$PORT" "$CORPUS"/*.req <<'PY'
import socket, sys
port = int(sys.argv[1])
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
PY
}

@test "every corpus case: rawsink reads exactly the bytes sent, prints no hostile value, and lives on" {
    start_split "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/rawsink" "$PORT" "$CONNS"
    wait_line "$OUT" '^ready$' 10
    run send_all
    assert_success
    kill -0 "$SERVER_PID" # alive after all of them
    stop_pid "$SERVER_PID"
    local i=0 f
    for f in "$CORPUS"/*.req; do
        i=$((i + 1))
        cmp "$f" "$CONNS/conn-$i.bin" || fail "$(basename "$f"): the program read other bytes than were sent"
    done
    [ "$i" -ge 21 ]
    # Only rawsink's own lines, whole, each tagged or not: nothing else (a value, a crash report).
    run grep -cvE '^(\[[!-~]{1,200}\] )?(read n=[0-9]+|eof conn=[0-9]+ total=[0-9]+)$' "$ERR"
    assert_output 0
    # Nothing outside printable ASCII, no quote or backslash, anywhere in what was written.
    run env LC_ALL=C grep -c '[^ -~]\|["\\]' "$ERR"
    assert_output 0
    # The hostile values, and IDs that lost to an earlier one or came from a body or a fold.
    local v
    for v in red title nul 'q"' fold-start continued space-before-colon space-in-name inside-body \
        fake bell in-tls LLLLLLLLLL KKKKKKKKKK dup-second 0af7651916cd43dd8448eb211c80319c; do
        run grep -cF -- "$v" "$ERR"
        assert_output 0
    done
    # The usable IDs were used: first of duplicates, after a 100 KB line and 10,000 headers, a
    # head with a body that looks like a request, a traceparent's fallback. (Where a read brings
    # a second request before the first was answered, rawsink never answers, lines stay
    # untagged: README, Pipelining.)
    for v in dup-first after-long-line after-many-headers body-1 cl-twice lf-only tp-fallback; do
        grep -q "^\[$v\] read n=" "$ERR" || fail "no line tagged [$v]"
    done
}
