"""ErrorHub project package: wiring plus the core domain (orgs, projects, issues)."""

from errorhub.celery import app as celery_app

__all__ = ("celery_app",)
