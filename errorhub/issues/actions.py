"""What a user can do to an issue, as one typed action each.

The API, the dashboard and Slack each parse their own input (JSON, a form, a button) into
one of these, hand it to ``errorhub.issues.services.issue_apply_action`` and render the
``ActionResult``. The rules and the messages of a refused action live in the service, so
all three doors say the same thing; only how the input is spelled differs between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from errorhub.accounts import selectors
from errorhub.accounts.models import Organization
from errorhub.issues.models import Comment, Issue
from ingest.protocol.errors import ClientError


@dataclass(frozen=True)
class Acknowledge:
    """Give the issue an owner: ``assignee``, or the acting user when None."""

    assignee: AbstractBaseUser | None = None
    reason: str = ""


@dataclass(frozen=True)
class Assign:
    """Change the owner; None unassigns."""

    assignee: AbstractBaseUser | None


@dataclass(frozen=True)
class Resolve:
    """Resolve now, in ``release``, or in the next release after the latest one seen."""

    release: str | None = None
    next_release: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Reopen:
    """Back to new (or acknowledged, when it has an owner)."""


@dataclass(frozen=True)
class Snooze:
    """Snooze with a reason and an end: a time, a number of further events or users, or several."""

    reason: str
    until: datetime | None = None
    count: int | None = None
    users: int | None = None


@dataclass(frozen=True)
class Merge:
    """Merge ``others`` into the issue acted on (the survivor); the survivor itself among
    ``others`` is skipped."""

    others: tuple[Issue, ...]


@dataclass(frozen=True)
class Unmerge:
    """Split the fingerprint ``group_hash`` out into an issue of its own."""

    group_hash: str


@dataclass(frozen=True)
class AddComment:
    text: str


IssueAction = Acknowledge | Assign | Resolve | Reopen | Snooze | Merge | Unmerge | AddComment


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the issue acted on (reloaded), and what it made or took in."""

    issue: Issue
    new_issue: Issue | None = None  # Unmerge: the issue the fingerprint now belongs to
    comment: Comment | None = None  # AddComment
    merged: tuple[Issue, ...] = ()  # Merge: the issues merged into ``issue``


class UnknownMember(ClientError):
    """A user name or e-mail that names no member of the issue's organisation."""


def member_named(name: object, organizations: Iterable[Organization]) -> AbstractBaseUser | None:
    """The member of every one of ``organizations`` called ``name`` (username or e-mail); None for
    no name. An unknown name and another organisation's user get the same message, naming no one,
    in the API, the dashboard and Slack alike."""
    if name is None or name == "":
        return None
    if not isinstance(name, str):
        raise UnknownMember("a user is named by a username or e-mail string")
    name = name.strip()
    if not name:
        return None
    user = selectors.member_by_name(name, organizations)
    if user is None:
        raise UnknownMember(f"no user called '{name[:150]}' in this organisation")
    return user
