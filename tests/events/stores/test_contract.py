"""The ``EventStore`` contract: one suite, every backend (see conftest.BACKENDS).

Events are real-shaped: Python SDK payloads normalised by ``normalize_sentry_event``.
Timestamps are distinct so "newest first" has one right answer on every backend.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from errorhub.accounts.models import Project
from errorhub.events.stores.base import EventStore, IndexedEvent
from ingest.protocol.search.query import parse_query
from tests.events.stores.conftest import NOW, make_issue, refresh, sdk_event
from tests.factories import ProjectFactory


def put(store: EventStore, project: Project, issue_id: int, *events: dict) -> None:
    store.index([IndexedEvent(project_id=project.pk, issue_id=issue_id, event=e) for e in events])
    refresh(store)


def ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["event_id"] for e in page.events]


def eid(n: int) -> str:
    return f"{n:032x}"


def counted(store: EventStore, deleted: int, events: int) -> bool:
    """Every backend reports the number of *events* deleted."""
    return deleted == events


def test_get_returns_the_whole_event_and_its_issue(store: EventStore, project: Project) -> None:
    issue = make_issue(project)
    put(store, project, issue.pk, sdk_event(1, project))
    got = store.get(project.pk, eid(1))
    assert got is not None
    assert got["issue_id"] == issue.pk
    assert got["exception"][0]["stacktrace"]["frames"][1]["function"] == "process_payment"
    assert store.get(project.pk, eid(2)) is None
    assert store.get(project.pk + 10_000, eid(1)) is None


def test_list_for_issue_pages_newest_first_with_an_opaque_cursor(store: EventStore, project: Project) -> None:
    issue, other = make_issue(project), make_issue(project, "KeyError")
    put(store, project, issue.pk, *(sdk_event(n, project) for n in range(1, 8)))
    put(store, project, other.pk, sdk_event(50, project))
    seen, cursor = [], None
    for _ in range(5):
        page = store.list_for_issue(issue.pk, cursor=cursor, limit=3)
        seen.append(ids(page))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [[eid(1), eid(2), eid(3)], [eid(4), eid(5), eid(6)], [eid(7)]]
    with pytest.raises(ValueError):
        store.list_for_issue(issue.pk, cursor="not-a-cursor")


SEARCHES = [
    ("", [1, 2, 3, 4, 5]),
    ("process_payment", [1, 2, 3, 4, 5]),
    ("payment", [1, 2, 3, 4, 5]),
    ("KeyError", [3]),
    ('"bad amount 2"', [2]),
    ("-KeyError", [1, 2, 4, 5]),
    (f"trace_id:{eid(4)}", [4]),
    ("browser:Firefox", [5]),
    ("tags[browser]:Chrome", [1, 2, 3, 4]),
    ("-browser:Chrome", [5]),
    ("browser:Fire*", [5]),
    ("has:canary", [2]),
    ("!has:canary", [1, 3, 4, 5]),
    ("level:warning", [4]),
    ("level:>=error", [1, 2, 3, 5]),
    ("release:shop@2.*", [5]),
    ("environment:staging", [3]),
    ("error.type:KeyError", [3]),
    ("error.type:[KeyError,TypeError]", [3]),
    ('error.value:"bad amount"', [1, 2, 4, 5]),
    ("stack.function:process_payment", [1, 2, 3, 4, 5]),
    ("stack.function:process_*", [1, 2, 3, 4, 5]),
    ("stack.filename:shop/views.py", [1, 2, 3, 4, 5]),
    ("user.id:7", [4]),
    ("server_name:web-2", [5]),
    ("platform:python", [1, 2, 3, 4, 5]),
    ("request.method:GET", [3]),
    ("error.handled:true", [3]),
    ("error.unhandled:true", [1, 2, 4, 5]),
    ("has:user -has:request", []),
    ("issue.id:{issue}", [1, 2, 3, 4]),
    ("timestamp:>2026-11-20T08:30:00Z", [1, 2, 3]),
    ("timestamp:<=2026-11-20T08:00:00Z timestamp:>=2026-11-20T07:00:00Z", [4, 5]),
    ("age:-150m", [1, 2]),
    ("transaction:/checkout KeyError", []),
    ("transaction:/cart KeyError", [3]),
]


def _search_fixture(store: EventStore, project: Project) -> tuple[int, int]:
    issue, other = make_issue(project), make_issue(project, "KeyError")
    put(
        store,
        project,
        issue.pk,
        sdk_event(1, project),
        sdk_event(2, project, tags={"browser": "Chrome", "region": "eu", "canary": "yes"}),
        sdk_event(
            3,
            project,
            environment="staging",
            transaction="/cart",
            request={"method": "GET", "url": "https://shop.example/cart"},
            exception={
                "values": [
                    {
                        "type": "KeyError",
                        "value": "'sku'",
                        "mechanism": {"handled": True},
                        "stacktrace": {
                            "frames": [
                                {"function": "handle_request", "filename": "shop/views.py"},
                                {"function": "process_payment", "filename": "shop/payments.py"},
                            ]
                        },
                    }
                ]
            },
        ),
        sdk_event(4, project, level="warning", user={"id": "7"}),
    )
    put(
        store,
        project,
        other.pk,
        sdk_event(5, project, release="shop@2.0.0", server_name="web-2", tags={"browser": "Firefox"}),
    )
    return issue.pk, other.pk


def test_one_search_language_on_every_backend(store: EventStore, project: Project) -> None:
    issue_id, _ = _search_fixture(store, project)
    elsewhere = ProjectFactory(slug=f"{project.slug}-x")
    put(store, elsewhere, make_issue(elsewhere).pk, sdk_event(6, elsewhere))
    wrong = []
    for text, expected in SEARCHES:
        query = parse_query(text.replace("{issue}", str(issue_id)), now=NOW)
        got = ids(store.search(query, [project.pk], limit=100))
        if got != [eid(n) for n in expected]:
            wrong.append(f"{text!r}: expected {expected}, got {[int(g, 16) for g in got]}")
    assert not wrong, "\n".join(wrong)


def test_search_window_projects_and_cursor(store: EventStore, project: Project) -> None:
    _search_fixture(store, project)
    query = parse_query("")
    assert ids(store.search(query, [])) == []
    window = store.search(query, [project.pk], start=NOW - timedelta(hours=4), end=NOW - timedelta(hours=1))
    assert ids(window) == [eid(2), eid(3), eid(4)]
    first = store.search(query, [project.pk], limit=2)
    second = store.search(query, [project.pk], cursor=first.next_cursor, limit=2)
    third = store.search(query, [project.pk], cursor=second.next_cursor, limit=2)
    assert (ids(first), ids(second), ids(third)) == ([eid(1), eid(2)], [eid(3), eid(4)], [eid(5)])
    assert third.next_cursor is None


def test_histogram_fills_empty_buckets(store: EventStore, project: Project) -> None:
    issue = make_issue(project)
    put(
        store,
        project,
        issue.pk,
        sdk_event(1, project, hours_ago=1.5),
        sdk_event(2, project, hours_ago=1.2),
        sdk_event(3, project, hours_ago=3.5),
    )
    buckets = store.histogram(project_ids=[project.pk], interval="1h", start=NOW - timedelta(hours=4), end=NOW)
    assert [(b.start, b.count) for b in buckets] == [
        (NOW - timedelta(hours=4), 1),
        (NOW - timedelta(hours=3), 0),
        (NOW - timedelta(hours=2), 2),
        (NOW - timedelta(hours=1), 0),
    ]
    by_issue = store.histogram(issue_id=issue.pk, interval="1d", start=NOW - timedelta(hours=12), end=NOW)
    assert [b.count for b in by_issue] == [3]


def test_top_tag_values(store: EventStore, project: Project) -> None:
    issue = make_issue(project)
    browsers = ["Chrome", "Firefox", "Chrome", "Safari", "Chrome", "Firefox"]
    put(store, project, issue.pk, *(sdk_event(n, project, tags={"browser": b}) for n, b in enumerate(browsers, 1)))
    assert store.top_tag_values(issue.pk, "browser") == [("Chrome", 3), ("Firefox", 2), ("Safari", 1)]
    assert store.top_tag_values(issue.pk, "browser", n=1) == [("Chrome", 3)]
    assert store.top_tag_values(issue.pk, "missing") == []


def test_delete_by_issue_then_by_project(store: EventStore, project: Project) -> None:
    issue, other = make_issue(project), make_issue(project, "KeyError")
    put(store, project, issue.pk, sdk_event(1, project), sdk_event(2, project))
    put(store, project, other.pk, sdk_event(3, project))
    assert counted(store, store.delete(issue_id=issue.pk), 2)
    refresh(store)
    assert ids(store.search(parse_query(""), [project.pk])) == [eid(3)]
    assert counted(store, store.delete(project_id=project.pk), 1)
    refresh(store)
    assert ids(store.search(parse_query(""), [project.pk])) == []
    with pytest.raises(ValueError):
        store.delete()


def test_retention_per_project(store: EventStore, project: Project) -> None:
    short = ProjectFactory(slug=f"{project.slug}-short", retention_days=7)
    keep, trim = make_issue(project), make_issue(short)
    put(store, project, keep.pk, sdk_event(1, project, hours_ago=24), sdk_event(2, project, hours_ago=24 * 100))
    put(
        store,
        short,
        trim.pk,
        sdk_event(3, short, hours_ago=25),
        sdk_event(4, short, hours_ago=24 * 10),
        sdk_event(5, short, hours_ago=24 * 100),
    )
    assert counted(store, store.apply_retention(NOW, {project.pk: 90, short.pk: 7}), 3)
    refresh(store)
    assert ids(store.search(parse_query(""), [project.pk, short.pk])) == [eid(1), eid(3)]


def test_move_issue_and_neighbours(store: EventStore, project: Project) -> None:
    old, new = make_issue(project), make_issue(project, "merged")
    put(store, project, old.pk, sdk_event(1, project), sdk_event(3, project))
    put(store, project, new.pk, sdk_event(2, project))
    store.move_issue(from_issue_id=old.pk, to_issue_id=new.pk)
    refresh(store)
    assert ids(store.list_for_issue(old.pk)) == []
    moved = store.list_for_issue(new.pk)
    assert ids(moved) == [eid(1), eid(2), eid(3)]
    assert {e["issue_id"] for e in moved.events} == {new.pk}
    assert store.neighbours(new.pk, eid(2)) == (eid(3), eid(1))
    assert store.neighbours(new.pk, eid(1)) == (eid(2), None)
    assert store.neighbours(new.pk, "f" * 32) == (None, None)


def test_the_same_event_twice_is_stored_once(store: EventStore, project: Project) -> None:
    issue = make_issue(project)
    put(store, project, issue.pk, sdk_event(1, project))
    try:
        with transaction.atomic():
            put(store, project, issue.pk, sdk_event(1, project))
    except IntegrityError:
        pass  # the SQL store refuses the copy (exactly-once is SeenEvent's job upstream)
    assert ids(store.search(parse_query(""), [project.pk])) == [eid(1)]


def test_ping(store: EventStore) -> None:
    store.ping()
