"""The Alerts pages: rules, channels, the delivery log and the dry run, as a member,
an outsider and a stranger see them; the test alert through the Slack stand-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Channel, Delivery, Rule
from tests.alerts.conftest import make_event, record, rule, slack_channel
from tests.dashboard.test_escaping import EVIL, IMG, SCRIPT
from tests.factories import OrganizationFactory, ProjectFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client: Client, world) -> Client:
    """A team member who also owns the organisation (owners manage channels)."""
    world.project.organization.owners.add(world.member)
    client.force_login(world.member)
    return client


def test_only_organisation_owners_manage_channels(client, world):
    ch = slack_channel(world.project.organization)
    client.force_login(world.outsider)  # same organisation, not an owner
    assert client.post(f"/alerts/channels/{ch.pk}/", {"name": "taken over"}).status_code == 403
    assert client.post(f"/alerts/channels/{ch.pk}/enable/").status_code == 403
    ch.refresh_from_db()
    assert ch.name != "taken over"


@pytest.fixture
def foreign_channel(world) -> Channel:
    """A channel of another organisation, which nobody in ``world`` belongs to."""
    org = OrganizationFactory(slug="globex", name="Globex")
    team = TeamFactory(organization=org, slug="g")
    team.members.add(UserFactory(username="gina"))
    ProjectFactory(organization=org, slug="web").teams.add(team)
    return slack_channel(org, name="globex-alerts")


def _rule_post(world, channel: Channel | None = None, **overrides) -> dict:
    data = {
        "name": "checkout errors",
        "scope": f"p{world.project.pk}",
        "environments": "production, staging",
        "min_level": "error",
        "tags": "region=eu",
        "message_regex": r"basket|cart",
        "triggers": ["new_issue"],
        "min_interval_seconds": 300,
        "channels": [channel.pk] if channel else [],
    }
    data.update(overrides)
    return data


def _later(hours: int = 2) -> str:
    return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_every_alerts_page_answers_a_member_and_needs_login(client, member, world):
    ch = slack_channel(world.project.organization)
    r = rule(world.project, ch)
    urls = [
        "/alerts/",
        "/alerts/rules/new/",
        f"/alerts/rules/{r.pk}/",
        "/alerts/channels/",
        "/alerts/channels/new/",
        f"/alerts/channels/{ch.pk}/",
        "/alerts/deliveries/",
        "/alerts/dry-run/",
    ]
    for url in urls:
        response = member.get(url)
        assert response.status_code == 200, url
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert ' style="' not in response.content.decode(), url
    assert b'href="/alerts/">Alerts</a>' in member.get("/").content  # the nav link appears
    member.logout()
    for url in urls:
        response = member.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert member.post(f"/alerts/channels/{ch.pk}/test/").status_code == 302


def test_outsider_gets_404_for_another_teams_rule_pages_and_posts(client, world):
    r = rule(world.project, slack_channel(world.project.organization), name="shop only")
    client.force_login(world.outsider)
    assert client.get(f"/alerts/rules/{r.pk}/").status_code == 404
    assert client.post(f"/alerts/rules/{r.pk}/", {"name": "hijacked"}).status_code == 404
    for action, data in (("mute", {"reason": "x", "hours": 1}), ("unmute", {}), ("archive", {"reason": "x"})):
        assert client.post(f"/alerts/rules/{r.pk}/{action}/", data).status_code == 404, action
    assert b"shop only" not in client.get("/alerts/").content
    r.refresh_from_db()
    assert r.name == "shop only" and not r.archived and r.muted_until is None


def test_another_organisations_channel_is_404_and_not_selectable(member, world, foreign_channel):
    assert member.get(f"/alerts/channels/{foreign_channel.pk}/").status_code == 404
    for action in ("test", "enable"):
        assert member.post(f"/alerts/channels/{foreign_channel.pk}/{action}/").status_code == 404, action
    assert member.post(f"/alerts/channels/{foreign_channel.pk}/", {"name": "mine"}).status_code == 404
    assert b"globex-alerts" not in member.get("/alerts/channels/").content
    assert member.get(f"/alerts/deliveries/?channel={foreign_channel.pk}").status_code == 400
    response = member.post("/alerts/rules/new/", _rule_post(world, foreign_channel))
    assert response.status_code == 400 and not Rule.objects.exists()
    assert not Delivery.objects.exists()


def test_create_and_edit_a_rule(member, world):
    ch = slack_channel(world.project.organization)
    response = member.post(
        "/alerts/rules/new/",
        _rule_post(
            world, ch, triggers=["new_issue", "frequency"], frequency_count=10, frequency_seconds=60, mention="U0OLIVIA"
        ),
    )
    r = Rule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/alerts/rules/{r.pk}/"
    assert (r.project, r.environments, r.min_level, r.tags) == (
        world.project,
        ["production", "staging"],
        "error",
        {"region": "eu"},
    )
    assert r.triggers == ["new_issue", "frequency"] and (r.frequency_count, r.frequency_seconds) == (10, 60)
    assert list(r.channels.all()) == [ch] and r.mention == "U0OLIVIA"
    page = member.get("/alerts/").content.decode()
    assert "checkout errors" in page and "10 events in 60 s" in page and "env: production, staging" in page

    org_wide = _rule_post(world, ch, name="renamed", scope=f"o{world.project.organization.pk}")
    response = member.post(f"/alerts/rules/{r.pk}/", org_wide)
    r.refresh_from_db()
    assert response.status_code == 302 and r.name == "renamed" and r.project is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"message_regex": "(unclosed"}, "not a valid regular expression"),
        ({"culprit_regex": "[z-a]"}, "not a valid regular expression"),
        ({"triggers": []}, "choose at least one trigger"),
        ({"triggers": ["frequency"]}, "the frequency trigger needs N and T"),
        ({"tags": "justakey"}, "is not key=value"),
        ({"mention": "@olivia"}, "a Slack user id"),
    ],
)
def test_rule_form_errors_are_shown(member, world, overrides, message):
    response = member.post("/alerts/rules/new/", _rule_post(world, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Rule.objects.exists()


def test_mute_needs_a_reason_and_an_end_then_unmute(member, world):
    r = rule(world.project, slack_channel(world.project.organization))
    url = f"/alerts/rules/{r.pk}/mute/"
    for data, message in (
        ({"hours": 2}, "This field is required"),
        ({"reason": "   ", "hours": 2}, "This field is required"),
        ({"reason": "deploy window"}, "a mute needs an end"),
        ({"reason": "deploy window", "until": _later(24 * 100)}, "at most 90 days"),
        ({"reason": "deploy window", "until": "2001-01-01T00:00"}, "must be in the future"),
    ):
        response = member.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    r.refresh_from_db()
    assert r.muted_until is None

    assert member.post(url, {"reason": "deploy window", "until": _later()}).status_code == 302
    r.refresh_from_db()
    assert r.is_muted() and r.mute_reason == "deploy window"
    page = member.get("/alerts/").content.decode()
    assert "muted" in page and "deploy window" in page

    assert member.post(f"/alerts/rules/{r.pk}/unmute/").status_code == 302
    r.refresh_from_db()
    assert not r.is_muted() and r.mute_reason == ""


def test_archive_needs_a_reason_and_keeps_the_row(member, world):
    ch = slack_channel(world.project.organization)
    r = rule(world.project, ch, name="old rule")
    Delivery.objects.create(rule=r, channel=ch, reason="new_issue", status="sent")
    assert member.post(f"/alerts/rules/{r.pk}/archive/", {"reason": " "}).status_code == 400
    assert member.post(f"/alerts/rules/{r.pk}/archive/", {"reason": "replaced by the SLA rule"}).status_code == 302
    r = Rule.objects.get(pk=r.pk)
    assert r.archived and r.archived_by == "mike" and r.archived_reason == "replaced by the SLA rule"
    assert r.deliveries.count() == 1
    page = member.get("/alerts/").content.decode()
    assert "Archived rules (1)" in page and "replaced by the SLA rule" in page
    assert member.get(f"/alerts/rules/{r.pk}/").status_code == 200
    assert member.post(f"/alerts/rules/{r.pk}/", _rule_post(world, name="revived")).status_code == 302
    assert Rule.objects.get(pk=r.pk).name == "old rule"  # archived rules are not edited


def test_test_alert_reaches_slack_once_and_is_logged(member, world, slack, django_capture_on_commit_callbacks):
    response = member.post(
        "/alerts/channels/new/",
        {
            "name": "ops",
            "organization": world.project.organization.pk,
            "kind": "slack",
            "slack_channel": "C0ALERTS",
            "slack_name": "#ops",
        },
    )
    ch = Channel.objects.get()
    assert response.status_code == 302 and ch.config == {"channel": "C0ALERTS", "name": "#ops"}

    # the button queues the send (it runs once the request's transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(f"/alerts/channels/{ch.pk}/test/", follow=True)
        assert "Test alert queued for “ops”" in response.content.decode() and slack.posted() == []
    [call] = slack.posted()
    assert call.args["channel"] == "C0ALERTS" and "test alert from the ErrorHub dashboard by mike" in call.args["text"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.reason) == ("sent", 1, "test")
    assert delivery.attempt_log.count() == 1
    log = member.get("/alerts/deliveries/?status=sent").content.decode()
    assert delivery.slack_ts in log and "ops" in log
    assert delivery.slack_ts not in member.get("/alerts/deliveries/?status=failed").content.decode()


def test_permanent_slack_error_disables_the_channel_and_shows_why(
    member, world, slack, django_capture_on_commit_callbacks
):
    ch = slack_channel(world.project.organization, name="gone", channel_id="C0DELETED")
    slack_channel(world.project.organization, name="fine", channel_id="C0OTHER")
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(f"/alerts/channels/{ch.pk}/test/", {"next": "list"}, follow=True)
    assert "Test alert queued for “gone”" in response.content.decode()
    page = member.get("/alerts/channels/").content.decode()  # the queued send failed: the list says why
    assert "channel_not_found" in page
    ch.refresh_from_db()
    assert not ch.enabled and "channel_not_found" in ch.disabled_reason
    section = re.search(r'<section class="error disabled-channels".*?</section>', page, re.S).group(0)
    assert "gone" in section and "channel_not_found" in section and "fine" not in section
    assert page.index('class="disabled"') < page.index('class="enabled"')  # disabled rows first
    assert "failed" in member.get("/alerts/deliveries/").content.decode()

    assert "re-enable it first" in member.post(f"/alerts/channels/{ch.pk}/test/", follow=True).content.decode()
    assert member.post(f"/alerts/channels/{ch.pk}/enable/").status_code == 302
    ch.refresh_from_db()
    assert ch.enabled and ch.disabled_reason == "" and ch.consecutive_failures == 0


def test_webhook_secret_is_shown_once(member, world):
    response = member.post(
        "/alerts/channels/new/",
        {
            "name": "hook",
            "organization": world.project.organization.pk,
            "kind": "webhook",
            "url": "https://hooks.example.com/errorhub/t0ken",
        },
    )
    ch = Channel.objects.get()
    secret = ch.config["secret"]
    assert response.status_code == 200 and len(secret) >= 32 and secret in response.content.decode()
    page = member.get(f"/alerts/channels/{ch.pk}/").content.decode()
    assert secret not in page and "t0ken" not in member.get("/alerts/channels/").content.decode()
    member.post(f"/alerts/channels/{ch.pk}/", {"name": "hook2", "url": "https://hooks.example.com/x"})
    ch.refresh_from_db()
    assert ch.config["secret"] == secret and ch.name == "hook2"
    response = member.post(
        f"/alerts/channels/{ch.pk}/", {"name": "hook2", "url": "https://hooks.example.com/x", "rotate_secret": "on"}
    )
    ch.refresh_from_db()
    assert ch.config["secret"] != secret and ch.config["secret"] in response.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "slack", "slack_channel": "#ops"}, "a Slack channel id"),
        ({"kind": "slack_webhook"}, "this kind of channel needs a URL"),
        ({"kind": "webhook", "url": "ftp://x"}, "Enter a valid URL"),
        ({"kind": "email", "addresses": "ops@example.com, not-an-address"}, "is not an email address"),
        ({"kind": "email"}, "give at least one address or a team"),
    ],
)
def test_channel_form_errors_are_shown(member, world, data, message):
    response = member.post(
        "/alerts/channels/new/", {"name": "x", "organization": world.project.organization.pk, **data}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Channel.objects.exists()


def test_hostile_names_and_regexes_render_inert(member, world):
    ch = slack_channel(world.project.organization, name=f"chan{EVIL}")
    r = rule(
        world.project,
        ch,
        name=f"rule{EVIL}",
        message_regex=IMG,
        culprit_regex=SCRIPT,
        release=EVIL,
        tags={EVIL: EVIL},
        environments=[EVIL],
    )
    mute = {"reason": f"because{EVIL}", "until": _later()}
    assert member.post(f"/alerts/rules/{r.pk}/mute/", mute).status_code == 302
    Delivery.objects.create(rule=r, channel=ch, reason="new_issue", status="failed", last_error=f"err{EVIL}")
    ch.disabled_reason, ch.enabled = f"why{EVIL}", False
    ch.save()
    for url in (
        "/alerts/",
        f"/alerts/rules/{r.pk}/",
        "/alerts/channels/",
        f"/alerts/channels/{ch.pk}/",
        "/alerts/deliveries/",
    ):
        page = member.get(url).content.decode()
        assert SCRIPT not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
        assert "{{ 7*7 }}" in page and "{% debug %}" in page, url  # template syntax is shown, not run


def test_dry_run_pasted_event_and_latest_event_of_an_issue(member, world):
    import json

    ch = Channel.objects.create(organization=world.project.organization, name="prod-hook", kind="webhook", config={})
    rule(world.project, ch, name="prod only", environments=["production"], triggers=["new_issue", "regression"])
    response = member.post("/alerts/dry-run/", {"project": world.project.pk, "event": json.dumps(make_event())})
    page = response.content.decode()
    assert response.status_code == 200 and "new issue" in page and "prod only" in page and "prod-hook" in page
    response = member.post(
        "/alerts/dry-run/", {"project": world.project.pk, "event": json.dumps(make_event(environment="staging"))}
    )
    assert "No rule would send this event anywhere" in response.content.decode()
    assert not Delivery.objects.exists()

    result = record(world.project, make_event())
    issue_id = next(iter(result.changes))
    response = member.post("/alerts/dry-run/", {"issue": issue_id})
    assert response.status_code == 200 and f"issue {issue_id}" in response.content.decode()

    for data, message in (
        ({"event": "{nope"}, "not valid JSON"),
        ({"event": "[]"}, "must be a JSON object"),
        ({"event": "{}"}, "must be a JSON object"),
        ({}, "paste an event or give an issue id"),
        ({"event": json.dumps(make_event())}, "choose the project"),
    ):
        response = member.post("/alerts/dry-run/", data)
        assert response.status_code == 400 and message in response.content.decode(), data


def test_dry_run_of_another_teams_issue_or_project_is_refused(client, world):
    result = record(world.project, make_event())
    client.force_login(world.outsider)
    response = client.post("/alerts/dry-run/", {"issue": next(iter(result.changes))})
    assert response.status_code == 400 and "you can see" in response.content.decode()
    response = client.post("/alerts/dry-run/", {"project": world.project.pk, "event": '{"message": "x"}'})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_delivery_log_pages_and_hides_other_teams_issues(member, world):
    ch = slack_channel(world.project.organization)
    other_issue = next(iter(record(world.other_project, make_event()).changes))
    Delivery.objects.create(channel=ch, issue_id=other_issue, reason="new_issue", last_error="billing-secret")
    for i in range(55):
        Delivery.objects.create(channel=ch, reason="test", status="sent", slack_ts=f"17000.{i:04d}")
    page = member.get("/alerts/deliveries/").content.decode()
    assert "billing-secret" not in page and "17000.0054" in page and "17000.0004" not in page
    older = re.search(r'href="\?([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    page = member.get(f"/alerts/deliveries/?{older}").content.decode()
    assert "17000.0004" in page and "17000.0054" not in page and 'rel="next"' not in page
