"""The security suite's live server: the one of tests/live (real gunicorn with 2
workers + a Celery worker on the test database), reused as is.

``errorhub_server`` is package-scoped here too, so it starts once for every live
module of tests/security; each live module removes what it committed when it
ends (``live_cleanup``), so the in-process tests after it start from empty tables.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command

from tests.live.conftest import errorhub_server  # noqa: F401  (the fixture, reused)


@pytest.fixture(scope="module")
def live_cleanup(django_db_blocker) -> Iterator[None]:
    """Flush the tables after a live module: the server's processes committed real rows."""
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
