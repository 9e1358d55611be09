"""User feedback: what a user wrote about an error, kept and shown beside its issue.

Three doors bring it: the envelope ``user_report`` item (Sentry's legacy report,
``{event_id, name, email, comments}``), the ``feedback`` item (an event whose
``contexts.feedback`` holds ``{message, contact_email, name, associated_event_id,
url}``), and ``POST /api/0/projects/<org>/<project>/user-feedback/``. All three
are validated by their caller (``ingest.protocol.item_checks`` / the API serializer) and
recorded here with ``feedback_record``, which scrubs what the user wrote with
the project's rules like any event (a user pastes card numbers and tokens into
a feedback form as readily as an app logs them).

Feedback often arrives before its event (the SDK sends the report while the
event is still queued): it is linked to the issue when the event is already
known, and otherwise found by event id when the issue is read
(``feedback_for_issue``), so the order of arrival never loses the link.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from errorhub.accounts.models import Project
from errorhub.events.models import SeenEvent, UserFeedback
from errorhub.issues.models import Issue
from ingest.protocol.envelope import normalize_event_id
from ingest.protocol.errors import ClientError
from ingest.protocol.scrub import ScrubConfig, scrub_text
from ingest.protocol.text import storable


def _text(value: Any, limit: int, config: ScrubConfig) -> str:
    """Scrubbed, then cut to ``limit`` (not before: a cut secret could lose the part its rule
    knows it by), and storable (a NUL would fail the batch on PostgreSQL)."""
    return storable(scrub_text(str(value or "")[: limit * 2], config), limit)


def feedback_from_user_report(body: dict[str, Any]) -> dict[str, Any]:
    """``feedback_record`` arguments from a checked ``user_report`` item."""
    event_id = normalize_event_id(body["event_id"]) or ""
    return {
        "feedback_id": event_id or uuid.uuid4().hex,
        "event_id": event_id,
        "name": body.get("name"),
        "email": body.get("email"),
        "comments": body.get("comments"),
        "source": "user_report",
    }


def feedback_from_feedback_event(body: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    """``feedback_record`` arguments from a checked ``feedback`` item (its own id is the key)."""
    feedback = body["contexts"]["feedback"]
    associated = feedback.get("associated_event_id")
    return {
        "feedback_id": event_id or uuid.uuid4().hex,
        "event_id": (normalize_event_id(associated) or "") if associated else "",
        "name": feedback.get("name"),
        "email": feedback.get("contact_email"),
        "comments": feedback.get("message"),
        "url": feedback.get("url"),
        "source": "feedback",
    }


class FeedbackExists(ClientError):
    """Feedback for this event is already stored (Sentry answers 409: it is never replaced)."""

    def __init__(self, feedback_id: str) -> None:
        super().__init__(f"feedback for event {feedback_id} already exists", status=409)


@transaction.atomic
def feedback_record(
    *,
    project: Project,
    feedback_id: str,
    event_id: str,
    comments: Any,
    source: str,
    name: Any = None,
    email: Any = None,
    url: Any = None,
    replace: bool = True,
) -> UserFeedback:
    """Store (or, for the same ``feedback_id``, update) one piece of feedback.

    Linked to the issue of ``event_id`` when that event was already recorded. The text is
    scrubbed with the project's config; the e-mail follows its ``email`` rule. With
    ``replace=False`` (the API) existing feedback is kept and ``FeedbackExists`` raised:
    an API client must not overwrite what an end user wrote.
    """
    seen = (
        SeenEvent.objects.filter(project_id=project.pk, event_id=event_id).exclude(issue_id=None).first()
        if event_id
        else None
    )
    config = project.scrub_config()
    fields = {
        "event_id": event_id,
        "issue_id": seen.issue_id if seen else None,
        "name": _text(name, 200, config),
        "email": _text(email, 254, config),
        "comments": _text(comments, 10000, config),
        "url": _text(url, 1024, config),
        "source": source,
    }
    if replace:
        return UserFeedback.objects.update_or_create(project=project, feedback_id=feedback_id, defaults=fields)[0]
    try:
        with transaction.atomic():  # the unique (project, feedback_id) decides a race, not a prior read
            return UserFeedback.objects.create(project=project, feedback_id=feedback_id, **fields)
    except IntegrityError:
        raise FeedbackExists(feedback_id) from None


def feedback_for_issue(issue: Issue) -> QuerySet[UserFeedback]:
    """The issue's feedback, newest first: linked at write time, or naming one of its events."""
    event_ids = SeenEvent.objects.filter(project_id=issue.project_id, issue_id=issue.pk).values("event_id")
    return UserFeedback.objects.filter(
        Q(issue=issue) | Q(issue__isnull=True, event_id__in=event_ids), project_id=issue.project_id
    )


def feedback_for_project(project: Project) -> QuerySet[UserFeedback]:
    """All feedback of a project, newest first (the API's listing)."""
    return UserFeedback.objects.filter(project=project)
