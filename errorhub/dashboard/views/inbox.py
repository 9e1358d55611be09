"""The inbox: what needs a decision, by impact, and bulk triage of a selection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from errorhub.dashboard import charts, forms, queries
from errorhub.dashboard.views.base import page
from errorhub.issues import selectors as issue_selectors
from errorhub.issues.actions import Acknowledge, Assign, IssueAction, Resolve, Snooze
from errorhub.issues.services import issue_apply_action
from ingest.protocol.errors import ClientError

INBOX_ROWS = 100


@page
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox_page(request, bulk_form=None)


def _inbox_page(request: HttpRequest, *, bulk_form: forms.BulkForm | None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    qs = issue_selectors.inbox_for_user(request.user)
    per_project, oldest = queries.inbox_summary(qs)
    total = sum(row["n"] for row in per_project)
    issues = list(queries.by_impact(qs, now=now)[:INBOX_ROWS])
    sparks = queries.sparklines([i.pk for i in issues], now=now)
    rows = [{"issue": i, "spark": charts.sparkline(sparks.get(i.pk, []))} for i in issues]
    return render(
        request,
        "dashboard/inbox.html",
        {
            "rows": rows,
            "total": total,
            "per_project": per_project,
            "oldest": oldest,
            "shown": len(rows),
            "bulk_form": bulk_form,
            "bulk_actions": forms.BULK_ACTIONS,
        },
        status=status,
    )


@page
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    posted = [int(v) for v in request.POST.getlist("issues") if v.isdigit()]
    visible = {i.pk: i for i in issue_selectors.issues_for_user(request.user).filter(pk__in=posted)}
    if len(visible) != len(set(posted)):
        raise Http404("no such issue")
    form = forms.BulkForm(
        request.POST, issue_ids=list(visible), organizations=list({i.project.organization for i in visible.values()})
    )
    if not form.is_valid():
        return _inbox_page(request, bulk_form=form, status=400)
    data, done = form.cleaned_data, 0
    action = _bulk_action(data)
    try:
        for pk in data["issues"]:
            issue_apply_action(visible[pk], action, user=request.user)
            done += 1
    except ClientError as exc:
        messages.error(request, f"Stopped after {done} issue(s): {exc}")
        return redirect("inbox")
    messages.success(request, f"{dict(forms.BULK_ACTIONS)[data['action']]}: {done} issue(s).")
    return redirect("inbox")


def _bulk_action(data: dict[str, Any]) -> IssueAction:
    """The bulk form's choice as one action, the same for every selected issue."""
    reason = (data.get("reason") or "").strip()
    match data["action"]:
        case "acknowledge":
            return Acknowledge(assignee=data.get("assignee"), reason=reason)
        case "assign":
            return Assign(assignee=data["assignee"])
        case "resolve":
            return Resolve(reason=reason)
    return Snooze(reason=reason, until=timezone.now() + timedelta(hours=data["hours"]))
