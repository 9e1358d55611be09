"""Shared test set-up: environment, personas (owner, member, outsider), API clients.

The suite runs against real services started by ``scripts/services.sh``; the
Makefile exports their URLs. Tasks run eagerly inside in-process tests (the
view enqueues, the task runs at once, still through Celery's code path); the
live tests under tests/live/ start real gunicorn and Celery worker processes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def no_server_errors():
    """The suite fails if any request it made got a 500 (ErrorHub's own zero-500s)."""
    log = Path(os.environ["ERRORHUB_500_LOG"])
    yield
    if log.exists() and log.read_text().strip():
        pytest.fail(f"ErrorHub answered 500 during the tests:\n{log.read_text()[:4000]}")


pytest_plugins = ["tests.personas", "tests.mail"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas are created in almost every test; PBKDF2's million rounds would
    dominate the suite's time. Production hashing is untouched."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
