"""A project's releases: new issues and crash-free sessions per release."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from errorhub.accounts import selectors
from errorhub.dashboard import queries
from errorhub.dashboard.views.base import page


@page
@require_GET
def releases(request: HttpRequest, org: str, project: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    return render(request, "dashboard/releases.html", {"project": proj, "rows": queries.release_rows(proj)})
