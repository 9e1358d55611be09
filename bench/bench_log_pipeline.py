"""Benchmark: a mixed plain-text log body through ``ingest.protocol.logs.pipeline.extract``.

The body is mostly ordinary application lines, about 1% error lines and Python/Java
traces, and some nginx access lines (a few of them 5xx) -- what a Fluent Bit or
Vector batch from a busy service looks like. Prints lines/s on one core, with the
machine and the date.

    python bench/bench_log_pipeline.py [--lines 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.protocol.logs.pipeline import extract  # noqa: E402

PYTHON_TRACE = [
    "Traceback (most recent call last):",
    '  File "/app/shop/views.py", line 41, in checkout',
    "    total = order.total()",
    '  File "/app/shop/models.py", line 88, in total',
    "    return self.sum / self.count",
    "ZeroDivisionError: division by zero",
]
JAVA_TRACE = [
    "java.lang.IllegalStateException: order {n} is locked",
    "\tat com.shop.OrderService.lock(OrderService.java:120)",
    "\tat com.shop.OrderController.pay(OrderController.java:57)",
    "\tat java.base/java.lang.Thread.run(Thread.java:833)",
]


def _ordinary(rng: random.Random, n: int) -> str:
    kind = rng.random()
    if kind < 0.5:
        return (
            f"2024-05-01 10:{n // 6000 % 60:02d}:{n // 100 % 60:02d},{n % 1000:03d} "
            f"INFO [web] request {n} served in {rng.randint(1, 900)}ms"
        )
    if kind < 0.7:
        return f"2024-05-01T10:00:00.{n % 1000:03d}Z DEBUG cache hit key=user:{n}"
    if kind < 0.85:
        return f"2024-05-01 10:00:00,000 WARN [pool] slow query took {rng.randint(1, 9)}s (0 errors)"
    return f'time=2024-05-01T10:00:00Z level=info msg="job done" job={n} duration={rng.random():.3f}'


def _access(rng: random.Random, n: int) -> str:
    status = rng.choice((200,) * 30 + (404, 502, 503))
    return (
        f'10.0.{n % 250}.{n % 7} - - [01/May/2024:10:00:00 +0000] "GET /api/orders/{n}?page=2 HTTP/1.1" '
        f'{status} {rng.randint(100, 9000)} "-" "Mozilla/5.0" "-"'
    )


def build_body(lines: int, seed: int = 7) -> tuple[bytes, int]:
    """A body of about ``lines`` lines; returns (body, exact line count)."""
    rng = random.Random(seed)
    out: list[str] = []
    n = 0
    while len(out) < lines:
        n += 1
        roll = rng.random()
        if roll < 0.004:
            out.append(f"2024-05-01 10:00:00,000 ERROR [web] checkout failed for order {n}")
            out.extend(PYTHON_TRACE)
        elif roll < 0.007:
            out.extend(line.format(n=n) for line in JAVA_TRACE)
        elif roll < 0.010:
            out.append(f"2024-05-01 10:00:00,000 ERROR [db] connection to 10.0.0.{n % 9}:5432 refused")
        elif roll < 0.10:
            out.append(_access(rng, n))
        else:
            out.append(_ordinary(rng, n))
    return ("\n".join(out) + "\n").encode(), len(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    body, count = build_body(args.lines)
    best, events = float("inf"), 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = extract(body, fmt=None, content_type=None, defaults={"project_id": 1, "service": "bench"})
        best = min(best, time.perf_counter() - started)
        events = len(result.events)
    try:
        from ingest.protocol.logs import multiline  # noqa: F401

        assembler = "ingest.protocol.logs.multiline"
    except ImportError:
        assembler = "none (lines read singly)"
    print(f"date: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}")
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )
    print(f"assembler: {assembler}")
    print(f"body: {count} lines, {len(body) / 1e6:.1f} MB; events: {events}; format: {result.format}")
    print(
        f"best of {args.repeat}: {best:.3f} s -> {count / best:,.0f} lines/s on one core "
        f"({len(body) / best / 1e6:.1f} MB/s)"
    )


if __name__ == "__main__":
    main()
