"""Issue #22: the issue page's order. The title, one action bar and the tag bar come before the stack
trace; then breadcrumbs, request, user, contexts, threads and the raw JSON link; then charts, the
full tag breakdowns, feedback and activity. No action form is open until asked for, and the stack
folds runs of library frames behind "show N more frames"."""

from __future__ import annotations

from typing import Any

import pytest

from errorhub.issues.models import Issue
from tests.dashboard.conftest import crash, record_event
from tests.factories import UserFeedbackFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # the page over the embedded default's SQL store too

LIBRARY = [
    {"filename": f"django/core/handlers/h{n}.py", "function": f"handler{n}", "lineno": n, "in_app": False}
    for n in range(1, 4)
]
APP = {
    "filename": "shop/views.py",
    "function": "checkout",
    "lineno": 42,
    "in_app": True,
    "context_line": "    basket = session['basket']",
}


def full_event() -> dict[str, Any]:
    """A crash carrying every part the page shows: breadcrumbs, request, user, contexts, threads."""
    return crash(
        exception={"values": [{"type": "KeyError", "value": "'basket'", "stacktrace": {"frames": [APP, *LIBRARY]}}]},
        breadcrumbs={"values": [{"category": "http", "message": "GET /basket", "timestamp": 1764700000}]},
        request={"method": "POST", "url": "https://shop.example/checkout?step=2", "headers": {"User-Agent": "curl/8"}},
        user={"id": "u-42", "email": "jane@example.com"},
        threads={"values": [{"id": 1, "name": "worker-1", "crashed": False, "stacktrace": {"frames": [APP]}}]},
    )


@pytest.fixture
def full_issue(world: Any) -> Issue:
    issue, event = record_event(world.project, **full_event())
    UserFeedbackFactory(issue=issue, event_id=event["event_id"], comments="It broke at the basket.")
    return issue


def positions(body: str, markers: list[str]) -> list[int]:
    found = [body.find(marker) for marker in markers]
    missing = [m for m, at in zip(markers, found, strict=True) if at < 0]
    assert not missing, f"not on the page: {missing}"
    return found


def test_title_bar_tags_and_trace_first_then_the_details_in_order(full_issue: Issue, world: Any, login: Any) -> None:
    body = login(world.member).get(f"/issues/{full_issue.pk}/").content.decode()
    order = [
        'class="issue-title"',
        'id="actions"',
        'id="tag-bar"',
        'id="trace"',
        'class="frame in-app" open',
        'id="breadcrumbs"',
        'id="request"',
        'id="user"',
        'id="contexts"',
        'id="threads"',
        'id="raw-json"',
        'id="charts"',
        'id="tags"',
        'id="feedback"',
        'id="activity"',
    ]
    at = positions(body, order)
    assert at == sorted(at), [m for m, _ in sorted(zip(order, at, strict=True), key=lambda p: p[1])]
    assert "It broke at the basket." in body


def test_no_action_form_is_open_until_asked(full_issue: Issue, world: Any, login: Any) -> None:
    client = login(world.member)
    body = client.get(f"/issues/{full_issue.pk}/").content.decode()
    assert body.count('class="action-bar"') == 1
    assert '<details class="menu" id="menu-assign">' in body
    assert '<details class="menu" id="menu-resolve">' in body
    assert '<details class="menu" id="menu-more">' in body
    assert '<dialog id="snooze" aria-labelledby="snooze-title">' in body
    assert 'href="?open=snooze#snooze"' in body, "without JS the Snooze button reloads with the dialog open"
    asked = client.get(f"/issues/{full_issue.pk}/", {"open": "snooze"}).content.decode()
    assert '<dialog id="snooze" aria-labelledby="snooze-title" open data-reopen>' in asked
    ignored = client.get(f"/issues/{full_issue.pk}/", {"open": "<script>"}).content.decode()
    assert " open" not in ignored[ignored.index('id="actions"') : ignored.index('id="tag-bar"')]


@pytest.mark.parametrize(
    ("lifecycle", "reopen"),
    [("new", False), ("acknowledged", False), ("regressed", False), ("resolved", True), ("snoozed", True)],
)
def test_reopen_only_where_it_applies(full_issue: Issue, world: Any, login: Any, lifecycle: str, reopen: bool) -> None:
    Issue.objects.filter(pk=full_issue.pk).update(lifecycle=lifecycle)
    body = login(world.member).get(f"/issues/{full_issue.pk}/").content.decode()
    assert (f'action="/issues/{full_issue.pk}/reopen/"' in body) is reopen
    assert body.count(f'action="/issues/{full_issue.pk}/merge/"') == 1, "merge stays in the More menu"


def test_library_frames_fold_behind_show_n_more(full_issue: Issue, world: Any, login: Any) -> None:
    body = login(world.member).get(f"/issues/{full_issue.pk}/").content.decode()
    trace = body[body.index('id="trace"') : body.index('id="breadcrumbs"')]
    assert "Show 3 more frames" in trace
    assert trace.index("Show 3 more frames") < trace.index("handler3") < trace.index('class="frame in-app" open')


def test_a_failed_snooze_reopens_its_dialog_with_what_was_typed(full_issue: Issue, world: Any, login: Any) -> None:
    response = login(world.member).post(f"/issues/{full_issue.pk}/snooze/", {"reason": "vendor outage"})
    assert response.status_code == 400
    body = response.content.decode()
    dialog = body[body.index('<dialog id="snooze"') : body.index("</dialog>")]
    assert " open data-reopen" in dialog
    assert "a snooze needs an end" in dialog
    assert 'value="vendor outage"' in dialog


def test_a_failed_merge_opens_the_more_menu_with_the_typed_id(
    full_issue: Issue, other_issue: Issue, world: Any, login: Any
) -> None:
    response = login(world.member).post(f"/issues/{full_issue.pk}/merge/", {"other": other_issue.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert '<details class="menu" id="menu-more" open>' in body
    assert (
        f'value="{other_issue.pk}"'
        in body[body.index('id="menu-more"') : body.index("</details>", body.index('id="menu-more"'))]
    )
    assert "you can see" in body[body.index('id="action-error"') :]


def test_a_failed_acknowledge_opens_its_menu_with_the_typed_name(full_issue: Issue, world: Any, login: Any) -> None:
    response = login(world.member).post(f"/issues/{full_issue.pk}/acknowledge/", {"assignee": "nobody-here"})
    assert response.status_code == 400
    body = response.content.decode()
    menu = body[body.index('id="menu-assign"') : body.index("</details>", body.index('id="menu-assign"'))]
    assert menu.startswith('id="menu-assign" open>')
    assert 'value="nobody-here"' in menu and "no user called" in menu
