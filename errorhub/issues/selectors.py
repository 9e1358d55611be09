"""Reads of issues, always scoped to what a user may see (the projects of their teams)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from errorhub.accounts.selectors import projects_for_user
from errorhub.issues.models import Issue


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
