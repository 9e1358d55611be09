"""The login page, with the lock-out a browser can see.

Django's ``LoginView`` answers every refused attempt with the same "enter a correct
username and password" (200), so a lock-out looked like one more wrong password.
This view asks ``errorhub.throttle`` first: while the username or the address is
locked out it answers 429 with ``Retry-After`` and a message saying when to try
again, without looking at the password.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone as dt_timezone
from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from errorhub import throttle


def lockout_message(until: datetime) -> str:
    """What the user reads: why, and when the form will check passwords again (UTC)."""
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return (f"Too many failed log-in attempts for this username or from this address. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''} "
            f"(after {until.astimezone(dt_timezone.utc):%H:%M} UTC).")


class ThrottledLoginView(LoginView):
    """``LoginView`` that answers 429 while ``throttle.locked_until`` says so."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        until = throttle.locked_until(request.POST.get("username"), throttle.client_ip(request))
        if until is None:
            return super().post(request, *args, **kwargs)
        return self.locked_out(until)

    def locked_out(self, until: datetime) -> HttpResponse:
        form = AuthenticationForm(self.request, initial={"username": self.request.POST.get("username", "")[:150]})
        context = self.get_context_data(form=form, lockout=lockout_message(until))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
        return response
