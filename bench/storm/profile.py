"""Profile ErrorHub's ingest view and its processing function in-process with pyinstrument.

    .venv/bin/python -m bench.storm.profile --events 500

Runs on a throw-away SQLite data directory (the embedded default). The view is
driven through ``errorhub.wsgi.application``, the entry point gunicorn serves (the broker is the filesystem one in that
directory, so queueing is real); the worker's ``ingest.processing.process_payloads``
is run over a batch of payloads built exactly as the view builds them. Writes
the pyinstrument trees and a per-event cost table to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"


def _setup(prod: bool) -> Any:
    """Point Django at a throw-away target as the storm harness builds it: its data
    directory (SQLite) or, for ``prod``, its own PostgreSQL database, Redis database
    and OpenSearch index prefix on the services of ``scripts/services.sh``."""
    from bench.storm import targets

    target = targets.ErrorHub(prod=prod)
    if prod:
        target.prepare_prod()
    for k in [k for k in os.environ if k.startswith(("ERRORHUB_", "DATABASE_", "CELERY_"))]:
        del os.environ[k]
    os.environ.update(target.env(), DJANGO_SETTINGS_MODULE="errorhub.settings")
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return target


def _teardown(target: Any) -> None:
    """Drop what ``_setup`` made (the target's database, its Redis database if it owns it, indices, files)."""
    from django.db import connections

    connections.close_all()
    target.stop()


def _costs(session: Any, events: int, top: int = 15) -> list[tuple[str, float, float]]:
    """(project function, inclusive ms/event, self ms/event): the project's own frames, outermost call only."""
    inclusive: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)

    def name(frame: Any) -> str:
        path = frame.file_path or ""
        rel = path.split(str(REPO) + "/", 1)[-1] if str(REPO) in path and ".venv" not in path else None
        return f"{rel}:{frame.function}" if rel else ""

    def walk(frame: Any, open_names: frozenset) -> None:
        label = name(frame)
        if label and label not in open_names:
            inclusive[label] += frame.time
            open_names = open_names | {label}
        lib = label or "(library) " + (frame.function or "?")
        own[lib] += frame.total_self_time
        for child in frame.children:
            walk(child, open_names)

    walk(session.root_frame(), frozenset())
    rows = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
    return [(k, v * 1000 / events, own.get(k, 0.0) * 1000 / events) for k, v in rows]


def _self_top(session: Any, events: int, top: int = 15) -> list[tuple[str, float]]:
    own: dict[str, float] = defaultdict(float)

    def walk(frame: Any) -> None:
        own[f"{(frame.file_path_short or '?')}:{frame.function}"] += frame.total_self_time
        for child in frame.children:
            walk(child)

    walk(session.root_frame())
    return [(k, v * 1000 / events) for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="payloads per process_payloads call (default INGEST_BATCH_SIZE; 1 = an idle event's path)",
    )
    parser.add_argument(
        "--prod",
        action="store_true",
        help="PostgreSQL, Redis (database 13, flushed) and OpenSearch of scripts/services.sh instead of SQLite",
    )
    args = parser.parse_args()
    target = _setup(args.prod)
    try:
        _profile(args)
    finally:
        _teardown(target)


def _profile(args: argparse.Namespace) -> None:

    from django.conf import settings
    from django.test import RequestFactory
    from pyinstrument import Profiler

    from bench.storm import loadgen_replay
    from errorhub.accounts.services import project_create
    from errorhub.wsgi import application
    from ingest import http
    from ingest.processing import process_payloads

    created = project_create(org_name="storm", name="storm", team_name="storm")
    key, dsn = created.key, created.key.dsn()
    url, public, project_id = loadgen_replay.parse_dsn(dsn)
    pool = loadgen_replay.templates()
    bodies = [loadgen_replay.build(pool[n % len(pool)], dsn, "profile", n)[1] for n in range(args.events)]
    factory = RequestFactory(HTTP_HOST="127.0.0.1")

    def post(body: bytes) -> int:
        environ = factory.post(
            path, data=body, content_type="application/x-sentry-envelope", HTTP_X_SENTRY_AUTH=auth
        ).environ
        answer: list[str] = []
        b"".join(application(environ, lambda status, headers, exc_info=None: answer.append(status)))
        return int(answer[0].split()[0])

    auth = f"Sentry sentry_key={public}, sentry_version=7, sentry_client=bench-profile/1.0"
    path = f"/api/{project_id}/envelope/"
    for body in bodies[:20]:  # warm caches and imports outside the profile
        post(body)

    report = []
    profiler = Profiler(interval=0.0005)
    began = time.perf_counter()
    with profiler:
        for body in bodies:
            status = post(body)
            assert status == 200, status
    view_s = time.perf_counter() - began
    view_session = profiler.last_session
    report.append(("view", view_s, view_session))

    warm_up = [
        http.payload_for("envelope", key, body, "bench-profile/1.0") for body in bodies[: settings.INGEST_BATCH_SIZE]
    ]
    size = args.batch or settings.INGEST_BATCH_SIZE
    assert not process_payloads(warm_up)  # warm-up: imports, caches, first issues
    payloads = [
        http.payload_for(
            "envelope", key, loadgen_replay.build(pool[n % len(pool)], dsn, "profile-w", n)[1], "bench-profile/1.0"
        )
        for n in range(args.events)
    ]
    profiler = Profiler(interval=0.0005)
    began = time.perf_counter()
    with profiler:  # as the batch task does: ``process_payloads`` over batches of INGEST_BATCH_SIZE
        for start in range(0, len(payloads), size):
            failures = process_payloads(payloads[start : start + size])
            assert not failures, failures[:1]
    worker_s = time.perf_counter() - began
    report.append((f"worker (batches of {size})", worker_s, profiler.last_session))

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H%M")
    lines = [
        f"# ErrorHub ingest profile, {stamp}",
        "",
        f"- command: `.venv/bin/python -m bench.storm.profile --events {args.events}"
        f"{f' --batch {args.batch}' if args.batch else ''}{' --prod' if args.prod else ''}`",
        f"- in-process, {'PostgreSQL + Redis + OpenSearch' if args.prod else 'SQLite embedded default'}, "
        f"pyinstrument 0.5 ms sampling, {len(pool)} captured envelopes cycled with fresh event ids",
        "",
    ]
    for label, seconds, session in report:
        lines += [
            f"## {label}: {args.events} events in {seconds:.2f} s = {args.events / seconds:.0f} events/s "
            f"in one process ({seconds * 1000 / args.events:.2f} ms/event)",
            "",
            "| project function (outermost call) | inclusive ms/event | self ms/event |",
            "|---|---|---|",
        ]
        lines += [f"| `{k}` | {inc:.3f} | {own:.3f} |" for k, inc, own in _costs(session, args.events)]
        lines += ["", "| hottest self time (any code) | ms/event |", "|---|---|"]
        lines += [f"| `{k}` | {v:.3f} |" for k, v in _self_top(session, args.events)]
        lines.append("")
        from pyinstrument.renderers import ConsoleRenderer

        tree = ConsoleRenderer(unicode=False, color=False, show_all=False, time="percent_of_total").render(session)
        (RESULTS / f"profile-{stamp}-{label.split()[0]}.txt").write_text(tree)
    text = "\n".join(lines)
    (RESULTS / f"profile-{stamp}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
