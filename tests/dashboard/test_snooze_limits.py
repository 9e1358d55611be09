"""The dashboard's snooze form uses the shared snooze limits: a far date typed by a user
in a time zone behind UTC (year 9999 at -05:00) is a form error, not an overflow when it
is stored in UTC."""

from __future__ import annotations

import pytest

from errorhub.accounts.models import UserProfile
from errorhub.issues.models import Issue
from errorhub.issues.services import MAX_SNOOZE, MAX_SNOOZE_COUNT

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_a_far_snooze_end_in_a_zone_behind_utc_is_a_400(login, world, issue):
    UserProfile.objects.update_or_create(user=world.member, defaults={"timezone": "America/New_York"})
    client = login(world.member)
    response = client.post(f"/issues/{issue.pk}/snooze/", {"reason": "later", "until": "9999-12-31T23:59"})
    assert response.status_code == 400
    assert f"at most {MAX_SNOOZE.days} days".encode() in response.content
    assert Issue.objects.get(pk=issue.pk).lifecycle == "new"


def test_the_count_limit_is_the_shared_one(login, world, issue):
    client = login(world.member)
    response = client.post(f"/issues/{issue.pk}/snooze/", {"reason": "later", "count": MAX_SNOOZE_COUNT + 1})
    assert response.status_code == 400
    assert client.post(f"/issues/{issue.pk}/snooze/", {"reason": "later", "count": MAX_SNOOZE_COUNT}).status_code == 302
    assert Issue.objects.get(pk=issue.pk).lifecycle == "snoozed"
