"""The rule form's live preview: the recent issues the rule as typed would have fired on,
decided by ``alerts.routing.rule_fires`` — the decision the alert path makes per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import routing
from alerts.models import Rule
from errorhub.issues.models import Activity, Issue
from tests.alerts.conftest import make_event, record

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
PREVIEW = "/alerts/rules/preview/"


@pytest.fixture
def member(client, world):
    client.force_login(world.member)
    return client


@pytest.fixture
def issues(world):
    """Three recent issues of the member's project and one of a project they cannot see."""
    checkout = record(world.project, make_event(message="checkout failed", tags={"region": "eu"})).changes
    billing = record(
        world.project,
        make_event(
            environment="staging",
            exception={"values": [{"type": "KeyError", "value": "invoice", "stacktrace": {"frames": []}}]},
        ),
    ).changes
    old = record(
        world.project,
        make_event(exception={"values": [{"type": "OSError", "value": "disk", "stacktrace": {"frames": []}}]}),
    ).changes
    hidden = record(world.other_project, make_event(message="checkout failed elsewhere")).changes
    old_issue = Issue.objects.get(pk=next(iter(old)))
    week_ago = timezone.now() - timedelta(days=8)
    Issue.objects.filter(pk=old_issue.pk).update(first_seen=week_ago, last_seen=week_ago)
    return {
        name: Issue.objects.get(pk=next(iter(changes)))
        for name, changes in (("checkout", checkout), ("billing", billing), ("old", old), ("hidden", hidden))
    }


def form(world, **overrides):
    data = {
        "name": "preview",
        "scope": f"p{world.project.pk}",
        "triggers": ["new_issue"],
        "min_interval_seconds": 300,
    }
    data.update(overrides)
    return data


def test_a_rule_that_fires_lists_the_recent_issues_it_matches(member, world, issues):
    response = member.post(PREVIEW, form(world, environments="production"))
    html = response.content.decode()
    assert response.status_code == 200 and response["X-Preview-Valid"] == "1"
    assert issues["checkout"].short_code in html and "new_issue" in html
    assert issues["billing"].short_code not in html  # staging: the environment filter says no
    assert issues["old"].short_code not in html  # last seen 8 days ago: outside the window
    assert "1</strong> would have fired" in html and "2 issues seen since" in html


def test_a_rule_that_does_not_fire_says_it_would_have_stayed_quiet(member, world, issues):
    html = member.post(PREVIEW, form(world, exception_type="ZeroDivisionError")).content.decode()
    assert "None: this rule would have stayed quiet." in html
    assert issues["checkout"].short_code not in html


def test_filters_read_the_latest_event_tags_and_the_issue(member, world, issues):
    html = member.post(PREVIEW, form(world, tags="region=eu", message_regex="checkout")).content.decode()
    assert issues["checkout"].short_code in html and issues["billing"].short_code not in html


def test_regression_fires_only_for_an_issue_that_regressed_in_the_window(member, world, issues):
    Issue.objects.filter(pk=issues["billing"].pk).update(first_seen=timezone.now() - timedelta(days=30))
    Activity.objects.create(issue=issues["billing"], kind="regressed", actor="system")
    html = member.post(PREVIEW, form(world, triggers=["regression"])).content.decode()
    assert issues["billing"].short_code in html and "regression" in html
    assert issues["checkout"].short_code not in html


def test_the_preview_asks_the_routing_decision_of_the_alert_path(member, world, issues, monkeypatch):
    """No second matcher: every examined issue goes through ``routing.rule_fires``, the function
    ``route`` calls for each rule on the live path."""
    asked = []
    real = routing.rule_fires

    def spy(rule, event, issue, change, counter, now):
        asked.append(issue.pk)
        return real(rule, event, issue, change, counter, now)

    monkeypatch.setattr("alerts.dryrun.rule_fires", spy)
    member.post(PREVIEW, form(world))
    assert sorted(asked) == sorted([issues["checkout"].pk, issues["billing"].pk])


def test_an_organisation_wide_rule_previews_only_projects_the_user_sees(member, world, issues):
    html = member.post(PREVIEW, form(world, scope=f"o{world.project.organization.pk}")).content.decode()
    assert issues["checkout"].short_code in html and issues["hidden"].short_code not in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"message_regex": "(unclosed"}, "not a valid regular expression"),
        ({"triggers": []}, "choose at least one trigger"),
        ({"triggers": ["frequency"]}, "the frequency trigger needs N and T"),
        ({"scope": "p999999"}, "Select a valid choice"),
    ],
)
def test_invalid_input_shows_the_form_error_not_a_500(member, world, issues, overrides, message):
    """A rule being typed is incomplete most of the time: the fragment carries its errors (200,
    flagged invalid); the no-JS Preview button, a submission of the page, answers 400."""
    response = member.post(PREVIEW, form(world, **overrides))
    assert response.status_code == 200 and response["X-Preview-Valid"] == "0"
    assert message in response.content.decode() and "Not a rule yet" in response.content.decode()
    page = member.post("/alerts/rules/new/", {**form(world, **overrides), "_preview": "1"})
    assert page.status_code == 400 and message in page.content.decode()
    assert not Rule.objects.exists()


def test_unsimulated_triggers_are_named(member, world, issues):
    html = member.post(PREVIEW, form(world, triggers=["new_issue", "spike"], spike_factor=3)).content.decode()
    assert "Not replayed from history: spike" in html


def test_the_preview_button_without_js_shows_the_preview_and_saves_nothing(member, world, issues):
    response = member.post("/alerts/rules/new/", {**form(world), "_preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and issues["checkout"].short_code in html
    assert '<form method="post" class="card rule-form"' in html and not Rule.objects.exists()


def test_preview_needs_login_and_a_post(client, world):
    assert client.post(PREVIEW, {}).status_code == 302
    client.force_login(world.member)
    assert client.get(PREVIEW).status_code == 405
