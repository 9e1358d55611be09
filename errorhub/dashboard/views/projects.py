"""Projects: the list and creation, one project's settings, DSN keys and SDK snippets."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from errorhub.accounts import selectors
from errorhub.accounts.models import Project
from errorhub.accounts.services import (
    project_key_create,
    project_key_rotate,
    project_key_set_active,
)
from errorhub.dashboard import forms, queries
from errorhub.dashboard import services as dash_services
from errorhub.dashboard.snippets import sdk_snippets
from errorhub.dashboard.views.base import page


@page
def projects(request: HttpRequest) -> HttpResponse:
    teams = list(queries.teams_for_user(request.user))
    form = forms.ProjectCreateForm(request.POST or None, teams=teams)
    if request.method == "POST":
        if form.is_valid():
            project, _ = dash_services.project_create_for_team(
                team=form.cleaned_data["team"], name=form.cleaned_data["name"], platform=form.cleaned_data["platform"]
            )
            messages.success(request, f"Project {project.name} created. Point an SDK at its DSN below.")
            return redirect("project", org=project.organization.slug, project=project.slug)
        status = 400
    else:
        status = 200
    rows = selectors.projects_for_user(request.user).order_by("organization__slug", "slug")
    return render(request, "dashboard/projects.html", {"projects": rows, "form": form}, status=status)


@page
def project_detail(request: HttpRequest, org: str, project: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    settings_form = forms.ProjectSettingsForm(
        request.POST or None, instance=Project(**{f: getattr(proj, f) for f in forms.ProjectSettingsForm.Meta.fields})
    )
    status = 200
    if request.method == "POST":
        if settings_form.is_valid():
            dash_services.project_settings_update(
                project=proj, **{f: settings_form.cleaned_data[f] for f in forms.ProjectSettingsForm.Meta.fields}
            )
            messages.success(request, "Settings saved.")
            return redirect("project", org=org, project=project)
        status = 400
    keys = list(proj.keys.order_by("-is_active", "id"))
    base = request.build_absolute_uri("/")
    active = next((k for k in keys if k.is_active), None)
    return render(
        request,
        "dashboard/project.html",
        {
            "project": proj,
            "keys": [(k, k.dsn(base)) for k in keys],
            "settings_form": settings_form,
            "key_form": forms.KeyCreateForm(),
            "snippets": sdk_snippets(active.dsn(base), base, proj.pk, active.public_key) if active else [],
            "outcomes": queries.project_outcomes(proj, now=timezone.now()),
            "outcome_days": queries.OUTCOME_DAYS,
        },
        status=status,
    )


@page
@require_POST
def project_key_new(request: HttpRequest, org: str, project: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    form = forms.KeyCreateForm(request.POST)
    if form.is_valid():
        project_key_create(project=proj, label=form.cleaned_data["label"])
        messages.success(request, "Key created.")
    else:
        messages.error(request, "A key needs a label.")
    return redirect("project", org=org, project=project)


@page
@require_POST
def project_key_action(request: HttpRequest, org: str, project: str, key_id: int, action: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    key = get_object_or_404(proj.keys, pk=key_id)
    if action == "rotate":
        project_key_rotate(key=key)
        messages.success(request, "Key rotated: the old key is disabled, a new one is active.")
    elif action in ("disable", "enable"):
        project_key_set_active(key=key, active=action == "enable")
        messages.success(request, f"Key {action}d.")
    else:
        raise Http404("no such action")
    return redirect("project", org=org, project=project)
