#!/usr/bin/env bash
# Install Debian's Chromium for the dashboard browser tests (tests/dashboard/test_browser.py).
# Idempotent: does nothing when /usr/bin/chromium exists. Never runs `playwright install`:
# the tests drive this system Chromium through Playwright's executable_path.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version
