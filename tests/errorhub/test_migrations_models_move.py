"""The models' move to accounts, issues and events (#18) keeps every row, both ways.

The move is state-only (``SeparateDatabaseAndState``: ``errorhub`` 0005, ``accounts`` /
``issues`` / ``events`` 0001, ``ingest`` 0006, ``alerts`` 0003): the tables keep their names
and rows, only Django's idea of which app owns them changes, and content types follow. Here
the database really goes back to the state before the move, gets rows written through the
historical models, goes forward to the latest state and back again; the same rows, ids and
foreign keys must be readable at each step. Runs on PostgreSQL and SQLite; the database is
left at the latest state whatever happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.apps.registry import Apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from alerts.models import Channel, Delivery, IssueAlertState, Rule
from errorhub.accounts.models import ApiToken, Organization, Project, ProjectKey
from errorhub.events.models import EventTag, IndexOutbox, StoredEvent, UserFeedback
from errorhub.issues.models import Activity, Comment, GroupHash, Issue, IssueHour, Release
from ingest.models import DeadLetter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

# The last migration of each app before the move; the new apps are not applied at all.
BEFORE_MOVE = [
    ("errorhub", "0004_login_failure"),
    ("ingest", "0005_user_feedback"),
    ("alerts", "0002_slack_request_seen"),
]
NEW_APPS = ("accounts", "issues", "events")
WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
EVENT_ID = "0123456789abcdef0123456789abcdef"


def migrate(targets: list[tuple[str, str | None]]) -> None:
    """Run the migrations to ``targets`` the way ``manage.py migrate`` does."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def historical_apps() -> Apps:
    """The models as they were before the move (``errorhub.Project``, ``ingest.StoredEvent`` …)."""
    return MigrationExecutor(connection).loader.project_state(BEFORE_MOVE).apps


@pytest.fixture
def before_the_move() -> Iterator[Apps]:
    migrate(BEFORE_MOVE + [(app, None) for app in NEW_APPS])
    try:
        yield historical_apps()
    finally:
        migrate(latest())


def seed(apps: Apps) -> dict[str, int]:
    """One row of each kind the move touches, written through the historical models."""
    model = apps.get_model
    user = model("auth", "User").objects.create(username="ada", email="ada@example.com")
    org = model("errorhub", "Organization").objects.create(name="Acme", slug="acme", created_at=WHEN)
    org.owners.add(user)
    team = model("errorhub", "Team").objects.create(organization=org, name="Shop", slug="shop")
    project = model("errorhub", "Project").objects.create(organization=org, name="Shop", slug="shop", created_at=WHEN)
    project.teams.add(team)
    key = model("errorhub", "ProjectKey").objects.create(project=project, public_key="a" * 32, created_at=WHEN)
    token = model("errorhub", "ApiToken").objects.create(
        user=user, token_hash="b" * 64, prefix="ehp_abcd", created_at=WHEN
    )
    issue = model("errorhub", "Issue").objects.create(
        project=project,
        short_id=1,
        title="ValueError: bad cart",
        grouping_version="2026-11",
        assignee=user,
        first_seen=WHEN,
        last_seen=WHEN,
        inbox_since=WHEN,
        times_seen=2,
    )
    hash_ = model("errorhub", "GroupHash").objects.create(
        project=project, hash="c" * 32, version="2026-11", issue=issue
    )
    activity = model("errorhub", "Activity").objects.create(
        issue=issue, kind="acknowledged", user=user, data={"reason": "mine"}, created_at=WHEN
    )
    comment = model("errorhub", "Comment").objects.create(issue=issue, user=user, text="on it", created_at=WHEN)
    release = model("errorhub", "Release").objects.create(project=project, version="1.2.3", first_seen=WHEN)
    hour = model("errorhub", "IssueHour").objects.create(issue=issue, hour=WHEN, count=2)
    event = model("ingest", "StoredEvent").objects.create(
        project=project,
        issue=issue,
        event_id=EVENT_ID,
        timestamp=WHEN,
        received_at=WHEN,
        level="error",
        tags={"browser": "Firefox"},
        search_text="bad cart",
        body={"event_id": EVENT_ID, "message": "bad cart"},
    )
    tag = model("ingest", "EventTag").objects.create(event=event, issue_id=issue.pk, key="browser", value="Firefox")
    outbox = model("ingest", "IndexOutbox").objects.create(
        project_id=project.pk, issue_id=issue.pk, event_id=EVENT_ID, document="{}", created_at=WHEN
    )
    feedback = model("ingest", "UserFeedback").objects.create(
        project=project, feedback_id="d" * 32, issue=issue, comments="broken", source="feedback", created_at=WHEN
    )
    dead = model("ingest", "DeadLetter").objects.create(
        task="ingest.tasks.process_payload", project_id=project.pk, payload={"project_id": project.pk}, error="boom"
    )
    channel = model("alerts", "Channel").objects.create(
        organization=org, name="ops", kind="webhook", config={"url": "https://hooks.example.com/x"}
    )
    rule = model("alerts", "Rule").objects.create(
        organization=org, project=project, name="new issues", triggers=["new_issue"]
    )
    rule.channels.add(channel)
    delivery = model("alerts", "Delivery").objects.create(
        rule=rule, channel=channel, issue=issue, reason="new_issue", next_attempt_at=WHEN, created_at=WHEN
    )
    state = model("alerts", "IssueAlertState").objects.create(issue=issue, rule=rule, last_sent_at=WHEN)
    rows = {
        "user": user,
        "org": org,
        "team": team,
        "project": project,
        "key": key,
        "token": token,
        "issue": issue,
        "hash": hash_,
        "activity": activity,
        "comment": comment,
        "release": release,
        "hour": hour,
        "event": event,
        "tag": tag,
        "outbox": outbox,
        "feedback": feedback,
        "dead": dead,
        "channel": channel,
        "rule": rule,
        "delivery": delivery,
        "state": state,
    }
    return {name: row.pk for name, row in rows.items()}


def assert_current_models_read(ids: dict[str, int]) -> None:
    """Every seeded row, through today's models: same ids, foreign keys to the same rows."""
    project = Project.objects.get(pk=ids["project"])
    assert (project.organization_id, project.slug) == (ids["org"], "shop")
    assert list(project.teams.values_list("pk", flat=True)) == [ids["team"]]
    assert list(Organization.objects.get(pk=ids["org"]).owners.values_list("pk", flat=True)) == [ids["user"]]
    assert ProjectKey.objects.get(pk=ids["key"]).dsn("http://h").startswith(f"http://{'a' * 32}@h/")
    assert ApiToken.objects.get(pk=ids["token"]).user_id == ids["user"]
    issue = Issue.objects.get(pk=ids["issue"])
    assert (issue.project_id, issue.assignee_id, issue.times_seen) == (ids["project"], ids["user"], 2)
    assert issue.short_code == "SHOP-1"
    assert GroupHash.objects.get(pk=ids["hash"]).issue_id == ids["issue"]
    assert Activity.objects.get(pk=ids["activity"]).data == {"reason": "mine"}
    assert Comment.objects.get(pk=ids["comment"]).issue.project.slug == "shop"
    assert Release.objects.get(pk=ids["release"]).project_id == ids["project"]
    assert IssueHour.objects.get(pk=ids["hour"]).count == 2
    event = StoredEvent.objects.get(pk=ids["event"])
    assert (event.issue_id, event.project_id, event.body["message"]) == (ids["issue"], ids["project"], "bad cart")
    assert EventTag.objects.get(pk=ids["tag"]).event_id == ids["event"]
    assert IndexOutbox.objects.get(pk=ids["outbox"]).event_id == EVENT_ID
    assert UserFeedback.objects.get(pk=ids["feedback"]).issue_id == ids["issue"]
    assert DeadLetter.objects.get(pk=ids["dead"]).payload == {"project_id": ids["project"]}
    assert Channel.objects.get(pk=ids["channel"]).organization_id == ids["org"]
    rule = Rule.objects.get(pk=ids["rule"])
    assert (rule.project_id, list(rule.channels.values_list("pk", flat=True))) == (ids["project"], [ids["channel"]])
    delivery = Delivery.objects.select_related("issue__project__organization").get(pk=ids["delivery"])
    assert (delivery.rule_id, delivery.channel_id) == (ids["rule"], ids["channel"])
    assert delivery.issue.project.organization.slug == "acme"
    assert IssueAlertState.objects.get(pk=ids["state"]).rule_id == ids["rule"]


def assert_historical_models_read(apps: Apps, ids: dict[str, int]) -> None:
    """The same rows through the models as they were before the move."""
    model = apps.get_model
    project = model("errorhub", "Project").objects.get(pk=ids["project"])
    assert (project.organization_id, project.slug) == (ids["org"], "shop")
    assert list(project.teams.values_list("pk", flat=True)) == [ids["team"]]
    assert model("errorhub", "ProjectKey").objects.get(pk=ids["key"]).project_id == ids["project"]
    issue = model("errorhub", "Issue").objects.get(pk=ids["issue"])
    assert (issue.project_id, issue.assignee_id) == (ids["project"], ids["user"])
    assert model("errorhub", "GroupHash").objects.get(pk=ids["hash"]).issue_id == ids["issue"]
    assert model("errorhub", "Activity").objects.get(pk=ids["activity"]).issue_id == ids["issue"]
    event = model("ingest", "StoredEvent").objects.get(pk=ids["event"])
    assert (event.issue_id, event.body["message"]) == (ids["issue"], "bad cart")
    assert model("ingest", "EventTag").objects.get(pk=ids["tag"]).event_id == ids["event"]
    assert model("ingest", "IndexOutbox").objects.get(pk=ids["outbox"]).issue_id == ids["issue"]
    delivery = model("alerts", "Delivery").objects.get(pk=ids["delivery"])
    assert (delivery.rule_id, delivery.channel_id, delivery.issue_id) == (ids["rule"], ids["channel"], ids["issue"])
    assert model("alerts", "Rule").objects.get(pk=ids["rule"]).organization_id == ids["org"]


def content_type_apps(model: str) -> set[str]:
    return set(ContentType.objects.filter(model=model).values_list("app_label", flat=True))


def test_rows_survive_the_move_forward_and_back(before_the_move):
    ids = seed(before_the_move)
    assert content_type_apps("project") == {"errorhub"}

    migrate(latest())
    assert_current_models_read(ids)
    assert content_type_apps("project") == {"accounts"}
    assert content_type_apps("issue") == {"issues"}
    assert content_type_apps("storedevent") == {"events"}

    migrate(BEFORE_MOVE + [(app, None) for app in NEW_APPS])
    assert_historical_models_read(historical_apps(), ids)
    assert content_type_apps("project") == {"errorhub"}
    assert content_type_apps("storedevent") == {"ingest"}
