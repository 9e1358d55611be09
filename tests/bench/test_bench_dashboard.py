"""bench/bench_dashboard.py still runs end to end: a tiny fill on its own SQLite scratch database,
every page timed with a 200, and a filled database refused unless --reuse is asked for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("inbox", "issues", "issues-search", "issue")


def _bench(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/bench_dashboard.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_fills_times_every_page_and_reuses_only_when_asked(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BENCH_DATABASE_URL"] = f"sqlite:///{tmp_path}/bench.sqlite3"
    small = ("--issues", "30", "--hot-events", "60", "--events", "30", "--runs", "2")

    first = _bench(*small, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "filled 30 issues, 60 events on issue" in first.stdout
    timed = {m.group(1) for m in re.finditer(r"^(\S+)\s+/\S*\s+wall median", first.stdout, re.M)}
    assert timed == set(PAGES), first.stdout

    again = _bench(*small, env=env)
    assert again.returncode != 0 and "already holds ErrorHub tables" in again.stderr

    reused = _bench(*small, "--reuse", env=env)
    assert reused.returncode == 0, reused.stderr[-3000:]
    assert "reused" in reused.stdout
    assert re.search(r"^issue\s+/issues/\d+/\s+wall median", reused.stdout, re.M), reused.stdout
