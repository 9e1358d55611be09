#!/usr/bin/env bash
# Install Debian's docker-compose (v1, Python) when it is missing. It validates
# docker/compose.yml with `docker-compose config` without a Docker engine, which
# is what tests/errorhub/test_compose.py runs. Idempotent: a no-op when present.
set -euo pipefail

if command -v docker-compose >/dev/null 2>&1; then
    echo "docker-compose already installed: $(docker-compose version --short 2>/dev/null || echo present)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# wait for another apt run (e.g. scripts/services.sh) instead of failing on its lock
$SUDO apt-get -o DPkg::Lock::Timeout=600 update
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y docker-compose
docker-compose version
