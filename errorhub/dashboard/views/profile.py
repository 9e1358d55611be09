"""The user's profile (time zone, digest) and their API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from errorhub.accounts import selectors
from errorhub.accounts.services import api_token_create
from errorhub.dashboard import forms, queries
from errorhub.dashboard import services as dash_services
from errorhub.dashboard.views.base import page


@page
def profile(request: HttpRequest) -> HttpResponse:
    form = forms.ProfileForm(
        request.POST or None,
        initial=queries.profile_initial(request.user),
        projects=selectors.projects_for_user(request.user),
    )
    if request.method == "POST":
        if form.is_valid():
            dash_services.user_profile_update(
                user=request.user,
                **{**form.cleaned_data, "digest_opt_out_projects": list(form.cleaned_data["digest_opt_out_projects"])},
            )
            messages.success(request, "Profile saved.")
            return redirect("profile")
    return _profile_page(request, form, status=400 if request.method == "POST" else 200)


def _profile_page(
    request: HttpRequest,
    form: forms.ProfileForm,
    *,
    new_token: str | None = None,
    token_form: forms.TokenCreateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "dashboard/profile.html",
        {
            "form": form,
            "token_form": token_form or forms.TokenCreateForm(),
            "new_token": new_token,
            "tokens": queries.api_tokens_for_user(request.user),
        },
        status=status,
    )


@page
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = forms.ProfileForm(
        initial=queries.profile_initial(request.user), projects=selectors.projects_for_user(request.user)
    )
    token_form = forms.TokenCreateForm(request.POST)
    if not token_form.is_valid():
        return _profile_page(request, form, token_form=token_form, status=400)
    token = api_token_create(
        user=request.user, label=token_form.cleaned_data["label"], can_write=token_form.cleaned_data["can_write"]
    )
    # rendered (not redirected) so the clear text is shown exactly once and never stored
    response = _profile_page(request, form, new_token=token)
    response["Cache-Control"] = "no-store"
    return response


@page
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if not dash_services.api_token_revoke(user=request.user, token_id=token_id):
        raise Http404("no such token")
    messages.success(request, "Token revoked.")
    return redirect(reverse("profile"))
