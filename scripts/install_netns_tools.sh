#!/usr/bin/env bash
# Install what the multi-node test (tests/scale) needs to give every node a host of its own:
# ip (iproute2: network namespaces, veth links), nft (nftables: the NAT to the shared services)
# and unshare (util-linux: a hostname per node). Idempotent: installs only what is missing.
# Without them (or without root) the test still runs, every node on loopback, and says so.
set -euo pipefail
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v nft >/dev/null || missing+=(nftables)
command -v unshare >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -eq 0 ]; then
  echo "network namespace tools present: $(command -v ip) $(command -v nft) $(command -v unshare)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
