#!/usr/bin/env bash
# Static checks, the first step of the test command (scripts/run_tests.sh). Configuration: pyproject.toml
# (ruff, mypy) and .importlinter (layer contracts, when present).
#
#   bash scripts/lint.sh          check only: ruff check, ruff format --check, mypy (strict on ingest/protocol/),
#                                 lint-imports; runs every check, then exits non-zero if any failed
#   bash scripts/lint.sh --fix    apply ruff's safe fixes, then ruff format; what remains must be fixed by hand
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

for tool in ruff mypy; do
  if [[ ! -x "$BIN/$tool" ]]; then
    echo "lint: $BIN/$tool is missing; install the dev tools with: make install-dev" >&2
    exit 2
  fi
done

if [[ "${1:-}" == "--fix" ]]; then
  "$BIN/ruff" check --fix --exit-zero --quiet . && "$BIN/ruff" format . || exit 1
  echo "== lint: left for a hand fix (long strings and comments the formatter cannot split, bugbear findings ...)"
  "$BIN/ruff" check --no-fix --output-format concise .   # after formatting: lines it split are not reported
  exit $?
elif [[ $# -gt 0 ]]; then
  echo "usage: bash scripts/lint.sh [--fix]" >&2
  exit 2
fi

failed=()
run() {  # run NAME CMD...: run one check, remember its name if it fails (all checks run, so one pass shows all)
  local name=$1
  shift
  echo "== lint: $name"
  "$@" || failed+=("$name")
}

# One line per finding; `.venv/bin/ruff check FILE` / `.venv/bin/ruff format --diff FILE` show the detail.
run "ruff check" "$BIN/ruff" check --no-fix --output-format concise .
run "ruff format --check" "$BIN/ruff" format --check --output-format concise .
run "mypy" "$BIN/mypy"
if [[ -f .importlinter ]]; then
  if [[ -x "$BIN/lint-imports" ]]; then
    run "lint-imports" env PYTHONPATH=. "$BIN/lint-imports"
  else
    echo "lint: .importlinter exists but $BIN/lint-imports is missing; run: make install-dev" >&2
    failed+=("lint-imports")
  fi
fi

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "lint FAILED: ${failed[*]}" >&2
  echo "lint: run 'bash scripts/lint.sh --fix' for ruff's fixes and formatting; fix the rest (and mypy) by hand" >&2
  exit 1
fi
echo "lint: all checks passed"
