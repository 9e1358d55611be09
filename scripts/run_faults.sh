#!/usr/bin/env bash
# The fault tests (tests/faults/): private PostgreSQL/Redis/OpenSearch instances are
# stopped, killed and restarted while a stream of events arrives; nothing the server
# accepted may be lost or stored twice. Needs the PostgreSQL/Redis binaries and the
# OpenSearch classpath that `scripts/services.sh up` installs; never touches the shared
# services. Takes ~15 min (ERRORHUB_FAULTS_SOAK_SECONDS=60 for a quick run).
# Figures go to $ERRORHUB_FAULTS_RESULTS (default /var/tmp/errorhub-faults-results-<date>.jsonl).
set -euo pipefail
REPO="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
export ERRORHUB_FAULTS_RESULTS="${ERRORHUB_FAULTS_RESULTS:-/var/tmp/errorhub-faults-results-$(date -u +%Y%m%dT%H%M%S).jsonl}"
echo "[faults] results -> $ERRORHUB_FAULTS_RESULTS"
exec timeout --signal=TERM --kill-after=60 "${ERRORHUB_FAULTS_TIMEOUT:-2400}" \
    .venv/bin/python -m pytest tests/faults -m faults -p no:cacheprovider -o addopts="-ra --strict-markers" -s -q "$@"
