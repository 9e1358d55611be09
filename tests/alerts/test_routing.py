"""Routing table: events differing in environment, level, tags, type reach exactly the expected channels."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from alerts.models import Channel, Delivery
from alerts.routing import route
from alerts.selectors import rules_for_project
from alerts.services import rule_archive, rule_mute
from errorhub.issues.digest import IssueChange
from tests.alerts.conftest import make_event, record, rule

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def table(world):
    org = world.project.organization
    ch = {
        name: Channel.objects.create(
            organization=org, name=name, kind="webhook", config={"url": "http://127.0.0.1:9/", "secret": "s"}
        )
        for name in ("prod", "fatal", "eu", "types", "all", "muted")
    }
    rule(world.project, ch["prod"], name="prod", environments=["production"])
    rule(world.project, ch["fatal"], name="fatal", min_level="fatal")
    rule(world.project, ch["eu"], name="eu", tags={"region": "eu"})
    rule(world.project, ch["types"], name="types", exception_type="KeyError")
    org_rule = rule(world.project, ch["all"], name="org-wide")
    org_rule.project = None
    org_rule.save()
    muted = rule(world.project, ch["muted"], name="muted")
    rule_mute(rule=muted, until=timezone.now() + timedelta(hours=1), reason="noisy during migration")
    return world


def _reached(world, body) -> set[str]:
    from datetime import datetime

    from errorhub.issues.models import Issue
    from ingest.protocol.normalize import normalize_sentry_event

    ev = normalize_sentry_event(
        body, project_id=world.project.pk, event_id=body["event_id"], received_at=datetime.now(UTC), sdk_client=None
    )
    from errorhub.issues.digest import _issue_fields

    issue = Issue(project=world.project, short_id=1, grouping_version="x", **_issue_fields(ev, timezone.now()))
    change = IssueChange(issue_id=0, events=1, new=True, sample_event=ev)
    return {d.channel.name for d in route(ev, issue, change, rules_for_project(world.project, fresh=True))}


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, {"prod", "all"}),
        ({"environment": "staging"}, {"all"}),
        ({"environment": "staging", "level": "fatal"}, {"fatal", "all"}),
        ({"environment": "staging", "tags": {"region": "eu"}}, {"eu", "all"}),
        ({"environment": "staging", "tags": [["region", "us"]]}, {"all"}),
        ({"environment": "staging", "exception": {"values": [{"type": "KeyError", "value": "x"}]}}, {"types", "all"}),
        ({"level": "fatal", "tags": {"region": "eu"}}, {"prod", "fatal", "eu", "all"}),
    ],
)
def test_routing_table(table, overrides, expected):
    assert _reached(table, make_event(**overrides)) == expected


def test_muted_and_archived_rules_reach_nothing(world):
    ch = Channel.objects.create(organization=world.project.organization, name="c", kind="webhook", config={})
    r = rule(world.project, ch)
    rule_mute(rule=r, until=timezone.now() + timedelta(hours=1), reason="maintenance")
    assert _reached(world, make_event()) == set()
    r.muted_until = timezone.now() - timedelta(seconds=1)
    r.save()
    assert _reached(world, make_event()) == {"c"}
    rule_archive(rule=r, by="olivia", reason="replaced by team rule")
    assert _reached(world, make_event()) == set()
    r.refresh_from_db()
    assert r.archived and r.archived_by == "olivia"  # kept, not deleted


def test_regex_source_and_lifecycle_filters(world):
    ch = Channel.objects.create(organization=world.project.organization, name="c", kind="webhook", config={})
    rule(world.project, ch, message_regex=r"bad\s+cart", culprit_regex="^shop", lifecycle_states=["new"])
    assert _reached(world, make_event()) == {"c"}
    assert _reached(world, make_event(exception={"values": [{"type": "ValueError", "value": "good"}]})) == set()


def test_live_path_creates_deliveries_for_new_issue_and_regression_only(world, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    ch = Channel.objects.create(
        organization=world.project.organization,
        name="c",
        kind="webhook",
        config={"url": "http://127.0.0.1:9/", "secret": "s"},
    )
    rule(world.project, ch, triggers=["new_issue", "regression"], min_interval_seconds=0)
    result = record(world.project, make_event())
    issue_id = next(iter(result.changes))
    assert Delivery.objects.filter(issue_id=issue_id, reason="new_issue").count() == 1
    record(world.project, make_event())  # same fingerprint, not new: nothing
    assert Delivery.objects.filter(issue_id=issue_id).count() == 1
    from errorhub.issues.models import Issue
    from errorhub.issues.services import issue_resolve

    issue_resolve(issue=Issue.objects.get(pk=issue_id), user=world.owner)
    record(world.project, make_event())
    assert Delivery.objects.filter(issue_id=issue_id, reason="regression").count() == 1


def test_frequency_trigger_fires_once_per_window(world, settings):
    ch = Channel.objects.create(
        organization=world.project.organization, name="c", kind="webhook", config={"url": "http://127.0.0.1:9/"}
    )
    rule(world.project, ch, triggers=["frequency"], frequency_count=3, frequency_seconds=3600, min_interval_seconds=0)
    for _ in range(5):
        record(world.project, make_event())
    assert Delivery.objects.filter(reason="frequency").count() == 1


def test_min_interval_per_issue(world, time_machine):
    ch = Channel.objects.create(
        organization=world.project.organization, name="c", kind="webhook", config={"url": "http://127.0.0.1:9/"}
    )
    rule(world.project, ch, triggers=["frequency"], frequency_count=1, frequency_seconds=1, min_interval_seconds=3600)
    record(world.project, make_event())
    time_machine.move_to(timezone.now() + timedelta(seconds=1.05))  # the next 1 s frequency window
    record(world.project, make_event())
    assert Delivery.objects.filter(reason="frequency").count() == 1


def test_evaluation_never_raises(world, monkeypatch):
    from alerts import evaluation, selectors

    monkeypatch.setattr(selectors, "rules_for_project", lambda p: 1 / 0)
    before = evaluation.evaluation_errors
    result = record(world.project, make_event())
    assert result.stored == 1 and evaluation.evaluation_errors == before + 1
