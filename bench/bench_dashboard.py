"""Server-side render time of the inbox and an issue page on a large scratch database.

    python bench/bench_dashboard.py [--issues 10000] [--events 200000] [--runs 15]

Builds a throw-away database (SQLite in a temporary directory, or
``BENCH_DATABASE_URL`` — which it migrates and fills, so never point it at real
data), bulk-creates issues and events spread over the last 30 days, then times
the Django test client rendering ``/`` and ``/issues/<id>/`` (median of N).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup() -> None:
    scratch = tempfile.mkdtemp(prefix="errorhub-bench-")
    os.environ["ERRORHUB_DATA_DIR"] = scratch
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "errorhub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(n_issues: int, n_events: int) -> tuple[object, int]:
    import random

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from errorhub.accounts.models import Organization, Project, Team
    from errorhub.events.models import EventTag, StoredEvent
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
    issues = [
        Issue(
            project=projects[i % 5],
            short_id=i + 1,
            title=f"KeyError: key {i}",
            culprit=f"app.views in f{i}",
            grouping_version="bench",
            first_seen=now - timedelta(days=30),
            last_seen=now,
            in_inbox=i % 3 == 0,
            times_seen=0,
            users_seen=rng.randint(0, 50),
            environment="production",
        )
        for i in range(n_issues)
    ]
    Issue.objects.bulk_create(issues, batch_size=2000)
    ids = list(Issue.objects.values_list("pk", "project_id"))
    batch: list[StoredEvent] = []
    hours: dict[tuple[int, object], int] = {}  # what processing keeps in IssueHour
    for n in range(n_events):
        pk, project_id = ids[min(int(rng.paretovariate(1.2)) - 1, len(ids) - 1)] if n % 2 else rng.choice(ids)
        when = now - timedelta(seconds=rng.randint(0, 30 * 86400) if n % 4 else rng.randint(0, 86400))
        eid = uuid.uuid4().hex
        body = {
            "event_id": eid,
            "timestamp": when.isoformat(),
            "level": "error",
            "tags": {"browser": "Firefox"},
            "exception": [
                {
                    "type": "KeyError",
                    "value": "k",
                    "stacktrace": {
                        "frames": [{"filename": "app/views.py", "function": "f", "lineno": 1, "in_app": True}]
                    },
                }
            ],
        }
        batch.append(
            StoredEvent(
                project_id=project_id,
                issue_id=pk,
                event_id=eid,
                timestamp=when,
                received_at=when,
                level="error",
                tags=body["tags"],
                body=body,
            )
        )
        key = (pk, when.replace(minute=0, second=0, microsecond=0))
        hours[key] = hours.get(key, 0) + 1
        if len(batch) == 5000:
            _flush(batch, StoredEvent, EventTag)
    _flush(batch, StoredEvent, EventTag)
    from errorhub.issues.models import IssueHour

    IssueHour.objects.bulk_create(
        [IssueHour(issue_id=pk, hour=h, count=c) for (pk, h), c in hours.items()], batch_size=5000
    )
    from django.db.models import Count

    for row in StoredEvent.objects.values("issue_id").annotate(n=Count("id")).order_by("-n")[:1]:
        return user, row["issue_id"]
    raise SystemExit("no events were created")


def _flush(batch: list, stored_event: type, event_tag: type) -> None:
    rows = stored_event.objects.bulk_create(batch)
    event_tag.objects.bulk_create(
        [event_tag(event=r, issue_id=r.issue_id, key="browser", value="Firefox") for r in rows]
    )
    batch.clear()


def _time(client: object, url: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    user, busiest = _fill(args.issues, args.events)
    print(
        f"filled {args.issues} issues + {args.events} events on {connection.vendor} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    client = Client()
    client.force_login(user)
    for label, url in (
        ("inbox /", "/"),
        (f"issue page /issues/{busiest}/", f"/issues/{busiest}/"),
        ("issues list /issues/", "/issues/"),
        ("tag search /issues/?query=browser:Firefox", "/issues/?query=browser:Firefox"),
    ):
        print(f"{label:45s} median {_time(client, url, args.runs):8.1f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
