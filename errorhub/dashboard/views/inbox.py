"""The inbox: what needs a decision, by impact, and bulk triage of a selection."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from errorhub.dashboard import charts, queries
from errorhub.dashboard.views.base import page
from errorhub.dashboard.views.bulk import BulkState, bulk_apply, bulk_context
from errorhub.issues import selectors as issue_selectors

INBOX_ROWS = 100


@page
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox_page(request, bulk=BulkState())


def _inbox_page(request: HttpRequest, *, bulk: BulkState, status: int = 200) -> HttpResponse:
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
        {"rows": rows, "total": total, "per_project": per_project, "oldest": oldest, "shown": len(rows)}
        | bulk_context(bulk),
        status=status,
    )


@page
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """One action on the ticked issues; a failure shows the inbox again with the selection kept."""
    result = bulk_apply(request)
    if result.failed is not None:
        return _inbox_page(request, bulk=result.failed, status=400)
    messages.success(request, result.note)
    return redirect("inbox")
