"""Celery tasks of the write path: thin wrappers that own their retry policy.

The search-engine outbox drain and retention are the events app's
(``errorhub.events.tasks``, under the same wire names ``ingest.tasks.*``).

A payload that still fails after its last retry is kept in the dead-letter
store (``DeadLetter``; a file in the data directory when even the database is
down), never dropped.
"""

from __future__ import annotations

import logging
import random
import traceback
from typing import Any

from celery import shared_task
from django.conf import settings

from errorhub import selfmonitor
from ingest import processing
from ingest.batching import AdaptiveBatches
from ingest.deadletters import dead_letter_store

logger = logging.getLogger(__name__)


def backoff_seconds(retries: int, *, base: float = 2.0, cap: float = 240.0) -> float:
    """Exponential backoff with "equal" jitter: at least half of ``base * 2**n``,
    so the retries of one payload really spread over time (a 20 s database
    outage outlasts no more than the first few), yet never in lock-step."""
    ceiling = min(cap, base * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def process_payload(self: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """One payload alone: retries and replays of dead letters come through here."""
    # Run eagerly (tests, ERRORHUB_TASKS_EAGER) there is no broker to hold a
    # retry, so the attempts happen inline, back to back, then dead-letter.
    attempts = settings.INGEST_TASK_MAX_RETRIES + 1 if self.request.is_eager else 1
    for attempt in range(attempts):
        try:
            return _run_one(payload)
        except Exception as exc:  # infrastructure failure: retry, then dead-letter
            if attempt + 1 < attempts:
                continue
            return _retry_or_dead_letter(self, payload, exc, attempts=attempts)
    raise AssertionError("unreachable")


def _run_one(payload: dict[str, Any]) -> dict[str, Any]:
    own_key = selfmonitor.self_public_key  # read at call time: set when self-monitoring starts
    if own_key and payload.get("public_key") == own_key:
        with selfmonitor.suppressed():  # ErrorHub's own reports: a failure here must not report itself
            outcome = processing.process_payload(payload)
    else:
        outcome = processing.process_payload(payload)
    record = outcome.record
    return {
        "stored": record.stored if record else 0,
        "duplicates": record.duplicates if record else 0,
        "skipped": outcome.skipped,
    }


def _retry_or_dead_letter(task: Any, payload: dict[str, Any], exc: Exception, *, attempts: int = 1) -> dict[str, Any]:
    retries = (task.request.retries or 0) + attempts - 1
    if retries < settings.INGEST_TASK_MAX_RETRIES and not task.request.is_eager:
        logger.warning("processing failed (attempt %d), retrying: %s", retries + 1, exc)
        raise task.retry(exc=exc, countdown=backoff_seconds(retries), queue="ingest-retry")
    dead_letter_store(
        task=task.name,
        payload=payload,
        error=f"{type(exc).__name__}: {exc}",
        tb=traceback.format_exc(),
        attempts=retries + 1,
    )
    return {"dead_letter": True}


@shared_task(
    base=AdaptiveBatches,
    acks_late=True,
    reject_on_worker_lost=True,
    flush_every=settings.INGEST_BATCH_SIZE,
    flush_interval=settings.INGEST_BATCH_INTERVAL,
)
def process_batch(requests: list[Any]) -> dict[str, Any]:
    """Process many payloads in one go (the storm path).

    celery-batches hands over up to ``INGEST_BATCH_SIZE`` messages (or what
    arrived within ``INGEST_BATCH_INTERVAL`` seconds) and acknowledges them only
    after this returns (``acks_late``): a worker killed mid-batch leaves them
    unacknowledged and the broker redelivers them; the (project, event_id)
    claim makes the redelivery harmless. Payloads that fail are re-queued one
    by one on the retry queue *before* the batch is acknowledged, so a poison
    payload never takes its neighbours down and nothing is lost.
    """
    payloads = [r.args[0] for r in requests if r.args]
    try:
        failures = processing.process_payloads(payloads)
    except Exception as exc:  # not swallowed: logged (reported through sentry-sdk's logging
        # integration) as ErrorHub's own failure, and every payload retries alone, then dead-letters;
        # celery-batches would otherwise acknowledge the whole batch and lose it
        logger.exception("batch of %d payloads failed as a whole; retrying each alone", len(payloads))
        failures = [(payload, exc) for payload in payloads]
    for payload, exc in failures:
        _requeue_or_keep(payload, exc)
    return {"payloads": len(payloads), "failed": len(failures)}


def _requeue_or_keep(payload: dict[str, Any], exc: Exception) -> None:
    """Retry a payload alone on the retry queue; if even the broker refuses it,
    keep it as a dead letter (a file when the database is down too)."""
    logger.warning("payload of project %s failed in a batch, retrying alone: %s", payload.get("project_id"), exc)
    try:
        process_payload.apply_async(
            (payload,),
            queue="ingest-retry",
            countdown=backoff_seconds(0),
            argsrepr="(<retried payload>)",
            kwargsrepr="{}",
        )
    except Exception as publish_exc:  # broker down as well: nothing may be lost
        dead_letter_store(
            task="ingest.tasks.process_payload",
            payload=payload,
            error=f"{type(exc).__name__}: {exc}; re-queue failed: {publish_exc}",
            tb=traceback.format_exc(),
            attempts=1,
        )
