"""The issue page: one event with its neighbours, charts, tags, activity; and the lifecycle
actions posted from it (each form parsed into one typed action for ``issue_apply_action``)."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from errorhub.dashboard import charts, forms, presenters, queries
from errorhub.dashboard.views.base import page
from errorhub.events.stores import get_event_store
from errorhub.issues import selectors as issue_selectors
from errorhub.issues.actions import (
    Acknowledge,
    ActionResult,
    AddComment,
    Assign,
    IssueAction,
    Merge,
    Reopen,
    Resolve,
    Snooze,
)
from errorhub.issues.models import Issue
from errorhub.issues.services import LifecycleError, issue_apply_action
from ingest.feedback import feedback_for_issue
from ingest.protocol.errors import ClientError


def _event_and_neighbours(issue: Issue, event_id: str | None) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """The event shown (``event_id``, or the latest) and the ids of the older and newer ones.
    For the latest event one page of two answers all three: nothing is newer, the second is older."""
    store = get_event_store()
    if event_id is not None:
        event = _event_in_issue(issue, event_id)
        return (event, *store.neighbours(issue.pk, event["event_id"]))
    latest = store.list_for_issue(issue.pk, limit=2).events
    if not latest:
        return None, None, None
    return latest[0], latest[1]["event_id"] if len(latest) > 1 else None, None


def _event_in_issue(issue: Issue, event_id: str) -> dict[str, Any]:
    event = get_event_store().get(issue.project_id, event_id)
    if event is None or int(event.get("issue_id") or 0) != issue.pk:
        raise Http404("no such event in this issue")
    return event


def _issue_page(
    request: HttpRequest,
    issue: Issue,
    event_id: str | None = None,
    *,
    status: int = 200,
    errors: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page; after a failed action (``errors``) its form comes back bound, its menu or dialog
    open (``open_slot``) and the message shown, with ``status`` 400."""
    event, older, newer = _event_and_neighbours(issue, event_id)
    h24, d30 = queries.issue_histograms(issue.pk, now=timezone.now())
    errors = errors or {}
    breakdowns = queries.tag_breakdowns(issue)
    return render(
        request,
        "dashboard/issue.html",
        {
            "issue": issue,
            "event": presenters.present(event) if event else None,
            "older": older,
            "newer": newer,
            "chart_24h": charts.bar_chart([(b.start, b.count) for b in h24], label_format="%H:%M"),
            "chart_30d": charts.bar_chart([(b.start, b.count) for b in d30], label_format="%d %b"),
            "breakdowns": breakdowns,
            "tag_bar": breakdowns.bar,
            "reopenable": issue.lifecycle in REOPENABLE,
            "activities": issue.activities.select_related("user")[:100],
            "comments": list(issue.comments.select_related("user")),
            "feedback": feedback_for_issue(issue)[:50],
            "attachments": queries.event_attachments(issue.project_id, event["event_id"]) if event else [],
            "assign_form": errors.get("assign") or forms.AssignForm(auto_id=_ids("assign")),
            "resolve_form": errors.get("resolve")
            or forms.ResolveForm(initial={"release": issue.last_release}, auto_id=_ids("resolve")),
            "snooze_form": errors.get("snooze") or forms.SnoozeForm(auto_id=_ids("snooze")),
            "merge_form": errors.get("merge") or forms.MergeForm(auto_id=_ids("merge")),
            "comment_form": errors.get("comment") or forms.CommentForm(auto_id=_ids("comment")),
            "action_error": errors.get("message"),
            # the menu or dialog to show open: the one whose form failed, or ?open=snooze (no JS)
            "open_slot": errors.get("slot") or _asked_open(request),
        },
        status=status,
    )


def _ids(slot: str) -> str:
    """Element ids per form: five forms on one page share field names (``reason``), not ids."""
    return f"{slot}-%s"


#: states Reopen applies to (a new, acknowledged or regressed issue is already open)
REOPENABLE = frozenset({"resolved", "fixed", "snoozed"})
#: the action bar's menus and dialog a link may ask to open (the snooze button without JS)
OPENABLE = frozenset({"assign", "resolve", "snooze", "merge"})


def _asked_open(request: HttpRequest) -> str | None:
    asked = request.GET.get("open")
    return asked if asked in OPENABLE else None


@page
@require_GET
def issue_detail(request: HttpRequest, issue_id: int) -> HttpResponse:
    return _issue_page(request, issue_selectors.issue_get_for_user(request.user, issue_id))


@page
@require_GET
def issue_event(request: HttpRequest, issue_id: int, event_id: str) -> HttpResponse:
    return _issue_page(request, issue_selectors.issue_get_for_user(request.user, issue_id), event_id)


@page
@require_GET
def issue_event_json(request: HttpRequest, issue_id: int, event_id: str) -> HttpResponse:
    issue = issue_selectors.issue_get_for_user(request.user, issue_id)
    event = _event_in_issue(issue, event_id)
    response = JsonResponse(event, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="event-{event["event_id"]}.json"'
    return response


#: each action's form and the slot on the page that shows it (with its errors)
ACTIONS: dict[str, tuple[type[django_forms.Form], str]] = {
    "acknowledge": (forms.AssignForm, "assign"),
    "assign": (forms.AssignForm, "assign"),
    "resolve": (forms.ResolveForm, "resolve"),
    "snooze": (forms.SnoozeForm, "snooze"),
    "merge": (forms.MergeForm, "merge"),
    "comment": (forms.CommentForm, "comment"),
}


@page
@require_POST
def issue_action(request: HttpRequest, issue_id: int, action: str) -> HttpResponse:
    issue = issue_selectors.issue_get_for_user(request.user, issue_id)
    if action == "reopen":
        issue_apply_action(issue, Reopen(), user=request.user)
        messages.success(request, "Reopened.")
        return redirect("issue", issue_id=issue.pk)
    if action not in ACTIONS:
        raise Http404("no such action")
    form_class, slot = ACTIONS[action]
    org_scope = {"organizations": [issue.project.organization]} if form_class is forms.AssignForm else {}
    form = form_class(request.POST, auto_id=_ids(slot), **org_scope)
    if not form.is_valid():
        return _issue_page(
            request, issue, status=400, errors={slot: form, "slot": slot, "message": "Please correct the form."}
        )
    try:
        parsed = _action_from_form(request, action, form.cleaned_data)
        result = issue_apply_action(issue, parsed, user=request.user)
    except ClientError as exc:
        return _issue_page(request, issue, status=400, errors={slot: form, "slot": slot, "message": str(exc)})
    messages.success(request, _done_note(parsed, result))
    return redirect("issue", issue_id=issue.pk)


def _action_from_form(request: HttpRequest, action: str, data: dict[str, Any]) -> IssueAction:
    """A valid form of the issue page as the action it asks for."""
    match action:
        case "acknowledge":
            return Acknowledge(assignee=data["assignee"], reason=data["reason"])
        case "assign":
            return Assign(assignee=data["assignee"])
        case "resolve":
            return Resolve(release=data["release"] or None, next_release=data["next_release"], reason=data["reason"])
        case "snooze":
            return Snooze(reason=data["reason"], until=data.get("until"), count=data.get("count"))
        case "merge":
            return Merge(others=(_visible_issue(request, data["other"]),))
    return AddComment(text=data["text"])


def _visible_issue(request: HttpRequest, issue_id: int) -> Issue:
    """An issue the user can see, for merging; another team's answers like a missing one."""
    try:
        return issue_selectors.issue_get_for_user(request.user, issue_id)
    except Http404:
        raise LifecycleError(f"there is no issue {issue_id} you can see") from None


def _done_note(action: IssueAction, result: ActionResult) -> str:
    """The confirmation shown after the redirect."""
    issue = result.issue
    match action:
        case Acknowledge():
            return f"Acknowledged; owner {issue.assignee.get_username()}."
        case Assign(assignee=assignee):
            return f"Assigned to {assignee.get_username()}." if assignee else "Unassigned."
        case Resolve():
            return f"Resolved in {issue.resolved_in_release}." if issue.resolved_in_release else "Resolved."
        case Snooze():
            return "Snoozed."
        case Merge():
            return f"Merged {', '.join(o.short_code for o in result.merged)} into this issue."
    return "Comment added."
