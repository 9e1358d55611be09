"""The login page, with the lock-out a browser can see.

Django's ``LoginView`` answers every refused attempt with the same "enter a correct
username and password" (200), so a lock-out looked like one more wrong password.
This view applies ``errorhub.accounts.throttle``'s two scopes and answers 429 with
``Retry-After`` and a message saying when to try again:

- while the username is locked out, without looking at the password;
- while the client address is locked out, only when the password was wrong: a right
  password from a busy shared address (a NAT, the proxy) still logs in.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from errorhub.accounts import throttle

USERNAME, ADDRESS = "for this username", "from this address"


def lockout_message(until: datetime, scope: str = USERNAME) -> str:
    """What the user reads: why (``scope``), and when to try again (UTC)."""
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return (
        f"Too many failed log-in attempts {scope}. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''} "
        f"(after {until.astimezone(UTC):%H:%M} UTC)."
    )


class ThrottledLoginView(LoginView):
    """``LoginView`` that answers 429 while the username is locked, and for a wrong password
    while the address is locked (as it was before this attempt)."""

    redirect_authenticated_user = True
    address_throttled = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        until = throttle.username_locked_until(request.POST.get("username"))
        if until is not None:
            return self.locked_out(until, USERNAME)
        self.address_throttled = throttle.address_locked_until(throttle.client_ip(request)) is not None
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        until = throttle.address_locked_until(throttle.client_ip(self.request)) if self.address_throttled else None
        if until is None:
            return super().form_invalid(form)
        return self.locked_out(until, ADDRESS)

    def locked_out(self, until: datetime, scope: str) -> HttpResponse:
        form = AuthenticationForm(self.request, initial={"username": self.request.POST.get("username", "")[:150]})
        context = self.get_context_data(form=form, lockout=lockout_message(until, scope))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
        return response
