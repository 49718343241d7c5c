# stress_helper.bash -- shared by the stress tests (make stress): scale, a server under reqtag, the log check.
# shellcheck shell=bash

load ../test_helper

# REQTAG_STRESS_SCALE (default 1) multiplies every request count: 0.01 for a quick look.
scaled() {
    awk -v n="$1" -v s="${REQTAG_STRESS_SCALE:-1}" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'
}

# serve BANNER FIXTURE ARGS...: the fixture under reqtag on $PORT (stderr to $ERR), once it
# logged BANNER.
serve() {
    local banner=$1
    shift
    start_split "$OUT" "$ERR" "$REQTAG" -- "$FIXTURES/$1" "${@:2}"
    wait_line "$ERR" "$banner" 15
}

# hammer ARGS...: the stress client, bounded in time (every stress test stops by itself).
hammer() {
    timeout 290 "$FIXTURES/hammer" "$@"
}

# stress_check KIND REQUESTS: every line of $ERR whole and tagged with its own request.
stress_check() {
    timeout 120 python3 "$HELPERS/stresscheck.py" "$ERR" "$@"
}
