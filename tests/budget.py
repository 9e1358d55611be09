"""A CPU budget for guards against runaway work (catastrophic backtracking, quadratic scans).

Tests never assert wall-clock time: on a shared two-core machine another process can
stall any test for seconds. ``cpu_budget`` counts only the CPU time of the test's own
thread, which other processes do not inflate, and its budgets are set at least ten
times above the normal cost, so it fails only when the work itself ran away —
exponential backtracking takes minutes, not a few times longer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cpu_budget(seconds: float, what: str = "the block") -> Iterator[None]:
    """Fail if the block uses more than ``seconds`` of this thread's CPU time."""
    started = time.thread_time()
    yield
    used = time.thread_time() - started
    assert used < seconds, f"{what} used {used:.2f} s of CPU (budget {seconds} s): runaway work"
