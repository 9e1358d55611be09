"""Organisations, teams, projects, DSN keys and API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from errorhub.accounts.models import TOKEN_SCOPES, ApiToken, Organization, Project, ProjectKey, Team


@dataclass(frozen=True)
class CreatedProject:
    project: Project
    key: ProjectKey
    created: bool


def _unique_slug(model: type, base: str, **scope: object) -> str:
    slug = slugify(base)[:90] or "project"
    candidate, n = slug, 2
    while model.objects.filter(slug=candidate, **scope).exists():
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


@transaction.atomic
def organization_get_or_create(*, name: str) -> Organization:
    org = Organization.objects.filter(slug=slugify(name)).first()
    if org is None:
        org = Organization.objects.create(name=name, slug=_unique_slug(Organization, name))
    return org


@transaction.atomic
def team_get_or_create(*, organization: Organization, name: str) -> Team:
    team, _ = Team.objects.get_or_create(
        organization=organization, slug=slugify(name) or "team", defaults={"name": name}
    )
    return team


@transaction.atomic
def project_create(*, org_name: str, name: str, team_name: str | None = None, platform: str = "") -> CreatedProject:
    """Create a project (and its organisation and team when missing) with one DSN key.

    Idempotent by (organisation, project slug): an existing project is returned
    with its first active key, so set-up scripts can run twice.
    """
    org = organization_get_or_create(name=org_name)
    team = team_get_or_create(organization=org, name=team_name or org_name)
    project = Project.objects.filter(organization=org, slug=slugify(name)).first()
    created = project is None
    if project is None:
        project = Project.objects.create(
            organization=org, name=name, slug=_unique_slug(Project, name, organization=org), platform=platform
        )
    project.teams.add(team)
    key = project.keys.filter(is_active=True).order_by("id").first() or project_key_create(project=project)
    return CreatedProject(project=project, key=key, created=created)


def project_key_create(*, project: Project, label: str = "Default") -> ProjectKey:
    return ProjectKey.objects.create(project=project, label=label)


def project_key_set_active(*, key: ProjectKey, active: bool) -> ProjectKey:
    key.is_active = active
    key.save(update_fields=["is_active"])
    return key


@transaction.atomic
def project_key_rotate(*, key: ProjectKey) -> ProjectKey:
    """Disable ``key`` and issue a new one with the same label and quota."""
    project_key_set_active(key=key, active=False)
    return ProjectKey.objects.create(
        project=key.project, label=key.label, rate_limit_per_minute=key.rate_limit_per_minute
    )


def api_token_create(
    *,
    user: AbstractBaseUser,
    label: str = "",
    can_write: bool = True,
    scopes: Sequence[str] = (),
    organization: Organization | None = None,
) -> str:
    """Create a token and return its clear text once; only a hash is stored.

    ``scopes`` (Sentry's names) limit what it may do; ``organization`` makes it an organisation
    token that reaches that organisation only.
    """
    unknown = sorted(set(scopes) - set(TOKEN_SCOPES))
    if unknown:
        raise ValueError(f"not a token scope: {', '.join(unknown)}")
    token = "ehp_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        label=label,
        token_hash=ApiToken.hash_token(token),
        prefix=token[:8],
        can_write=can_write,
        scopes=sorted(set(scopes)),
        organization=organization,
    )
    return token


@transaction.atomic
def project_settings_update(*, project: Project, **fields: Any) -> Project:
    """Change a project's settings (dashboard form, API PATCH); the callers validated the values."""
    allowed = {
        "allowed_origins",
        "rate_limit_per_minute",
        "retention_days",
        "quiet_period_days",
        "scrub_rules",
        "scrub_ip_addresses",
        "scrub_fields",
        "scrub_patterns",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a project setting: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(project, name, value)
    project.save(update_fields=list(fields))
    return project
