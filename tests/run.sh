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

for t in "$build"/unit/test_*; do
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
REQTAG_BUILD="$(cd "$build" && pwd)" bats --tap "$root"/tests/*.bats >"$tap" 2>&1 || status=$?
cat "$tap"
count_tap "$tap"
if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$tap"; then
    echo "not ok - bats exited with status $status"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
