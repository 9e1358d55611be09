"""Cron monitors of the user's projects: each job's state per environment, its last
check-in, when the next run is due, and the issue its failures opened."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from errorhub.accounts import selectors
from errorhub.dashboard.views.base import page
from errorhub.monitors.selectors import monitors_of_projects


@page
@require_GET
def monitors(request: HttpRequest) -> HttpResponse:
    rows = monitors_of_projects(selectors.projects_for_user(request.user))
    return render(request, "dashboard/monitors.html", {"rows": rows})
