"""Bulk triage, shared by the inbox and the issue list: one form, one service, one bar.

A page posts its bulk bar to its own ``…/bulk/`` URL; this module validates the selection and the
typed values and applies one action to every selected issue (all or none). On success the page
redirects back to itself; on failure it renders itself again with a ``BulkState`` — the same
issues ticked, the same action, assignee, reason and hours typed, and the error next to the bar —
so a mistyped name costs one correction, not the whole selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone

from errorhub.dashboard import forms
from errorhub.dashboard.services import issues_bulk_apply
from errorhub.issues import selectors as issue_selectors
from errorhub.issues.actions import Acknowledge, Assign, IssueAction, Resolve, Snooze
from ingest.protocol.errors import ClientError

TYPED_FIELDS = ("action", "assignee", "reason", "hours")


@dataclass(frozen=True)
class BulkState:
    """What the bulk bar shows: the ticked issues, the typed values, the error beside the bar."""

    selected: frozenset[int] = frozenset()
    values: dict[str, str] = field(default_factory=dict)
    error: str = ""

    @classmethod
    def from_post(cls, post: QueryDict, error: str) -> BulkState:
        """The posted selection and values as they were typed (not as cleaned), to show them again."""
        selected = frozenset(int(v) for v in post.getlist("issues") if v.isdigit() and len(v) < 19)
        return cls(selected=selected, values={k: post.get(k, "") for k in TYPED_FIELDS}, error=error)


@dataclass(frozen=True)
class BulkResult:
    """A done bulk action's note, or the state to render the page again with."""

    note: str = ""
    failed: BulkState | None = None


def bulk_context(state: BulkState) -> dict[str, Any]:
    """The template variables ``_bulk_bar.html`` and ``_issue_row.html`` read."""
    return {"bulk": state, "bulk_actions": forms.BULK_ACTIONS}


def bulk_apply(request: HttpRequest) -> BulkResult:
    """Apply the posted bulk action to the posted issues the user can see.

    An id the user cannot see answers 404 like a missing issue (never a hint that it exists);
    a form error or an action the lifecycle refuses comes back as ``failed`` and changes nothing.
    """
    posted = [int(v) for v in request.POST.getlist("issues") if v.isdigit() and len(v) < 19]
    visible = {i.pk: i for i in issue_selectors.issues_for_user(request.user).filter(pk__in=posted)}
    if len(visible) != len(set(posted)):
        raise Http404("no such issue")
    organizations = list({i.project.organization for i in visible.values()})
    form = forms.BulkForm(request.POST, issue_ids=list(visible), organizations=organizations)
    if not form.is_valid():
        return BulkResult(failed=BulkState.from_post(request.POST, _form_errors(form)))
    data = form.cleaned_data
    try:
        done = issues_bulk_apply(issues=[visible[pk] for pk in data["issues"]], action=_action(data), user=request.user)
    except ClientError as exc:
        return BulkResult(failed=BulkState.from_post(request.POST, f"Nothing changed: {exc.message}"))
    return BulkResult(note=f"{dict(forms.BULK_ACTIONS)[data['action']]}: {done} issue(s).")


def _form_errors(form: forms.BulkForm) -> str:
    """Every error of the form in one line: the non-field ones, then "Field: error"."""
    parts = [str(e) for e in form.non_field_errors()]
    parts += [f"{form[name].label}: {e}" for name, errors in form.errors.items() if name != "__all__" for e in errors]
    return " ".join(parts)


def _action(data: dict[str, Any]) -> IssueAction:
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
