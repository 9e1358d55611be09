"""Every dashboard page, derived from the URL conf, and a world that makes each of them non-empty.

The browser suites (every page's screenshots, the accessibility audit) walk the URL conf rather
than a hand-kept list, so a page added to ``errorhub/dashboard/*urls.py`` is visited without
touching the tests. Each URL parameter is filled from :class:`Site` by its name; a new parameter
name fails loudly in :func:`dashboard_urls` until the site learns a value for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from errorhub.accounts.models import ApiToken
from errorhub.accounts.services import api_token_create
from tests.dashboard.conftest import crash, record_event
from tests.factories import (
    CheckInFactory,
    DeadLetterFactory,
    DeliveryAttemptFactory,
    DeliveryFactory,
    DeployFactory,
    InvitationFactory,
    MonitorEnvironmentFactory,
    MonitorFactory,
    ReleaseCommitFactory,
    ReleaseFactory,
    SavedSearchFactory,
)
from tests.personas import World

#: URL confs whose pages are the dashboard (the REST API, ingest doors, admin and Slack are not)
DASHBOARD_URLCONFS = ("errorhub.dashboard.",)


@dataclass
class Site:
    """The ids a dashboard URL can need, each naming a real, visible object."""

    world: World
    values: dict[str, Any]


def site_build(world: World) -> Site:
    """An issue with events, a release with a deploy, a monitor with a check-in, an alert rule,
    channel and delivery, a dead letter, a team, a pending invitation, an API token and a saved
    search, all visible to the owner."""
    issue, event = record_event(world.project, **crash())
    record_event(world.project, **crash(tags={"browser": "Chrome", "region": "us"}))
    release = ReleaseFactory(project=world.project, version="shop@1.3.0")  # 1.2.0 came with the events
    ReleaseCommitFactory(release=release)
    DeployFactory(release=release)
    monitor = MonitorFactory(project=world.project, slug="nightly-export")
    CheckInFactory(monitor_environment=MonitorEnvironmentFactory(monitor=monitor))
    delivery = DeliveryFactory(issue=issue)
    DeliveryAttemptFactory(delivery=delivery)
    letter = DeadLetterFactory(project=world.project, last_failed_at=timezone.now() - timedelta(minutes=5))
    api_token_create(user=world.owner, label="ci")
    team = world.project.teams.get()
    invitation = InvitationFactory(organization=world.project.organization, token="browser-invitation-token")
    saved = SavedSearchFactory(user=world.owner, name="firefox errors", query="is:unresolved browser:Firefox")
    return Site(
        world=world,
        values={
            "issue_id": issue.pk,
            "event_id": event["event_id"],
            "org": world.project.organization.slug,
            "project": world.project.slug,
            "key_id": world.key.pk,
            "team_id": team.pk,
            "user_id": world.member.pk,
            "rule_id": delivery.rule_id,
            "channel_id": delivery.channel_id,
            "letter_id": letter.pk,
            "token_id": ApiToken.objects.get(user=world.owner).pk,
            "action": "resolve",
            "uidb64": "MQ",
            "invitation_id": invitation.pk,
            "token": "browser-invitation-token",  # the invitation's link; a password-reset link it is not
            "saved_search_id": saved.pk,
        },
    )


def dashboard_urls(site: Site) -> dict[str, str]:
    """URL name -> path of every pattern in the dashboard's URL confs, its parameters filled."""
    urls: dict[str, str] = {}
    for name, params in _named_patterns(get_resolver().url_patterns, inside=False):
        missing = [p for p in params if p not in site.values]
        assert not missing, f"URL {name!r} takes {missing}: give tests/browser/site.py a value for it"
        urls[name] = reverse(name, kwargs={p: site.values[p] for p in params})
    return urls


def _named_patterns(patterns: list[Any], *, inside: bool) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            nested = inside or module.startswith(DASHBOARD_URLCONFS)
            found += [(n, _params(entry) + p) for n, p in _named_patterns(entry.url_patterns, inside=nested)]
        elif isinstance(entry, URLPattern) and inside and entry.name:
            found.append((entry.name, _params(entry)))
    return found


def _params(entry: URLPattern | URLResolver) -> list[str]:
    return list(getattr(entry.pattern, "converters", {}))
