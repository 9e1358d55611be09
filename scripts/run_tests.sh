#!/usr/bin/env bash
# Run the whole suite against the real services started by scripts/services.sh,
# after the static checks (scripts/lint.sh, seconds, so a lint failure fails fast):
# first on PostgreSQL (every test), then the SQL-store and ingest tests again on
# the SQLite path (the embedded default). Prints timings for the note on CI time.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
# shellcheck disable=SC1091
. "$REPO/.services/env"
PY="$REPO/.venv/bin/python"
export PYTHONUNBUFFERED=1

echo "== lint: ruff, mypy, import contracts (scripts/lint.sh)"
if ! bash "$REPO/scripts/lint.sh"; then
  echo "== lint failed: run 'bash scripts/lint.sh --fix' (ruff's fixes and formatting), then fix what it lists by hand" >&2
  exit 1
fi

started=$(date +%s)
echo "== pytest on PostgreSQL ($(date -u +%FT%TZ))"
DATABASE_URL="$ERRORHUB_TEST_DATABASE_URL" "$PY" -m pytest -p no:cacheprovider "$@"
pg_done=$(date +%s)

echo "== pytest on SQLite: ingest, processing and the SQL event store"
unset DATABASE_URL
"$PY" -m pytest -p no:cacheprovider -m sqlite "$@"
finished=$(date +%s)
echo "== timings: postgres run $((pg_done - started)) s, sqlite run $((finished - pg_done)) s"
