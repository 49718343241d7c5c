# ruby.bats -- ruby WEBrick (thread per connection) under reqtag: handler and access-log lines carry their ID, stderr a file and a pipe.
# shellcheck shell=bash disable=SC2154
bats_require_minimum_version 1.5.0
load test_helper
load helpers/stderr_sink

setup() {
    PORT=$(free_port)
    LOG="$BATS_TEST_TMPDIR/log"
    SERVER="$ROOT/tests/servers/ruby/server.rb"
}

# start_ruby MODE: WEBrick under reqtag, stderr appended to $LOG (MODE file or pipe).
start_ruby() {
    start_sink "$1" "$LOG" "$REQTAG" -- ruby "$SERVER" "$PORT"
    wait_line "$LOG" 'INFO  WEBrick::HTTPServer#start: pid=[0-9]+ port=' 30
}

# ruby_case MODE KIND: the standard mix; handler and access-log lines tagged with their own ID,
# WEBrick's three start-up lines untagged. Pipelined requests (three in one read): until the third
# response starts, several requests are in flight and the newest is unanswered, so the three
# handler lines and the first two access-log lines are ambiguous (shim/conn.h: they may be
# untagged, never wrongly tagged); the third's access-log line follows its response and must be
# tagged.
ruby_case() {
    local t="rb$1"
    start_ruby "$1"
    run stderr_kind "$SERVER_PID"
    assert_output "$2"
    run run_scenarios --port "$PORT" --tag "$t"
    assert_success
    assert_output --partial "fresh: 400 requests, 0 bad"
    assert_output --partial "keepalive: 400 requests, 0 bad"
    stop_sink
    run sed -n 1,3p "$LOG"
    assert_line --index 0 --regexp '^\[[0-9: -]+\] INFO  WEBrick [0-9.]+$'
    assert_line --index 1 --regexp '^\[[0-9: -]+\] INFO  ruby [0-9]'
    assert_line --index 2 --regexp "^\[[0-9: -]+\] INFO  WEBrick::HTTPServer#start: pid=$SERVER_PID port=$PORT\$"
    run check_tags "$LOG" --startup-lines 3 --min-lines 1615 \
        --allow-untagged "^handler /r/$t-p-[012]\$" \
        --allow-untagged "^127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /r/$t-p-[01] HTTP/1\\.1\" 200 3\$"
    assert_success
    # two lines per request: 2 x (400 + 400 + 2 + 3 + 3 + 1 + 1)
    run grep -cE "(handler /r/$t-|\"GET /r/$t-[^ ]+ HTTP/1\\.1\" 200 3\$)" "$LOG"
    assert_output 1620
}

@test "ruby WEBrick: stderr appended to a file: handler and access-log lines carry their own ID" {
    ruby_case file "regular file"
}

@test "ruby WEBrick: stderr through a pipe: handler and access-log lines carry their own ID" {
    ruby_case pipe fifo
}

@test "ruby WEBrick: shutdown lines after the requests stay untagged" {
    start_ruby file
    run run_scenarios --port "$PORT" --tag rbs --only two
    assert_success
    stop_sink
    run grep -E 'INFO  (going to shutdown|WEBrick::HTTPServer#start done)' "$LOG"
    assert_line --index 0 --regexp '^\[[0-9: -]+\] INFO  going to shutdown \.\.\.$'
    assert_line --index 1 --regexp '^\[[0-9: -]+\] INFO  WEBrick::HTTPServer#start done\.$'
}
