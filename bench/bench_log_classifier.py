"""Benchmark the log line classifier and the full assemble+parse path on one core.

Builds a mixed log (~99% ordinary lines of several formats, ~1% stack-trace lines
from the fixtures and the runtime-trace corpus) and prints lines/s with machine info;
also frames the whole wrapped runtime corpus with no hint (line-by-line detection).

    python bench/bench_log_classifier.py [--lines 300000]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.protocol.logs.detect import classify  # noqa: E402
from ingest.protocol.logs.formats import frame  # noqa: E402
from ingest.protocol.logs.model import LogLine  # noqa: E402
from ingest.protocol.logs.multiline import assemble, events_from_blocks  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "logs"
RUNTIME_TRACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "runtime_traces"

ORDINARY = [
    "2026-11-01 12:00:{s:02d},{ms:03d} INFO [http-nio-8080-exec-{n}] c.e.shop.CartController - "
    "GET /cart/{n} 200 in {ms}ms",
    '10.0.{n}.7 - - [01/Nov/2026:12:00:{s:02d} +0000] "GET /api/items?page={n} HTTP/1.1" 200 {ms} "-" "curl/8.5.0"',
    'time="2026-11-01T12:00:{s:02d}Z" level=info msg="request handled" path=/v1/users/{n} duration={ms}ms',
    '{{"ts":"2026-11-01T12:00:{s:02d}Z","level":"info","msg":"job done","job_id":{n},"took_ms":{ms}}}',
    "I1101 12:00:{s:02d}.{ms:03d}   {n} controller.go:{ms}] Reconciling deployment default/web-{n}",
    "Nov  1 12:00:{s:02d} host sshd[{n}]: Accepted publickey for deploy from 10.0.0.{n} port {ms} ssh2",
    "2026-11-01 12:00:{s:02d} WARNING worker.tasks retrying task {n} after error: timeout ({ms} ms)",
    '[2026-11-01 12:00:{s:02d}] production.ERROR: Payment declined for order {n} {{"code":{ms}}}',
]


def _traces() -> list[list[str]]:
    traces = []
    for path in sorted([*FIXTURES.glob("*/*.txt"), *RUNTIME_TRACES.glob("recorded/*/*.txt")]):
        lines = path.read_text().rstrip("\n").split("\n")
        traces.append(lines)
    return traces


def build_log(total: int, trace_share: float = 0.01, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    traces = _traces()
    lines: list[str] = []
    trace_lines = 0
    while len(lines) < total:
        if trace_lines < trace_share * len(lines):
            trace = rng.choice(traces)
            lines.extend(trace)
            trace_lines += len(trace)
        else:
            template = rng.choice(ORDINARY)
            lines.append(template.format(s=rng.randrange(60), ms=rng.randrange(1000), n=rng.randrange(100000)))
    return lines[:total]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _best_of(runs: int, func) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    log = build_log(args.lines)
    records = [LogLine(text=text, stream="app") for text in log]

    classify_s = _best_of(args.runs, lambda: [classify(line) for line in log])
    assemble_s = _best_of(args.runs, lambda: collections.deque(assemble(records), maxlen=0))
    events: list = []

    def full() -> None:
        events.clear()
        events.extend(events_from_blocks(assemble(records), defaults={"project_id": 1}))

    full_s = _best_of(args.runs, full)
    wrapped = b"".join(path.read_bytes() for path in sorted(RUNTIME_TRACES.glob("wrapped/*/*.log")))
    wrapped_lines = wrapped.count(b"\n")
    frame_s = _best_of(args.runs, lambda: frame(wrapped, None, content_type=None))
    trace_count = sum(1 for text in log if classify(text).value != "ordinary")

    print(f"date          {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}")
    print(f"machine       {platform.machine()}  nproc={os.cpu_count()}  cpu={_cpu_model()}")
    print(f"python        {platform.python_version()} ({platform.python_implementation()}), one process, one core")
    print(
        f"log           {len(log):,} lines, {trace_count:,} classified start/continuation, {len(events):,} trace events"
    )
    print(f"classify      {len(log) / classify_s:>12,.0f} lines/s")
    print(f"assemble      {len(log) / assemble_s:>12,.0f} lines/s")
    print(f"assemble+parse{len(log) / full_s:>12,.0f} lines/s  (events_from_blocks)")
    rate = wrapped_lines / frame_s
    print(f"frame no hint {rate:>12,.0f} lines/s  (runtime corpus, every wrapper, {wrapped_lines:,} lines)")


if __name__ == "__main__":
    main()
