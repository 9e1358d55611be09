"""The beat task that finds missed and timed-out cron runs (thin: one service call).

Found by the Celery app's autodiscovery (``errorhub.monitors`` is an installed app);
routed to ``housekeeping`` by ``CELERY_TASK_ROUTES``.
"""

from __future__ import annotations

from celery import shared_task

from errorhub.monitors.services import monitors_tick


@shared_task(name="errorhub.monitors.tasks.check_monitors")
def check_monitors() -> int:
    """Record the runs that are now missed or timed out; returns how many (0: an idle tick)."""
    found = monitors_tick()
    return found.missed + found.timed_out
