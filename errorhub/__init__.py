"""ErrorHub project package: wiring plus the core domain (orgs, projects, issues).

The Celery app is loaded by ``ErrorHubConfig.ready`` (every Django process) and
by ``celery -A errorhub``, not here: gunicorn imports this package for its
config (``-c python:errorhub.gunicorn_conf``), and Celery would add ~24 MiB to
the gunicorn master, which never runs a request or sends a task.
"""

from typing import Any

__all__ = ("celery_app",)


def __getattr__(name: str) -> Any:
    """``errorhub.celery_app`` on first use (PEP 562)."""
    if name == "celery_app":
        from errorhub.celery import app  # start-up: Celery would add ~24 MiB to the gunicorn master

        return app
    raise AttributeError(f"module 'errorhub' has no attribute {name!r}")
