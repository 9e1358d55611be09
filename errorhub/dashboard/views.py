"""Dashboard views: thin, every page behind login, every query scoped to the user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from errorhub import selectors


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    issues = selectors.inbox_for_user(request.user).order_by("-last_seen")[:100]
    return render(request, "dashboard/inbox.html", {"issues": issues})
