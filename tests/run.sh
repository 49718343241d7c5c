#!/usr/bin/env bash
# run.sh -- run the unit tests and the bats tests; end with one line "N passed, N failed".
set -euo pipefail

build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
passed=0
failed=0

# count_tap FILE: add a TAP stream's "ok" and "not ok" lines to the totals.
count_tap() {
    local ok notok
    ok=$(grep -c '^ok ' "$1" || true)
    notok=$(grep -c '^not ok ' "$1" || true)
    passed=$((passed + ok))
    failed=$((failed + notok))
}

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
# Sanitizer runs: REQTAG_SANITIZE (asan or tsan) and REQTAG_SAN_DIR, where every report goes (the
# asan shim has that path built in too); emptied first, so what is there at the end is this run's.
if [ -n "${REQTAG_SANITIZE:-}" ]; then
    : "${REQTAG_SAN_DIR:?REQTAG_SAN_DIR: where sanitizer reports go}"
    rm -rf "$REQTAG_SAN_DIR"
    mkdir -p "$REQTAG_SAN_DIR"
    chmod 1777 "$REQTAG_SAN_DIR" # children running as other users (www-data) report there too
    export REQTAG_SANITIZE REQTAG_SAN_DIR
fi

# REQTAG_NO_UNITS=1: the .bats files only (make stress).
for t in "$build"/unit/test_*; do
    [ -z "${REQTAG_NO_UNITS:-}" ] || break
    [ -x "$t" ] || continue
    echo "# unit: $(basename "$t")"
    status=0
    "$t" >"$tap" 2>&1 || status=$?
    cat "$tap"
    count_tap "$tap"
    if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$tap"; then
        echo "not ok - $(basename "$t") exited with status $status"
        failed=$((failed + 1))
    fi
done

echo "# bats"
status=0
# REQTAG_BATS: the .bats files to run (names under tests/, space-separated); all of them by default.
files=()
for f in ${REQTAG_BATS:-}; do
    files+=("$root/tests/$f")
done
[ ${#files[@]} -gt 0 ] || files=("$root"/tests/*.bats)
REQTAG_BUILD="$(cd "$build" && pwd)" bats --tap "${files[@]}" >"$tap" 2>&1 || status=$?
cat "$tap"
count_tap "$tap"
if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$tap"; then
    echo "not ok - bats exited with status $status"
    failed=$((failed + 1))
fi

# Sanitizer runs (REQTAG_SANITIZE=asan or tsan): every report a process wrote is a failure.
if [ -n "${REQTAG_SANITIZE:-}" ]; then
    reports=("$REQTAG_SAN_DIR"/*)
    if [ -e "${reports[0]}" ]; then
        for r in "${reports[@]}"; do
            echo "not ok - $REQTAG_SANITIZE report $(basename "$r")"
            sed 's/^/# /' "$r" | head -n 60
            failed=$((failed + 1))
        done
    else
        echo "ok - no $REQTAG_SANITIZE reports"
        passed=$((passed + 1))
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
