"""Batches that stay small at idle and grow under load.

celery-batches flushes a batch when it is full or when its timer fires. A
short timer keeps idle latency low but cuts a storm into tiny batches (each
paying a transaction and its fixed queries); a long one batches well but makes
a lone event wait. Here a message that arrives after a quiet gap is flushed
at once (idle: lowest latency), while messages arriving close together ride
the timer into large batches (storm: highest throughput).
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any

from celery_batches import Batches


class AdaptiveBatches(Batches):
    abstract = True
    #: a message arriving this long after the previous one is flushed immediately
    idle_gap = 0.05

    def Strategy(self, task: Any, app: Any, consumer: Any) -> Callable[..., None]:  # noqa: N802 (Celery's name)
        handle = super().Strategy(task, app, consumer)
        last = {"at": 0.0}

        def on_message(*args: Any, **kwargs: Any) -> None:
            now = monotonic()
            idle, last["at"] = now - last["at"] > self.idle_gap, now
            handle(*args, **kwargs)
            if idle:
                self._do_flush()

        return on_message
