"""How the ingest doors answer a database failure: unreachable (the server is down) is a 503
the SDK retries; an error in ErrorHub's own SQL (a missing table, bad data) is its bug, a
counted 500 — never disguised as "temporarily unavailable"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from errorhub.accounts.models import ProjectKey
from errorhub.middleware import ServerErrorCounterMiddleware
from tests.ingest.helpers import event_envelope
from tests.ingest.test_wsgi_path import call

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _table_missing(model: type) -> Iterator[None]:
    """The model's table renamed away (committed), so every query on it is a ProgrammingError."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")


@contextmanager
def _database_unreachable() -> Iterator[None]:
    """The connection pointed at a port nothing listens on."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_an_error_in_our_own_sql_is_a_counted_500(world, monkeypatch, tmp_path):
    # PostgreSQL only: SQLite's driver reports a missing table as OperationalError, the
    # class it also uses for "database is locked", so there it stays a 503
    assert connection.vendor == "postgresql", "a ProgrammingError: the PostgreSQL run only"
    monkeypatch.setenv("ERRORHUB_500_LOG", str(tmp_path / "500.log"))  # this 500 is the point of the test
    before = ServerErrorCounterMiddleware.count
    with _table_missing(ProjectKey):
        status, _, answer = call(
            "POST", f"/api/{world.project.pk}/envelope/", event_envelope(), HTTP_X_SENTRY_AUTH=world.auth_header()
        )
    assert status == 500, answer
    assert json.loads(answer) == {"detail": "internal error"}
    assert ServerErrorCounterMiddleware.count == before + 1
    assert f"POST /api/{world.project.pk}/envelope/" in (tmp_path / "500.log").read_text()


def test_an_unreachable_database_is_a_503_to_retry(world):
    assert connection.vendor == "postgresql", "a server to be unreachable: the PostgreSQL run only"
    before = ServerErrorCounterMiddleware.count
    with _database_unreachable():
        status, headers, answer = call(
            "POST", f"/api/{world.project.pk}/envelope/", event_envelope(), HTTP_X_SENTRY_AUTH=world.auth_header()
        )
    assert status == 503, answer
    assert headers["Retry-After"] == "10"
    assert "temporarily unavailable" in json.loads(answer)["detail"]
    assert ServerErrorCounterMiddleware.count == before
