"""Issue #22: the issue page breaks an issue down by environment, release, server, browser, os,
runtime, device, url, handled and level, then its custom tags; each value links to the issue list
filtered by it; and the breakdown reads a bounded sample (the latest events), on both stores.

Events are real SDK payloads (``tests/fixtures/sdk_payloads``) grouped into one issue by fingerprint.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.dashboard import presenters, queries
from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue
from errorhub.issues.services import issue_merge
from ingest.processing import process_payload
from tests.dashboard.conftest import crash, record_event
from tests.events.stores.conftest import engine_configured, opensearch_url  # noqa: F401  (the node's fixture)
from tests.ingest.protocol.sdk_payloads import payload

FIXTURES = (
    "javascript_raven_promise.json",  # environment, release, browser, os, url, handled, a custom tag
    "node_raven_message_stacktrace.json",  # server_name
    "electron_main_auto_ip.json",  # runtime
    "react_native_ios_excerpt.json",  # device; custom tags, one ("sentry:release") no search can name
)


@pytest.fixture(params=[pytest.param("sql", marks=pytest.mark.sqlite), "opensearch"])
def backend(request: pytest.FixtureRequest, settings: Any, db: None) -> Iterator[str]:
    """The SQL store (the embedded default) and the real OpenSearch node."""
    if request.param == "sql":
        yield "sql"
        return
    with engine_configured(settings, "opensearch", request.getfixturevalue("opensearch_url")):
        yield "opensearch"


def record_fixture(project: Project, name: str, *, minutes_ago: int, **changes: Any) -> Issue:
    """One real payload, grouped into the "checkout" issue, stamped ``minutes_ago``."""
    body = {**payload(name), "fingerprint": ["checkout"], **changes}
    body["timestamp"] = (timezone.now() - timedelta(minutes=minutes_ago)).timestamp()
    return processed(project, body)


def processed(project: Project, body: dict[str, Any]) -> Issue:
    """``body`` as a queued store payload through the worker's entry point (which derives the
    browser, os, url ... tags, as in production); its issue."""
    queued = {
        "v": 1,
        "kind": "store",
        "project_id": project.pk,
        "event_id": uuid.uuid4().hex,
        "data": json.dumps(body),
        "b64": False,
        "received_at": time.time(),
        "client": "tests/1.0",
    }
    (issue_id,) = process_payload(queued).record.changes
    return Issue.objects.get(pk=issue_id)


def settled() -> None:
    get_event_store().refresh()


def checkout_issue(project: Project) -> Issue:
    for minutes, name in enumerate(FIXTURES, start=1):
        issue = record_fixture(project, name, minutes_ago=minutes)
    settled()
    return issue


def by_key(breakdowns: queries.TagBreakdowns) -> dict[str, dict[str, int]]:
    return {b.key: {v.value: v.count for v in b.values} for b in breakdowns.keys}


def test_the_key_tags_come_first_in_their_order_then_the_custom_tags(backend: str, world: Any) -> None:
    issue = checkout_issue(world.project)
    breakdowns = queries.tag_breakdowns(issue)
    keys = [b.key for b in breakdowns.keys]
    assert keys[:10] == list(queries.KEY_TAGS)
    assert {"git_commit", "mechanism", "react", "app.device"} <= set(keys[10:])
    assert not set(keys) & queries.REPEATS, "browser.name and the like only repeat a key tag"
    assert breakdowns.sampled == 4
    counts = by_key(breakdowns)
    assert counts["environment"] == {"development": 3}  # the React Native event's "environment" tag is no field
    assert counts["release"] == {"randomRelease": 2, "sentry-electron-test@2.0.2": 1}
    assert counts["server_name"] == {"Kamils-MacBook-Pro.local": 1}
    assert counts["browser"] == {"Chrome 64.0.3282.119": 1}
    assert counts["os"] == {"Mac OS X 10.12.6": 1, "Mac OS X 10.13.6": 1, "iOS 10.2.1": 1}
    assert counts["runtime"] == {"Electron 2.0.2": 1}
    assert counts["device"] == {"iPhone9,3": 1}
    assert counts["url"] == {"http://localhost:5001/": 1}
    assert counts["handled"] == {"no": 1}
    assert counts["level"] == {"error": 2, "fatal": 2}
    assert counts["git_commit"] == {"c0deb10c4": 2}
    server = next(b for b in breakdowns.keys if b.key == "server_name")
    assert server.label == "server" and server.top.pct == 100
    assert [b.key for b in breakdowns.bar] == list(queries.KEY_TAGS[: queries.TAG_BAR_KEYS])


def test_every_value_links_to_the_issue_list_filtered_by_it(backend: str, world: Any, login: Any) -> None:
    issue = checkout_issue(world.project)
    other, _ = record_event(world.project, **crash(level="warning"))  # Firefox, production, shop@1.2.0
    settled()
    client = login(world.member)
    links = {(b.key, v.value): v.link for b in queries.tag_breakdowns(issue).keys for v in b.values}
    unlinked = {pair for pair, link in links.items() if link is None}
    assert {key for key, _ in unlinked} <= {"sentry:release", "sentry:user"}, unlinked
    for (key, value), link in links.items():
        if link is None:
            continue
        assert link.startswith("/issues/?query=")
        response = client.get(link)
        assert response.status_code == 200, (key, value, response.content[:500])
        body = response.content.decode()
        assert f"/issues/{issue.pk}/" in body, (key, value, link)
        assert f"/issues/{other.pk}/" not in body, (key, value, link)


def test_a_link_keeps_quotes_spaces_and_brackets_literal(backend: str, world: Any, login: Any) -> None:
    awkward = 'say "hi" [a,b]: 50% \\ done'
    issue = record_fixture(world.project, "javascript_raven_promise.json", minutes_ago=1, tags={"note": awkward})
    near, _ = record_event(world.project, **crash(tags={"note": "say hi"}))
    settled()
    (value,) = next(b for b in queries.tag_breakdowns(issue).keys if b.key == "note").values
    assert value.value == awkward
    query = parse_qs(urlsplit(value.link).query)["query"]
    assert query == ['note:"say \\"hi\\" [a,b]: 50% \\\\ done"']
    body = login(world.member).get(value.link).content.decode()
    assert f"/issues/{issue.pk}/" in body and f"/issues/{near.pk}/" not in body


def test_the_breakdown_counts_only_the_latest_events(backend: str, world: Any) -> None:
    for minutes, browser in ((3, "Safari"), (2, "Firefox"), (1, "Chrome")):
        issue = record_fixture(world.project, "javascript_raven_promise.json", minutes_ago=minutes, tags={"b": browser})
    settled()
    sample = queries.tag_breakdowns(issue, sample=2)
    assert sample.sampled == 2
    assert by_key(sample)["b"] == {"Chrome": 1, "Firefox": 1}, "the oldest event is outside the sample"
    assert by_key(queries.tag_breakdowns(issue))["b"] == {"Chrome": 1, "Firefox": 1, "Safari": 1}


def test_events_removed_by_retention_leave_the_breakdown(backend: str, world: Any) -> None:
    old = record_fixture(world.project, "javascript_raven_promise.json", minutes_ago=3 * 24 * 60, tags={"b": "old"})
    record_fixture(world.project, "javascript_raven_promise.json", minutes_ago=1, tags={"b": "new"})
    settled()
    assert by_key(queries.tag_breakdowns(old))["b"] == {"new": 1, "old": 1}
    get_event_store().apply_retention(datetime.now(UTC), {world.project.pk: 1})
    settled()
    assert by_key(queries.tag_breakdowns(old))["b"] == {"new": 1}


def test_merged_events_move_with_their_issue(backend: str, world: Any) -> None:
    kept = record_fixture(world.project, "javascript_raven_promise.json", minutes_ago=2, tags={"b": "kept"})
    gone = record_fixture(
        world.project, "javascript_raven_promise.json", minutes_ago=1, tags={"b": "merged"}, fingerprint=["other"]
    )
    assert gone.pk != kept.pk
    settled()
    issue_merge(survivor=kept, others=[gone], user=world.member)
    settled()
    assert by_key(queries.tag_breakdowns(kept))["b"] == {"kept": 1, "merged": 1}
    assert queries.tag_breakdowns(gone).keys == []


@pytest.mark.parametrize(
    ("key", "search_key"),
    [
        ("environment", "environment"),
        ("server_name", "server_name"),
        ("level", "tags[level]"),  # level: is the issue's level, the tag each event's
        ("browser", "browser"),
        ("git_commit", "git_commit"),
        ("url", "tags[url]"),  # url: searches the whole request URL; the tag has no query string
        ("os.name", "tags[os.name]"),
        ("user", "tags[user]"),  # user: is user.id
        ("sentry:release", None),  # a key holding ":" cannot be named in a query
        ("two words", None),
    ],
)
def test_the_search_key_of_each_breakdown_key(key: str, search_key: str | None) -> None:
    assert presenters.tag_search_key(key) == search_key


def test_an_empty_value_has_no_link() -> None:
    assert presenters.tag_search_link("browser", " ") is None
    assert presenters.tag_search_link("browser", "Chrome 120") == "/issues/?query=browser%3A%22Chrome+120%22"


@pytest.mark.django_db
@pytest.mark.sqlite
def test_the_page_shows_the_tag_bar_and_every_breakdown_with_its_links(world: Any, login: Any) -> None:
    issue = checkout_issue(world.project)
    body = login(world.member).get(f"/issues/{issue.pk}/").content.decode()
    bar = body[body.index('id="tag-bar"') : body.index("</ul>", body.index('id="tag-bar"'))]
    assert "environment" in bar and "development" in bar and "100%" in bar
    assert 'href="/issues/?query=environment%3Adevelopment"' in bar
    tags = body[body.index('id="tags"') : body.index('id="activity"')]
    for key in ("environment", "release", "server", "browser", "os", "runtime", "device", "url", "handled", "level"):
        assert f'data-key="{key if key != "server" else "server_name"}"' in tags, key
    assert "Shares of the latest 4 events" in tags
    assert 'href="/issues/?query=tags%5Burl%5D%3A%22http%3A%2F%2Flocalhost%3A5001%2F%22"' in tags
