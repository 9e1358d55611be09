"""Bulk triage from the inbox: a failed action shows the inbox again with the same issues ticked,
what was typed still in the bar and the error beside it; nothing changes unless every issue can."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from errorhub.dashboard.services import issues_bulk_apply
from errorhub.issues.actions import Merge
from errorhub.issues.models import Issue
from errorhub.issues.services import LifecycleError
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def three(world) -> list[Issue]:
    kinds = ("KeyError", "OSError", "TypeError")
    return [record_event(world.project, **crash(exception={"values": [{"type": k, "value": k}]}))[0] for k in kinds]


def _ticked(body: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="issues" value="(\d+)"[^>]*\bchecked\b', body)}


def _bar_value(body: str, name: str) -> str:
    match = re.search(rf'<input name="{name}"[^>]*? value="([^"]*)"', body)
    assert match, f"the bar has a {name} field"
    return match.group(1)


def test_unknown_assignee_keeps_selection_and_typed_values(login, world, three):
    chosen = [three[0].pk, three[2].pk]
    response = login(world.member).post(
        "/inbox/bulk/", {"action": "assign", "issues": chosen, "assignee": "nobody-here", "reason": "triage day"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert _ticked(body) == set(chosen), "the same issues stay ticked"
    assert _bar_value(body, "assignee") == "nobody-here" and _bar_value(body, "reason") == "triage day"
    assert re.search(r'<option value="assign" selected>', body)
    error = re.search(r'<p class="error bulk-error" role="alert">(.*?)</p>', body, re.S)
    assert error and "nobody-here" in error.group(1)
    assert body.index("bulk-bar") < body.index("bulk-error") < body.index('<table class="issues">'), "beside the bar"
    assert set(Issue.objects.filter(pk__in=chosen).values_list("lifecycle", flat=True)) == {"new"}


def test_snooze_without_hours_keeps_the_reason(login, world, three):
    response = login(world.member).post(
        "/inbox/bulk/", {"action": "snooze", "issues": [three[1].pk], "reason": "vendor outage", "hours": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert _ticked(body) == {three[1].pk}
    assert _bar_value(body, "reason") == "vendor outage"
    assert "a bulk snooze needs a reason and a number of hours" in body
    assert re.search(r'<option value="snooze" selected>', body)


def test_too_many_hours_names_the_field(login, world, three):
    response = login(world.member).post(
        "/inbox/bulk/", {"action": "snooze", "issues": [three[0].pk], "reason": "later", "hours": "999999"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Hours: " in body and _bar_value(body, "hours") == "999999"


def test_bulk_success_redirects_to_the_inbox_with_a_note(login, world, three):
    client = login(world.member)
    response = client.post("/inbox/bulk/", {"action": "acknowledge", "issues": [three[0].pk, three[1].pk]})
    assert response.status_code == 302 and response["Location"] == "/"
    body = client.get("/").content.decode()
    assert "Acknowledge: 2 issue(s)." in body
    assert {i.pk for i in Issue.objects.filter(in_inbox=True)} == {three[2].pk}
    assert _ticked(body) == set(), "a fresh inbox has nothing ticked"


def test_the_bar_offers_select_all_on_this_page(login, world, three):
    body = login(world.member).get("/").content.decode()
    assert re.search(r'<input type="checkbox" data-select-all[^>]*>\s*All on this page', body)


def test_bulk_needs_the_csrf_token(world, three):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    assert client.post("/inbox/bulk/", {"action": "resolve", "issues": [three[0].pk]}).status_code == 403
    assert Issue.objects.get(pk=three[0].pk).lifecycle == "new"


def test_a_refusal_for_one_issue_changes_none(world, three):
    survivor, other, _ = three
    with pytest.raises(LifecycleError):
        # merging `other` into each: fine for the survivor, refused for `other` itself
        issues_bulk_apply(issues=[survivor, other], action=Merge(others=(other,)), user=world.member)
    assert Issue.objects.get(pk=other.pk).merged_into_id is None, "the first merge was rolled back"
