"""Quotas and back-pressure: a refused request is a 429 that SDKs understand
(``Retry-After`` and ``X-Sentry-Rate-Limits``), and it says why."""

from __future__ import annotations

import os
import time

import pytest
import redis

from ingest import quotas
from ingest.protocol.ratelimit_header import parse_rate_limits
from tests.ingest.helpers import event_envelope, post_envelope, post_store
from tests.live.server import with_db

pytestmark = pytest.mark.django_db
BACKLOG_REDIS_DB = 6


@pytest.fixture(autouse=True)
def _whole_minute_window(time_machine) -> None:
    """Quotas count per clock minute: each test starts at the beginning of the next one
    (travelled to, the clock then runs), never in the last seconds of a window."""
    time_machine.move_to((int(time.time()) // 60 + 1) * 60 + 1)


def _assert_429(response, reason: str, scope: str) -> None:
    assert response.status_code == 429, response.content
    assert reason in response.json()["detail"]
    assert int(response["Retry-After"]) >= 1
    (limit,) = parse_rate_limits(response["X-Sentry-Rate-Limits"])
    assert limit.scope == scope and limit.reason_code == reason
    assert limit.retry_after == int(response["Retry-After"])


def test_key_quota_third_request_is_429(client, world):
    world.key.rate_limit_per_minute = 2
    world.key.save()
    assert [post_envelope(client, world, event_envelope()).status_code for _ in range(2)] == [200, 200]
    response = post_envelope(client, world, event_envelope())
    _assert_429(response, "key_quota", "key")
    assert set(parse_rate_limits(response["X-Sentry-Rate-Limits"])[0].categories) >= {"error"}


def test_key_quota_counts_store_and_envelope_together(client, world):
    world.key.rate_limit_per_minute = 2
    world.key.save()
    assert post_store(client, world, b'{"message": "one"}').status_code == 200
    assert post_envelope(client, world, event_envelope()).status_code == 200
    _assert_429(post_store(client, world, b'{"message": "three"}'), "key_quota", "key")


def test_project_quota(client, world):
    world.project.rate_limit_per_minute = 1
    world.project.save()
    assert post_envelope(client, world, event_envelope()).status_code == 200
    _assert_429(post_envelope(client, world, event_envelope()), "project_quota", "project")


def test_envelope_without_events_is_not_counted(client, world):
    """Sessions and client reports are not errors: they never use up the error quota."""
    from tests.ingest.helpers import envelope

    world.key.rate_limit_per_minute = 1
    world.key.save()
    session = envelope(({"type": "session"}, {"sid": "a" * 32, "status": "ok", "attrs": {"release": "r@1"}}))
    assert [post_envelope(client, world, session).status_code for _ in range(3)] == [200, 200, 200]
    assert post_envelope(client, world, event_envelope()).status_code == 200


@pytest.fixture
def deep_backlog(settings):
    """A real Redis broker whose ``ingest`` list holds more messages than the limit."""
    url = with_db(os.environ["ERRORHUB_TEST_REDIS_URL"], BACKLOG_REDIS_DB)
    broker = redis.Redis.from_url(url, socket_timeout=2)
    broker.delete("ingest", "ingest-retry")
    broker.rpush("ingest", *[b'{"fake": "message"}'] * 12)
    settings.CELERY_BROKER_URL = url
    settings.INGEST_BACKLOG_LIMIT = 10
    quotas.clear_backlog_cache()  # state reset: the depth is cached for 1 s
    yield broker
    broker.delete("ingest", "ingest-retry")
    quotas.clear_backlog_cache()


def test_backpressure_is_429_backlog(client, world, deep_backlog):
    response = post_envelope(client, world, event_envelope())
    _assert_429(response, "backlog", "organization")
    assert parse_rate_limits(response["X-Sentry-Rate-Limits"])[0].categories == ()
    deep_backlog.ltrim("ingest", 0, 4)  # the worker caught up
    quotas.clear_backlog_cache()
    assert post_envelope(client, world, event_envelope()).status_code == 200


def test_backlog_depth_is_cached_for_a_second(deep_backlog):
    assert quotas.backlog_depth() == 12
    deep_backlog.rpush("ingest", b"{}")
    assert quotas.backlog_depth() == 12
    quotas.clear_backlog_cache()
    assert quotas.backlog_depth() == 13
