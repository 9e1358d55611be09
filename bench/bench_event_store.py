"""Event-store benchmark (not a test): bulk indexing rate and search latency, SQL vs OpenSearch.

    python bench/bench_event_store.py --events 20000 [--opensearch URL] [--database-url URL]

Indexes N real-shaped events (Python SDK payloads through ``normalize_sentry_event``)
into OpenSearch (``index_documents``, the outbox path) and into SQL
(``SqlEventStore.index``, bulk_create), prints events/s for each, then p50/p95 of
five searches on each backend. SQL runs on a fresh SQLite file in a temporary
DATA_DIR unless ``--database-url`` (e.g. the PostgreSQL test server) is given;
the OpenSearch indices use a throwaway prefix and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime.now(UTC).replace(microsecond=0)
BATCH = 1000


def _setup(database_url: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["ERRORHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="errorhub-bench-")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return f"{os.cpu_count()} CPUs, {cpu}; {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; commit {commit}"


def _events(n: int, project_id: int, issues: list[int]) -> list[tuple[int, dict[str, Any]]]:
    from ingest.protocol.normalize import normalize_sentry_event

    out = []
    for i in range(n):
        when = NOW - timedelta(seconds=i * 7)
        payload = {
            "timestamp": when.isoformat(),
            "platform": "python",
            "level": ("error", "warning")[i % 2],
            "release": f"shop@1.{i % 20}.0",
            "environment": ("production", "staging")[i % 3 == 0],
            "server_name": f"web-{i % 8}",
            "transaction": f"/endpoint/{i % 50}",
            "tags": {"browser": ("Chrome", "Firefox", "Safari")[i % 3], "region": f"r{i % 5}"},
            "user": {"id": str(i % 1000)},
            "contexts": {"trace": {"trace_id": f"{i:032x}", "span_id": "b" * 16}},
            "exception": {
                "values": [
                    {
                        "type": f"Error{i % 40}",
                        "value": f"failure number {i} in step {i % 13}",
                        "mechanism": {"handled": i % 4 != 0},
                        "stacktrace": {
                            "frames": [
                                {
                                    "function": f"func_{j}_{i % 30}",
                                    "module": f"app.m{j}",
                                    "filename": f"app/m{j}.py",
                                    "lineno": j,
                                }
                                for j in range(12)
                            ]
                        },
                    }
                ]
            },
        }
        event = normalize_sentry_event(payload, project_id=project_id, event_id=uuid.uuid4().hex, received_at=when)
        out.append((issues[i % len(issues)], event))
    return out


def _rate(
    label: str,
    count: int,
    write: Callable[[list[tuple[int, dict[str, Any]]]], None],
    events: list[tuple[int, dict[str, Any]]],
) -> None:
    started = time.perf_counter()
    for at in range(0, len(events), BATCH):
        write(events[at : at + BATCH])
    elapsed = time.perf_counter() - started
    print(f"{label:<11} index {count:>8} events: {count / elapsed:>9.0f} events/s ({elapsed:.1f} s)")


def _latencies(label: str, store: Any, project_id: int, issue_id: int, runs: int = 30) -> None:
    from ingest.protocol.search.query import parse_query

    searches: dict[str, Callable[[], Any]] = {
        "by issue": lambda: store.list_for_issue(issue_id, limit=50),
        "free text": lambda: store.search(parse_query("func_3_7"), [project_id], limit=50),
        "trace id": lambda: store.search(parse_query(f"trace_id:{123:032x}"), [project_id], limit=50),
        "tag": lambda: store.search(parse_query("browser:Firefox region:r2"), [project_id], limit=50),
        "histogram": lambda: store.histogram(
            project_ids=[project_id], interval="1h", start=NOW - timedelta(days=2), end=NOW + timedelta(hours=1)
        ),
    }
    for name, run in searches.items():
        run()  # warm caches once
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        q = statistics.quantiles(samples, n=20)
        print(f"{label:<11} {name:<10} p50 {statistics.median(samples):7.1f} ms   p95 {q[18]:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--opensearch", default=os.environ.get("ERRORHUB_TEST_OPENSEARCH_URL", "http://127.0.0.1:9201"))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection
    from django.utils import timezone

    from errorhub.accounts.models import Organization, Project
    from errorhub.events.stores.base import IndexedEvent
    from errorhub.events.stores.engine import build_engine_store
    from errorhub.events.stores.sql import SqlEventStore
    from errorhub.issues.models import Issue
    from ingest.protocol.search.mappings import document_from_event

    print(f"machine: {_machine()}; SQL on {connection.vendor}; {args.events} events")
    org = Organization.objects.create(name="bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    project = Project.objects.create(organization=org, name="bench", slug="bench")
    issues = [
        Issue.objects.create(
            project=project,
            short_id=k + 1,
            title=f"Error{k}",
            grouping_version="bench",
            first_seen=timezone.now(),
            last_seen=timezone.now(),
        ).pk
        for k in range(40)
    ]
    events = _events(args.events, project.pk, issues)
    engine = build_engine_store("opensearch", args.opensearch, prefix=f"errorhub-bench-{uuid.uuid4().hex[:8]}")
    sql = SqlEventStore()
    try:
        _rate(
            "opensearch",
            len(events),
            lambda chunk: engine.index_documents([document_from_event(e, issue_id=i) for i, e in chunk]),
            events,
        )
        engine.refresh()
        _rate("sql", len(events), lambda chunk: sql.index([IndexedEvent(project.pk, i, e) for i, e in chunk]), events)
        for label, store in (("opensearch", engine), ("sql", sql)):
            _latencies(label, store, project.pk, issues[7])
    finally:
        engine.drop_indices()
        org.delete()


if __name__ == "__main__":
    main()
