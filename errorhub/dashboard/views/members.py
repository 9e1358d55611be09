"""An organisation's members page: who is in it, their role and teams; owners change them.

Anyone outside the organisation gets 404 (its name is not confirmed); a member who is not an
owner sees the page and gets 403, with the reason, for the changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from errorhub.accounts import member_services, selectors
from errorhub.accounts.models import Organization
from errorhub.dashboard import member_forms
from errorhub.dashboard.views.base import page


def owner_only(request: HttpRequest, organization: Organization) -> HttpResponse | None:
    """None when the user may manage ``organization``; otherwise the 403 page saying why."""
    if selectors.is_owner(request.user, organization):
        return None
    return render(request, "dashboard/owner_only.html", {"organization": organization}, status=403)


def _members_page(
    request: HttpRequest, organization: Organization, *, error: str = "", status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "organization": organization,
        "rows": selectors.member_rows(organization),
        "is_owner": selectors.is_owner(request.user, organization),
        "teams": list(organization.teams.order_by("name")),
        "role_form": member_forms.RoleForm(),
        "error": error,
    }
    return render(request, "dashboard/members.html", context, status=status)


@page
@require_GET
def members(request: HttpRequest, org: str) -> HttpResponse:
    return _members_page(request, selectors.organization_get_for_member(request.user, org))


def _member(organization: Organization, user_id: int) -> Any:
    return get_object_or_404(selectors.organization_members(organization), pk=user_id)


@page
@require_POST
def member_role(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    organization = selectors.organization_get_for_member(request.user, org)
    if (refused := owner_only(request, organization)) is not None:
        return refused
    member = _member(organization, user_id)
    form = member_forms.RoleForm(request.POST)
    if not form.is_valid():
        return _members_page(request, organization, error="Choose a role: owner or member.", status=400)
    try:
        member_services.member_set_role(
            organization=organization, user=member, role=form.cleaned_data["role"], by=request.user
        )
    except member_services.MembershipError as exc:
        return _members_page(request, organization, error=exc.message, status=exc.status)
    messages.success(request, f"{member.get_username()} is now {form.cleaned_data['role']} of {organization.name}.")
    return redirect("members", org=organization.slug)


@page
@require_POST
def member_remove(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    organization = selectors.organization_get_for_member(request.user, org)
    if (refused := owner_only(request, organization)) is not None:
        return refused
    member = _member(organization, user_id)
    try:
        member_services.member_remove(organization=organization, user=member, by=request.user)
    except member_services.MembershipError as exc:
        return _members_page(request, organization, error=exc.message, status=exc.status)
    messages.success(request, f"Removed {member.get_username()} from {organization.name}.")
    if member.pk == request.user.pk and not request.user.is_superuser:
        return redirect("teams")  # they left: the members page is no longer theirs to see
    return redirect("members", org=organization.slug)
