"""Benchmark grouping: fingerprints computed per second on real-shaped events.

Run from the repository root with the project venv active::

    python bench/bench_grouping.py [--seconds 3]

Events come from ``tests/ingest/protocol/grouping/cases/*.json`` and from every SDK envelope
captured under ``tests/fixtures/``. Two figures are printed: *warm*, with the
per-name normalisation caches filled (a busy server sees the same frames over
and over), and *cold*, with those caches emptied before every event (a worst
case: every frame new).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import grouping  # noqa: E402
from tests.ingest.protocol.grouping import fixture_events, load_cases  # noqa: E402

CACHED = (
    grouping._frame_component,
    grouping.normalize_filename,
    grouping.normalize_function,
    grouping.normalize_module,
    grouping._python_location,
)


def load_events() -> list[dict[str, Any]]:
    events = [case[side] for case in load_cases() for side in ("a", "b")]
    return events + fixture_events()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(events: list[dict[str, Any]], seconds: float, before_each: Callable[[], None] | None) -> float:
    """Fingerprints per second over ``seconds`` of back-to-back ``compute_grouping`` calls."""
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for event in events:
            if before_each is not None:
                before_each()
            grouping.compute_grouping(event)
        count += len(events)
    return count / (time.perf_counter() - started)


def clear_caches() -> None:
    for function in CACHED:
        function.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    args = parser.parse_args()
    events = load_events()
    frames = sum(
        len(((exc.get("stacktrace") or {}).get("frames")) or [])
        for event in events
        for exc in (event.get("exception") or [])
    )
    print(f"date      {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}")
    print(f"machine   {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}")
    print(f"python    {platform.python_version()}, grouping {grouping.GROUPING_VERSION}")
    print(f"events    {len(events)} ({frames} frames), single process, {args.seconds:g}s per figure")
    measure(events, 0.2, None)  # warm-up
    print(f"warm      {measure(events, args.seconds, None):,.0f} fingerprints/s")
    print(f"cold      {measure(events, args.seconds, clear_caches):,.0f} fingerprints/s")


if __name__ == "__main__":
    main()
