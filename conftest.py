"""Root conftest: per-run data directory and the cross-process 500 log.

Simple defaults live in pytest.ini (``env``, applied before Django's settings
load); these two need a fresh temporary path per run.
"""

import os
import tempfile
import warnings
from pathlib import Path

_DATA = Path(tempfile.mkdtemp(prefix="errorhub-test-"))
os.environ.setdefault("ERRORHUB_DATA_DIR", str(_DATA))
os.environ.setdefault("ERRORHUB_500_LOG", str(_DATA / "500.log"))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A PostgreSQL test database of this run's own, so concurrent runs (a
    developer's and a benchmark's, or two shells) never drop each other's."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if "postgresql" in db["ENGINE"]:
            db.setdefault("TEST", {})["NAME"] = f"test_errorhub_{os.getpid()}"
        elif "sqlite" in db["ENGINE"]:
            # a file, as the embedded default runs (WAL, busy timeout): an in-memory
            # shared-cache database answers "table is locked" to concurrent writers at once
            db.setdefault("TEST", {})["NAME"] = str(_DATA / "test_errorhub.sqlite3")


# Hypothesis: no wall-clock deadline and no "too slow" health check for any property test (a
# busy two-core machine slows an example without anything being wrong: tests assert behaviour,
# never duration; runaway work is bounded in CPU time, see tests/budget.py). A failure prints
# the blob that reproduces it.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "errorhub", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("errorhub")


@pytest.fixture(scope="session", autouse=True)
def name_sessions_left_on_the_test_database(django_db_setup: None, django_db_blocker) -> None:
    """Before the test database is dropped, name any other session still on it (its last
    query says which test leaked it): otherwise the drop fails with only "being accessed by
    other users"."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 300) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        others = cursor.fetchall()
    if others:
        warnings.warn(f"sessions left on the test database at the end of the run: {others}", stacklevel=1)
