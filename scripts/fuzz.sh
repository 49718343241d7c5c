#!/usr/bin/env bash
# fuzz.sh -- run each libFuzzer target in BUILD/fuzz for SECONDS on a scratch copy of its seed
# corpus; ends with "N passed, N failed" (a target passes when it ran without a crash, leak or timeout).
set -euo pipefail

usage() {
    echo "usage: $0 BUILD SECONDS [TARGET...]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
build=$1
seconds=$2
shift 2
case "$seconds" in
'' | *[!0-9]*) usage ;;
esac

here=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for src in "$here"/tests/fuzz/fuzz_*.c; do
        targets+=("$(basename "$src" .c)")
    done
fi

# Leaks fail a run as crashes do; a sanitizer report aborts so libFuzzer saves the input.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

failed=()
for t in "${targets[@]}"; do
    bin=$build/fuzz/$t
    [ -x "$bin" ] || {
        echo "fuzz.sh: $bin not built" >&2
        exit 1
    }
    # New inputs go to a scratch corpus, never into tests/: the seeds stay the few in git.
    work=$build/fuzz/work/$t
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$here/tests/fuzz/corpus/$t"/* "$work/corpus/"
    echo "fuzz.sh: $t for ${seconds}s" >&2
    if "$bin" -dict="$here/tests/fuzz/http.dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
        >"$work/log" 2>&1; then
        grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec)' "$work/log" | tr '\n' ' ' >&2
        echo >&2
    else
        echo "fuzz.sh: $t FAILED; its log: $work/log, the input: $work/artifacts/" >&2
        tail -n 40 "$work/log" >&2
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz.sh: failed: ${failed[*]}" >&2
fi
echo "$((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
