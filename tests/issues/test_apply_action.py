"""``issue_apply_action``: the one entry point the API, the dashboard and Slack call for every
lifecycle action, each a typed action; a refused one is a ``ClientError`` saying why, and
leaves the issue as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from errorhub.issues.actions import (
    Acknowledge,
    AddComment,
    Assign,
    Merge,
    Reopen,
    Resolve,
    Snooze,
    UnknownMember,
    Unmerge,
    member_named,
)
from errorhub.issues.models import Activity, GroupHash, Issue
from errorhub.issues.services import MAX_SNOOZE, MAX_SNOOZE_COUNT, issue_apply_action
from ingest.protocol.errors import ClientError
from tests.issues.events import issue_of, record

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_acknowledge_owns_assign_changes_owner_and_unassigns(world):
    issue = issue_of(world.project, "ack")
    result = issue_apply_action(issue, Acknowledge(reason="mine"), user=world.member)
    assert result.issue.lifecycle == "acknowledged" and result.issue.assignee == world.member
    assert not result.issue.in_inbox
    issue_apply_action(issue, Assign(assignee=world.owner), user=world.member, actor="slack:U1")
    assert Issue.objects.get(pk=issue.pk).assignee == world.owner
    assert Activity.objects.get(issue=issue, kind="assigned", data__assignee="olivia").actor == "slack:U1"
    assert issue_apply_action(issue, Assign(assignee=None), user=world.member).issue.assignee is None


def test_acknowledge_without_a_user_or_assignee_is_refused(world):
    issue = issue_of(world.project, "nobody")
    with pytest.raises(ClientError, match="acknowledging needs an owner"):
        issue_apply_action(issue, Acknowledge(), user=AnonymousUser())
    assert Issue.objects.get(pk=issue.pk).lifecycle == "new"


def test_resolve_now_in_a_release_or_the_next_then_reopen(world):
    issue = issue_of(world.project, "resolve", release="shop@1.0")
    resolved = issue_apply_action(issue, Resolve(release="shop@1.1", reason="fixed"), user=world.member).issue
    assert resolved.lifecycle == "resolved" and resolved.resolved_in_release == "shop@1.1"
    nxt = issue_apply_action(issue, Resolve(next_release=True), user=world.member).issue
    assert nxt.resolved_in_next_release and nxt.resolved_in_release == "shop@1.0"
    reopened = issue_apply_action(issue, Reopen(), user=world.member).issue
    assert reopened.lifecycle == "new" and reopened.in_inbox and reopened.inbox_reason == "reopened"
    assert [a.kind for a in Activity.objects.filter(issue=issue).order_by("pk")][-3:] == [
        "resolved",
        "resolved",
        "reopened",
    ]


def test_snooze_by_time_and_count_within_the_limits(world):
    issue = issue_of(world.project, "snooze", count=2)
    until = timezone.now() + timedelta(hours=4)
    snoozed = issue_apply_action(issue, Snooze(reason="deploy", until=until, count=5), user=world.member).issue
    assert snoozed.lifecycle == "snoozed" and snoozed.snooze_until == until and snoozed.snooze_until_count == 7


@pytest.mark.parametrize(
    ("action", "says"),
    [
        (Snooze(reason=" ", count=1), "a snooze needs a reason"),
        (Snooze(reason="later"), "a snooze needs an end"),
        (
            Snooze(reason="later", until=timezone.now() + MAX_SNOOZE + timedelta(days=1)),
            f"a snooze lasts at most {MAX_SNOOZE.days} days",
        ),
        (Snooze(reason="later", count=MAX_SNOOZE_COUNT + 1), f"1 to {MAX_SNOOZE_COUNT} further events"),
        (Snooze(reason="later", until=timezone.now() - timedelta(minutes=1)), "must be in the future"),
        (AddComment(text="   "), "a comment needs text"),
        (Unmerge(group_hash="not-a-hash"), "is not one of this issue's fingerprints"),
    ],
)
def test_a_refused_action_says_why_and_changes_nothing(world, action, says):
    issue = issue_of(world.project, "refused")
    with pytest.raises(ClientError, match=says):
        issue_apply_action(issue, action, user=world.member)
    assert Issue.objects.get(pk=issue.pk).lifecycle == "new"
    assert not Activity.objects.filter(issue=issue).exclude(kind="new").exists()


def test_merge_moves_counts_and_fingerprints_and_unmerge_splits_one_back_out(world):
    survivor, other = issue_of(world.project, "big", count=3), issue_of(world.project, "small")
    moved = GroupHash.objects.get(issue=other)
    result = issue_apply_action(survivor, Merge(others=(survivor, other)), user=world.member)
    assert result.merged == (other,) and result.issue.times_seen == 4
    assert Issue.objects.get(pk=other.pk).merged_into_id == survivor.pk
    assert list(record(world.project, "small").changes) == [survivor.pk], "later events follow the merge"

    split = issue_apply_action(survivor, Unmerge(group_hash=moved.hash), user=world.member)
    assert split.new_issue is not None and split.new_issue.pk != survivor.pk
    assert GroupHash.objects.get(pk=moved.pk).issue_id == split.new_issue.pk


def test_merging_an_issue_into_itself_is_refused(world):
    issue = issue_of(world.project, "self")
    with pytest.raises(ClientError, match="an issue cannot be merged into itself"):
        issue_apply_action(issue, Merge(others=(issue,)), user=world.member)
    assert not Activity.objects.filter(issue=issue, kind="merged").exists()


def test_comment_needs_a_signed_in_author(world):
    issue = issue_of(world.project, "comment")
    result = issue_apply_action(issue, AddComment(text="  looking  "), user=world.member)
    assert result.comment is not None and result.comment.text == "looking" and result.comment.user == world.member
    with pytest.raises(ClientError, match="signed-in author"):
        issue_apply_action(issue, AddComment(text="hi"), user=None)


def test_members_are_named_inside_the_organisation_only(world):
    org = world.project.organization
    assert member_named("mike", [org]) == world.member
    assert member_named("", [org]) is None and member_named(None, [org]) is None
    with pytest.raises(UnknownMember, match="no user called 'ghost' in this organisation"):
        member_named("ghost", [org])
    with pytest.raises(UnknownMember, match="username or e-mail string"):
        member_named({"id": 1}, [org])
