"""The Celery app. ``celery -A errorhub worker`` consumes every queue in settings."""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")

app = Celery("errorhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _yield_the_cpu_to_ingest(**_: Any) -> None:
    """Run the worker (and its pool, which inherits this) below the web processes.

    On a machine that runs both, a storm makes them compete for the same cores.
    Answering SDKs fast is what must not slip — a slow answer makes SDKs drop
    events or time out — while processing is asynchronous by design and
    catches up from the queue (back-pressure answers 429 before the queue is too
    long). ``ERRORHUB_WORKER_NICE=0`` turns this off.
    """
    from django.conf import settings

    if settings.WORKER_NICE:
        os.nice(settings.WORKER_NICE)
