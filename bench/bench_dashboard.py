"""Server time of the dashboard's heavy pages on a large scratch database (issue #22: < 150 ms p95).

    python bench/bench_dashboard.py [--issues 10000] [--hot-events 100000] [--events 20000] [--runs 30]
                                    [--profile PATH]

Builds a throw-away database (SQLite in a temporary directory — the embedded default — or
``BENCH_DATABASE_URL``, which it migrates and fills, so point it only at an empty scratch
database you created for the purpose), then:

- bulk-creates ``--issues`` issues over five projects (a third of them in the inbox), one of which
  (the "hot" issue) gets ``--hot-events`` events and the rest share ``--events`` more, spread over
  the last 30 days with four tags each, with the hourly counts processing keeps (IssueHour);
- renders each page ``--runs`` times through Django's test client, logged in, after two warm-up
  requests, and prints the median and p95 of wall and CPU time, and the SQL queries per request.

"Server time" is the whole Django request inside the process — middleware, views, queries and
template rendering — without a socket or gunicorn in front. ``--profile PATH`` prints a
pyinstrument profile of one request to that path instead of timing.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TAG_VALUES = {
    "browser": ("Firefox", "Chrome", "Safari", "Edge"),
    "os": ("Linux", "Windows", "macOS", "iOS", "Android"),
    "server_name": tuple(f"web-{i}" for i in range(12)),
    "region": ("eu", "us", "ap"),
}
RELEASES = tuple(f"shop@1.{i}.0" for i in range(8))


def _setup(*, reuse: bool) -> bool:
    """Point Django at the scratch database and migrate it; True when it already holds a filled run."""
    scratch = tempfile.mkdtemp(prefix="errorhub-bench-")
    os.environ["ERRORHUB_DATA_DIR"] = scratch
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("ERRORHUB_LOG_LEVEL", "WARNING")  # one INFO line per request would be timed too
    os.environ["DJANGO_SETTINGS_MODULE"] = "errorhub.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    filled = "errorhub_issue" in connection.introspection.table_names()
    if filled and not reuse:
        raise SystemExit("BENCH_DATABASE_URL already holds ErrorHub tables: give an empty database (or --reuse)")
    call_command("migrate", verbosity=0)
    return filled


def _filled() -> tuple[Any, int]:
    """The user and hot issue of an earlier run on the same database (``--reuse``)."""
    from django.contrib.auth import get_user_model

    from errorhub.issues.models import Issue

    hot = Issue.objects.order_by("-times_seen").values_list("pk", flat=True).first()
    if hot is None:
        raise SystemExit("--reuse: the database holds no issues; run once without --reuse")
    return get_user_model().objects.get(username="bench"), hot


def _fill(n_issues: int, hot_events: int, n_events: int) -> tuple[Any, int]:
    """Issues, events, tags and hourly counts; returns the user and the hot issue's id."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from errorhub.accounts.models import Organization, Project, Team
    from errorhub.issues.models import Issue

    rng = random.Random(7)
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    org = Organization.objects.create(name="Bench", slug="bench")
    team = Team.objects.create(organization=org, name="Bench", slug="bench")
    team.members.add(user)
    projects = [Project.objects.create(organization=org, name=f"P{i}", slug=f"p{i}") for i in range(5)]
    for p in projects:
        p.teams.add(team)
    now = timezone.now()
    Issue.objects.bulk_create(
        [
            Issue(
                project=projects[i % 5],
                short_id=i + 1,
                title=f"KeyError: key {i}",
                culprit=f"app.views in f{i}",
                grouping_version="bench",
                first_seen=now - timedelta(days=30),
                last_seen=now - timedelta(seconds=rng.randint(0, 86400)),
                in_inbox=i % 3 == 0,
                times_seen=0,
                users_seen=rng.randint(0, 50),
                environment="production",
            )
            for i in range(n_issues)
        ],
        batch_size=2000,
    )
    ids = list(Issue.objects.order_by("pk").values_list("pk", "project_id"))
    hot = ids[0]  # in the inbox (index 0 % 3 == 0)
    hours: dict[tuple[int, datetime], int] = {}
    counts: dict[int, int] = {}
    batch: list[Any] = []
    for n in range(hot_events + n_events):
        pk, project_id = hot if n < hot_events else rng.choice(ids)
        when = now - timedelta(seconds=rng.randint(0, 30 * 86400) if n % 4 else rng.randint(0, 86400))
        batch.append(_event(rng, project_id, pk, when))
        hour = (pk, when.replace(minute=0, second=0, microsecond=0))
        hours[hour] = hours.get(hour, 0) + 1
        counts[pk] = counts.get(pk, 0) + 1
        if len(batch) == 5000:
            _flush(batch)
    _flush(batch)
    _counts(hours, counts)
    _analyze()
    return user, hot[0]


def _analyze() -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or ``PRAGMA optimize`` (SQLite) would keep
    them on a database that grew to this size over weeks rather than in one bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _event(rng: random.Random, project_id: int, issue_id: int, when: datetime) -> Any:
    from errorhub.events.models import StoredEvent

    eid = uuid.uuid4().hex
    tags = {key: rng.choice(values) for key, values in TAG_VALUES.items()}
    release = rng.choice(RELEASES)
    body = {
        "event_id": eid,
        "timestamp": when.isoformat(),
        "level": "error",
        "release": release,
        "environment": "production",
        "tags": tags,
        "exception": [
            {
                "type": "KeyError",
                "value": "k",
                "stacktrace": {"frames": [{"filename": "app/views.py", "function": "f", "lineno": 1, "in_app": True}]},
            }
        ],
    }
    return StoredEvent(
        project_id=project_id,
        issue_id=issue_id,
        event_id=eid,
        timestamp=when,
        received_at=when,
        level="error",
        release=release,
        environment="production",
        tags=tags,
        body=body,
    )


def _flush(batch: list[Any]) -> None:
    from errorhub.events.models import EventTag, StoredEvent

    rows = StoredEvent.objects.bulk_create(batch)
    EventTag.objects.bulk_create(
        [EventTag(event=r, issue_id=r.issue_id, key=k, value=v) for r in rows for k, v in r.tags.items()],
        batch_size=5000,
    )
    batch.clear()


def _counts(hours: dict[tuple[int, datetime], int], counts: dict[int, int]) -> None:
    """What processing keeps beside the events: hourly buckets and each issue's times_seen."""
    from errorhub.issues.models import Issue, IssueHour

    IssueHour.objects.bulk_create(
        [IssueHour(issue_id=pk, hour=h, count=c) for (pk, h), c in hours.items()], batch_size=5000
    )
    by_count: dict[int, list[int]] = {}
    for pk, c in counts.items():
        by_count.setdefault(c, []).append(pk)
    for c, pks in by_count.items():
        for start in range(0, len(pks), 900):
            Issue.objects.filter(pk__in=pks[start : start + 900]).update(times_seen=c)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _time(client: Any, url: str, runs: int) -> dict[str, float]:
    """Median and p95 of wall and CPU ms over ``runs`` requests after two warm-ups, and the
    queries per request. CPU time is this process's only (on SQLite that includes the
    database; on PostgreSQL the server's work shows in wall time only): on a shared machine
    it is the figure other jobs disturb least."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "median": statistics.median(wall),
        "p95": _p95(wall),
        "cpu_median": statistics.median(cpu),
        "cpu_p95": _p95(cpu),
        "queries": len(queries.captured_queries),
    }


def _profile(client: Any, url: str, path: str) -> None:
    from pyinstrument import Profiler

    client.get(url)
    profiler = Profiler(interval=0.0005)
    with profiler:
        client.get(url)
    Path(path).write_text(profiler.output_text(unicode=True, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--hot-events", type=int, default=100_000, help="events of the one issue whose page is timed")
    parser.add_argument("--events", type=int, default=20_000, help="events spread over all the other issues")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", metavar="PATH", help="write pyinstrument profiles (PATH-<page>.txt), no timing")
    parser.add_argument(
        "--reuse", action="store_true", help="time an earlier run's BENCH_DATABASE_URL again instead of filling it"
    )
    args = parser.parse_args()
    reuse = _setup(reuse=args.reuse)
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    user, hot = _filled() if reuse else _fill(args.issues, args.hot_events, args.events)
    print(
        f"{'reused' if reuse else 'filled'} {args.issues} issues, {args.hot_events} events on issue {hot} "
        f"+ {args.events} spread, on {connection.vendor} in {time.perf_counter() - started:.1f}s"
    )
    client = Client()
    client.force_login(user)
    pages = (
        ("inbox", "/"),
        ("issues", "/issues/"),
        ("issues-search", "/issues/?query=is:unresolved+browser:Firefox"),
        ("issue", f"/issues/{hot}/"),
    )
    for label, url in pages:
        if args.profile:
            _profile(client, url, f"{args.profile}-{label}.txt")
            continue
        t = _time(client, url, args.runs)
        print(
            f"{label:14s} {url:45s} wall median {t['median']:7.1f} p95 {t['p95']:7.1f} ms | "
            f"cpu median {t['cpu_median']:7.1f} p95 {t['cpu_p95']:7.1f} ms | {t['queries']:3d} queries"
        )


if __name__ == "__main__":
    main()
