"""The Celery app. ``celery -A errorhub worker`` consumes every queue in settings."""

import logging
import os
from typing import Any

from celery import Celery, bootsteps, signals
from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS
from click import Option

from errorhub.heartbeats import WorkerHeartbeat

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

        return EmbeddedService(
            worker.app, thread=True, schedule_filename=worker.schedule_filename, scheduler_cls=worker.scheduler
        )


app.user_options["worker"].add(
    Option(
        ["--beat-thread"],
        is_flag=True,
        default=False,
        help="Run Celery beat as a thread of this worker (instead of --beat's process).",
    )
)
app.steps["worker"].add(BeatThread)
app.steps["worker"].add(WorkerHeartbeat)  # beat's heartbeat: CELERY_BEAT_SCHEDULER in settings


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


# A result that says "nothing to do": a periodic task returning one of these did no work.
_IDLE_RESULTS = frozenset({"0", "None", "{}", "[]", "()"})
_PER_TASK_LOGGERS = ("celery.worker.strategy", "celery.app.trace", "errorhub.task")


class IdlePeriodicTaskFilter(logging.Filter):
    """Drop the worker's INFO lines about periodic tasks that found nothing to do.

    Beat sends the outbox drain every 5 s and the lifecycle tick and system checks
    every minute; at idle each would log "Sending due task", "received", "task
    started", "succeeded: 0" and "task finished" — a steady stream that says nothing.
    A periodic task that did work keeps its "succeeded" line (with its count);
    warnings, errors and every other task's lines are untouched.
    """

    def __init__(self, periodic: set[str]) -> None:
        super().__init__()
        self.periodic = periodic

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        if record.name == "celery.beat":
            return not str(record.msg).startswith("Scheduler: Sending due task")
        data = record.args if isinstance(record.args, dict) else {}
        if (data.get("name") or getattr(record, "task", None)) not in self.periodic:
            return True
        if record.msg == LOG_SUCCESS:
            return str(data.get("return_value")) not in _IDLE_RESULTS
        return record.msg not in (LOG_RECEIVED, "task started", "task finished")


@signals.after_setup_logger.connect
def _quiet_idle_periodic_tasks(loglevel: int | None = None, **_: Any) -> None:
    """Install ``IdlePeriodicTaskFilter`` on the loggers that write the per-task
    lines, unless the worker runs at DEBUG (then every line is wanted)."""
    if loglevel is not None and loglevel <= logging.DEBUG:
        return
    idle_filter = IdlePeriodicTaskFilter({entry["task"] for entry in app.conf.beat_schedule.values()})
    for name in ("celery.beat", *_PER_TASK_LOGGERS):
        logging.getLogger(name).addFilter(idle_filter)
