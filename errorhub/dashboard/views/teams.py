"""Teams and their members: everyone sees their organisations' teams, owners change them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from errorhub.accounts.models import Team
from errorhub.dashboard import forms, queries
from errorhub.dashboard import services as dash_services
from errorhub.dashboard.views.base import page


@page
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    orgs = queries.organizations_with_teams(request.user)
    return render(
        request,
        "dashboard/teams.html",
        {"orgs": [(org, queries.is_owner(request.user, org)) for org in orgs], "add_form": forms.MemberAddForm()},
    )


def _owned_team(request: HttpRequest, team_id: int) -> Team:
    team = get_object_or_404(Team.objects.select_related("organization"), pk=team_id)
    if not queries.is_owner(request.user, team.organization):
        raise Http404("no such team")
    return team


@page
@require_POST
def team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _owned_team(request, team_id)
    form = forms.MemberAddForm(request.POST)
    if form.is_valid():
        dash_services.team_member_add(team=team, user=form.cleaned_data["username"])
        messages.success(request, f"Added {form.cleaned_data['username'].get_username()} to {team.name}.")
    else:
        messages.error(request, "; ".join(form.errors.get("username", ["invalid username"])))
    return redirect("teams")


@page
@require_POST
def team_member_remove(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = _owned_team(request, team_id)
    member = get_object_or_404(team.members, pk=user_id)
    dash_services.team_member_remove(team=team, user=member)
    messages.success(request, f"Removed {member.get_username()} from {team.name}.")
    return redirect("teams")
