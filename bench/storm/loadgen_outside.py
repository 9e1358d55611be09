"""Drive a target with an outside load generator: ``sdk_load.py`` from the shared tools.

    .venv/bin/python -m bench.storm.run --loadgen sdk_load [--sdk-load-path PATH] [--sdk-load-mode replay|sdk]

``sdk_load.py`` is not ErrorHub's code and is not copied here: it is run from its own
path, in a process of its own, so that no figure of ``bench/storm`` depends on the
generator this repository wrote. ``--replay`` (the default here) lets sentry-python
build ~8 KB envelopes once, then posts them back to back over one keep-alive
connection per process with ``X-Sentry-Auth``; ``sdk`` mode captures every event
through the real SDK.

Its events carry no ``bench_run``/``bench_seq`` tags, so this generator cannot say
*which* event was lost or stored twice: the harness counts lost as accepted minus
stored instead, and leaves duplicates to the generators that tag their events.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path("shared") / "tools" / "sdk_load.py"


def default_path() -> Path | None:
    """``shared/tools/sdk_load.py`` beside the checkout (or beside a parent: worktrees live deeper)."""
    for folder in REPO.parents:
        if (folder / SCRIPT).is_file():
            return folder / SCRIPT
    return None


def storm(dsn: str, events: int, procs: int, path: Path, replay: bool = True, timeout: float = 1800.0) -> list[dict]:
    """Run ``sdk_load.py`` against ``dsn``; return its figures as one sender's stats (the shape
    ``measure.summarize_storm`` reads: statuses, first_send, last_ok, errors)."""
    with tempfile.TemporaryDirectory(prefix="sdk-load-") as tmp:
        out = Path(tmp) / "result.json"
        argv = [
            sys.executable,
            str(path),
            "--dsn",
            dsn,
            "--procs",
            str(procs),
            "--events",
            str(events),
            "--out",
            str(out),
            *(["--replay"] if replay else []),
        ]
        subprocess.run(argv, check=True, timeout=timeout, stdout=subprocess.DEVNULL)
        return [as_sender_stats(json.loads(out.read_text()))]


def as_sender_stats(result: dict[str, Any]) -> dict[str, Any]:
    """``sdk_load.py``'s JSON (status counts keyed by string, status 0 = no answer) as sender stats."""
    statuses = {int(code): n for code, n in result.get("status", {}).items() if int(code)}
    unanswered = int(result.get("status", {}).get("0", 0))
    return {
        "events": result.get("events", 0),
        "statuses": statuses,
        "errors": unanswered,
        "error_kinds": {"no answer": unanswered} if unanswered else {},
        "first_send": result.get("first_send") or 0.0,
        "last_ok": result.get("last_200") or 0.0,
        "lost_in_client": result.get("lost", {}),
        "dropped_in_client": result.get("dropped", {}),
        "resp_ms_p50_per_process": result.get("resp_ms_p50_per_worker"),
        "resp_ms_p95_per_process": result.get("resp_ms_p95_per_worker"),
    }
