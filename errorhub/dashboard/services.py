"""Writes the dashboard needs that ``errorhub.services`` does not offer yet.

Keyword-only, atomic, one entry point per change — the same shape as
``errorhub.services``, so they can move there unchanged.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from errorhub.accounts.models import ApiToken, Project, ProjectKey, Team, UserProfile
from errorhub.accounts.services import (
    _unique_slug,
    project_key_create,
    project_settings_update,  # noqa: F401 (moved there; the views call it here)
)
from errorhub.issues.actions import IssueAction
from errorhub.issues.models import Issue
from errorhub.issues.services import issue_apply_action


@transaction.atomic
def project_create_for_team(*, team: Team, name: str, platform: str = "") -> tuple[Project, ProjectKey]:
    """A new project owned by ``team`` (in the team's organisation) with one DSN key.

    Unlike ``project_create`` this never creates an organisation or a team: the
    dashboard picks an existing team the user belongs to.
    """
    org = team.organization
    project = Project.objects.create(
        organization=org, name=name, platform=platform, slug=_unique_slug(Project, name, organization=org)
    )
    project.teams.add(team)
    return project, project_key_create(project=project)


@transaction.atomic
def user_profile_update(
    *,
    user: AbstractBaseUser,
    timezone: str,
    digest_enabled: bool,
    digest_hour: int,
    digest_opt_out_projects: list[Project],
) -> UserProfile:
    profile, _ = UserProfile.objects.get_or_create(user=user)
    profile.timezone, profile.digest_enabled, profile.digest_hour = timezone, digest_enabled, digest_hour
    profile.save()
    profile.digest_opt_out_projects.set(digest_opt_out_projects)
    return profile


def api_token_revoke(*, user: AbstractBaseUser, token_id: int) -> bool:
    """Delete one of the user's own tokens; False when it is not theirs (or gone)."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


@transaction.atomic
def team_member_add(*, team: Team, user: AbstractBaseUser) -> None:
    team.members.add(user)


@transaction.atomic
def team_member_remove(*, team: Team, user: AbstractBaseUser) -> None:
    team.members.remove(user)


@transaction.atomic
def issues_bulk_apply(*, issues: list[Issue], action: IssueAction, user: AbstractBaseUser) -> int:
    """Apply one action to every issue, all or none: a refusal (``ClientError``) for any of them
    rolls back the ones before it, so a failed bulk action leaves the selection as it was."""
    for issue in issues:
        issue_apply_action(issue, action, user=user)
    return len(issues)
