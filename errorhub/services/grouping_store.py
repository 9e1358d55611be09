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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from errorhub import metrics
from errorhub.bulk import bulk_insert
from errorhub.models import GroupHash, Issue, IssueHour, IssueUser, Lifecycle, Project, Release
from errorhub.releases import release_is_older
from errorhub.services.issues import issue_end_snooze, issue_regress
from ingest.grouping import compute_grouping
from ingest.models import IndexOutbox, SeenEvent
from ingest.search.mappings import SerializedDocument, document_from_event, dumps_document
from ingest.normalize import event_culprit, event_title
from ingest.stores import get_event_store
from ingest.stores.base import IndexedEvent

logger = logging.getLogger(__name__)


@dataclass
class IssueChange:
    """What happened to one issue in a batch; alert rules are evaluated on these."""

    issue_id: int
    events: int = 0
    new: bool = False
    regressed: bool = False
    snooze_ended: bool = False
    sample_event: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordResult:
    stored: int = 0
    duplicates: int = 0
    changes: dict[int, IssueChange] = field(default_factory=dict)


def issue_create_for_hash(*, project: Project, template: Issue | dict[str, Any], version: str) -> Issue:
    """A new issue with the next short id of its project."""
    Project.objects.filter(pk=project.pk).update(next_short_id=F("next_short_id") + 1)
    short_id = Project.objects.values_list("next_short_id", flat=True).get(pk=project.pk) - 1
    if isinstance(template, Issue):
        fields = {k: getattr(template, k) for k in ("title", "culprit", "level", "platform", "source", "metadata",
                                                     "first_seen", "last_seen")}
    else:
        fields = template
    return Issue.objects.create(project=project, short_id=short_id, grouping_version=version, **fields)


def _issue_fields(event: dict[str, Any], when: datetime) -> dict[str, Any]:
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


def _claim_new(project_id: int, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert (project, event_id) claims; return only the events this call claimed."""
    unique: dict[str, dict[str, Any]] = {}
    for ev in events:
        unique.setdefault(ev["event_id"], ev)
    SeenEvent.objects.bulk_create(
        [SeenEvent(project_id=project_id, event_id=eid, issue_id=None, received_at=timezone.now())
         for eid in unique], ignore_conflicts=True)
    # rows still without an issue and not claimed earlier are ours: mark them atomically
    SeenEvent.objects.filter(project_id=project_id, event_id__in=list(unique), issue_id__isnull=True).update(
        issue_id=-1)
    mine = set(SeenEvent.objects.filter(project_id=project_id, event_id__in=list(unique), issue_id=-1)
               .values_list("event_id", flat=True))
    return [ev for eid, ev in unique.items() if eid in mine]


def _known_issues(project: Project, hashes: set[str]) -> dict[str, Issue]:
    """Issues already behind these fingerprints: one query for the whole batch."""
    rows = GroupHash.objects.select_related("issue").filter(project=project, hash__in=list(hashes))
    return {row.hash: row.issue for row in rows}


def _resolve_issue(project: Project, event: dict[str, Any], grouping: Any, known: dict[str, Issue],
                   when: datetime) -> tuple[Issue, bool]:
    if grouping.hash in known:
        return known[grouping.hash], False
    try:
        with transaction.atomic():
            issue = issue_create_for_hash(project=project, template=_issue_fields(event, when),
                                          version=grouping.version)
            GroupHash.objects.create(project=project, hash=grouping.hash, version=grouping.version, issue=issue,
                                     components=list(grouping.components)[:50])
    except IntegrityError:  # another worker created this fingerprint first
        issue = GroupHash.objects.select_related("issue").get(project=project, hash=grouping.hash).issue
        known[grouping.hash] = issue
        return issue, False
    known[grouping.hash] = issue
    return issue, True


def _release_order(project: Project, releases: set[str], when: datetime) -> dict[str, datetime]:
    Release.objects.bulk_create([Release(project=project, version=r, first_seen=when) for r in releases if r],
                                ignore_conflicts=True)
    return dict(Release.objects.filter(project=project).values_list("version", "first_seen"))


def _should_regress(issue: Issue, release: str, order: dict[str, datetime]) -> bool:
    if issue.lifecycle not in (Lifecycle.RESOLVED, Lifecycle.FIXED):
        return False
    floor = issue.resolved_in_release
    if not floor or not release:
        return True
    if issue.resolved_in_next_release:  # regress only in a release newer than the latest at resolve time
        return release != floor and not release_is_older(release, floor, order)
    return not release_is_older(release, floor, order)


def _user_hash(event: dict[str, Any]) -> str | None:
    user = event.get("user") or {}
    ident = user.get("id") or user.get("email") or user.get("username") or user.get("ip_address")
    return hashlib.sha1(str(ident).encode()).hexdigest() if ident else None


def issue_hours_add(*, issue_id: int, counts: dict[datetime, int]) -> None:
    """Add event counts to an issue's hourly rows (insert-or-increment)."""
    IssueHour.objects.bulk_create([IssueHour(issue_id=issue_id, hour=h, count=0) for h in counts],
                                  ignore_conflicts=True)
    for hour, n in counts.items():
        IssueHour.objects.filter(issue_id=issue_id, hour=hour).update(count=F("count") + n)


def _hours(stamps: list[datetime]) -> dict[datetime, int]:
    counts: dict[datetime, int] = defaultdict(int)
    for stamp in stamps:
        counts[stamp.replace(minute=0, second=0, microsecond=0)] += 1
    return counts


def _apply(issue: Issue, events: list[dict[str, Any]], change: IssueChange, order: dict[str, datetime]) -> None:
    stamps = [parse_datetime(e["timestamp"]) for e in events]
    issue_hours_add(issue_id=issue.pk, counts=_hours(stamps))
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
    if issue.lifecycle == Lifecycle.SNOOZED and issue.snooze_until_count and issue.times_seen >= issue.snooze_until_count:
        issue_end_snooze(issue=issue, why="count")
        change.snooze_ended = True
    hashes = {h for h in map(_user_hash, events) if h}
    if hashes:
        issue.users_seen += _users_add(issue.pk, hashes)
    issue.save()


def _users_add(issue_id: int, hashes: set[str]) -> int:
    """Record the issue's distinct users; return how many were new.

    Counting only the new rows (``RETURNING``) instead of re-counting the
    issue's users keeps a storm on a popular issue from scanning all its users
    per batch; the caller holds the issue row lock, so the sum stays exact.
    """
    table = connection.ops.quote_name(IssueUser._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(hashes))
    params = [value for user_hash in sorted(hashes) for value in (issue_id, user_hash)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (issue_id, user_hash) VALUES {rows} "
                       "ON CONFLICT (issue_id, user_hash) DO NOTHING RETURNING 1", params)
        return len(cursor.fetchall())


def events_record(*, project: Project, events: Sequence[dict[str, Any]]) -> RecordResult:
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
        by_issue: dict[int, list[dict[str, Any]]] = defaultdict(list)
        started = metrics.clock()
        groupings = [compute_grouping(ev) for ev in fresh]
        known = _known_issues(project, {g.hash for g in groupings})
        for ev, grouping in zip(fresh, groupings):
            issue, created = _resolve_issue(project, ev, grouping, known, parse_datetime(ev["timestamp"]))
            by_issue[issue.pk].append(ev)
            change = result.changes.setdefault(issue.pk, IssueChange(issue_id=issue.pk, sample_event=ev))
            change.new = change.new or created
        metrics.grouping_observed(started)
        for issue_id, evs in sorted(by_issue.items()):  # one lock order: no deadlock between workers
            issue = Issue.objects.select_for_update().get(pk=issue_id)
            _apply(issue, evs, result.changes[issue_id], order)
            result.changes[issue_id].events = len(evs)
            SeenEvent.objects.filter(project_id=project.pk, event_id__in=[e["event_id"] for e in evs]).update(
                issue_id=issue_id)
        indexed = [IndexedEvent(project_id=project.pk, issue_id=iid, event=ev)
                   for iid, evs in by_issue.items() for ev in evs]
        started = metrics.clock()
        documents = _store(store, indexed)
        metrics.store_bulk_observed(type(store).__name__ if store.transactional else "outbox", started)
        result.stored = len(indexed)
    metrics.events_stored(fresh)
    if not store.transactional:
        _index_now(store, project.pk, documents)
    from alerts.services import evaluate_issue_changes

    evaluate_issue_changes(project=project, changes=result.changes)
    return result


def _schedule_indexing() -> None:
    """Queue one outbox drain, not one per batch: while a drain is scheduled and
    has not started, later batches ride along with it (the drain clears the
    flag when it starts). Beat also drains every few seconds, so a lost flag
    only delays indexing."""
    from django.core.cache import cache

    from ingest.tasks import index_pending

    if cache.add("errorhub:index-scheduled", 1, timeout=5):
        index_pending.apply_async()  # at once: an idle event is searchable within milliseconds


def _store(store: Any, indexed: list[IndexedEvent]) -> list[SerializedDocument]:
    """Store in the transaction: the SQL store directly, a search engine through
    the outbox (returns the documents, for ``_index_now`` after the commit)."""
    if store.transactional:
        store.index(indexed)
        return []
    documents = [(i, document_from_event(i.event, issue_id=i.issue_id)) for i in indexed]
    bulk_insert([IndexOutbox(project_id=i.project_id, issue_id=i.issue_id, event_id=i.event["event_id"],
                             document=doc) for i, doc in documents])
    return [SerializedDocument(i.project_id, i.event["event_id"], doc["timestamp"], dumps_document(doc))
            for i, doc in documents]


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
        _schedule_indexing()
        return
    metrics.store_bulk_observed("search", started)
    IndexOutbox.objects.filter(project_id=project_id, event_id__in=[d.event_id for d in documents]).delete()
