"""Alert rule regexes run on RE2 (linear time) over a bounded prefix of the event text:
a catastrophic pattern costs nothing, RE2-refused patterns are rejected when saved, and a
refused pattern saved earlier never crashes the worker (it matches nothing, said on its page)."""

from __future__ import annotations

import logging

import pytest
import re2

from alerts import evaluation, routing
from alerts.models import Channel, Rule
from alerts.rule_services import rule_create
from alerts.selectors import rules_for_project
from ingest.protocol.user_regex import UserRegexError
from tests.alerts.conftest import make_event, record, rule

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

DRY_RUN = "/api/0/projects/acme/shop/alert-rules/dry-run/"
CATASTROPHIC = "(a+)+$"  # exponential on Python's re: 25 a's and a '!' took 9.5 s


@pytest.fixture
def hook(world) -> Channel:
    return Channel.objects.create(organization=world.project.organization, name="hook", kind="webhook", config={})


def _dry_run(world, **overrides) -> set[str]:
    response = world.api(world.member).post(DRY_RUN, make_event(**overrides), format="json")
    assert response.status_code == 200, response.content
    return {d["rule"] for d in response.json()["decisions"]}


def _message(text: str) -> dict:
    return {"exception": None, "message": text, "platform": "other"}


def test_rule_patterns_run_on_re2(world, hook):
    rule(world.project, hook, name="cart", message_regex=r"bad c(a|o)rt")
    assert isinstance(routing._regex(CATASTROPHIC), re2._Regexp)
    assert _dry_run(world) == {"cart"}
    assert _dry_run(world, exception={"values": [{"type": "ValueError", "value": "empty basket"}]}) == set()


def test_catastrophic_pattern_on_hostile_messages_returns(world, hook):
    """On ``re`` 100 a's and a '!' would backtrack for longer than the universe's age; the
    test's default timeout is the bound. A matching message still matches."""
    rule(world.project, hook, name="evil", message_regex=CATASTROPHIC)
    assert _dry_run(world, **_message("a" * 100 + "!")) == set()
    assert _dry_run(world, **_message("a" * 5000 + "!")) == set()
    assert _dry_run(world, **_message("aaaa")) == {"evil"}
    errors = evaluation.evaluation_errors
    result = record(world.project, make_event(**_message("a" * 5000 + "!")))  # the live path
    assert len(result.changes) == 1 and evaluation.evaluation_errors == errors


def test_only_a_bounded_prefix_of_the_text_is_matched(world, hook, settings):
    settings.USER_REGEX_MAX_TEXT = 200
    rule(world.project, hook, name="needle", message_regex="NEEDLE")
    assert _dry_run(world, **_message("x" * 100 + "NEEDLE")) == {"needle"}
    assert _dry_run(world, **_message("x" * 300 + "NEEDLE")) == set()


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?<=user )\w+", r"foo(?!bar)", r"a++", "(unclosed"])
def test_refused_patterns_are_rejected_by_the_form(client, world, pattern):
    world.project.organization.owners.add(world.member)
    client.force_login(world.member)
    data = {
        "name": "n",
        "scope": f"p{world.project.pk}",
        "message_regex": pattern,
        "triggers": ["new_issue"],
        "min_interval_seconds": 300,
    }
    response = client.post("/alerts/rules/new/", data)
    assert response.status_code == 400
    assert "message regex is not a valid regular expression" in response.content.decode()
    assert not Rule.objects.exists()


def test_refused_patterns_are_rejected_by_the_service(world, hook):
    with pytest.raises(UserRegexError) as exc:
        rule_create(
            organization=world.project.organization,
            project=world.project,
            channels=[hook],
            user=world.member,
            name="n",
            triggers=["new_issue"],
            culprit_regex=r"(\w+)\1",
        )
    assert exc.value.status == 400 and "culprit regex" in exc.value.message
    assert not Rule.objects.exists()


def test_a_refused_pattern_saved_earlier_matches_nothing_and_is_shown(client, world, hook, caplog):
    rule(world.project, hook, name="legacy", message_regex=r"(cart)\s+\1")  # saved before RE2 validation
    rule(world.project, hook, name="plain", message_regex="cart")
    with caplog.at_level(logging.WARNING, logger="alerts.routing"):
        assert _dry_run(world) == {"plain"}
        assert _dry_run(world) == {"plain"}
    warnings = [r for r in caplog.records if "never matches" in r.getMessage()]
    assert len(warnings) == 1 and r"(cart)\s+\1" in warnings[0].getMessage()

    errors = evaluation.evaluation_errors
    assert len(record(world.project, make_event()).changes) == 1 and evaluation.evaluation_errors == errors

    client.force_login(world.member)
    legacy = Rule.objects.get(name="legacy")
    page = client.get(f"/alerts/rules/{legacy.pk}/").content.decode()
    assert "pattern-problem" in page and "the rule matches no event" in page
    assert "pattern-problem" not in client.get(f"/alerts/rules/{Rule.objects.get(name='plain').pk}/").content.decode()


def test_matching_never_walks_a_deeply_nested_value(world, hook):
    """Whatever reaches the router (the dry run takes pasted events), a 5,000-deep array in the
    message, an exception or a tag is no text to match: no recursion, no match, no error."""
    from errorhub.issues.digest import IssueChange
    from errorhub.issues.models import Issue

    deep: object = "cart"
    for _ in range(5000):
        deep = [deep]
    rule(world.project, hook, name="msg", message_regex="cart")
    rule(world.project, hook, name="tag", tags={"region": "eu"})
    event = {
        "message": deep,
        "exception": [{"type": deep, "value": deep}, deep],
        "tags": {"region": deep},
        "level": "error",
    }
    issue = Issue(project=world.project, short_id=1, title="", culprit="", level="error")
    change = IssueChange(issue_id=0, events=1, new=True, sample_event=event)
    rules = rules_for_project(world.project, fresh=True)
    assert routing.route(event, issue, change, rules) == []
    matched = routing.route({**event, "message": "cart", "tags": [["region", "eu"]]}, issue, change, rules)
    assert sorted(d.rule.name for d in matched) == ["msg", "tag"]
