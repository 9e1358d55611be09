"""The issues list: the search language plus filters, keyset-paged, with bulk triage of a selection."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from errorhub.accounts import selectors
from errorhub.dashboard import charts, forms, queries
from errorhub.dashboard.views.base import page
from errorhub.dashboard.views.bulk import BulkState, bulk_apply, bulk_context
from errorhub.events.stores.base import EventStoreUnavailable
from errorhub.issues import selectors as issue_selectors
from errorhub.issues.search import filter_issues
from ingest.protocol.errors import ClientError
from ingest.protocol.search.query import (
    AssignedTerm,
    FieldTerm,
    Query,
    QueryError,
    StateTerm,
    parse_query,
)

PAGE_SIZE = 50


def _filter_terms(data: dict[str, Any]) -> list[Any]:
    terms: list[Any] = []
    if data.get("environment"):
        terms.append(FieldTerm("environment", "eq", (data["environment"],)))
    if data.get("release"):
        terms.append(FieldTerm("release", "eq", (data["release"],)))
    if data.get("lifecycle"):
        terms.append(StateTerm((data["lifecycle"],)))
    if data.get("level"):
        terms.append(FieldTerm("level", "eq", (data["level"],)))
    if data.get("source"):
        terms.append(FieldTerm("source", "eq", (data["source"],)))
    who = (data.get("assignee") or "").strip()
    if who == "none":
        terms.append(StateTerm(("unassigned",)))
    elif who:
        terms.append(AssignedTerm((who,)))
    return terms


@page
@require_GET
def issue_list(request: HttpRequest) -> HttpResponse:
    return _issue_list_page(request, bulk=BulkState())


@page
@require_POST
def issue_list_bulk(request: HttpRequest) -> HttpResponse:
    """One action on the ticked issues. The bar posts to this URL with the list's own query string,
    so success returns to the same list and a failure renders it again, selection kept."""
    result = bulk_apply(request)
    if result.failed is not None:
        return _issue_list_page(request, bulk=result.failed, status=400)
    messages.success(request, result.note)
    query = request.GET.urlencode()
    return redirect(f"{reverse('issues')}?{query}" if query else reverse("issues"))


def _issue_list_page(request: HttpRequest, *, bulk: BulkState, status: int = 200) -> HttpResponse:
    """The list for the query in ``request.GET`` (also on a bulk POST, whose URL carries it)."""
    projects = list(selectors.projects_for_user(request.user).order_by("organization__slug", "slug"))
    form = forms.IssueFilterForm(request.GET or None, projects=projects, sorts=queries.SORTS)
    context: dict[str, Any] = {"form": form, "rows": [], "next_cursor": None, "query_error": None}
    context |= bulk_context(bulk)
    if request.GET and not form.is_valid():
        return render(request, "dashboard/issues.html", context, status=400)
    data = form.cleaned_data if request.GET else {}
    sort = data.get("sort") or "last_seen"
    try:
        query = parse_query(data.get("query") or "")
        query = Query(terms=query.terms + tuple(_filter_terms(data)))
        qs = issue_selectors.issues_for_user(request.user)
        if data.get("project"):
            qs = qs.filter(project_id=int(data["project"]))
        qs = filter_issues(qs, query, me=request.user, project_ids=[p.pk for p in projects])
        if data.get("cursor"):
            qs = queries.after_cursor(qs, sort, data["cursor"])
        issues = list(qs.order_by(f"-{sort}", "-pk")[: PAGE_SIZE + 1])
    except QueryError as exc:
        context["query_error"] = {"message": exc.message, "position": exc.position, "token": exc.token}
        return render(request, "dashboard/issues.html", context, status=400)
    except ClientError as exc:
        context["query_error"] = {"message": exc.message, "position": None, "token": ""}
        return render(request, "dashboard/issues.html", context, status=exc.status)
    except EventStoreUnavailable as exc:
        context["query_error"] = {
            "message": f"the event store is unavailable, try again shortly ({exc})",
            "position": None,
            "token": "",
        }
        return render(request, "dashboard/issues.html", context, status=503)
    more = len(issues) > PAGE_SIZE
    issues = issues[:PAGE_SIZE]
    sparks = queries.sparklines([i.pk for i in issues], now=timezone.now())
    context["rows"] = [{"issue": i, "spark": charts.sparkline(sparks.get(i.pk, []))} for i in issues]
    if more:
        params = request.GET.copy()
        params["cursor"] = queries.encode_cursor(issues[-1], sort)
        context["next_cursor"] = params.urlencode()
    return render(request, "dashboard/issues.html", context, status=status)
