"""The REST API is rate limited per user (6000/min) and per anonymous address (600/min)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_api_throttle_settings_are_generous():
    drf = settings.REST_FRAMEWORK
    assert "rest_framework.throttling.UserRateThrottle" in drf["DEFAULT_THROTTLE_CLASSES"]
    assert "rest_framework.throttling.AnonRateThrottle" in drf["DEFAULT_THROTTLE_CLASSES"]
    assert drf["DEFAULT_THROTTLE_RATES"]["user"] == "6000/min"
    assert UserRateThrottle().parse_rate(drf["DEFAULT_THROTTLE_RATES"]["anon"])[0] >= 100


def test_user_over_the_rate_gets_429_with_retry_after(world, monkeypatch):
    # The configured rate is 6000/min; a smaller one proves the mechanism without 6000 requests.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "5/min"})
    api = world.api(world.member)
    assert [api.get("/api/0/projects/").status_code for _ in range(5)] == [200] * 5
    refused = api.get("/api/0/projects/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"].lower()
    assert world.api(world.owner).get("/api/0/projects/").status_code == 200, "the limit is per user"


def test_anonymous_requests_are_refused_before_any_throttle(monkeypatch):
    """DRF checks permissions before throttles and every endpoint needs a user, so an
    anonymous caller always gets its 401 (the anon rate guards only endpoints that
    would allow anonymous access; there are none today)."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    client = APIClient(REMOTE_ADDR="203.0.113.5")
    assert {client.get("/api/0/projects/").status_code for _ in range(5)} == {401}


def test_normal_use_is_not_throttled(world):
    api = world.api(world.member)
    assert all(api.get("/api/0/projects/").status_code == 200 for _ in range(50))
