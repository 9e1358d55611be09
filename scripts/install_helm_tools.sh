#!/usr/bin/env bash
# Install helm and kubeconform (pinned) from the Go module proxy into .tools/bin, for the Helm chart test
# (tests/errorhub/test_helm_chart.py). Idempotent: a binary already at the pinned version is kept.
set -euo pipefail

HELM_VERSION="v3.21.4"
KUBECONFORM_VERSION="v0.8.0"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
mkdir -p "$BIN"

# A stamp per tool and version: a `go install`ed helm reports only "v3.21", kubeconform "development".
install_tool() {
    local name="$1" module="$2" version="$3"
    local stamp="$BIN/.$name-$version"
    if [[ -x "$BIN/$name" && -f "$stamp" ]]; then
        return 0
    fi
    echo "installing $name $version into $BIN" >&2
    GOBIN="$BIN" CGO_ENABLED=0 go install "$module@$version"
    rm -f "$BIN/.$name-"*
    touch "$stamp"
}

install_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
install_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
echo "helm $HELM_VERSION and kubeconform $KUBECONFORM_VERSION in $BIN" >&2
