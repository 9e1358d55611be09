"""Invitations: owners invite by e-mail, resend and revoke; the invited follow the link to sign
up (or join with their existing account). There is no sign-up without an invitation.

The link is built from ``ERRORHUB_BASE_URL`` (never the request's Host header, which a client
chooses). It is shown to the owner once, right after it is issued, so an install whose mail
goes to the console can still invite; only its hash is stored.
"""

from __future__ import annotations

import logging
import math
import smtplib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from errorhub.accounts import member_services, selectors, throttle
from errorhub.accounts.login import ADDRESS, lockout_message
from errorhub.accounts.member_services import IssuedInvitation, MembershipError
from errorhub.accounts.models import Invitation, Organization
from errorhub.dashboard import member_forms
from errorhub.dashboard.views.base import page
from errorhub.dashboard.views.mail import mail_notice
from errorhub.dashboard.views.members import owner_only

logger = logging.getLogger(__name__)


def invitation_link(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('invitation-accept', args=[token])}"


def _send(issued: IssuedInvitation) -> str:
    """Mail the link; the reason it could not be sent ('' when it was), for the owner to read."""
    try:
        member_services.invitation_send(invitation=issued.invitation, link=invitation_link(issued.token))
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("invitation %s: mail not sent: %s", issued.invitation.pk, exc)
        return f"The e-mail could not be sent ({exc}). Copy the link below and send it yourself, or resend later."
    return ""


def _invite_page(
    request: HttpRequest,
    organization: Organization,
    *,
    form: member_forms.InvitationForm | None = None,
    issued: IssuedInvitation | None = None,
    mail_error: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "organization": organization,
        "form": form or member_forms.InvitationForm(organization=organization),
        "invitations": selectors.invitations_open(organization),
        "issued": issued,
        "link": invitation_link(issued.token) if issued else "",
        "mail_error": mail_error,
        "mail_notice": mail_notice(),
        "error": error,
        "days": settings.INVITATION_DAYS,
    }
    response = render(request, "dashboard/invitations.html", context, status=status)
    if issued is not None:
        response["Cache-Control"] = "no-store"  # the link is a credential: shown once, never cached
    return response


@page
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, org: str) -> HttpResponse:
    organization = selectors.organization_get_for_member(request.user, org)
    if (refused := owner_only(request, organization)) is not None:
        return refused
    if request.method == "GET":
        return _invite_page(request, organization)
    form = member_forms.InvitationForm(request.POST, organization=organization)
    if not form.is_valid():
        return _invite_page(request, organization, form=form, status=400)
    try:
        issued = member_services.invitation_create(
            organization=organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            teams=form.cleaned_data["teams"],
            invited_by=request.user,
        )
    except MembershipError as exc:
        return _invite_page(request, organization, form=form, error=exc.message, status=exc.status)
    return _invite_page(request, organization, issued=issued, mail_error=_send(issued))


def _owned_invitation(request: HttpRequest, org: str, invitation_id: int) -> tuple[Organization, Invitation]:
    organization = selectors.organization_get_for_member(request.user, org)
    return organization, get_object_or_404(Invitation, organization=organization, pk=invitation_id)


@page
@require_POST
def invitation_resend(request: HttpRequest, org: str, invitation_id: int) -> HttpResponse:
    organization, invitation = _owned_invitation(request, org, invitation_id)
    if (refused := owner_only(request, organization)) is not None:
        return refused
    try:
        issued = member_services.invitation_resend(invitation=invitation, by=request.user)
    except MembershipError as exc:
        return _invite_page(request, organization, error=exc.message, status=exc.status)
    return _invite_page(request, organization, issued=issued, mail_error=_send(issued))


@page
@require_POST
def invitation_revoke(request: HttpRequest, org: str, invitation_id: int) -> HttpResponse:
    organization, invitation = _owned_invitation(request, org, invitation_id)
    if (refused := owner_only(request, organization)) is not None:
        return refused
    try:
        member_services.invitation_revoke(invitation=invitation, by=request.user)
    except MembershipError as exc:
        return _invite_page(request, organization, error=exc.message, status=exc.status)
    messages.success(request, f"The invitation of {invitation.email} is revoked: its link no longer works.")
    return redirect("invitations", org=organization.slug)


# --- the invited person's side (no session needed) ---------------------------------------------


def _accept_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "registration/invitation.html", context, status=status)
    # The path carries the token: not cached, and (SECURE_REFERRER_POLICY "same-origin") never
    # sent to another site. Not "no-referrer": Chromium then sends "Origin: null" with the
    # form's POST, which Django's CSRF check rightly refuses.
    response["Cache-Control"] = "no-store"
    return response


def _unusable(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return _accept_page(request, {"mode": "unusable", "message": message}, status=status)


def _unknown_link(request: HttpRequest) -> HttpResponse:
    """An unknown token counts as a failed attempt from this address (as a wrong password does),
    so links cannot be guessed faster than passwords."""
    ip = throttle.client_ip(request)
    until = throttle.address_locked_until(ip)
    if until is None:
        throttle.record_failure(None, ip)
        return _unusable(
            request,
            "This invitation link is not valid. Check that you copied all of it, or ask an owner for a new one.",
            404,
        )
    response = _unusable(request, lockout_message(until, ADDRESS), 429)
    response["Retry-After"] = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
    return response


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        return _unknown_link(request)
    if invitation.status != "pending":
        return _unusable(request, member_services.unusable_reason(invitation), 410)
    if request.user.is_authenticated:
        return _join(request, invitation)
    return _signup(request, invitation)


def _join(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """A logged-in user whose address was invited joins with one button."""
    context = {"mode": "join", "invitation": invitation}
    if (request.user.email or "").casefold() != invitation.email.casefold():
        return _accept_page(request, {**context, "mode": "mismatch"}, status=403)
    if request.method == "GET":
        return _accept_page(request, context)
    try:
        member_services.invitation_accept(invitation=invitation, user=request.user)
    except MembershipError as exc:
        return _unusable(request, exc.message, exc.status)
    messages.success(request, f"You joined {invitation.organization.name}.")
    return redirect("members", org=invitation.organization.slug)


def _signup(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """A new account for the invited address: username and password, then the login page."""
    if selectors.user_with_email_exists(invitation.email):
        login_url = f"{reverse('login')}?next={request.path}"
        status = 409 if request.method == "POST" else 200
        return _accept_page(request, {"mode": "existing", "invitation": invitation, "login_url": login_url}, status)
    form = member_forms.SignupForm(request.POST or None, email=invitation.email)
    context: dict[str, Any] = {"mode": "signup", "invitation": invitation, "form": form}
    if request.method == "GET":
        return _accept_page(request, context)
    if not form.is_valid():
        return _accept_page(request, context, status=400)
    try:
        user = member_services.invitation_signup(
            invitation=invitation, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
        )
    except MembershipError as exc:
        if exc.status == 410:
            return _unusable(request, exc.message, exc.status)
        return _accept_page(request, {**context, "error": exc.message}, status=exc.status)
    messages.success(
        request,
        f"Welcome, {user.get_username()}: your account is ready. Log in to open {invitation.organization.name}.",
    )
    return redirect("login")
