"""The beat task that deletes abandoned upload chunks (thin: one service call).

Found by the Celery app's autodiscovery (``errorhub.artifacts`` is an installed app);
routed to ``housekeeping`` by ``CELERY_TASK_ROUTES``.
"""

from __future__ import annotations

from celery import shared_task

from errorhub.artifacts.services import stale_chunks_delete


@shared_task(name="errorhub.artifacts.tasks.delete_stale_chunks")
def delete_stale_chunks() -> int:
    """Delete chunks uploaded over a day ago and never assembled; returns how many."""
    return stale_chunks_delete()
