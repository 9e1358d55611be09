"""The Celery app. ``celery -A errorhub worker`` consumes every queue in settings."""

import os
from typing import Any

from celery import Celery, bootsteps, signals
from click import Option

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")
# Celery's Django fixup runs Django's system checks when a worker starts. They
# already ran at deploy (``manage.py migrate``), and the template check imports
# every installed template-tag library — DRF's pulls in psycopg, requests and
# pygments — for ~17 MiB of a worker that never renders a page.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("errorhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class BeatThread(bootsteps.StartStopStep):
    """``celery worker --beat-thread``: Celery beat as a thread of the worker.

    ``--beat`` forks a whole second process for the scheduler (~90 MiB for a
    Django app); the embedded default's single worker process can as well send
    the few periodic tasks itself. Same schedule file and scheduler as ``--beat``.
    """

    label = "Beat (thread)"
    conditional = True

    def __init__(self, worker: Any, beat_thread: bool = False, **kwargs: Any) -> None:
        self.enabled = bool(beat_thread)
        super().__init__(worker, **kwargs)

    def create(self, worker: Any) -> Any:
        from celery.beat import EmbeddedService

        return EmbeddedService(worker.app, thread=True, schedule_filename=worker.schedule_filename,
                               scheduler_cls=worker.scheduler)


app.user_options["worker"].add(Option(["--beat-thread"], is_flag=True, default=False,
                                      help="Run Celery beat as a thread of this worker (instead of --beat's process)."))
app.steps["worker"].add(BeatThread)


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
