"""What every dashboard page shares: login required, dates in the user's own time zone."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from errorhub.accounts.models import UserProfile


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; dates shown in the user's own time zone."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = UserProfile.objects.filter(user=request.user).only("timezone").first()
        try:
            timezone.activate(zoneinfo.ZoneInfo(profile.timezone if profile else "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        try:
            return view(request, *args, **kwargs)
        finally:
            timezone.deactivate()

    return wrapper
