"""System health: ingest outcomes, queues, the event store, and the dead letters to replay or discard."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from errorhub.dashboard import forms
from errorhub.dashboard.queries import dead_letters_for_user
from errorhub.dashboard.system_health import health_context
from errorhub.dashboard.views.base import page
from ingest.services import dead_letter_discard, dead_letter_replay

#: the most dead letters one "replay all" queues again (a press per thousand bounds the request)
REPLAY_ALL_LIMIT = 1000


@page
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/health.html", health_context(request.user, dead_letters_for_user(request.user)))


@page
@require_POST
def dead_letter_action(request: HttpRequest, letter_id: int, action: str) -> HttpResponse:
    letter = get_object_or_404(dead_letters_for_user(request.user), pk=letter_id)
    if action == "replay":
        dead_letter_replay(dead_letter=letter)
        messages.success(request, f"Dead letter {letter.pk} queued again.")
    elif action == "discard":
        form = forms.DiscardForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Discarding needs a reason.")
            return redirect("health")
        dead_letter_discard(dead_letter=letter, reason=form.cleaned_data["reason"])
        messages.success(request, f"Dead letter {letter.pk} discarded.")
    else:
        raise Http404("no such action")
    return redirect("health")


@page
@require_POST
def dead_letters_replay_all(request: HttpRequest) -> HttpResponse:
    letters = list(dead_letters_for_user(request.user)[:REPLAY_ALL_LIMIT])
    for letter in letters:
        dead_letter_replay(dead_letter=letter)
    messages.success(request, f"{len(letters)} dead letter(s) queued again.")
    return redirect("health")
