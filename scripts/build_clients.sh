#!/usr/bin/env bash
# Build the real Sentry SDK test clients in tests/clients/<lang>/ (idempotent).
#
#   scripts/build_clients.sh [--force] [--capture] [--list] [LANG ...]
#
# LANG is any of: python node go java rust node-otel browser sentry-tools axe (default: all; also read from $ERRORHUB_CLIENTS,
# e.g. ERRORHUB_CLIENTS="python node go"). Each language is skipped when its build output is
# newer than its inputs; --force rebuilds anyway. --capture also re-records the fixtures in
# tests/fixtures/sentry/<lang>/ by running the client against tests/clients/recording_server.py.
# --list prints the run command of each selected client and exits.
#
# Outputs:
#   python  nothing to build; checks that sentry_sdk imports ($PYTHON, default .venv/bin/python)
#   node    tests/clients/node/node_modules            (npm ci from package-lock.json)
#   go      tests/clients/go/send_events               (go build)
#   java    tests/clients/java/target/send-events.jar + target/lib/*.jar  (mvn package)
#   rust    tests/clients/rust/target/release/send_events                 (cargo build --release --locked)
#   node-otel tests/clients/node-otel/node_modules  (npm ci; OpenTelemetry JS SDK, no Sentry fixtures to capture)
#   sentry-tools tests/clients/sentry-tools/node_modules (npm ci; sentry-cli, esbuild, @sentry/browser)
#   axe     tests/clients/axe/node_modules/axe-core/axe.min.js (npm ci; axe-core for the browser accessibility tests)
#
# Exit status: 0 when every selected language built (or was up to date), 1 otherwise.
set -u -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="$ROOT/tests/clients"
FIXTURES="$ROOT/tests/fixtures/sentry"
ALL_LANGS=(python node go java rust node-otel browser sentry-tools axe)

FORCE=0
CAPTURE=0
LIST=0
LANGS=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --capture) CAPTURE=1 ;;
    --list) LIST=1 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    python|node|go|java|rust|node-otel|browser|sentry-tools|axe) LANGS+=("$arg") ;;
    all) LANGS+=("${ALL_LANGS[@]}") ;;
    *) echo "build_clients: unknown argument '$arg' (languages: ${ALL_LANGS[*]})" >&2; exit 2 ;;
  esac
done
if [ ${#LANGS[@]} -eq 0 ]; then
  if [ -n "${ERRORHUB_CLIENTS:-}" ]; then
    read -r -a LANGS <<<"${ERRORHUB_CLIENTS//,/ }"
  else
    LANGS=("${ALL_LANGS[@]}")
  fi
fi

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

# The command that runs each client (append `crash` for crash mode).
run_cmd() {
  case "$1" in
    python) echo "$PYTHON $CLIENTS/python/send_events.py" ;;
    node) echo "node $CLIENTS/node/send_events.js" ;;
    go) echo "$CLIENTS/go/send_events" ;;
    java) echo "java -jar $CLIENTS/java/target/send-events.jar" ;;
    rust) echo "$CLIENTS/rust/target/release/send_events" ;;
    node-otel) echo "node $CLIENTS/node-otel/send_otel.js" ;;
    browser) echo "python -m pytest tests/live/test_sdk_browser.py" ;;
    sentry-tools) echo "$CLIENTS/sentry-tools/node_modules/.bin/sentry-cli" ;;
    axe) echo "python -m pytest tests/browser/test_accessibility.py" ;;
  esac
}

if [ "$LIST" = 1 ]; then
  for lang in "${LANGS[@]}"; do printf '%s\t%s\n' "$lang" "$(run_cmd "$lang")"; done
  exit 0
fi

# up_to_date OUTPUT INPUT... : true when OUTPUT exists and no INPUT (file or dir tree) is newer.
up_to_date() {
  local out="$1"; shift
  [ "$FORCE" = 1 ] && return 1
  [ -e "$out" ] || return 1
  local newer
  newer="$(find "$@" -newer "$out" -type f \
             -not -path '*/node_modules/*' -not -path '*/target/*' -print -quit 2>/dev/null)"
  [ -z "$newer" ]
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "missing toolchain: $1 not on PATH" >&2; return 1; }
}

build_python() {
  if "$PYTHON" -c 'import sentry_sdk' 2>/dev/null; then
    echo "sentry_sdk $("$PYTHON" -c 'import sentry_sdk; print(sentry_sdk.VERSION)') present"
    return 0
  fi
  echo "installing sentry-sdk into $PYTHON"
  "$PYTHON" -m pip install --quiet 'sentry-sdk==2.75.0' brotli
}

build_node() {
  need npm || return 1
  local d="$CLIENTS/node"
  if up_to_date "$d/node_modules/.package-lock.json" "$d/package.json" "$d/package-lock.json"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  touch "$d/node_modules/.package-lock.json"
}

build_go() {
  need go || return 1
  local d="$CLIENTS/go"
  if up_to_date "$d/send_events" "$d/main.go" "$d/go.mod" "$d/go.sum"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && go build -mod=readonly -o send_events .) || return 1
  touch "$d/send_events"
}

build_java() {
  need mvn || return 1
  need java || return 1
  local d="$CLIENTS/java"
  if up_to_date "$d/target/send-events.jar" "$d/pom.xml" "$d/src" && [ -d "$d/target/lib" ]; then
    echo "up to date"; return 0
  fi
  (cd "$d" && mvn -B -q -Dstyle.color=never -DskipTests package) || return 1
  touch "$d/target/send-events.jar"
}

build_rust() {
  need cargo || return 1
  local d="$CLIENTS/rust"
  if up_to_date "$d/target/release/send_events" "$d/Cargo.toml" "$d/Cargo.lock" "$d/src"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && CARGO_TARGET_DIR="$d/target" cargo build --release --locked --quiet) || return 1
  touch "$d/target/release/send_events"
}

# browser: @sentry/browser ES modules for tests/clients/browser/index.html (tests/live/test_sdk_browser.py).
build_browser() {
  need npm || return 1
  local d="$CLIENTS/browser"
  if up_to_date "$d/node_modules/.package-lock.json" "$d/package.json" "$d/package-lock.json"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  touch "$d/node_modules/.package-lock.json"
}

# node-otel: the OpenTelemetry JS SDK test client (OTLP/HTTP), run by tests/ingest/otlp/test_node_otel_client.py.
build_node-otel() {
  need npm || return 1
  local d="$CLIENTS/node-otel"
  if up_to_date "$d/node_modules/.package-lock.json" "$d/package.json" "$d/package-lock.json"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  touch "$d/node_modules/.package-lock.json"
}

# sentry-tools: the real sentry-cli (its platform binary comes from the npm registry as an optional
# dependency), esbuild and @sentry/browser, for the sentry-cli and source-map tests.
build_sentry-tools() {
  need npm || return 1
  local d="$CLIENTS/sentry-tools"
  if up_to_date "$d/node_modules/.package-lock.json" "$d/package.json" "$d/package-lock.json"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  "$d/node_modules/.bin/sentry-cli" --version >/dev/null || { echo "sentry-cli does not run" >&2; return 1; }
  touch "$d/node_modules/.package-lock.json"
}

# axe: axe-core, injected by Playwright into every dashboard page (tests/browser/axe.py).
build_axe() {
  need npm || return 1
  local d="$CLIENTS/axe"
  if up_to_date "$d/node_modules/.package-lock.json" "$d/package.json" "$d/package-lock.json"; then
    echo "up to date"; return 0
  fi
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  [ -s "$d/node_modules/axe-core/axe.min.js" ] || { echo "axe-core/axe.min.js is missing" >&2; return 1; }
  touch "$d/node_modules/.package-lock.json"
}

capture_lang() {
  local lang="$1" cmd
  [ "$lang" = node-otel ] && { echo "node-otel sends OTLP, not Sentry envelopes: nothing to capture"; return 0; }
  [ "$lang" = browser ] && { echo "browser: no recorded fixtures (the page runs in Chromium)"; return 0; }
  [ "$lang" = sentry-tools ] && { echo "sentry-tools: tooling, not an SDK: nothing to capture"; return 0; }
  [ "$lang" = axe ] && { echo "axe: a test tool, not an SDK: nothing to capture"; return 0; }
  cmd="$(run_cmd "$lang")"
  local out="$FIXTURES/$lang"
  mkdir -p "$out"
  # shellcheck disable=SC2086
  "$PYTHON" "$CLIENTS/recording_server.py" capture --clean --out "$out" --name normal -- $cmd || return 1
  # shellcheck disable=SC2086
  "$PYTHON" "$CLIENTS/recording_server.py" capture --clean --out "$out" --name crash -- $cmd crash || return 1
}

declare -A RESULT SECONDS_TAKEN
FAILED=0
TOTAL_START=$(date +%s.%N)
for lang in "${LANGS[@]}"; do
  echo "== $lang: build"
  start=$(date +%s.%N)
  if "build_$lang"; then
    RESULT[$lang]=ok
    if [ "$CAPTURE" = 1 ]; then
      echo "== $lang: capture fixtures"
      capture_lang "$lang" || { RESULT[$lang]="capture FAILED"; FAILED=1; }
    fi
  else
    RESULT[$lang]=FAILED
    FAILED=1
  fi
  end=$(date +%s.%N)
  SECONDS_TAKEN[$lang]=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
  echo "== $lang: ${RESULT[$lang]} in ${SECONDS_TAKEN[$lang]}s"
done
TOTAL=$(awk -v a="$TOTAL_START" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')

echo
echo "build_clients summary:"
for lang in "${LANGS[@]}"; do
  printf '  %-7s %-16s %6ss  %s\n' "$lang" "${RESULT[$lang]}" "${SECONDS_TAKEN[$lang]}" "$(run_cmd "$lang")"
done
echo "  total   ${TOTAL}s"
exit "$FAILED"
