"""Password change in the app, and the password-reset page saying where its e-mail goes.

Changing the password needs the current one (Django's ``PasswordChangeView``, which keeps the
session through ``update_session_auth_hash``). A wrong current password counts against the
username like a failed log-in, so a borrowed session cannot be used to guess it.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone

from errorhub.accounts import throttle
from errorhub.accounts.login import USERNAME, lockout_message
from errorhub.dashboard.views.mail import mail_notice


class PasswordChange(PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("profile")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        until = throttle.username_locked_until(request.user.get_username())
        if until is not None:
            response = self.render_to_response(
                self.get_context_data(lockout=lockout_message(until, USERNAME)), status=429
            )
            response["Retry-After"] = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # saves, then update_session_auth_hash keeps this session
        messages.success(self.request, "Your password is changed. Other sessions were logged out.")
        return response

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        if "old_password" in form.errors:
            throttle.record_failure(self.request.user.get_username(), throttle.client_ip(self.request))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordReset(PasswordResetView):
    """Django's reset form, plus the plain notice when mail goes to the console."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "mail_notice": mail_notice()}
