"""Memory over a long steady load: does the RSS of web or worker keep growing?

    .venv/bin/python -m bench.storm.soak --target errorhub-embedded --rate 300 --minutes 10

Starts the target as ``bench.storm.run`` does, replays captured SDK envelopes at a
steady ``--rate`` for ``--minutes`` (in one-minute rounds, so the load generator's
own memory stays small), samples each role's process-tree RSS every 5 s, and
reports the least-squares slope of each role over the run after its first minute
(warm-up: caches, pools, first issues), plus lost/duplicated counts. Writes
bench/results/soak-<target>-<date>.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import threading
import time
import uuid
from typing import Any

from bench.storm import loadgen_replay, measure, run, targets


def slope_kib_per_s(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, KiB) samples."""
    if len({t for t, _ in samples}) < 2:
        return 0.0
    return statistics.linear_regression(*zip(*samples)).slope


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="errorhub-embedded", choices=("errorhub-embedded", "errorhub-prod"))
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args(argv)

    target = targets.make(args.target)
    samples: dict[str, list[tuple[float, int]]] = {}
    halt = threading.Event()
    result: dict[str, Any] = {"target": args.target, "rate": args.rate, "minutes": args.minutes}
    run_id = uuid.uuid4().hex[:12]
    try:
        target.start()
        began = time.time()

        def sample() -> None:
            while not halt.is_set():
                kids = measure._children_map()
                for role, roots in target.roots().items():
                    samples.setdefault(role, []).append((time.time() - began, measure.tree_rss_kib(roots, kids)))
                halt.wait(5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        per_round = int(args.rate * 60)
        statuses: dict[str, int] = {}
        refused: list[int] = []
        unanswered: list[int] = []
        rounds = max(1, int(round(args.minutes)))
        for r in range(rounds):
            for stats in loadgen_replay.storm(
                target.dsn, run_id, per_round, args.procs, 4, args.rate, first_seq=r * per_round
            ):
                for k, v in stats["statuses"].items():
                    statuses[str(k)] = statuses.get(str(k), 0) + v
                refused += stats["refused"]
                unanswered += stats["unanswered"]
        accepted = statuses.get("200", 0)
        drain_until = time.time() + 120
        while target.processed() < accepted and time.time() < drain_until:
            time.sleep(1)
        halt.set()
        sampler.join()
        result.update(
            statuses=statuses, **measure.lost_duplicated(target, run_id, per_round * rounds, refused, unanswered)
        )
        for role, points in samples.items():
            steady = [(t, v) for t, v in points if t >= 60]
            result[role] = {
                "first_mib": round(points[0][1] / 1024, 1),
                "last_mib": round(points[-1][1] / 1024, 1),
                "peak_mib": round(max(v for _, v in points) / 1024, 1),
                "slope_kib_per_s": round(slope_kib_per_s(steady), 2),
                "samples": len(points),
            }
    finally:
        target.stop()
    now = dt.datetime.now(dt.UTC)
    meta = run.machine()
    command = " ".join([".venv/bin/python -m bench.storm.soak", *(argv or sys.argv[1:])])
    roles = [k for k in result if isinstance(result[k], dict) and "slope_kib_per_s" in result[k]]
    text = "\n".join(
        [
            f"# Soak, {now.strftime('%Y-%m-%d %H:%M UTC')}",
            "",
            f"- command: `{command}`",
            f"- machine: {meta['nproc']} CPUs ({meta['cpu']}), {meta['mem_mib']} MiB, Python {meta['python']}; "
            f"commit {meta['commit']}",
            f"- load: {args.rate:.0f} events/s for {args.minutes:.0f} min; HTTP statuses {result.get('statuses')}; "
            f"lost {result.get('lost')}, duplicated {result.get('duplicated')}",
            "",
            "| role | RSS first (MiB) | last | peak | slope after the first minute (KiB/s) |",
            "|---|---|---|---|---|",
            *[
                f"| {r} | {result[r]['first_mib']} | {result[r]['last_mib']} | {result[r]['peak_mib']} | "
                f"{result[r]['slope_kib_per_s']} |"
                for r in roles
            ],
            "",
            "Slope: least squares over the RSS samples (every 5 s) of each process tree.",
            "",
        ]
    )
    print(text)
    stem = run.RESULTS / f"soak-{args.target}-{now.strftime('%Y-%m-%d-%H%M')}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(
        json.dumps(
            {"date": now.isoformat(), "command": command, "machine": meta, "samples": samples, **result}, indent=2
        )
    )
    print(f"written {stem}.md and .json")


if __name__ == "__main__":
    main()
