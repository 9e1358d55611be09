"""Per-event CPU cost of PII scrubbing (``ingest.protocol.scrub.scrub_event``) on real SDK payloads.

Scrubbing runs on every event in the worker, so its cost is measured, not guessed. The
fixtures of ``tests/fixtures/sentry/python`` are normalised once; each run scrubs fresh deep
copies with the default config. CPU time of this process (``time.process_time``), best of
seven rounds, so other processes on a busy machine weigh less.

A/B against an older commit in one invocation (same machine, same minute)::

    git worktree add /tmp/errorhub-old <commit>
    .venv/bin/python bench/bench_scrub.py --tree . --tree /tmp/errorhub-old
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sentry" / "python"
ROUNDS, COPIES = 7, 100


def _events() -> list[dict]:
    from ingest.protocol.normalize import normalize_sentry_event

    events = []
    for path in sorted(FIXTURES.glob("*")):
        raw = path.read_bytes()
        try:
            body = json.loads(raw.split(b"\n")[2]) if path.suffix == ".envelope" else json.loads(raw)
        except (ValueError, IndexError):
            continue
        events.append(normalize_sentry_event(body, project_id=1, event_id="a" * 32, received_at=datetime.now(UTC)))
    return events


def measure() -> dict[str, float]:
    """Best per-event CPU time, in microseconds, of this interpreter's ``ingest.protocol.scrub``."""
    from ingest.protocol.scrub import ScrubConfig, scrub_event

    events, config, best = _events(), ScrubConfig(), float("inf")
    for _ in range(ROUNDS):
        copies = [copy.deepcopy(events) for _ in range(COPIES)]
        started = time.process_time()
        for batch in copies:
            for event in batch:
                scrub_event(event, config)
        best = min(best, (time.process_time() - started) / (COPIES * len(events)))
    return {"events": len(events), "us_per_event": round(best * 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", help="a checkout to measure (repeatable); default: this one")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child: measure the checkout on sys.path[0]
        print(json.dumps(measure()))
        return
    for tree in args.tree or ["."]:
        root = Path(tree).resolve()
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.insert(0, {str(root)!r}); "
                f"sys.argv=['x','--one']; import runpy; runpy.run_path({__file__!r}, run_name='__main__')",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{root}: {out.stdout.strip()}")


if __name__ == "__main__":
    main()
