# fields.bats -- REQTAG_FIELDS / --field: request header values as fields in text tags, JSON and logfmt records and summaries; unusable values absent, bad settings refused.
# shellcheck shell=bash disable=SC2154,SC2030,SC2031
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    T="$BATS_TEST_TMPDIR"
    PORT=$(free_port)
    OUT="$T/out"
    ERR="$T/err"
    DOCS="$T/docs"
    mkdir -p "$DOCS/r"
    : >"$OUT"
    : >"$ERR"
}

# The line(s) each server writes per request (named group "id": the request's ID in its target),
# for fields.py check --line REGEX COUNT.
TPC_LINE='path=/r/(?P<id>[^ ]+) via=.+'
POOL_LINE='pool path=/r/(?P<id>[^ ]+) worker=[0-9]+'
POOL_DONE='pool done path=/r/(?P<id>[^ ]+) worker=[0-9]+'
PY_LINE='127\.0\.0\.1 - - \[[^]]+\] "GET /r/(?P<id>[^ ]+) HTTP/1\.1" 200 -'
NGX_LINE='127\.0\.0\.1 "GET /r/(?P<id>[^ ]+) HTTP/1\.1" 200 [0-9]+'
SUMMARY_LINE='reqtag: summary method=GET path=/r/(?P<id>[^ ]+) status=200 bytes=[0-9]+ duration_us=[0-9]+'

# start_server KIND PREFIX...: start KIND (tpc: tests/fixtures/tpcserver, pool: poolserver with 4
# workers, python: python3 -m http.server HTTP/1.1 on $DOCS, nginx: 2 workers, access log on
# stderr) behind PREFIX (e.g. "$REQTAG" --field ... --); stdout appended to $OUT, stderr appended
# to $ERR; waits until it serves. SERVER_PID is the outermost process (a timeout).
start_server() {
    local kind=$1
    shift
    case "$kind" in
    tpc)
        start_split "$OUT" "$ERR" timeout 300 "$@" "$FIXTURES/tpcserver" "$PORT"
        wait_line "$OUT" '^ready$' 10
        ;;
    pool)
        start_split "$OUT" "$ERR" timeout 300 "$@" "$FIXTURES/poolserver" "$PORT" 4
        wait_line "$OUT" '^ready$' 10
        ;;
    python)
        PYTHONUNBUFFERED=1 start_split "$OUT" "$ERR" timeout 300 "$@" python3 -m http.server "$PORT" \
            --bind 127.0.0.1 --protocol HTTP/1.1 --directory "$DOCS"
        wait_line "$OUT" '^Serving HTTP on' 15
        ;;
    nginx)
        local dir="$T/nginx"
        mkdir -p "$dir/tmp" "$dir/docs"
        sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$dir|g" -e "s|@WORKERS@|2|g" \
            "$ROOT/tests/servers/nginx/nginx.conf.in" >"$dir/nginx.conf"
        start_split "$OUT" "$ERR" timeout 300 "$@" nginx -e stderr -c "$dir/nginx.conf" -p "$dir/"
        wait_port "$PORT" 15
        wait_line "$ERR" 'start worker process [0-9]+' 10
        ;;
    esac
}

# line_args KIND: LINES gets the --line arguments for KIND's per-request lines.
line_args() {
    case "$1" in
    tpc) LINES=(--line "$TPC_LINE" 7) ;;
    pool) LINES=(--line "$POOL_LINE" 1 --line "$POOL_DONE" 1) ;;
    python) LINES=(--line "$PY_LINE" 1) ;;
    nginx) LINES=(--line "$NGX_LINE" 1) ;;
    esac
}

# send SET TAG [ARGS...]: the fields client (tests/helpers/fields.py) sends SET to $PORT; the
# expectations go to $T/expect.
send() {
    local set=$1 tag=$2
    shift 2
    run timeout 120 python3 "$HELPERS/fields.py" send --port "$PORT" --tag "$tag" --set "$set" \
        --out "$T/expect" --docs "$DOCS" "$@"
    echo "$output"
    assert_success
}

# check OUTPUT FIELDS [ARGS...]: every line of $ERR against $T/expect (fields.py check).
check() {
    local kind=$1 fields=$2
    shift 2
    run timeout 120 python3 "$HELPERS/fields.py" check "$ERR" --output "$kind" --expect "$T/expect" \
        --fields "$fields" "$@"
    echo "$output"
    assert_success
    assert_line --index 0 --regexp '^[0-9]+ lines, [0-9]+ requests, 0 failures$'
}

# stop_server: stop the server and wait for it.
stop_server() {
    stop_pid "$SERVER_PID" 15
}

# corpus_case KIND OUTPUT [SEND-ARGS...]: KIND under --field tenant=X-Tenant-ID --output OUTPUT;
# the hostile corpus, fresh and keep-alive; every line checked.
corpus_case() {
    local kind=$1 out=$2
    shift 2
    start_server "$kind" "$REQTAG" --field tenant=X-Tenant-ID --output "$out" --
    send corpus "c$kind$out" "$@"
    stop_server
    line_args "$kind"
    check "$out" tenant "${LINES[@]}"
}

# ---- the hostile corpus on four servers ----

@test "json: tpcserver (thread per connection): every line a record, req_id its request's, tenant exactly the usable values sent; hostile ones absent, never printed" {
    corpus_case tpc json
    # Independently of the checker: "plain" (acme) was sent twice, 7 lines each, the key between
    # tid and msg; the start-up line has no field.
    run grep -cE '^\{"time":"[^"]+","req_id":"ctpcjson-[0-9]+","pid":[0-9]+,"tid":[0-9]+,"tenant":"acme","msg":"path=/r/ctpcjson-[0-9]+ via=' "$ERR"
    assert_output 14
    run head -n 1 "$ERR"
    assert_output --regexp '^\{"time":"[^"]+","pid":[0-9]+,"tid":[0-9]+,"msg":"listening on [0-9]+"\}$'
    # The quotes and backslashes of a value are escaped as in msg.
    run grep -cF ',"tenant":"say \"hi\" there","msg":' "$ERR"
    assert_output 14
    run grep -cF ',"tenant":"back\\slash\\\\ end\\","msg":' "$ERR"
    assert_output 14
}

@test "json: poolserver (thread pool, a connection's requests on several workers): fields travel with the request" {
    corpus_case pool json
    # Keep-alive requests without the header, served after one with it: never a field.
    run grep -E '"case": "[^"]+\+next"' "$T/expect"
    [ "${#lines[@]}" -ge 30 ]
    local id ids
    mapfile -t ids < <(grep -E '"case": "(plain|quotes)\+next"' "$T/expect" | sed -E 's/.*"id": "([^"]+)".*/\1/')
    assert_equal "${#ids[@]}" 2
    for id in "${ids[@]}"; do
        run grep -F "\"req_id\":\"$id\"" "$ERR"
        assert_equal "${#lines[@]}" 2
        refute_output --partial '"tenant"'
    done
}

@test "json: python3 -m http.server (HTTP/1.1, keep-alive): access-log records carry tenant exactly when usable" {
    plain_host_only python3
    corpus_case python json
}

@test "json: nginx (2 workers, access log on stderr): access records carry tenant exactly when usable; notices have no field" {
    plain_host_only nginx
    # nginx answers an obs-folded header with 400 (tpcserver, poolserver and python take it).
    corpus_case nginx json --skip obs-fold --skip obs-fold-tab
    run grep -c '\[notice\]' "$ERR"
    [ "$output" -ge 4 ]
    run grep '\[notice\]' "$ERR"
    refute_output --partial '"tenant"'
    refute_output --partial '"req_id"'
}

@test "logfmt: tpcserver: every line parses with logfmt.py, the same keys, tenant quoted only when it must be" {
    corpus_case tpc logfmt
    run grep -cE '^time=[^ ]+ req_id=ctpclogfmt-[0-9]+ pid=[0-9]+ tid=[0-9]+ tenant=acme msg="path=/r/' "$ERR"
    assert_output 14
    run grep -cF ' tenant="say \"hi\" there" msg="path=/r/' "$ERR"
    assert_output 14
    run grep -cF ' tenant=k=v ' "$ERR"
    assert_output 0
    run grep -cF ' tenant="k=v" msg=' "$ERR"
    assert_output 14
}

@test "logfmt: nginx: access lines parse with logfmt.py and carry the same fields" {
    plain_host_only nginx
    corpus_case nginx logfmt --skip obs-fold --skip obs-fold-tab
}

@test "logfmt (REQTAG_OUTPUT, REQTAG_FIELDS from the environment): poolserver" {
    REQTAG_OUTPUT=logfmt REQTAG_FIELDS=tenant=X-Tenant-ID start_server pool "$REQTAG" --
    send corpus envpool
    stop_server
    line_args pool
    check logfmt tenant "${LINES[@]}"
}

# ---- text mode ----

@test "text: --format '[{id} {tenant}] ' on tpcserver: the value in the tag, empty when absent" {
    start_server tpc "$REQTAG" --field tenant=X-Tenant-ID --format '[{id} {tenant}] ' --
    send corpus ctext
    stop_server
    check text tenant --format '[{id} {tenant}] ' --line "$TPC_LINE" 7
    run grep -cE '^\[ctext-[0-9]+ acme\] path=/r/ctext-[0-9]+ via=' "$ERR"
    assert_output 14
    local id
    # The first "none" request (the corpus sends each case twice: fresh, then on the keep-alive connection).
    id=$(grep -F '"case": "none"' "$T/expect" | head -n 1 | sed -E 's/.*"id": "([^"]+)".*/\1/')
    [[ $id =~ ^ctext-[0-9]+$ ]]
    run grep -c "^\[$id \] path=/r/$id via=" "$ERR"
    assert_output 7
    run head -n 1 "$ERR"
    assert_output "listening on $PORT"
}

@test "text: option order does not matter, the header name in any case: --format '<{tenant}|{id}> ' --field tenant=x-tenant-id" {
    start_server tpc "$REQTAG" --format '<{tenant}|{id}> ' --field tenant=x-tenant-id --
    send keepalive order
    stop_server
    check text tenant --format '<{tenant}|{id}> ' --line "$TPC_LINE" 7
    run grep -c '^<acme|order-0> path=/r/order-0 via=' "$ERR"
    assert_output 7
    run grep -c '^<|order-1> path=/r/order-1 via=' "$ERR"
    assert_output 7
    run grep -c '^<beta|order-2> path=/r/order-2 via=' "$ERR"
    assert_output 7
}

@test "text: REQTAG_FIELDS and REQTAG_FORMAT from the environment, python3 http.server" {
    plain_host_only python3
    REQTAG_FIELDS='tenant=X-Tenant-ID' REQTAG_FORMAT='[{id} {tenant}] ' start_server python "$REQTAG" --
    send corpus envpy
    stop_server
    check text tenant --format '[{id} {tenant}] ' --line "$PY_LINE" 1
}

# ---- keep-alive ----

# keepalive_case KIND: on one connection: acme, none, beta, hostile, none, acme, under --output json.
keepalive_case() {
    local kind=$1
    start_server "$kind" "$REQTAG" --field tenant=X-Tenant-ID --output json --
    send keepalive "ka$kind"
    stop_server
    line_args "$kind"
    check json tenant "${LINES[@]}"
    # Request 2 (no header) right after request 1 (acme): its records have no tenant.
    run grep -F "\"req_id\":\"ka$kind-1\"" "$ERR"
    [ "${#lines[@]}" -ge 1 ]
    refute_output --partial '"tenant"'
    run grep -F "\"req_id\":\"ka$kind-2\"" "$ERR"
    assert_output --partial ',"tenant":"beta","msg":'
    refute_output --partial '"tenant":"acme"'
    run grep -F "\"req_id\":\"ka$kind-4\"" "$ERR"
    refute_output --partial '"tenant"'
}

@test "keep-alive, tpcserver: each request its own fields; a request without the header has none" {
    keepalive_case tpc
}

@test "keep-alive, poolserver: each request its own fields whichever worker serves it" {
    keepalive_case pool
}

@test "keep-alive, python3 http.server: each request its own fields" {
    plain_host_only python3
    keepalive_case python
}

@test "keep-alive, nginx: each request its own fields" {
    plain_host_only nginx
    keepalive_case nginx
}

# ---- two fields ----

@test "two fields (--field twice), json, tpcserver: keys in configured order whatever the request's order" {
    start_server tpc "$REQTAG" --field tenant=X-Tenant-ID --field region=X-Region --output json --
    send two two
    stop_server
    check json tenant,region --line "$TPC_LINE" 7
    run grep -c ',"tid":[0-9]*,"tenant":"globex","region":"us east","msg":"path=/r/two-1 ' "$ERR"
    assert_output 7
}

@test "two fields, reversed configuration (REQTAG_FIELDS=region=...,tenant=...), logfmt, poolserver" {
    REQTAG_FIELDS='region=X-Region,tenant=X-Tenant-ID' start_server pool "$REQTAG" --output logfmt --
    send two rev
    stop_server
    check logfmt region,tenant --line "$POOL_LINE" 1 --line "$POOL_DONE" 1
    run grep -cE ' tid=[0-9]+ region=eu-west tenant=acme msg="pool (done )?path=/r/rev-0 ' "$ERR"
    assert_output 2
}

@test "two fields in text mode: --format '[{id} t={tenant} r={region}] ', nginx" {
    plain_host_only nginx
    start_server nginx "$REQTAG" --field tenant=X-Tenant-ID --field region=X-Region \
        --format '[{id} t={tenant} r={region}] ' --
    send two txt2
    stop_server
    check text tenant,region --format '[{id} t={tenant} r={region}] ' --line "$NGX_LINE" 1
    run grep -c '^\[txt2-4 t=umbrella r=\] 127\.0\.0\.1 "GET /r/txt2-4 HTTP/1\.1" 200 ' "$ERR"
    assert_output 1
}

# ---- summaries ----

@test "summary, json: each request's summary record carries its fields" {
    start_server tpc "$REQTAG" --summary --field tenant=X-Tenant-ID --output json --
    send corpus sumj
    stop_server
    check json tenant --line "$TPC_LINE" 7 --line "$SUMMARY_LINE" 1
    run grep -cE '"tenant":"acme","msg":"reqtag: summary method=GET path=/r/sumj-[0-9]+ status=200 ' "$ERR"
    assert_output 2
}

@test "summary, logfmt: each request's summary line carries its fields" {
    start_server tpc "$REQTAG" --summary --field tenant=X-Tenant-ID --output logfmt --
    send corpus suml
    stop_server
    check logfmt tenant --line "$TPC_LINE" 7 --line "$SUMMARY_LINE" 1
    run grep -cE ' tenant=acme msg="reqtag: summary method=GET path=/r/suml-[0-9]+ status=200 ' "$ERR"
    assert_output 2
}

@test "summary, text: the summary line's tag is the full format with {tenant}" {
    start_server tpc "$REQTAG" --summary --field tenant=X-Tenant-ID --format '[{id} {tenant}] ' --
    send keepalive sumt
    stop_server
    check text tenant --format '[{id} {tenant}] ' --line "$TPC_LINE" 7 --line "$SUMMARY_LINE" 1
    run grep -c '^\[sumt-0 acme\] reqtag: summary method=GET path=/r/sumt-0 status=200 ' "$ERR"
    assert_output 1
    run grep -c '^\[sumt-1 \] reqtag: summary method=GET path=/r/sumt-1 status=200 ' "$ERR"
    assert_output 1
}

@test "summary, json, nginx: summaries and access records carry the fields" {
    plain_host_only nginx
    start_server nginx "$REQTAG" --summary --field tenant=X-Tenant-ID --output json --
    send keepalive sumn
    stop_server
    check json tenant --line "$NGX_LINE" 1 --line "$SUMMARY_LINE" 1
}

# ---- settings: the library (environment) ----

# selfreq HEAD-LINES [THREADS]: the selfreq fixture (one request read from itself, then a line
# from main and one from each of THREADS threads) under the shim with the current environment.
selfreq() {
    run --separate-stderr timeout 20 env LD_PRELOAD="$PRELOAD" "$FIXTURES/selfreq" \
        "GET / HTTP/1.1\r\nHost: x\r\n$1\r\n" "${2:-0}"
    assert_success
    assert_output 'done'
}

@test "REQTAG_FIELDS: four fields, a 31-byte name, digits and _ in names; header names in any case" {
    local long=f123456789_123456789_1234567890
    [ "${#long}" -eq 31 ]
    export REQTAG_FIELDS="a=X-A,b_2=x-b,c3=X-C,$long=X-Long"
    export REQTAG_FORMAT="[{id} {a} {b_2} {c3} {$long}] "
    selfreq 'X-Request-ID: four-1\r\nx-a: one\r\nX-B: two\r\nX-C: three\r\nX-LONG: four\r\n' 2
    assert_equal "$(sort <<<"$stderr")" "$(printf '[four-1 one two three four] selfreq %s\n' main 'thread 0' 'thread 1' | sort)"
    export REQTAG_OUTPUT=json
    selfreq 'X-Request-ID: four-2\r\nX-Long: L\r\nX-C: C\r\nX-A: A\r\n'
    assert_regex "$stderr" "^\{\"time\":\"[^\"]+\",\"req_id\":\"four-2\",\"pid\":[0-9]+,\"tid\":[0-9]+,\"a\":\"A\",\"c3\":\"C\",\"$long\":\"L\",\"msg\":\"selfreq main\"\}$"
}

# bad_fields VALUE: REQTAG_FIELDS=VALUE warns once (a line starting "reqtag: " naming
# REQTAG_FIELDS) although 16 threads write, and no field is shown: the lines are as without it.
bad_fields() {
    REQTAG_FIELDS=$1 REQTAG_OUTPUT=json selfreq 'X-Request-ID: bad-1\r\nX-Tenant-ID: acme\r\nX-A: a\r\n' 16
    local warns rest
    warns=$(grep -F 'REQTAG_FIELDS' <<<"$stderr" || true)
    assert_equal "$(grep -c . <<<"$warns")" 1
    assert_regex "$warns" '"msg":"reqtag: '
    rest=$(grep -vF 'REQTAG_FIELDS' <<<"$stderr")
    assert_equal "$(grep -c . <<<"$rest")" 17
    assert_equal "$(grep -cE '^\{"time":"[^"]+","req_id":"bad-1","pid":[0-9]+,"tid":[0-9]+,"msg":"selfreq (main|thread [0-9]+)"\}$' <<<"$rest")" 17
}

@test "a bad REQTAG_FIELDS warns once and is ignored: bad names" {
    local v
    for v in 'Tenant=X-Tenant-ID' '1tenant=X-Tenant-ID' '_tenant=X-Tenant-ID' 'ten-ant=X-Tenant-ID' \
        'ten.ant=X-Tenant-ID' 'f123456789_123456789_1234567890x=X-Tenant-ID' \
        'tenant=X-Tenant-ID,TENANT2=X-A'; do
        echo "# REQTAG_FIELDS=$v"
        bad_fields "$v"
    done
}

@test "a bad REQTAG_FIELDS warns once and is ignored: each reserved name" {
    local n
    for n in id pid tid method path elapsed_ms time req_id msg; do
        echo "# REQTAG_FIELDS=tenant=X-Tenant-ID,$n=X-A"
        bad_fields "tenant=X-Tenant-ID,$n=X-A"
        bad_fields "$n=X-A"
    done
}

@test "a bad REQTAG_FIELDS warns once and is ignored: five fields, no '=', no header, no name" {
    local v
    for v in 'a=X-A,b=X-B,c=X-C,d=X-D,tenant=X-Tenant-ID' 'tenant' 'tenant=' '=X-Tenant-ID'; do
        echo "# REQTAG_FIELDS=$v"
        bad_fields "$v"
    done
}

@test "a bad REQTAG_FIELDS in a server: one warning, the server runs and its records have no field" {
    REQTAG_FIELDS='tenant=X-Tenant-ID,msg=X-A' start_server tpc "$REQTAG" --output json --
    send keepalive badsrv
    stop_server
    run grep -c 'REQTAG_FIELDS' "$ERR"
    assert_output 1
    run grep -F 'REQTAG_FIELDS' "$ERR"
    assert_output --regexp '^\{"time":"[^"]+","pid":[0-9]+,"tid":[0-9]+,"msg":"reqtag: '
    # Every record has exactly the keys of a record without fields (records.py is strict).
    run timeout 60 python3 "$HELPERS/records.py" check "$ERR" --output json --text "$T/text"
    echo "$output"
    assert_success
    run grep -cE '^\[badsrv-[0-5]\] path=/r/badsrv-[0-5] via=' "$T/text"
    assert_output 42
}

@test "REQTAG_FORMAT naming a field that is not configured warns once and uses the default format" {
    export REQTAG_FIELDS='tenant=X-Tenant-ID'
    export REQTAG_FORMAT='[{id} {region}] '
    selfreq 'X-Request-ID: unk-1\r\nX-Tenant-ID: acme\r\nX-Region: eu\r\n' 4
    local warns
    warns=$(grep -F 'REQTAG_FORMAT' <<<"$stderr" || true)
    assert_equal "$(grep -c . <<<"$warns")" 1
    assert_regex "$warns" '^reqtag: '
    assert_equal "$(grep -vF 'REQTAG_FORMAT' <<<"$stderr" | sort)" \
        "$(printf '[unk-1] selfreq %s\n' main 'thread '{0..3} | sort)"
    # {tenant} without any field configured: the same.
    unset REQTAG_FIELDS
    export REQTAG_FORMAT='[{id} {tenant}] '
    selfreq 'X-Request-ID: unk-2\r\nX-Tenant-ID: acme\r\n' 4
    warns=$(grep -F 'REQTAG_FORMAT' <<<"$stderr" || true)
    assert_equal "$(grep -c . <<<"$warns")" 1
    assert_equal "$(grep -vF 'REQTAG_FORMAT' <<<"$stderr" | sort)" \
        "$(printf '[unk-2] selfreq %s\n' main 'thread '{0..3} | sort)"
}

# ---- settings: the reqtag command ----

# bad_field ARGS...: reqtag ARGS -- touch ... exits 2 naming --field and runs nothing.
bad_field() {
    rm -f "$T/ran"
    run --separate-stderr "$REQTAG" "$@" -- touch "$T/ran"
    echo "# reqtag $*: status $status, stderr: $stderr"
    assert_failure 2
    assert_regex "$stderr" '^reqtag: .*--field'
    [ ! -e "$T/ran" ]
}

@test "a bad --field exits 2 naming --field and runs nothing" {
    local v
    for v in 'Tenant=X-Tenant-ID' '1tenant=X-Tenant-ID' '_t=X-T' 'ten-ant=X-Tenant-ID' 'tenant' \
        'tenant=' '=X-Tenant-ID' 'f123456789_123456789_1234567890x=X-Tenant-ID' 'tenant=X Tenant'; do
        bad_field --field "$v"
        bad_field --field=tenant=X-Tenant-ID --field "$v"
    done
}

@test "each --field adds one field: a comma list in one --field is a bad --field (exit 2)" {
    bad_field --field 'tenant=X-T,'
    bad_field --field 'tenant=X-T,region=X-R'
}

@test "--field with a reserved name exits 2, each of them" {
    local n
    for n in id pid tid method path elapsed_ms time req_id msg; do
        bad_field --field "$n=X-A"
    done
}

@test "--field: four are taken, a fifth exits 2" {
    run --separate-stderr "$REQTAG" --field a=X-A --field b=X-B --field c=X-C --field d=X-D -- true
    assert_success
    bad_field --field a=X-A --field b=X-B --field c=X-C --field d=X-D --field e=X-E
}

@test "--format naming an unknown field exits 2; in either option order a configured one is taken" {
    local args
    for args in "--field tenant=X-Tenant --format [{id}_{region}]" "--format [{region}_{id}] --field tenant=X-Tenant" \
        "--format [{id}_{tenant}]"; do
        rm -f "$T/ran"
        # shellcheck disable=SC2086 # the words of $args are the options
        run --separate-stderr "$REQTAG" $args -- touch "$T/ran"
        echo "# reqtag $args: status $status, stderr: $stderr"
        assert_failure 2
        assert_regex "$stderr" '^reqtag: .*--format'
        [ ! -e "$T/ran" ]
    done
    run --separate-stderr "$REQTAG" --format '{tenant} {id} ' --field tenant=X-Tenant -- sh -c 'echo ran'
    assert_success
    assert_output ran
    run --separate-stderr "$REQTAG" --field tenant=X-Tenant --format '{tenant} {id} ' -- sh -c 'echo ran'
    assert_success
    assert_output ran
}

@test "--field replaces REQTAG_FIELDS from the environment (a bad one is not even looked at)" {
    run --separate-stderr timeout 20 env REQTAG_FIELDS='region=X-Region' "$REQTAG" --field tenant=X-Tenant-ID \
        --output json -- "$FIXTURES/selfreq" 'GET / HTTP/1.1\r\nX-Request-ID: rep-1\r\nX-Tenant-ID: acme\r\nX-Region: eu\r\n\r\n'
    assert_success
    assert_regex "$stderr" '^\{"time":"[^"]+","req_id":"rep-1","pid":[0-9]+,"tid":[0-9]+,"tenant":"acme","msg":"selfreq main"\}$'
    # The environment's field is gone: a format naming it is refused.
    run --separate-stderr env REQTAG_FIELDS='region=X-Region' "$REQTAG" --field tenant=X-Tenant-ID \
        --format '[{id} {region}] ' -- true
    assert_failure 2
    run --separate-stderr timeout 20 env REQTAG_FIELDS='Bad Value' "$REQTAG" --field tenant=X-Tenant-ID \
        --format '[{id} {tenant}] ' -- "$FIXTURES/selfreq" 'GET / HTTP/1.1\r\nX-Request-ID: rep-2\r\nX-Tenant-ID: acme\r\n\r\n'
    assert_success
    assert_equal "$stderr" '[rep-2 acme] selfreq main'
}
