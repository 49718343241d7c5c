#!/usr/bin/env bash
# bench.sh -- the reqtag benchmark suite: throughput, callgrind counts, micro costs, memory; prints the machine and one table.
#
# Usage: scripts/bench.sh [--quick] [BUILD]   (make bench [QUICK=1])
# Progress goes to stderr; the machine block and the table go to stdout. Nothing here is a test:
# the "met?" column reports, it never fails the run. Environment knobs (full-run defaults):
#   BENCH_PAIRS=5 BENCH_SECONDS=4 BENCH_WARMUP=1 BENCH_SERVERS="nginx lighttpd node python poolserver"
#   BENCH_CONNS="10 1000 10000 100000"
set -euo pipefail

quick=0
if [ "${1:-}" = --quick ]; then
    quick=1
    shift
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
lib="$build/libreqtag.so"
reqtag="$build/reqtag"
bb="$build/bench"

if [ "$quick" = 1 ]; then
    pairs=${BENCH_PAIRS:-1} secs=${BENCH_SECONDS:-1} warmup=${BENCH_WARMUP:-0}
    conns_list=${BENCH_CONNS:-"10 1000"}
    cg_n1=20 cg_n2=120 ir_n=20000 micro_n=200000 line_n=20000 thread_n=2000 alloc_n1=100 alloc_n2=600 scan_s=0.3
else
    pairs=${BENCH_PAIRS:-5} secs=${BENCH_SECONDS:-4} warmup=${BENCH_WARMUP:-1}
    conns_list=${BENCH_CONNS:-"10 1000 10000 100000"}
    cg_n1=500 cg_n2=5500 ir_n=100000 micro_n=2000000 line_n=200000 thread_n=20000 alloc_n1=1000 alloc_n2=11000 scan_s=2
fi
servers=${BENCH_SERVERS:-"nginx lighttpd node python poolserver"}

for f in "$lib" "$reqtag" "$build/fixtures/poolserver" "$bb/micro" "$bb/kaclient" "$bb/conns" \
    "$bb/scanbench" "$bb/mallocount.so"; do
    [ -e "$f" ] || {
        echo "bench.sh: $f is missing (run make bench)" >&2
        exit 1
    }
done
for t in wrk valgrind nginx lighttpd node python3 taskset; do
    command -v "$t" >/dev/null || {
        echo "bench.sh: $t is not installed (scripts/deps.sh bench)" >&2
        exit 1
    }
done

unset LD_PRELOAD REQTAG_HEADER REQTAG_GENERATE REQTAG_FORMAT REQTAG_DISABLE REQTAG_STREAMS REQTAG_OUTPUT \
    REQTAG_SUMMARY REQTAG_ECHO REQTAG_PROPAGATE REQTAG_CONTEXT
tmp=$(mktemp -d /tmp/reqtag-bench.XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# Two cores: the server runs on one, the load generator on the other.
srv_cpu=0 cli_cpu=1
if [ "$(nproc)" -lt 2 ]; then
    cli_cpu=0
fi

log() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- helpers

# free_port: a TCP port on 127.0.0.1 nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
    local port=$1 limit=${2:-15} i
    for ((i = 0; i < limit * 20; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "bench.sh: nothing listens on port $port after ${limit}s" >&2
    return 1
}

# stop_server [SECONDS]: TERM the server, then KILL it if it lingers (default 10 s); wait for it.
stop_server() {
    local i limit=${1:-10}
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for ((i = 0; i < limit * 20; i++)); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

# median, spread: of the numbers on stdin (one a line).
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# spread DIGITS: "min..max" of the numbers on stdin.
spread() { sort -g | awk -v d="$1" 'NR==1{lo=$1} {hi=$1} END {printf "%.*f..%.*f", d, lo, d, hi}'; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN {print $1}"; }
# fmt DIGITS X: X with DIGITS decimals.
fmt() { awk -v d="$1" -v x="$2" 'BEGIN {printf "%.*f", d, x}'; }
# sfmt DIGITS X: X with DIGITS decimals and its sign (+0.0, -3.2).
sfmt() { awk -v d="$1" -v x="$2" 'BEGIN {printf "%+.*f", d, x}'; }

ROWS=()
# row NAME BASELINE WITH RATIO BUDGET MET: one line of the table.
row() {
    ROWS+=("$1|$2|$3|$4|$5|$6")
}
# met VALUE OP LIMIT: "yes" or "no" (OP is <= or >=).
met() {
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "nan" || v == "") { print "n/a"; exit }
        if (op == "<=") print (v + 0 <= l + 0 ? "yes" : "NO"); else print (v + 0 >= l + 0 ? "yes" : "NO") }'
}

# noisy BASELINES: true when the machine itself was noisy: the baseline runs (one a line) differ
# by more than 10%.
noisy() {
    awk -v lo="$(sort -g "$1" | head -n1)" -v hi="$(sort -g "$1" | tail -n1)" 'BEGIN {exit !(lo > 0 && hi / lo > 1.10)}'
}

# met_tput RATIOS BASELINES LIMIT: a throughput row's verdict. On a noisy machine the median of a
# few ratios says little: "yes" only if every pair met the budget, "NO" only if none did, "noisy"
# otherwise.
met_tput() {
    local verdict
    verdict=$(met "$(median <"$1")" '>=' "$3")
    if [ "$verdict" = n/a ] || ! noisy "$2"; then
        echo "$verdict"
        return
    fi
    awk -v lo="$(sort -g "$1" | head -n1)" -v hi="$(sort -g "$1" | tail -n1)" -v l="$3" \
        'BEGIN {print (lo + 0 >= l + 0 ? "yes" : (hi + 0 < l + 0 ? "NO" : "noisy"))}'
}

# ---------------------------------------------------------------- servers

# start_server NAME PORT DIR LOG shim|base: start a fresh server on the server core, stderr (and
# stdout) appended to LOG; SERVER_PID is the server itself (reqtag and taskset exec it).
start_server() {
    local name=$1 port=$2 dir=$3 logf=$4 variant=$5 pre=()
    [ "$variant" = shim ] && pre=("$reqtag" --)
    mkdir -p "$dir/tmp" "$dir/docs"
    echo "ok" >"$dir/docs/index.html"
    case $name in
    nginx)
        sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@MASTER@|on|g" \
            "$root/scripts/bench/nginx.conf.in" >"$dir/nginx.conf"
        taskset -c "$srv_cpu" "${pre[@]}" nginx -e stderr -c "$dir/nginx.conf" -p "$dir/" >>"$logf" 2>&1 &
        ;;
    lighttpd)
        sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "$root/scripts/bench/lighttpd.conf.in" >"$dir/lighttpd.conf"
        taskset -c "$srv_cpu" "${pre[@]}" lighttpd -D -f "$dir/lighttpd.conf" >>"$logf" 2>&1 &
        ;;
    node)
        taskset -c "$srv_cpu" "${pre[@]}" node "$root/tests/servers/node/server.js" "$port" >>"$logf" 2>&1 &
        ;;
    python)
        (cd "$dir/docs" && exec taskset -c "$srv_cpu" "${pre[@]}" python3 -m http.server "$port" \
            --bind 127.0.0.1 >>"$logf" 2>&1) &
        ;;
    poolserver)
        taskset -c "$srv_cpu" "${pre[@]}" "$build/fixtures/poolserver" "$port" 2 >>"$logf" 2>&1 &
        ;;
    *)
        echo "bench.sh: unknown server $name" >&2
        exit 1
        ;;
    esac
    SERVER_PID=$!
    wait_port "$port"
}

# to_ms VALUE: wrk's latency ("812.00us", "1.23ms", "1.01s") in milliseconds.
to_ms() {
    awk -v x="$1" 'BEGIN {
        if (x ~ /us$/) { sub(/us$/, "", x); print x / 1000 }
        else if (x ~ /ms$/) { sub(/ms$/, "", x); print x + 0 }
        else if (x ~ /m$/) { sub(/m$/, "", x); print x * 60000 }
        else { sub(/s$/, "", x); print x * 1000 } }'
}

# tput_run NAME id|noid shim|base: one fresh server, warm-up, one measured wrk run; prints "RPS P99MS".
tput_run() {
    local name=$1 idcase=$2 variant=$3 port dir="$tmp/srv" logf="$tmp/srv.log" lua=() out rps p99
    rm -rf "$dir"
    : >"$logf"
    port=$(free_port)
    start_server "$name" "$port" "$dir" "$logf" "$variant"
    [ "$idcase" = id ] && lua=(-s "$root/scripts/bench/id.lua")
    if [ "$warmup" != 0 ]; then
        taskset -c "$cli_cpu" wrk -t1 -c16 -d"${warmup}s" "${lua[@]}" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
    fi
    out=$(taskset -c "$cli_cpu" wrk -t1 -c16 -d"${secs}s" --latency "${lua[@]}" "http://127.0.0.1:$port/" 2>&1) || true
    stop_server
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    if [ -z "$rps" ] || [ -z "$p99" ]; then
        echo "bench.sh: wrk against $name ($idcase, $variant) gave no result:" >&2
        echo "$out" >&2
        echo "nan nan"
        return 0
    fi
    if [ "$variant" = shim ] && [ "$idcase" = id ] && ! grep -q '^\[bench-' "$logf"; then
        log "warning: $name under the shim wrote no line tagged [bench-...] (log: $(head -c 300 "$logf"))"
    fi
    echo "$rps $(to_ms "$p99")"
}

# throughput NAME: A B A B ... for both cases; one req/s row and one p99 row per case.
throughput() {
    local name=$1 idcase label i a b ra rb pa pb budget
    case $name in
    nginx | lighttpd) budget=0.99 ;;
    node) budget=0.98 ;;
    *) budget= ;;
    esac
    for idcase in id noid; do
        label="ID present"
        [ "$idcase" = noid ] && label="ID absent"
        : >"$tmp/ra" && : >"$tmp/rb" && : >"$tmp/ratio" && : >"$tmp/pa" && : >"$tmp/pb"
        for ((i = 1; i <= pairs; i++)); do
            read -r ra pa < <(tput_run "$name" "$idcase" base)
            read -r rb pb < <(tput_run "$name" "$idcase" shim)
            log "$name $label pair $i: base $ra req/s p99 ${pa}ms, shim $rb req/s p99 ${pb}ms"
            echo "$ra" >>"$tmp/ra"
            echo "$rb" >>"$tmp/rb"
            echo "$pa" >>"$tmp/pa"
            echo "$pb" >>"$tmp/pb"
            calc "$rb / $ra" >>"$tmp/ratio"
        done
        a=$(median <"$tmp/ra")
        b=$(median <"$tmp/rb")
        noisy "$tmp/ra" && log "$name $label: the baseline runs differ by more than 10% (a noisy machine): see the spread"
        local r sp
        r=$(median <"$tmp/ratio")
        sp=$(spread 3 <"$tmp/ratio")
        if [ -n "$budget" ]; then
            row "$name req/s, $label" "$(fmt 0 "$a")" "$(fmt 0 "$b")" "$(fmt 3 "$r") ($sp)" ">= $budget" "$(met_tput "$tmp/ratio" "$tmp/ra" "$budget")"
        else
            row "$name req/s, $label" "$(fmt 0 "$a")" "$(fmt 0 "$b")" "$(fmt 3 "$r") ($sp)" "-" "-"
        fi
        a=$(median <"$tmp/pa")
        b=$(median <"$tmp/pb")
        row "$name p99 ms, $label" "$(fmt 3 "$a")" "$(fmt 3 "$b")" "x$(fmt 2 "$(calc "$b / $a")")" "-" "-"
    done
}

# ---------------------------------------------------------------- callgrind

# cg_run nginx|poolserver shim|base N: total Ir of a server that served N keep-alive requests
# (with IDs) on one connection, run under callgrind from start to exit.
cg_run() {
    local name=$1 variant=$2 n=$3 port dir="$tmp/cg" vglog="$tmp/cg.vg" env=() cmd ir
    rm -rf "$dir"
    mkdir -p "$dir/tmp"
    port=$(free_port)
    [ "$variant" = shim ] && env=("LD_PRELOAD=$lib")
    if [ "$name" = nginx ]; then
        sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@MASTER@|off|g" \
            "$root/scripts/bench/nginx.conf.in" >"$dir/nginx.conf"
        cmd=(nginx -e stderr -c "$dir/nginx.conf" -p "$dir/")
    else
        cmd=("$build/fixtures/poolserver" "$port" 2)
    fi
    env "${env[@]}" valgrind --tool=callgrind --log-file="$vglog" --callgrind-out-file="$dir/callgrind.out" \
        "${cmd[@]}" >"$dir/log" 2>&1 &
    SERVER_PID=$!
    wait_port "$port" 60
    if ! "$bb/kaclient" "$port" "$n" cg >&2; then
        log "kaclient against $name ($variant) under callgrind failed"
    fi
    if [ "$name" = nginx ]; then
        # A graceful stop (QUIT) lets nginx leave on its own, so valgrind prints its total.
        kill -QUIT "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 600); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
    fi
    stop_server 60
    if grep -qiE 'invalid|uninitialised|unhandled|unrecognised|warning' "$vglog"; then
        log "valgrind said about $name ($variant): $(grep -iE 'invalid|uninitialised|unhandled|unrecognised|warning' "$vglog" | head -5 | tr '\n' ' ')"
    fi
    ir=$(awk '/Collected :/ {print $NF}' "$vglog" | tail -n 1)
    if [ -z "$ir" ]; then
        log "no callgrind total for $name ($variant): $(tail -n 3 "$vglog" | tr '\n' ' ') / $(tail -n 3 "$dir/log" | tr '\n' ' ')"
        ir=nan
    fi
    echo "$ir"
}

# cg_try NAME shim|base N: cg_run, once more if it gave no total.
cg_try() {
    local ir
    ir=$(cg_run "$@")
    [ "$ir" = nan ] && ir=$(cg_run "$@")
    echo "$ir"
}

# callgrind NAME [BUDGET]: instructions per request, (Ir(N2) - Ir(N1)) / (N2 - N1), both ways.
callgrind() {
    local name=$1 budget=${2:-} a1 a2 b1 b2 a b added
    a1=$(cg_try "$name" base "$cg_n1")
    a2=$(cg_try "$name" base "$cg_n2")
    b1=$(cg_try "$name" shim "$cg_n1")
    b2=$(cg_try "$name" shim "$cg_n2")
    log "callgrind $name: base Ir $a1 ($cg_n1 req) $a2 ($cg_n2 req); shim Ir $b1 $b2"
    if [ "$a1" = nan ] || [ "$a2" = nan ] || [ "$b1" = nan ] || [ "$b2" = nan ]; then
        row "$name Ir/request (callgrind, ID present)" "-" "-" "failed" "${budget:+<= +$budget}" "n/a"
        return
    fi
    a=$(calc "($a2 - $a1) / ($cg_n2 - $cg_n1)")
    b=$(calc "($b2 - $b1) / ($cg_n2 - $cg_n1)")
    added=$(calc "$b - $a")
    if [ -n "$budget" ]; then
        row "$name Ir/request (callgrind, ID present)" "$(fmt 0 "$a")" "$(fmt 0 "$b")" "$(sfmt 0 "$added")" "<= +$budget" "$(met "$added" '<=' "$budget")"
    else
        row "$name Ir/request (callgrind, ID present)" "$(fmt 0 "$a")" "$(fmt 0 "$b")" "$(sfmt 0 "$added")" "-" "-"
    fi
}

# ---------------------------------------------------------------- micro

# micro_pair MODE COUNT ENV...: one run without the shim, one with (ENV... added); prints "A B" ns.
micro_pair() {
    local mode=$1 n=$2 a b
    shift 2
    a=$(taskset -c "$srv_cpu" "$bb/micro" "$mode" "$n" 2>>"$tmp/micro-a.log" | awk '{print $2}')
    b=$(env "LD_PRELOAD=$lib" "$@" taskset -c "$srv_cpu" "$bb/micro" "$mode" "$n" 2>>"$tmp/micro-b.log" | awk '{print $2}')
    : >"$tmp/micro-a.log"
    : >"$tmp/micro-b.log"
    echo "$a $b"
}

# micro ROWNAME MODE COUNT added|ratio BUDGET ENV...: PAIRS pairs, median of each side and of the
# per-pair difference (added) or ratio.
micro() {
    local name=$1 mode=$2 n=$3 kind=$4 budget=$5 i a b
    shift 5
    : >"$tmp/ma" && : >"$tmp/mb" && : >"$tmp/md"
    for ((i = 1; i <= pairs; i++)); do
        read -r a b < <(micro_pair "$mode" "$n" "$@")
        log "micro $mode pair $i: base $a ns, shim $b ns"
        echo "$a" >>"$tmp/ma"
        echo "$b" >>"$tmp/mb"
        if [ "$kind" = added ]; then calc "$b - $a" >>"$tmp/md"; else calc "$b / $a" >>"$tmp/md"; fi
    done
    a=$(median <"$tmp/ma")
    b=$(median <"$tmp/mb")
    local d sp
    d=$(median <"$tmp/md")
    if [ "$kind" = added ]; then
        sp=$(spread 1 <"$tmp/md")
        row "$name" "$(fmt 1 "$a")" "$(fmt 1 "$b")" "$(sfmt 1 "$d") ($sp)" "<= +$budget" "$(met "$d" '<=' "$budget")"
    else
        sp=$(spread 2 <"$tmp/md")
        row "$name" "$(fmt 1 "$a")" "$(fmt 1 "$b")" "x$(fmt 2 "$d") ($sp)" "<= x$budget" "$(met "$d" '<=' "$budget")"
    fi
}

# micro_ir ROWNAME MODE CALLS ENV...: instructions per hooked call under callgrind, which no noisy
# machine moves: (Ir(2N iterations) - Ir(N)) / N / CALLS (hooked calls an iteration), without
# and with the shim (ENV... added). Beside the ns rows: it says whether a change there is real.
micro_ir() {
    local name=$1 mode=$2 calls=$3 v k env a b
    shift 3
    declare -A ir
    for v in base shim; do
        env=()
        [ "$v" = shim ] && env=("LD_PRELOAD=$lib" "$@")
        for k in 1 2; do
            env "${env[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$tmp/mir.log" \
                "$bb/micro" "$mode" $((k * ir_n)) 1 >/dev/null 2>&1 || log "micro $mode under callgrind failed"
            ir[$v$k]=$(awk '/Collected :/ {print $NF}' "$tmp/mir.log")
        done
    done
    a=$(calc "(${ir[base2]:-0} - ${ir[base1]:-0}) / $ir_n / $calls")
    b=$(calc "(${ir[shim2]:-0} - ${ir[shim1]:-0}) / $ir_n / $calls")
    row "$name" "$(fmt 1 "$a")" "$(fmt 1 "$b")" "$(sfmt 1 "$(calc "$b - $a")")" "-" "-"
}

# ---------------------------------------------------------------- heap allocations

# count_file FILE: the counter mallocount.so keeps there.
count_file() { od -An -tu8 "$1" | tr -d ' '; }

# alloc_run shim|base: allocations per request in poolserver, (C(N2) - C(N1)) / (N2 - N1) over two
# keep-alive connections after a warm-up connection.
alloc_run() {
    local variant=$1 port pre c0 c1 c2 cf="$tmp/mallocount"
    pre="$bb/mallocount.so"
    [ "$variant" = shim ] && pre="$lib $bb/mallocount.so"
    port=$(free_port)
    env "LD_PRELOAD=$pre" "MALLOCOUNT_FILE=$cf" "$build/fixtures/poolserver" "$port" 2 >"$tmp/alloc.log" 2>&1 &
    SERVER_PID=$!
    wait_port "$port"
    "$bb/kaclient" "$port" 200 warm
    sleep 0.2
    c0=$(count_file "$cf")
    "$bb/kaclient" "$port" "$alloc_n1" a
    sleep 0.2
    c1=$(count_file "$cf")
    "$bb/kaclient" "$port" "$alloc_n2" b
    sleep 0.2
    c2=$(count_file "$cf")
    stop_server
    log "allocations in poolserver ($variant): $c0 after warm-up, +$((c1 - c0)) for $alloc_n1 requests, +$((c2 - c1)) for $alloc_n2"
    calc "(($c2 - $c1) - ($c1 - $c0)) / ($alloc_n2 - $alloc_n1)"
}

# ---------------------------------------------------------------- memory per connection

# anon_kb PID: the process's anonymous memory in kB (smaps_rollup).
anon_kb() { awk '/^Anonymous:/ {print $2}' "/proc/$1/smaps_rollup"; }

# conns_run shim|base N: anonymous kB of the conns server holding N open connections, or "nan".
conns_run() {
    local variant=$1 n=$2 port pre=() cpid kb i
    [ "$variant" = shim ] && pre=("$reqtag" --)
    port=$(free_port)
    rm -f "$tmp/fifo"
    mkfifo "$tmp/fifo"
    exec 7<>"$tmp/fifo"
    "${pre[@]}" "$bb/conns" server "$port" >"$tmp/conns.out" 2>"$tmp/conns.log" &
    SERVER_PID=$!
    wait_port "$port"
    "$bb/conns" client "$port" "$n" <&7 >"$tmp/client.out" 2>"$tmp/client.log" &
    cpid=$!
    for ((i = 0; i < 3000; i++)); do
        grep -q '^open ' "$tmp/client.out" && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q "^open $n$" "$tmp/client.out"; then
        sleep 0.5
        kb=$(anon_kb "$SERVER_PID")
    else
        log "conns client ($variant, N=$n) failed: $(cat "$tmp/client.log")"
        kb=nan
    fi
    kill -TERM "$cpid" 2>/dev/null || true
    wait "$cpid" 2>/dev/null || true
    exec 7>&-
    stop_server
    echo "$kb"
}

# ---------------------------------------------------------------- the run

log "quick=$quick pairs=$pairs seconds=$secs warmup=$warmup servers: $servers"
for s in nginx lighttpd node python poolserver; do
    if [[ " $servers " == *" $s "* ]]; then
        log "throughput: $s"
        throughput "$s"
    else
        for lbl in "ID present" "ID absent"; do
            row "$s req/s, $lbl" "skipped" "skipped" "-" "-" "-"
            row "$s p99 ms, $lbl" "skipped" "skipped" "-" "-" "-"
        done
    fi
done

log "callgrind"
callgrind nginx 600
callgrind poolserver

log "micro"
micro "hooked read, untracked file (ns/call)" file "$micro_n" added 5
micro "hooked write/read, untracked pipe (ns/call)" pipe "$micro_n" added 5
micro_ir "hooked read, untracked file (instructions/call)" file 1
micro_ir "hooked write/read, untracked pipe (instructions/call)" pipe 2
micro "stderr line tagged vs untagged (ns/line)" line "$line_n" ratio 1.1 REQTAG_CONTEXT=bench-line-1
micro "pthread_create+join (ns)" thread "$thread_n" ratio 1.05

log "scanner"
scan_out=$(taskset -c "$srv_cpu" "$bb/scanbench" "$scan_s")
log "scanbench: $scan_out"
gbps=$(awk '{print $2}' <<<"$scan_out")
row "scanner GB/s (heads $(awk '{print $8 "-" $10}' <<<"$scan_out") B, ID last)" "-" "$(fmt 2 "$gbps")" "-" ">= 2" "$(met "$gbps" '>=' 2)"

log "heap allocations"
al_a=$(alloc_run base)
al_b=$(alloc_run shim)
al_d=$(calc "$al_b - $al_a")
row "heap allocs/request after warm-up (poolserver)" "$(fmt 3 "$al_a")" "$(fmt 3 "$al_b")" "$(sfmt 3 "$al_d")" "0" "$(met "$al_d" '<=' 0)"

log "memory per connection"
ulimit -n 300000 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
# The per-N rows divide all the shim's memory by N (a fixed part shows at small N); the budget
# row is the growth per added connection between the two largest N measured.
mem_n=() mem_kb=()
for n in 10 1000 10000 100000; do
    if [[ " $conns_list " != *" $n "* ]]; then
        row "shim memory/conn at N=$n (bytes)" "skipped" "skipped" "-" "-" "-"
        continue
    fi
    if [ "$n" -gt $(($(ulimit -n) - 100)) ]; then
        log "N=$n needs ulimit -n above $n (it is $(ulimit -n))"
        row "shim memory/conn at N=$n (bytes)" "no fds" "no fds" "-" "-" "n/a"
        continue
    fi
    ka=$(conns_run base "$n")
    kb=$(conns_run shim "$n")
    log "conns N=$n: server anonymous memory base ${ka} kB, shim ${kb} kB"
    if [ "$ka" = nan ] || [ "$kb" = nan ]; then
        row "shim memory/conn at N=$n (bytes)" "$ka kB" "$kb kB" "failed" "-" "n/a"
    else
        per=$(calc "($kb - $ka) * 1024 / $n")
        row "shim memory/conn at N=$n (bytes)" "$ka kB" "$kb kB" "$(fmt 0 "$per") B/conn" "-" "-"
        mem_n+=("$n")
        mem_kb+=("$(calc "$kb - $ka")")
    fi
done
if [ "${#mem_n[@]}" -ge 2 ]; then
    i=$((${#mem_n[@]} - 1))
    lo=${mem_n[$((i - 1))]} hi=${mem_n[$i]}
    slope=$(calc "(${mem_kb[$i]} - ${mem_kb[$((i - 1))]}) * 1024 / ($hi - $lo)")
    row "shim memory per added conn, N $lo to $hi (bytes)" "-" "-" "$(fmt 0 "$slope") B/conn" "<= 512" "$(met "$slope" '<=' 512)"
else
    row "shim memory per added conn (bytes)" "-" "-" "not enough N" "<= 512" "n/a"
fi

# ---------------------------------------------------------------- report

echo "## reqtag benchmark$([ "$quick" = 1 ] && echo " (QUICK: 1 pair, short runs; not for judging)")"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
echo "- cpu: $(lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2; exit}'), $(nproc) cores"
echo "- kernel: $(uname -r); $(awk -F= '/^PRETTY_NAME=/ {gsub(/"/, "", $2); print $2}' /etc/os-release)"
echo "- tools: $(nginx -v 2>&1 | sed 's/.*: //'), $(lighttpd -v 2>&1 | awk '{print $1}'), node $(node -v), $(python3 -V), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), $(valgrind --version)"
echo "- throughput: $pairs pair(s) A B, wrk -t1 -c16 ${secs}s after ${warmup}s warm-up, server on cpu $srv_cpu, wrk on cpu $cli_cpu, fresh server each run"
echo
w1=0
for r in "${ROWS[@]}"; do
    name=${r%%|*}
    [ ${#name} -gt "$w1" ] && w1=${#name}
done
printf "| %-${w1}s | %-12s | %-12s | %-22s | %-9s | %-5s |\n" "measure" "baseline" "with shim" "ratio/added" "budget" "met?"
printf "|%s|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' $(seq 1 $((w1 + 2))))" "--------------" "--------------" \
    "------------------------" "-----------" "-------"
for r in "${ROWS[@]}"; do
    IFS='|' read -r c1 c2 c3 c4 c5 c6 <<<"$r"
    printf "| %-${w1}s | %-12s | %-12s | %-22s | %-9s | %-5s |\n" "$c1" "$c2" "$c3" "$c4" "$c5" "$c6"
done
