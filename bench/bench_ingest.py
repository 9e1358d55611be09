"""Ingest throughput of a real ErrorHub over HTTP (not a test).

Starts ErrorHub like the live tests (gunicorn with 2 workers + one Celery
worker; PostgreSQL + Redis from .services/env, or ``--embedded``: SQLite and
the filesystem broker), replays the captured SDK envelopes of
tests/fixtures/sentry/ re-addressed to a fresh project with a fresh event_id
per request, from N threads for T seconds per door, and reports accepted
requests per second. Writes bench/results/ingest-<date>.{json,md}.

    . .services/env && .venv/bin/python bench/bench_ingest.py --seconds 15 --threads 8
    .venv/bin/python bench/bench_ingest.py --embedded --seconds 15
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import orjson
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.live.server import LiveServer, with_db  # noqa: E402
from tests.sentry_fixtures import FIXTURES, fresh_envelope  # noqa: E402

BENCH_REDIS_DB = 7


def _env(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "ERRORHUB_TASKS_EAGER": "0",
        "ERRORHUB_DATA_DIR": str(data_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ERRORHUB_LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "ERRORHUB_CACHE_URL"):
        env.pop(name, None)
    if not args.embedded:
        import redis

        broker = with_db(os.environ["ERRORHUB_TEST_REDIS_URL"], BENCH_REDIS_DB)
        redis.Redis.from_url(broker).flushdb()
        env.update(
            DATABASE_URL=with_db(os.environ["ERRORHUB_TEST_DATABASE_URL"], args.database), CELERY_BROKER_URL=broker
        )
    return env


def _prepare(env: dict[str, str]) -> tuple[int, str]:
    """Migrate, create the bench project; return (project id, public key)."""

    def manage(*argv: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *argv], cwd=REPO, env=env, check=True, capture_output=True, text=True
        ).stdout

    if not env.get("DATABASE_URL"):
        manage("migrate", "--noinput")
    else:
        _create_database(env["DATABASE_URL"])
        manage("migrate", "--noinput")
    out = json.loads(manage("createproject", "--org", "Bench", "--name", f"bench-{uuid.uuid4().hex[:6]}", "--json"))
    return int(out["project_id"] if "project_id" in out else out["id"]), out["dsn"].split("//")[1].split("@")[0]


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _bodies() -> list[bytes]:
    """Every captured event envelope (all five SDKs)."""
    return [
        p.read_bytes()
        for p in sorted(FIXTURES.glob("*/*.envelope"))
        if b'"type":"event"' in p.read_bytes().replace(b" ", b"")
    ]


def _store_body(body: bytes) -> bytes:
    """The event item of an envelope, as a store request body with a fresh id."""
    lines = body.split(b"\n")
    event = orjson.loads(lines[2])
    event["event_id"] = uuid.uuid4().hex
    return orjson.dumps(event)


def _run(url: str, make: callable, headers: dict[str, str], threads: int, seconds: float) -> dict:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock, stop_at = threading.Lock(), time.monotonic() + seconds

    def worker(n: int) -> None:
        session, local, lat = requests.Session(), Counter(), []
        i = n
        while time.monotonic() < stop_at:
            data = make(i)
            i += threads
            t0 = time.perf_counter()
            try:
                status = session.post(url, data=data, headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0
            lat.append(time.perf_counter() - t0)
            local[status] += 1
        with lock:
            statuses.update(local)
            latencies.extend(lat)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    pct = lambda q: round(latencies[int(q * (len(latencies) - 1))] * 1000, 1) if latencies else None  # noqa: E731
    return {
        "requests": sum(statuses.values()),
        "accepted": statuses[200],
        "statuses": dict(statuses),
        "seconds": round(elapsed, 2),
        "accepted_per_s": round(statuses[200] / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    }


def _machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout)
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit + ("-dirty" if dirty else ""),
    }


def _write(results: dict) -> Path:
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"ingest-{results['machine']['date'][:10]}{'-embedded' if results['embedded'] else ''}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    rows = "\n".join(
        f"| {door} | {r['threads']} | {r['seconds']} | {r['requests']} | {r['accepted']} | "
        f"**{r['accepted_per_s']}** | {r['p50_ms']} | {r['p99_ms']} | {r['statuses']} |"
        for door, r in results["doors"].items()
    )
    stem.with_suffix(".md").write_text(
        f"# Ingest benchmark {m['date']}\n\n"
        f"Backend: {results['backend']}; gunicorn 2 workers + 1 Celery worker (solo); "
        f"{len(results['fixtures'])} captured SDK envelopes replayed with fresh event ids.\n\n"
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}; commit {m['commit']}.\n\n"
        f"Command: `{results['command']}`\n\n"
        "| door | threads | s | requests | accepted | accepted/s | p50 ms | p99 ms | statuses |\n"
        "|---|---|---|---|---|---|---|---|---|\n" + rows + "\n\n"
        f"Worker backlog processed within {results['drain_seconds']} s after the run "
        f"(events stored: {results['stored']}).\n"
    )
    return stem.with_suffix(".md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--embedded", action="store_true", help="SQLite + filesystem broker (no services)")
    parser.add_argument("--database", default="errorhub_bench", help="PostgreSQL database name for the run")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="errorhub-bench-"))
    env = _env(args, data_dir)
    project_id, key = _prepare(env)
    server = LiveServer(env=env, log_dir=data_dir / "logs").start()
    try:
        dsn = f"http://{key}@127.0.0.1:{server.port}/{project_id}"
        bodies = _bodies()
        auth = {
            "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, sentry_client=bench/1.0",
            "Content-Type": "application/x-sentry-envelope",
        }
        doors = {
            "envelope": _run(
                f"{server.base_url}/api/{project_id}/envelope/",
                lambda i: fresh_envelope(bodies[i % len(bodies)], dsn, uuid.uuid4().hex),
                auth,
                args.threads,
                args.seconds,
            ),
            "store": _run(
                f"{server.base_url}/api/{project_id}/store/",
                lambda i: _store_body(bodies[i % len(bodies)]),
                {**auth, "Content-Type": "application/json"},
                args.threads,
                args.seconds,
            ),
        }
        for r in doors.values():
            r["threads"] = args.threads
        drain_started, stored = time.monotonic(), _drain(env, project_id)
        results = {
            "embedded": args.embedded,
            "backend": "SQLite + filesystem broker" if args.embedded else "PostgreSQL + Redis",
            "machine": _machine(),
            "doors": doors,
            "fixtures": [p.name for p in sorted(FIXTURES.glob("*/*.envelope"))],
            "drain_seconds": round(time.monotonic() - drain_started, 1),
            "stored": stored,
            "command": "bench/bench_ingest.py " + " ".join(sys.argv[1:]),
        }
        print(_write(results).read_text())
    finally:
        server.stop()


def _drain(env: dict[str, str], project_id: int, timeout: float = 300.0) -> int:
    """Wait (bounded) until the worker has stored every accepted event; return the count."""
    code = f"from ingest.models import StoredEvent;print(StoredEvent.objects.filter(project_id={project_id}).count())"
    deadline, last, same = time.monotonic() + timeout, -1, 0
    while time.monotonic() < deadline:
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=REPO, env=env, capture_output=True, text=True
        )
        count = int(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 and out.stdout.strip() else -1
        same = same + 1 if count == last else 0
        if same >= 2:
            return count
        last = count
        time.sleep(2)
    return last


if __name__ == "__main__":
    main()
