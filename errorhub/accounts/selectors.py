"""Reads of accounts (organisations, projects, members), always scoped to what a user may see.

Issues a user may see are read through ``errorhub.issues.selectors``."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404

from errorhub.accounts.models import Invitation, Organization, Project, Role, Team


def projects_for_user(user: AbstractBaseUser) -> QuerySet[Project]:
    """Superusers see every project; others the projects of their teams."""
    qs = Project.objects.select_related("organization")
    if getattr(user, "is_superuser", False):
        return qs.all()
    return qs.filter(teams__members=user).distinct()


def project_get_for_user(user: AbstractBaseUser, org_slug: str, project_slug: str) -> Project:
    project = projects_for_user(user).filter(organization__slug=org_slug, slug=project_slug).first()
    if project is None:
        raise Http404("no such project")
    return project


def organizations_for_user(user: AbstractBaseUser) -> QuerySet[Organization]:
    if getattr(user, "is_superuser", False):
        return Organization.objects.all()
    return Organization.objects.filter(projects__in=projects_for_user(user)).distinct()


def organization_members(organization: Organization) -> QuerySet[AbstractBaseUser]:
    """The active users of an organisation: its owners, its members in no team yet, and the
    members of its teams."""
    return (
        get_user_model()
        .objects.filter(
            Q(errorhub_teams__organization=organization)
            | Q(owned_organizations=organization)
            | Q(member_organizations=organization),
            is_active=True,
        )
        .distinct()
    )


def is_member(user: AbstractBaseUser, organization: Organization) -> bool:
    """Whether ``user`` is an active member (owner or team member) of ``organization``: may act
    on its issues from Slack, and has their e-mail shown on them."""
    return organization_members(organization).filter(pk=user.pk).exists()


def member_by_name(name: str, organizations: Iterable[Organization]) -> AbstractBaseUser | None:
    """The user called ``name`` (username, or e-mail ignoring case) who belongs to every one of
    ``organizations``; None otherwise. Users are only ever looked up inside an organisation, so
    an unknown name and a user of another organisation look the same to the caller (no
    enumeration of other organisations' users or e-mails)."""
    orgs = list(organizations)
    if not name or not orgs:
        return None
    users = get_user_model().objects.filter(is_active=True)
    for org in orgs:
        users = users.filter(pk__in=organization_members(org).values("pk"))
    return users.filter(username=name).first() or users.filter(email__iexact=name).order_by("pk").first()


def is_owner(user: AbstractBaseUser, organization: Organization) -> bool:
    """Whether ``user`` may manage the organisation's members, teams and invitations."""
    return bool(getattr(user, "is_superuser", False)) or organization.owners.filter(pk=user.pk).exists()


def organization_get_for_member(user: AbstractBaseUser, slug: str) -> Organization:
    """The organisation called ``slug`` when ``user`` belongs to it (any, for a superuser);
    404 otherwise, so other organisations' names are not confirmed to outsiders."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not (getattr(user, "is_superuser", False) or is_member(user, organization)):
        raise Http404("no such organisation")
    return organization


@dataclass(frozen=True)
class MemberRow:
    """One line of the members page: who, their role, and their teams in this organisation."""

    user: AbstractBaseUser
    role: str
    teams: list[Team]


def member_rows(organization: Organization) -> list[MemberRow]:
    """Every member of the organisation with their role and teams, owners first, then by name."""
    owner_ids = set(organization.owners.values_list("pk", flat=True))
    teams = list(organization.teams.prefetch_related("members").order_by("name"))
    rows = [
        MemberRow(
            user=user,
            role=Role.OWNER if user.pk in owner_ids else Role.MEMBER,
            teams=[team for team in teams if any(m.pk == user.pk for m in team.members.all())],
        )
        for user in organization_members(organization).order_by("username")
    ]
    return sorted(rows, key=lambda row: row.role != Role.OWNER)


def invitations_open(organization: Organization) -> QuerySet[Invitation]:
    """The invitations owners can still act on: pending or expired, neither used nor revoked."""
    return (
        Invitation.objects.filter(organization=organization, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .prefetch_related("teams")
        .order_by("-sent_at")
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation whose link carries ``token`` (whatever its state), or None.

    Found by the token's hash (only hashes are stored), then the hashes are compared in
    constant time, so the comparison itself leaks nothing about a near miss.
    """
    if not token or len(token) > 100:
        return None
    token_hash = Invitation.hash_token(token)
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(token_hash=token_hash).first()
    if invitation is None or not hmac.compare_digest(invitation.token_hash, token_hash):
        return None
    return invitation


def user_with_email_exists(email: str) -> bool:
    """Whether an account already uses ``email`` (ignoring case): its owner logs in to join."""
    return get_user_model().objects.filter(email__iexact=email).exists()
