"""Periodic tasks of the issue lifecycle (thin: one service call each).

Found by the Celery app's autodiscovery (``errorhub.issues`` is an installed app).
The task keeps the wire name earlier releases used (``errorhub.tasks.lifecycle_tick``):
a tick that beat queued before an upgrade is still run by the upgraded worker, not
refused as unregistered. Routed to ``housekeeping`` by ``CELERY_TASK_ROUTES``.
"""

from __future__ import annotations

from celery import shared_task

from errorhub.issues.services import issues_tick


@shared_task(name="errorhub.tasks.lifecycle_tick")
def lifecycle_tick() -> int:
    """End snoozes whose time passed and mark quiet resolved issues fixed.

    Returns how many issues changed state: 0 means an idle tick, which the
    worker does not log (see ``errorhub.celery``).
    """
    done = issues_tick()
    return done["snoozes_ended"] + done["fixed"]
