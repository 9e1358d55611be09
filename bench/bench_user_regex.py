"""Benchmark alert rule regexes: Python's ``re`` against RE2 on a catastrophic pattern.

Run from the repository root with the project venv active::

    python bench/bench_user_regex.py [--max-backtracking-length 22]

The rule ``(a+)+$`` against ``"a" * n + "!"``: ``re`` backtracks in time ~2^n
(measured for small n only, a few seconds at most), RE2 stays linear — measured
for n = 100, 5,000 and the 64 KiB prefix ``USER_REGEX_MAX_TEXT`` allows.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.protocol.user_regex import compile_user_regex, user_regex_search  # noqa: E402

PATTERN = "(a+)+$"
LIMIT = 65536


def _best_of(function, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in milliseconds (the least disturbed by a shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-backtracking-length",
        type=int,
        default=22,
        help="largest n tried with Python's re (time doubles with each step)",
    )
    args = parser.parse_args()
    backtracking, linear = re.compile(PATTERN), compile_user_regex(PATTERN)
    print(f"pattern {PATTERN!r} against 'a' * n + '!' (best of 3, ms)")
    for n in range(16, args.max_backtracking_length + 1, 2):
        text = "a" * n + "!"
        print(
            f"  n={n:>6}  re {_best_of(lambda t=text: backtracking.search(t)):10.2f}"
            f"   re2 {_best_of(lambda t=text: user_regex_search(linear, t, limit=LIMIT)):8.3f}"
        )
    for n in (100, 5000, LIMIT):
        text = "a" * n + "!"
        re2_ms = _best_of(lambda t=text: user_regex_search(linear, t, limit=LIMIT))
        print(f"  n={n:>6}  re {'(~2^n)':>10}   re2 {re2_ms:8.3f}")


if __name__ == "__main__":
    main()
