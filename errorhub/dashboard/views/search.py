"""The search box's helpers: autocomplete JSON, saved searches, and the box's context."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from errorhub.accounts import selectors
from errorhub.dashboard.views.base import page
from errorhub.events.stores.base import EventStoreUnavailable
from errorhub.issues.saved_searches import saved_search_delete, saved_search_save, saved_searches_for_user
from errorhub.issues.search_suggest import suggest
from ingest.protocol.errors import ClientError
from ingest.protocol.search.keys import SEARCH_KEYS, SYNTAX
from ingest.protocol.search.query import MAX_QUERY_BYTES

MAX_CURSOR = MAX_QUERY_BYTES


def search_box_context(user: AbstractBaseUser) -> dict[str, Any]:
    """What ``dashboard/_search.html`` renders besides the form: help and saved searches."""
    return {
        "search_keys": SEARCH_KEYS,
        "search_syntax": SYNTAX,
        "saved_searches": list(saved_searches_for_user(user)),
    }


def query_error_context(text: str, position: int | None, message: str) -> dict[str, Any]:
    """The error under the box: the message, and the query split around the bad token."""
    error: dict[str, Any] = {"message": message, "position": position, "before": "", "bad": "", "after": ""}
    if position is not None and 0 <= position <= len(text):
        end = position
        while end < len(text) and not text[end].isspace():
            end += 1
        error.update(before=text[:position], bad=text[position:end] or " ", after=text[end:])
    return error


def _cursor(request: HttpRequest, text: str) -> int:
    raw = request.GET.get("cursor", "")
    if not raw:
        return len(text)
    if not raw.isascii() or not raw.isdigit() or len(raw) > 5:
        raise ClientError("cursor must be a character offset in the query")
    return min(int(raw), len(text))


@page
@require_GET
def search_suggest(request: HttpRequest) -> HttpResponse:
    """``GET ?query=…&cursor=N``: key or value suggestions for the token under the cursor,
    from the user's own projects only."""
    text = request.GET.get("query", "")
    try:
        if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
            raise ClientError(f"query too long (at most {MAX_QUERY_BYTES} bytes)")
        cursor = _cursor(request, text)
    except ClientError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    projects = list(selectors.projects_for_user(request.user))
    try:
        body = suggest(user=request.user, projects=projects, text=text, cursor=cursor)
    except EventStoreUnavailable as exc:
        return JsonResponse({"error": f"the event store is unavailable, try again shortly ({exc})"}, status=503)
    return JsonResponse(body)


def _issues_url(query: str) -> str:
    return reverse("issues") + ("?" + urlencode({"query": query}) if query else "")


@page
@require_POST
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """Saves the box's query under a name (same name: replaced) and shows its results."""
    query = request.POST.get("query", "")
    try:
        saved = saved_search_save(user=request.user, name=request.POST.get("name", ""), query=query)
    except ClientError as exc:
        messages.error(request, f"Could not save the search: {exc.message}")
        return redirect(_issues_url(query))
    messages.success(request, f"Saved the search “{saved.name}”.")
    return redirect(_issues_url(saved.query))


@page
@require_POST
def saved_search_remove(request: HttpRequest, saved_search_id: int) -> HttpResponse:
    """Deletes one of the user's own saved searches (anyone else's: 404)."""
    saved_search_delete(user=request.user, saved_search_id=saved_search_id)
    messages.success(request, "Deleted the saved search.")
    return redirect(_issues_url(request.POST.get("query", "")))
