"""``PUT /api/0/issues/<id>/`` (and the bulk PUT) type and bound every field: a huge
integer, a naive or far-future ``ignoreUntil``, a number where text belongs or a release
longer than its column is a 400 naming the field, and the issue is unchanged.

The snooze limits are the ones the dashboard and Slack use (``MAX_SNOOZE``,
``MAX_SNOOZE_COUNT`` in ``errorhub.issues.services``).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.models import Issue
from errorhub.issues.services import MAX_SNOOZE, MAX_SNOOZE_COUNT
from errorhub.middleware import ServerErrorCounterMiddleware
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture(autouse=True)
def _no_500():
    before = ServerErrorCounterMiddleware.count
    yield
    assert ServerErrorCounterMiddleware.count == before


def _put(world, issue: Issue, raw: str, *, bulk: bool = False):
    path = f"/api/0/projects/acme/shop/issues/?id={issue.pk}" if bulk else f"/api/0/issues/{issue.pk}/"
    return world.api(world.member).put(path, raw, content_type="application/json")


def _snooze(**details: object) -> str:
    return json.dumps({"status": "ignored", "statusDetails": {"ignoreReason": "noisy", **details}})


def _refused(world, raw: str, field: str, says: str) -> None:
    issue = issue_of(world.project, f"refused-{field}")
    for bulk in (False, True):
        response = _put(world, issue, raw, bulk=bulk)
        assert response.status_code == 400, response.content
        detail = response.json()["detail"]
        assert f"statusDetails.{field}" in detail and says in detail, detail
    assert Issue.objects.get(pk=issue.pk).lifecycle == "new"


@pytest.mark.parametrize("field", ["ignoreDuration", "ignoreCount", "ignoreUntilCount"])
def test_a_309_digit_integer_is_a_400(world, field):
    raw = _snooze().replace('"ignoreReason"', f'"{field}": {"9" * 309}, "ignoreReason"')
    _refused(world, raw, field, "whole number")


def test_a_naive_ignore_until_is_a_400(world):
    _refused(world, _snooze(ignoreUntil="2030-01-01T00:00:00"), "ignoreUntil", "time zone")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+14:00"])
def test_an_extreme_ignore_until_is_a_400(world, when):
    _refused(world, _snooze(ignoreUntil=when), "ignoreUntil", f"at most {MAX_SNOOZE.days} days")


def test_ignore_until_cannot_outlast_the_snooze_limit(world):
    too_late = (timezone.now() + MAX_SNOOZE + timedelta(days=1)).isoformat()
    _refused(world, _snooze(ignoreUntil=too_late), "ignoreUntil", f"at most {MAX_SNOOZE.days} days")


def test_ignore_count_is_bounded_by_the_shared_limit(world):
    _refused(world, _snooze(ignoreCount=MAX_SNOOZE_COUNT + 1), "ignoreCount", str(MAX_SNOOZE_COUNT))
    issue = issue_of(world.project, "max-count")
    assert _put(world, issue, _snooze(ignoreCount=MAX_SNOOZE_COUNT)).status_code == 200
    assert Issue.objects.get(pk=issue.pk).snooze_until_count == issue.times_seen + MAX_SNOOZE_COUNT


def test_a_number_as_ignore_reason_is_a_400(world):
    _refused(world, _snooze(ignoreReason=5, ignoreDuration=30), "ignoreReason", "valid string")


def test_a_release_longer_than_its_column_is_a_400(world):
    raw = json.dumps({"status": "resolved", "statusDetails": {"inRelease": "r" * 201}})
    _refused(world, raw, "inRelease", "200 characters")


def test_an_aware_ignore_until_within_the_limit_snoozes(world):
    issue = issue_of(world.project, "aware-until")
    when = timezone.now() + timedelta(days=30)
    response = _put(world, issue, _snooze(ignoreUntil=when.astimezone(timezone.get_fixed_timezone(-300)).isoformat()))
    assert response.status_code == 200, response.content
    stored = Issue.objects.get(pk=issue.pk)
    assert stored.lifecycle == "snoozed" and abs(stored.snooze_until - when) < timedelta(seconds=1)
