"""The attacker's map: every URL the URL conf lists, with its parameters filled
from two organisations' real objects, and a snapshot of what org A owns.

The list comes from ``get_resolver()``, so a page or endpoint added tomorrow is
attacked by the tests in this folder without anyone remembering to add it; a
parameter the fillers below do not know makes ``every_url`` fail with
"add a parameter filler" instead of being skipped silently.

Org A ("acme") holds the secrets; org B ("globex") is the attacker's own
organisation. Every display name of org A carries ``MARKER``, so a body that
contains it has leaked org A data.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver

from alerts.models import Channel, Rule
from errorhub.accounts.models import ApiToken, Invitation, Organization, Project, ProjectKey, Team
from errorhub.accounts.services import api_token_create
from errorhub.issues.digest import events_record
from errorhub.issues.models import Comment, Issue
from errorhub.issues.release_services import release_create
from ingest.models import DeadLetter
from ingest.protocol.normalize import normalize_sentry_event
from tests.factories import (
    InvitationFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectKeyFactory,
    TeamFactory,
    UserFactory,
)

MARKER = "ZQXSECRET"
PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's

#: Reachable without a session, by design. Each still must not leak org A data.
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "readyz",
    "metrics",
    "api-schema",
    "admin:login",
    "admin:logout",
    "api-root",
    "api-not-found",
    "invitation-accept",
    "favicon-ico",  # the plain icon
    "favicon-badge",  # the plain icon for nobody; a count only for a signed-in user (test_favicon)
}  # who is asking (nulls for nobody); the JSON 404 of unknown API paths
#: Authenticated by something other than a session: a DSN key, Slack's signature, a signed link.
#: Without that credential they must answer 4xx (never a redirect to the login page, never 2xx).
CREDENTIAL_DOORS = {
    "ingest-envelope",
    "ingest-store",
    "ingest-security",
    "ingest-logs",
    "otlp-logs",
    "otlp-traces",
    "slack-interactions",
    "slack-commands",
    "alerts-digest-unsubscribe",
}
#: Exempt from CSRF because a browser session is not their credential.
CSRF_EXEMPT = CREDENTIAL_DOORS | {"metrics", "healthz", "readyz", "api-schema"}

#: ``<slug:action>`` values per URL name (every action each view knows, so each is attacked).
ACTIONS = {
    "issue-action": ["acknowledge", "assign", "resolve", "snooze", "merge", "comment", "reopen"],
    "project-key-action": ["rotate", "disable", "enable"],
    "alert-rule-action": ["mute", "unmute", "archive"],
    "alert-channel-action": ["enable", "test"],
    "dead-letter-action": ["replay", "discard"],
}


@dataclass
class Org:
    """One organisation's objects, as the URL parameters need them."""

    org: Organization
    team: Team
    project: Project
    key: ProjectKey
    issue: Issue
    event_id: str
    owner: Any
    member: Any
    token: str
    rule: Rule
    channel: Channel
    letter: DeadLetter
    invitation: Invitation


@dataclass
class Route:
    """One URL pattern: its full route text, its name, and the parameters it needs."""

    route: str
    name: str | None
    params: list[str]
    regex: bool = False


@dataclass
class Target:
    """A concrete URL to attack: the route it came from and the path built from org A's objects."""

    route: Route
    path: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.route.name or self.route.route


def record_event(project: Project, payload: dict[str, Any]) -> tuple[Issue, str]:
    """Normalise, group and store a Sentry-shaped payload as processing would."""
    event_id = uuid.uuid4().hex
    event = normalize_sentry_event(
        {"platform": "python", **payload}, project_id=project.pk, event_id=event_id, received_at=datetime.now(UTC)
    )
    (issue_id,) = events_record(project=project, events=[event]).changes
    return Issue.objects.get(pk=issue_id), event_id


def make_org(slug: str, label: str, event: dict[str, Any] | None = None) -> Org:
    """An organisation with a team, a project, a key, an issue with an event, an alert rule, a
    channel, a dead letter, an owner and a member with an API token; names carry ``label``."""
    org = OrganizationFactory(slug=slug, name=f"{label} Org")
    team = TeamFactory(organization=org, slug=f"{slug}-team", name=f"{label} Team")
    owner, member = UserFactory(username=f"{slug}-owner"), UserFactory(username=f"{slug}-member")
    org.owners.add(owner)
    team.members.add(owner, member)
    project = ProjectFactory(organization=org, slug=f"{slug}-app", name=f"{label} App")
    project.teams.add(team)
    issue, event_id = record_event(project, event or {"level": "error", "message": f"{label} crash in checkout"})
    channel = Channel.objects.create(
        organization=org,
        name=f"{label} channel",
        kind="webhook",
        config={"url": "https://192.0.2.1/hook", "secret": f"{label}-hook-secret"},
    )
    rule = Rule.objects.create(organization=org, project=project, name=f"{label} rule", triggers=["new_issue"])
    rule.channels.add(channel)
    Comment.objects.create(issue=issue, user=owner, text=f"{label} private comment")
    release_create(projects=[project], version=f"{slug}@1.0", url=f"https://{slug}.example/releases/1.0")
    letter = DeadLetter.objects.create(
        task="ingest.tasks.process_payload",
        project_id=project.pk,
        payload={"kind": "bogus", "project_id": project.pk},
        error=f"{label} failure",
    )
    return Org(
        org=org,
        team=team,
        project=project,
        key=ProjectKeyFactory(project=project),
        issue=issue,
        event_id=event_id,
        owner=owner,
        member=member,
        token=api_token_create(user=member),
        rule=rule,
        channel=channel,
        letter=letter,
        invitation=InvitationFactory(organization=org, email=f"invitee@{slug}.example", invited_by=owner),
    )


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern of the URL conf, depth first, with its full route text."""
    for pattern in (resolver or get_resolver()).url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, text, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(text, name, sorted(pattern.pattern.regex.groupindex), regex="(?P<" in text)


def fillers(a: Org) -> dict[str, Callable[[Route], list[str]]]:
    """Parameter name → the values to try, taken from org A's objects."""
    return {
        "project_id": lambda r: [str(a.project.pk)],
        "org": lambda r: [a.org.slug],
        "version": lambda r: [f"{a.org.slug}@1.0"],
        "project": lambda r: [a.project.slug],
        "event_id": lambda r: [a.event_id],
        "issue_id": lambda r: [str(a.issue.pk)],
        "rule_id": lambda r: [str(a.rule.pk)],
        "channel_id": lambda r: [str(a.channel.pk)],
        "key_id": lambda r: [str(a.key.pk)],
        "letter_id": lambda r: [str(a.letter.pk)],
        "team_id": lambda r: [str(a.team.pk)],
        "invitation_id": lambda r: [str(a.invitation.pk)],
        "user_id": lambda r: [str(a.member.pk)],
        "token_id": lambda r: [str(ApiToken.objects.filter(user=a.member).first().pk)],
        "action": lambda r: ACTIONS.get(r.name or "", []),
        "token": lambda r: ["forged-token"],
        "uidb64": lambda r: ["MQ"],
        # the admin (staff only, its own login): any existing id will do
        "object_id": lambda r: [str(a.project.pk)],
        "id": lambda r: [str(a.member.pk)],
        "content_type_id": lambda r: ["1"],
        "app_label": lambda r: ["errorhub"],
        "url": lambda r: ["errorhub/project/"],
    }


def _build(route: Route, values: dict[str, str]) -> str:
    path = re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m: values[m.group(1)], route.route)
    path = re.sub(r"\(\?P<([^>]+)>[^)]*\)", lambda m: values[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", "")


def every_url(a: Org) -> list[Target]:
    """Each route of the URL conf, once per combination of its filled parameters."""
    fill = fillers(a)
    targets: list[Target] = []
    for route in walk():
        missing = [p for p in route.params if p not in fill or not fill[p](route)]
        assert not missing, (
            f"{route.route} ({route.name}): no value for {missing}: add a parameter filler in tests/security/attack.py"
        )
        combos: list[dict[str, str]] = [{}]
        for param in route.params:
            combos = [{**c, param: v} for c in combos for v in fill[param](route)]
        targets.extend(Target(route, _build(route, values), values) for values in combos)
    return targets


def _many_to_many_sorted(serialised: str) -> str:
    """Many-to-many ids come in the database's order, which is not fixed: sort them."""
    rows = json.loads(serialised)
    for row in rows:
        for name, value in row["fields"].items():
            if isinstance(value, list) and all(isinstance(v, int) for v in value):
                row["fields"][name] = sorted(value)
    return json.dumps(rows)


def snapshot(a: Org) -> str:
    """Everything org A owns, serialised, so any write by an outsider shows up as a difference."""
    querysets = [
        Organization.objects.filter(pk=a.org.pk),
        Team.objects.filter(organization=a.org),
        Project.objects.filter(organization=a.org),
        ProjectKey.objects.filter(project__organization=a.org),
        Issue.objects.filter(project__organization=a.org),
        Comment.objects.filter(issue__project__organization=a.org),
        ApiToken.objects.filter(user__in=[a.owner, a.member]),
        Rule.objects.filter(organization=a.org),
        Channel.objects.filter(organization=a.org),
        DeadLetter.objects.filter(project_id=a.project.pk),
        Invitation.objects.filter(organization=a.org),
    ]
    parts = [_many_to_many_sorted(serializers.serialize("json", qs.order_by("pk"))) for qs in querysets]
    return re.sub(r'"(updated_at|last_used_at)": "[^"]*"', "", "\n".join(parts))


def hostile_form(a: Org) -> dict[str, Any]:
    """A POST body naming org A's objects in every field a view might read."""
    return {
        "name": "written-by-outsider",
        "reason": "outsider",
        "hours": "1",
        "release": "9.9",
        "text": "outsider",
        "username": "globex-member",
        "user": "globex-member",
        "organization": str(a.org.pk),
        "org": a.org.slug,
        "project": str(a.project.pk),
        "team": str(a.team.pk),
        "kind": "webhook",
        "url": "https://192.0.2.2/hook",
        "triggers": "new_issue",
        "channels": str(a.channel.pk),
        "issues": str(a.issue.pk),
        "merge": str(a.issue.pk),
        "action": "resolve",
        "status": "resolved",
        "assignee": "globex-member",
        "label": "outsider",
        "id": str(a.issue.pk),
        "target": str(a.issue.pk),
        "until": "2030-01-01T00:00",
    }
