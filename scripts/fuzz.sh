#!/usr/bin/env bash
# Run every atheris harness in bench/fuzz/ for N seconds each (default 30).
#   scripts/fuzz.sh [seconds]
# Crashes (an unexpected exception, a failed assertion) are written to
# bench/fuzz/artifacts/<target>/; corpora grow in bench/fuzz/corpus/<target>/.
# Exit status: non-zero if any harness crashed.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-30}"
PYTHON="${PYTHON:-python}"
export DJANGO_SETTINGS_MODULE=errorhub.settings
status=0
for harness in bench/fuzz/fuzz_*.py; do
    target="$(basename "$harness" .py)"; target="${target#fuzz_}"
    mkdir -p "bench/fuzz/corpus/$target" "bench/fuzz/artifacts/$target"
    log="bench/fuzz/artifacts/$target/last-run.log"
    "$PYTHON" "$harness" "bench/fuzz/corpus/$target" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
        -timeout=10 -max_len=65536 -artifact_prefix="bench/fuzz/artifacts/$target/" >"$log" 2>&1
    rc=$?
    execs="$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' | tail -1)"
    crashes="$(find "bench/fuzz/artifacts/$target" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)"
    printf '%-20s exit=%s executions=%s crash/timeout/oom files=%s\n' "$target" "$rc" "${execs:-?}" "$crashes"
    [ "$rc" -eq 0 ] || status=1
done
exit "$status"
