"""Periodic tasks of the issue lifecycle (thin: one service call each).

Found by the Celery app's autodiscovery (``errorhub`` is an installed app), so the
worker registers ``errorhub.tasks.lifecycle_tick`` that beat sends; routed to the
``housekeeping`` queue by ``CELERY_TASK_ROUTES``.
"""

from __future__ import annotations

from celery import shared_task

from errorhub.services.issues import issues_tick


@shared_task
def lifecycle_tick() -> int:
    """End snoozes whose time passed and mark quiet resolved issues fixed.

    Returns how many issues changed state: 0 means an idle tick, which the
    worker does not log (see ``errorhub.celery``).
    """
    done = issues_tick()
    return done["snoozes_ended"] + done["fixed"]
