"""Live fixtures: a real ErrorHub (gunicorn + Celery worker on Redis) over the
test PostgreSQL database, and one project per test module.

The subprocesses open their own connections, so everything they must see is
created outside any test transaction (committed) with ``django_db_blocker``,
and the database is flushed when the package is done so later tests start
from empty tables, as ``transactional_db`` would leave them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.db import connection, connections

from tests.live.server import EmbeddedServer, LiveServer, embedded_env, with_db

pytestmark = pytest.mark.live
LIVE_REDIS_DB = 5
# libpq's application_name for every session of the live server's processes, so teardown
# waits for exactly those (the test process's own threads, e.g. a browser test's
# live_server, close theirs when the session ends).
LIVE_APP_NAME = "errorhub-live-server"


@dataclass(frozen=True)
class LiveProject:
    """What a user of a fresh ErrorHub has: a DSN for the SDK, an API token to read back."""

    base_url: str
    org: str
    slug: str
    project_id: int
    dsn: str
    token: str


def _live_env(database_name: str, data_dir: Path) -> dict[str, str]:
    broker = with_db(os.environ["ERRORHUB_TEST_REDIS_URL"], LIVE_REDIS_DB)
    redis.Redis.from_url(broker, socket_timeout=2).flushdb()  # stale messages of an aborted run
    return {
        **os.environ,
        "DATABASE_URL": with_db(os.environ["ERRORHUB_TEST_DATABASE_URL"], database_name),
        "CELERY_BROKER_URL": broker,
        "ERRORHUB_TASKS_EAGER": "0",
        "ERRORHUB_DATA_DIR": str(data_dir),
        "ERRORHUB_500_LOG": os.environ["ERRORHUB_500_LOG"],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "PGAPPNAME": LIVE_APP_NAME,
    }


@pytest.fixture(scope="package")
def errorhub_server(request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker) -> Iterator[LiveServer]:
    """gunicorn (2 workers) and a Celery worker on the test database, for the whole package."""
    from django.conf import settings

    data_dir = Path(tempfile.mkdtemp(prefix="errorhub-live-"))
    test_db = settings.DATABASES["default"].get("TEST", {}).get("NAME")  # set by the root conftest
    if not test_db:
        raise RuntimeError("no test database name: the live server must never touch a real database")
    server = LiveServer(env=_live_env(test_db, data_dir), log_dir=data_dir / "logs")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        failed = request.session.testsfailed
        if failed:
            print(f"\n{server.logs()}")
        with django_db_blocker.unblock():
            _wait_for_other_sessions_to_end()
            call_command("flush", interactive=False, verbosity=0)
            connections.close_all()  # nothing of this package holds the test database when it is dropped


def _wait_for_other_sessions_to_end(timeout: float = 30.0) -> None:
    """PostgreSQL ends a killed client's session a moment after the client is gone; until
    it has, dropping the test database fails with "being accessed by other users". Only the
    live server's sessions count: it is stopped, so they must end."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT pid, client_port, state, left(query, 200) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [LIVE_APP_NAME],
            )
            others = cursor.fetchall()
            if not others:
                return
            time.sleep(0.1)
    raise RuntimeError(
        f"sessions (pid, client port, state, last query) still hold the test database after {timeout} s: {others}"
    )


def make_live_project(name: str, server: LiveServer, django_db_blocker) -> LiveProject:
    """A committed project called ``name`` with a DSN key, and a member's API token."""
    from errorhub.accounts.services import api_token_create, project_create
    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        created = project_create(org_name="Live", name=name, team_name="live")
        user = UserFactory(username=f"dev-{name}")
        for team in created.project.teams.all():
            team.members.add(user)
        token = api_token_create(user=user, label="live tests")
        return LiveProject(
            base_url=server.base_url,
            org=created.project.organization.slug,
            slug=created.project.slug,
            project_id=created.project.pk,
            dsn=created.key.dsn(server.base_url),
            token=token,
        )


@pytest.fixture(scope="module")
def live_project(request: pytest.FixtureRequest, errorhub_server: LiveServer, django_db_blocker) -> LiveProject:
    """A project named after the test module."""
    name = request.module.__name__.rpartition(".")[2].replace("_", "-")
    return make_live_project(name, errorhub_server, django_db_blocker)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-django creates the test database only when a collected test asks
    for one; the live server needs it even when these tests run alone."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.django_db)


_EMBEDDED_PROJECT = """
import json
from django.contrib.auth import get_user_model
from errorhub.accounts.models import Project
from errorhub.accounts.services import api_token_create
admin = get_user_model().objects.filter(is_superuser=True).order_by("id").first()
project = Project.objects.select_related("organization").get(slug="demo")
print(json.dumps({"org": project.organization.slug, "slug": project.slug, "project_id": project.pk,
                  "dsn": project.keys.order_by("id").first().dsn(), "token": api_token_create(user=admin)}))
"""


def embedded_live_project(server: EmbeddedServer) -> LiveProject:
    """The demo project ``manage.py bootstrap`` created, and an API token of its admin
    (made in the server's own database, through ``manage.py shell``)."""
    created = json.loads(server.manage("shell", "-c", _EMBEDDED_PROJECT).strip().splitlines()[-1])
    return LiveProject(base_url=server.base_url, **created)


@contextmanager
def embedded_server(tmp_path: Path, **settings: str) -> Iterator[EmbeddedServer]:
    """ErrorHub as ``make run`` starts it, in ``tmp_path``, with extra ``settings`` (env);
    stopped (both process groups) when the block ends."""
    server = EmbeddedServer(env=embedded_env(tmp_path / "data", **settings), log_dir=tmp_path / "logs")
    try:
        server.start()
        yield server
    finally:
        server.stop()
