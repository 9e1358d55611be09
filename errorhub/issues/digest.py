"""Turn a batch of normalised events into issues: de-duplicate, group, count, store.

One SQL transaction per batch. Exactly-once holds because (project, event_id)
is claimed in ``SeenEvent`` before anything is counted: a redelivered payload
or an SDK retry claims nothing and changes nothing. Two workers creating the
same fingerprint race on the ``GroupHash`` unique constraint; the loser's
savepoint rolls back and it uses the winner's issue.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from errorhub import metrics
from errorhub.accounts.models import Project
from errorhub.bulk import bulk_insert, insert_rows
from errorhub.events.models import IndexOutbox, SeenEvent
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import IndexedEvent
from errorhub.events.tasks import schedule_indexing
from errorhub.issues.models import Deploy, GroupHash, Issue, IssueUser, Lifecycle, Release
from errorhub.issues.releases import release_is_older
from errorhub.issues.services import issue_create_for_hash, issue_end_snooze, issue_hours_add, issue_regress
from errorhub.issues.signals import issue_changes_recorded
from ingest.protocol.event import Event
from ingest.protocol.grouping import Grouping, compute_grouping, previous_grouping
from ingest.protocol.normalize import event_culprit, event_title
from ingest.protocol.search.mappings import SerializedDocument, document_from_event, dumps_document

logger = logging.getLogger(__name__)


@dataclass
class IssueChange:
    """What happened to one issue in a batch; alert rules are evaluated on these."""

    issue_id: int
    events: int = 0
    new: bool = False
    regressed: bool = False
    snooze_ended: bool = False
    sample_event: Event = field(default_factory=Event)


@dataclass
class RecordResult:
    stored: int = 0
    duplicates: int = 0
    changes: dict[int, IssueChange] = field(default_factory=dict)


def _issue_fields(event: Event, when: datetime) -> dict[str, Any]:
    outer = (event.get("exception") or [{}])[-1]
    return {
        "title": event_title(event)[:1024],
        "culprit": event_culprit(event)[:512],
        "level": event.get("level") or "error",
        "platform": (event.get("platform") or "")[:64],
        "source": (event.get("source") or "")[:128],
        "metadata": {"type": outer.get("type") or "", "value": (outer.get("value") or "")[:500]},
        "first_seen": when,
        "last_seen": when,
        "first_release": (event.get("release") or "")[:200],
        "last_release": (event.get("release") or "")[:200],
        "environment": (event.get("environment") or "")[:200],
    }


def _claim_new(project_id: int, events: Sequence[Event]) -> list[Event]:
    """Insert (project, event_id) claims; return only the events this call claimed.

    One statement: ``RETURNING`` lists the rows this insert wrote, so an id
    claimed before (committed) or by a concurrent batch (whose insert we wait
    for, then skip) is left out.
    """
    unique: dict[str, Event] = {}
    for ev in sorted(events, key=lambda e: e["event_id"]):  # one insert order: no deadlock between batches
        unique.setdefault(ev["event_id"], ev)
    received = connection.ops.adapt_datetimefield_value(timezone.now())
    mine = {
        event_id
        for (event_id,) in insert_rows(
            SeenEvent,
            ["project_id", "event_id", "received_at"],
            [(project_id, eid, received) for eid in unique],
            on_conflict="(project_id, event_id) DO NOTHING",
            returning="event_id",
        )
    }
    return [ev for eid, ev in unique.items() if eid in mine]


def _known_issues(project: Project, hashes: set[str]) -> dict[str, Issue]:
    """Issues already behind these fingerprints: one query for the whole batch."""
    rows = GroupHash.objects.select_related("issue").filter(project=project, hash__in=list(hashes))
    return {row.hash: row.issue for row in rows}


def _resolve_issue(
    project: Project,
    event: Event,
    grouping: Any,
    known: dict[str, Issue],
    when: datetime,
    legacy: Grouping | None = None,
) -> tuple[Issue, bool]:
    if grouping.hash in known:
        return known[grouping.hash], False
    if legacy is not None and legacy.hash in known:  # regrouped by a newer version: the issue keeps its events
        issue = _adopt_hash(project, known[legacy.hash], grouping)
        known[grouping.hash] = issue
        return issue, False
    try:
        with transaction.atomic():
            issue = issue_create_for_hash(
                project=project, template=_issue_fields(event, when), version=grouping.version
            )
            GroupHash.objects.create(
                project=project,
                hash=grouping.hash,
                version=grouping.version,
                issue=issue,
                components=list(grouping.components)[:50],
            )
    except IntegrityError:  # another worker created this fingerprint first
        issue = GroupHash.objects.select_related("issue").get(project=project, hash=grouping.hash).issue
        known[grouping.hash] = issue
        return issue, False
    known[grouping.hash] = issue
    return issue, True


def _adopt_hash(project: Project, issue: Issue, grouping: Grouping) -> Issue:
    """Point the new version's hash at the issue the previous version's hash names (the
    issue keeps its old hash too); if another worker attached it first, use its issue."""
    try:
        with transaction.atomic():
            GroupHash.objects.create(
                project=project,
                hash=grouping.hash,
                version=grouping.version,
                issue=issue,
                components=list(grouping.components)[:50],
            )
    except IntegrityError:
        return GroupHash.objects.select_related("issue").get(project=project, hash=grouping.hash).issue
    return issue


def _release_order(project: Project, releases: set[str], when: datetime) -> dict[str, datetime]:
    """Every release of the project with its first sighting, recording new ones.

    Inserts only releases not seen yet: an insert of a key another worker's open
    transaction has just inserted waits for that transaction to end.
    """
    order = dict(Release.objects.filter(project=project).values_list("version", "first_seen"))
    # sorted: two workers inserting the same new releases take their index locks in one order
    new = [Release(project=project, version=r, first_seen=when) for r in sorted(releases) if r and r not in order]
    if new:
        Release.objects.bulk_create(new, ignore_conflicts=True)
        order = dict(Release.objects.filter(project=project).values_list("version", "first_seen"))
    return order


def _should_regress(issue: Issue, release: str, order: dict[str, datetime]) -> bool:
    if issue.lifecycle not in (Lifecycle.RESOLVED, Lifecycle.FIXED):
        return False
    floor = issue.resolved_in_release
    if not floor or not release:
        return True
    if issue.resolved_in_next_release:  # regress only in a release newer than the latest at resolve time
        if _tracks_deploys(issue.project_id):  # ... and only once it is deployed: the deploy settles it
            return False
        return release != floor and not release_is_older(release, floor, order)
    return not release_is_older(release, floor, order)


def _tracks_deploys(project_id: int) -> bool:
    """A project that records deploys learns its next release from the deploy
    (``issues_settle_next_release``), not from the first event of a newer build."""
    return Deploy.objects.filter(release__project_id=project_id).exists()


def _user_hash(event: Event) -> str | None:
    user = event.get("user") or {}
    ident = user.get("id") or user.get("email") or user.get("username") or user.get("ip_address")
    return hashlib.sha1(str(ident).encode()).hexdigest() if ident else None


def _hours(issue_id: int, stamps: list[datetime]) -> dict[tuple[int, datetime], int]:
    counts: dict[tuple[int, datetime], int] = defaultdict(int)
    for stamp in stamps:
        counts[(issue_id, stamp.replace(minute=0, second=0, microsecond=0))] += 1
    return counts


def _apply(issue: Issue, events: list[Event], change: IssueChange, order: dict[str, datetime]) -> list[datetime]:
    """Count a batch's events into the (locked) issue, in memory (``_apply_all`` writes);
    return the events' timestamps."""
    stamps = [parse_datetime(e["timestamp"]) for e in events]
    issue.times_seen += len(events)
    issue.first_seen = min([issue.first_seen, *stamps])
    newest = max(stamps)
    if newest >= issue.last_seen:
        issue.last_seen = newest
        latest = events[stamps.index(newest)]
        issue.last_release = (latest.get("release") or issue.last_release)[:200]
    for ev in events:
        if _should_regress(issue, ev.get("release") or "", order):
            issue_regress(issue=issue, release=ev.get("release") or "")
            change.regressed = True
    if (
        issue.lifecycle == Lifecycle.SNOOZED
        and issue.snooze_until_count
        and issue.times_seen >= issue.snooze_until_count
    ):
        issue_end_snooze(issue=issue, why="count")
        change.snooze_ended = True
    return stamps


def _apply_all(
    project: Project, by_issue: dict[int, list[Event]], changes: dict[int, IssueChange], order: dict[str, datetime]
) -> None:
    """Lock, count and save every issue of the batch with one statement per table,
    not several per issue: the round trips were most of the database's work."""
    # ordered by id: every worker takes the row locks in one order, so none deadlocks
    issues = {i.pk: i for i in Issue.objects.select_for_update().filter(pk__in=list(by_issue)).order_by("pk")}
    if len(issues) != len(by_issue):  # deleted since grouping read it: fail the batch, its retry regroups
        raise Issue.DoesNotExist(f"issue(s) {sorted(set(by_issue) - set(issues))} deleted while grouping")
    hours: dict[tuple[int, datetime], int] = {}
    users: dict[int, set[str]] = {}
    for issue_id, issue in issues.items():
        events = by_issue[issue_id]
        hours.update(_hours(issue_id, _apply(issue, events, changes[issue_id], order)))
        changes[issue_id].events = len(events)
        users[issue_id] = {h for h in map(_user_hash, events) if h}
    issue_hours_add(counts=hours)
    for issue_id, new_users in _users_add(users).items():
        issues[issue_id].users_seen += new_users
        issue = issues[issue_id]
        if (
            issue.lifecycle == Lifecycle.SNOOZED
            and issue.snooze_until_users
            and issue.users_seen >= issue.snooze_until_users
        ):
            issue_end_snooze(issue=issue, why="users")
            changes[issue_id].snooze_ended = True
    for issue_id, issue in issues.items():  # (bulk_update took ~10 ms of Python per batch building CASE expressions)
        change = changes[issue_id]
        issue.save(update_fields=None if change.regressed or change.snooze_ended else _COUNTED_FIELDS)
    claimed = SeenEvent.objects.filter(
        project_id=project.pk, event_id__in=[e["event_id"] for evs in by_issue.values() for e in evs]
    )
    if len(by_issue) == 1:  # an idle event: no CASE to build
        claimed.update(issue_id=next(iter(by_issue)))
    else:
        claimed.update(
            issue_id=Case(
                *[
                    When(event_id__in=[e["event_id"] for e in evs], then=Value(issue_id))
                    for issue_id, evs in by_issue.items()
                ]
            )
        )


#: what ``_apply`` changes on an issue whose lifecycle stays (else the whole issue is saved)
_COUNTED_FIELDS = ["times_seen", "users_seen", "first_seen", "last_seen", "last_release"]


def _users_add(hashes: dict[int, set[str]]) -> dict[int, int]:
    """Record the issues' distinct users; return how many were new per issue.

    Counting only the new rows (``RETURNING``) instead of re-counting an
    issue's users keeps a storm on a popular issue from scanning all its users
    per batch; the caller holds the issues' row locks, so the sums stay exact.
    """
    added: dict[int, int] = defaultdict(int)
    for (issue_id,) in insert_rows(
        IssueUser,
        ["issue_id", "user_hash"],
        [(iid, h) for iid in sorted(hashes) for h in sorted(hashes[iid])],
        on_conflict="(issue_id, user_hash) DO NOTHING",
        returning="issue_id",
    ):
        added[issue_id] += 1
    return added


def events_record(*, project: Project, events: Sequence[Event]) -> RecordResult:
    """Group, count and store a batch of events of one project, exactly once each."""
    result = RecordResult()
    if not events:
        return result
    store = get_event_store()
    with transaction.atomic():
        fresh = _claim_new(project.pk, events)
        result.duplicates = len(events) - len(fresh)
        if not fresh:
            return result
        now = timezone.now()
        order = _release_order(project, {e.get("release") or "" for e in fresh}, now)
        by_issue: dict[int, list[Event]] = defaultdict(list)
        started = metrics.clock()
        groupings = [compute_grouping(ev) for ev in fresh]
        previous = [previous_grouping(ev, g) for ev, g in zip(fresh, groupings)]
        known = _known_issues(project, {g.hash for g in groupings} | {p.hash for p in previous if p})
        for ev, grouping, legacy in zip(fresh, groupings, previous):
            issue, created = _resolve_issue(project, ev, grouping, known, parse_datetime(ev["timestamp"]), legacy)
            by_issue[issue.pk].append(ev)
            change = result.changes.setdefault(issue.pk, IssueChange(issue_id=issue.pk, sample_event=ev))
            change.new = change.new or created
        metrics.grouping_observed(started)
        indexed = [
            IndexedEvent(project_id=project.pk, issue_id=iid, event=ev) for iid, evs in by_issue.items() for ev in evs
        ]
        started = metrics.clock()
        documents = _store(store, indexed)
        metrics.store_bulk_observed(type(store).__name__ if store.transactional else "outbox", started)
        result.stored = len(indexed)
        # last: the issue row locks are held from here to the commit, and another
        # worker's batch on the same issues waits for them
        _apply_all(project, by_issue, result.changes, order)
        # in the batch's transaction: alert rules record their deliveries with the events, so a
        # worker killed after the commit cannot lose an alert (its redelivered events are claimed
        # already and would never signal again); the sends are queued once this commits
        issue_changes_recorded.send(sender=Issue, project=project, changes=result.changes)
    metrics.events_stored(fresh)
    if not store.transactional:
        _index_now(store, project.pk, documents)
    return result


def _store(store: Any, indexed: list[IndexedEvent]) -> list[SerializedDocument]:
    """Store in the transaction: the SQL store directly, a search engine through
    the outbox (returns the documents, for ``_index_now`` after the commit)."""
    if store.transactional:
        store.index(indexed)
        return []
    rows, documents = [], []
    for item in indexed:
        doc = document_from_event(item.event, issue_id=item.issue_id)
        source = dumps_document(doc)  # written once: for the outbox row and for the engine
        rows.append(IndexOutbox.of(project_id=item.project_id, issue_id=item.issue_id, document=doc, source=source))
        documents.append(SerializedDocument(item.project_id, item.event["event_id"], doc["timestamp"], source))
    bulk_insert(rows)
    return documents


def _index_now(store: Any, project_id: int, documents: list[SerializedDocument]) -> None:
    """Index a committed batch at once and clear its outbox rows.

    The outbox rows are the guarantee, this is the fast path: no task hop and no
    reading the documents back. If the engine fails or refuses anything, the
    rows stay and the outbox drain retries them (and sets refused ones aside);
    indexing twice is harmless (same ``_id``).
    """
    started = metrics.clock()
    try:
        store.index_serialized(documents)
    except Exception as exc:  # unavailable, rejected, or any engine error: the drain takes over
        logger.warning("indexing %d events at once failed, the outbox drain will retry: %s", len(documents), exc)
        schedule_indexing()
        return
    metrics.store_bulk_observed("search", started)
    IndexOutbox.objects.filter(project_id=project_id, event_id__in=[d.event_id for d in documents]).delete()
