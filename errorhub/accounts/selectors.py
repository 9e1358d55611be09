"""Reads of accounts (organisations, projects, members), always scoped to what a user may see.

Issues a user may see are read through ``errorhub.issues.selectors``."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404

from errorhub.accounts.models import Organization, Project


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
    """The active users of an organisation: its owners and the members of its teams."""
    return (
        get_user_model()
        .objects.filter(
            Q(errorhub_teams__organization=organization) | Q(owned_organizations=organization), is_active=True
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
