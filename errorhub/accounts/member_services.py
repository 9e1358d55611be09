"""Bringing people in and managing them: invitations, sign-up through one, roles, removal.

An organisation's members are its owners, its plain ``members`` and the members of its teams
(``errorhub.accounts.selectors.organization_members``); an owner is in ``Organization.owners``,
which every existing permission check reads. Invitations carry a random single-use token of
which only the SHA-256 is stored. There is no audit-log table: each change is logged to
``errorhub.accounts.audit`` with who did what.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from errorhub.accounts.models import Invitation, Organization, Role, Team
from errorhub.accounts.selectors import organization_members
from ingest.protocol.errors import ClientError

audit = logging.getLogger("errorhub.accounts.audit")


class MembershipError(ClientError):
    """A membership change or an invitation that cannot apply, with the reason to show."""


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation and the clear-text token of its link (never stored: shown once, mailed)."""

    invitation: Invitation
    token: str


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.INVITATION_DAYS)


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, teams: Iterable[Team], invited_by: AbstractBaseUser
) -> IssuedInvitation:
    """Store a pending invitation of ``email`` with ``role`` and ``teams`` (all of ``organization``).

    Refused when the address already belongs to a member, or already has a pending invitation
    (resend that one instead): one address, one live link.
    """
    email = email.strip()
    teams = list(teams)
    if any(team.organization_id != organization.pk for team in teams):
        raise MembershipError("A team of another organisation cannot be offered.")
    if role not in Role.values:
        raise MembershipError(f"'{role}' is not a role: choose owner or member.")
    if organization_members(organization).filter(email__iexact=email).exists():
        raise MembershipError(f"{email} is already a member of {organization.name}.", status=409)
    pending = Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )
    if pending.exists():
        raise MembershipError(f"{email} already has a pending invitation: resend it instead.", status=409)
    token = _new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by,
        expires_at=_expiry(),
    )
    invitation.teams.set(teams)
    audit.info("invitation %s to %s created by %s in %s", invitation.pk, email, invited_by, organization.slug)
    return IssuedInvitation(invitation, token)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: AbstractBaseUser) -> IssuedInvitation:
    """Issue a new link (the old one stops working) with a fresh expiry; used or revoked ones cannot."""
    if invitation.status in ("accepted", "revoked"):
        raise MembershipError(f"This invitation was {invitation.status}: it cannot be sent again.", status=409)
    token = _new_token()
    invitation.token_hash = Invitation.hash_token(token)
    invitation.expires_at = _expiry()
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at"])
    audit.info("invitation %s to %s resent by %s", invitation.pk, invitation.email, by)
    return IssuedInvitation(invitation, token)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: AbstractBaseUser) -> Invitation:
    """Stop a pending (or expired) invitation's link from working; a used one stays used."""
    if invitation.status == "accepted":
        raise MembershipError("This invitation was already used: remove the member instead.", status=409)
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.info("invitation %s to %s revoked by %s", invitation.pk, invitation.email, by)
    return invitation


def invitation_send(*, invitation: Invitation, link: str) -> None:
    """Mail the link to the invited address through Django's mail (SMTP, or the console).

    Raises what the mail backend raises (``OSError``/``smtplib.SMTPException``): the caller
    tells the owner, who still has the link on the page.
    """
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by.get_username() if invitation.invited_by else "An owner",
        "link": link,
        "days": settings.INVITATION_DAYS,
    }
    subject = " ".join(render_to_string("email/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("email/invitation.txt", context), to=[invitation.email]
    )
    message.attach_alternative(render_to_string("email/invitation.html", context), "text/html")
    message.send(fail_silently=False)


def _claim(invitation: Invitation, user: AbstractBaseUser) -> None:
    """Mark the invitation used by ``user``, or refuse: one conditional UPDATE, so of two
    simultaneous uses exactly one wins, on PostgreSQL and SQLite alike."""
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        invitation.refresh_from_db()
        raise MembershipError(unusable_reason(invitation), status=410)


def unusable_reason(invitation: Invitation) -> str:
    """Why a link cannot be used any more, in the words the person following it reads."""
    return {
        "accepted": "This invitation has already been used. Log in, or ask an owner for a new invitation.",
        "revoked": "This invitation was withdrawn by an owner of the organisation. Ask them for a new one.",
        "expired": "This invitation has expired. Ask an owner of the organisation to send it again.",
    }.get(invitation.status, "This invitation cannot be used.")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: AbstractBaseUser) -> None:
    """``user`` joins the organisation with the invited role and teams; the link is used up.

    Only the invited address may join (compared ignoring case): a link forwarded to someone
    logged in as another user is refused, not silently accepted for them.
    """
    if (getattr(user, "email", "") or "").casefold() != invitation.email.casefold():
        raise MembershipError(
            f"This invitation was sent to {invitation.email}, and you are logged in as "
            f"{user.get_username()}. Log out and follow the link again.",
            status=403,
        )
    _claim(invitation, user)
    organization = invitation.organization
    organization.members.add(user)
    if invitation.role == Role.OWNER:
        organization.owners.add(user)
    for team in invitation.teams.all():
        team.members.add(user)
    audit.info("invitation %s used by %s to join %s", invitation.pk, user, organization.slug)


@transaction.atomic
def invitation_signup(*, invitation: Invitation, username: str, password: str) -> AbstractBaseUser:
    """Create the invited person's account (with the invited address) and accept the invitation.

    The caller validated the username and the password (Django's validators); a username
    taken in the meantime is refused here by the database.
    """
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        raise MembershipError(f"An account with {invitation.email} already exists: log in with it to join.", status=409)
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=username, email=invitation.email, password=password)
    except IntegrityError:
        raise MembershipError(f"The username '{username}' is taken: choose another.", status=409) from None
    invitation_accept(invitation=invitation, user=user)
    return user


def _locked_organization(organization: Organization) -> Organization:
    # Serialises role changes and removals per organisation, so two owners demoting each
    # other at once cannot leave it with none.
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _refuse_last_owner(organization: Organization, user: AbstractBaseUser, doing: str) -> None:
    owners = organization.owners.filter(is_active=True)
    if owners.filter(pk=user.pk).exists() and owners.count() == 1:
        raise MembershipError(
            f"{user.get_username()} is the last owner of {organization.name} and cannot be {doing}: "
            "make another member an owner first.",
            status=409,
        )


@transaction.atomic
def member_set_role(*, organization: Organization, user: AbstractBaseUser, role: str, by: AbstractBaseUser) -> None:
    """Make a member an owner or a plain member; the last owner cannot be demoted."""
    if role not in Role.values:
        raise MembershipError(f"'{role}' is not a role: choose owner or member.")
    organization = _locked_organization(organization)
    if not organization_members(organization).filter(pk=user.pk).exists():
        raise MembershipError(f"{user.get_username()} is not a member of {organization.name}.", status=404)
    if role == Role.OWNER:
        organization.owners.add(user)
    else:
        _refuse_last_owner(organization, user, "made a plain member")
        organization.owners.remove(user)
        organization.members.add(user)  # still a member when in no team
    audit.info("%s made %s %s of %s", by, user, role, organization.slug)


@transaction.atomic
def member_remove(*, organization: Organization, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """Take a member out of the organisation: its ownership, membership and every one of its
    teams. The last owner cannot be removed."""
    organization = _locked_organization(organization)
    _refuse_last_owner(organization, user, "removed")
    organization.owners.remove(user)
    organization.members.remove(user)
    for team in organization.teams.filter(members=user):
        team.members.remove(user)
    audit.info("%s removed %s from %s", by, user, organization.slug)
