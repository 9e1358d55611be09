"""The API and dashboard 500s of issue #24.5, replayed through the real views.

Unbounded numbers (``ignoreDuration`` of 1e30 overflowed the date arithmetic) and
deep JSON (a 5,000-deep array in the alert dry run raised ``RecursionError``) are
now a 400 saying what was wrong, and nothing is changed.
"""

from __future__ import annotations

import json

import pytest

from errorhub.issues.models import Issue
from errorhub.middleware import ServerErrorCounterMiddleware
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture(autouse=True)
def _no_500():
    before = ServerErrorCounterMiddleware.count
    yield
    assert ServerErrorCounterMiddleware.count == before


def _snooze(duration: object) -> dict:
    return {"status": "ignored", "statusDetails": {"ignoreDuration": duration, "ignoreReason": "noisy"}}


@pytest.mark.parametrize("duration", [1e30, "1e30", -5, 10**40, "soon", 1.5])
def test_ignore_duration_out_of_range_on_one_issue_is_a_400(world, duration):
    issue = issue_of(world.project, "duration")
    response = world.api(world.member).put(f"/api/0/issues/{issue.pk}/", _snooze(duration), format="json")
    assert response.status_code == 400, response.content
    assert "ignoreDuration must be a whole number from 1 to" in response.json()["detail"]
    assert Issue.objects.get(pk=issue.pk).lifecycle == issue.lifecycle


def test_ignore_duration_out_of_range_in_bulk_is_a_400(world):
    issue = issue_of(world.project, "bulk")
    response = world.api(world.member).put(
        f"/api/0/projects/acme/shop/issues/?id={issue.pk}", _snooze(1e30), format="json"
    )
    assert response.status_code == 400, response.content
    assert "ignoreDuration" in response.json()["detail"]


def test_ignore_count_out_of_range_is_a_400(world):
    issue = issue_of(world.project, "count")
    body = {"status": "ignored", "statusDetails": {"ignoreCount": 10**30, "ignoreReason": "noisy"}}
    response = world.api(world.member).put(f"/api/0/issues/{issue.pk}/", body, format="json")
    assert response.status_code == 400 and "ignoreCount" in response.json()["detail"]


def test_a_bounded_snooze_still_works(world):
    issue = issue_of(world.project, "fine")
    response = world.api(world.member).put(f"/api/0/issues/{issue.pk}/", _snooze(60), format="json")
    assert response.status_code == 200, response.content
    assert Issue.objects.get(pk=issue.pk).lifecycle == "snoozed"


def test_deep_json_in_any_api_body_is_a_400(world):
    issue = issue_of(world.project, "deep")
    body = '{"text": ' + "[" * 5000 + "]" * 5000 + "}"
    response = world.api(world.member).post(
        f"/api/0/issues/{issue.pk}/comments/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "nested deeper than 128" in response.json()["detail"]


def test_deep_event_in_the_alert_dry_run_api_is_a_400(world):
    body = '{"message": "x", "extra": ' + "[" * 300 + "]" * 300 + "}"
    response = world.api(world.member).post(
        "/api/0/projects/acme/shop/alert-rules/dry-run/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize("depth", [300, 5000])
def test_deep_event_in_the_alert_dry_run_form_is_a_400(client, world, depth):
    client.force_login(world.member)
    event = '{"message": "x", "extra": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/alerts/dry-run/", {"project": world.project.pk, "event": event})
    assert response.status_code == 400
    assert "nested deeper than 128 levels" in response.content.decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "!!",
        "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OXw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
        "MjAyNi0wMS0wMVQwMDowMDowMFp8OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
    ],
)
def test_edited_page_cursors_are_a_400(world, client, cursor):
    response = world.api(world.member).get(f"/api/0/projects/acme/shop/issues/?cursor={cursor}")
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
    client.force_login(world.member)
    page = client.get(f"/issues/?cursor={cursor}")
    assert page.status_code == 400 and "page link is not valid" in page.content.decode()


def test_the_pasted_event_form_keeps_its_messages(client, world):
    client.force_login(world.member)
    response = client.post("/alerts/dry-run/", {"project": world.project.pk, "event": json.dumps([1])})
    assert response.status_code == 400 and "must be a JSON object" in response.content.decode()


@pytest.mark.parametrize("issue_id", ["99999999999999999999999", "-1", "1e30"])
def test_issue_ids_out_of_range_are_a_404(world, client, issue_id):
    assert world.api(world.member).get(f"/api/0/issues/{issue_id}/").status_code == 404
    client.force_login(world.member)
    if issue_id.isdigit():
        assert client.get(f"/issues/{issue_id}/").status_code == 404
    merge = client.post(f"/issues/{issue_of(world.project, 'merge').pk}/merge/", {"other": "9" * 30})
    assert merge.status_code in (302, 400)


def test_alert_page_numbers_out_of_range_are_not_a_500(client, world):
    client.force_login(world.member)
    assert client.get("/alerts/deliveries/", {"before": "9" * 30}).status_code in (200, 400)
    response = client.post("/alerts/dry-run/", {"issue": "9" * 30})
    assert response.status_code == 400
