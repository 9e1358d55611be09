"""Reads of the core domain, always scoped to what a user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from errorhub.models import Issue, Organization, Project


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


def issues_for_user(user: AbstractBaseUser) -> QuerySet[Issue]:
    return Issue.objects.filter(project__in=projects_for_user(user), merged_into__isnull=True).select_related(
        "project", "project__organization", "assignee")


def issue_get_for_user(user: AbstractBaseUser, issue_id: int | str) -> Issue:
    """The issue, or 404 — also for another team's issue (no existence leak)."""
    try:
        pk = int(issue_id)
    except (TypeError, ValueError):
        raise Http404("no such issue") from None
    issue = issues_for_user(user).filter(pk=pk).first()
    if issue is None:
        raise Http404("no such issue")
    return issue


def inbox_for_user(user: AbstractBaseUser) -> QuerySet[Issue]:
    return issues_for_user(user).filter(in_inbox=True)
