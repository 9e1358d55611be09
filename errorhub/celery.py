"""The Celery app. ``celery -A errorhub worker`` consumes every queue in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")

app = Celery("errorhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
