"""Teams and their members: everyone sees their organisations' teams, owners change them.

An owner adds a member of the organisation by picking them from a list (people outside it
are brought in by invitation, see ``views.invitations``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from errorhub.accounts.models import Team
from errorhub.accounts.selectors import organization_members
from errorhub.dashboard import member_forms, queries
from errorhub.dashboard import services as dash_services
from errorhub.dashboard.views.base import page


@page
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    orgs = queries.organizations_with_teams(request.user)
    rows = [
        (org, queries.is_owner(request.user, org), list(organization_members(org).order_by("username"))) for org in orgs
    ]
    return render(request, "dashboard/teams.html", {"orgs": rows})


def _owned_team(request: HttpRequest, team_id: int) -> Team:
    team = get_object_or_404(Team.objects.select_related("organization"), pk=team_id)
    if not queries.is_owner(request.user, team.organization):
        raise Http404("no such team")
    return team


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on (the teams or the members page): only a local path."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(target)
    return redirect("teams")


@page
@require_POST
def team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _owned_team(request, team_id)
    form = member_forms.TeamMemberForm(request.POST, organization=team.organization)
    if form.is_valid():
        dash_services.team_member_add(team=team, user=form.cleaned_data["user"])
        messages.success(request, f"Added {form.cleaned_data['user'].get_username()} to {team.name}.")
    else:
        messages.error(request, "; ".join(form.errors.get("user", ["Pick a member."])))
    return _back(request)


@page
@require_POST
def team_member_remove(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = _owned_team(request, team_id)
    member = get_object_or_404(team.members, pk=user_id)
    dash_services.team_member_remove(team=team, user=member)
    messages.success(request, f"Removed {member.get_username()} from {team.name}.")
    return _back(request)
