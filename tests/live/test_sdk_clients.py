"""The real Sentry SDKs of five languages against a live ErrorHub (gunicorn + a Celery
worker on PostgreSQL and Redis): what a user sees afterwards. Each SDK has its own wire habits:

- sentry-sdk 2.75 (brotli-compressed envelopes, X-Sentry-Auth header).
- @sentry/node 11.x (auth in the query string, chunked body with no Content-Length, plus a session envelope).
- sentry-go 0.46 (every %w level of the chain, only the outermost with frames; no mechanism on a crash).
- io.sentry 8.63 (gzip body, X-Sentry-Auth without spaces, message as {formatted}).
- sentry 0.49 with ureq (no Content-Type, float timestamps, panic integration).
"""

from __future__ import annotations

import pytest

from tests.live import sdk
from tests.live.conftest import make_live_project

pytestmark = pytest.mark.live
EXPECTS = {
    "python": sdk.Expect(
        lang="python",
        tag_lang="python",
        chain=("OutOfStockError", "OrderProcessingError"),
        function="process_order",
        source_file="send_events.py",
        crash_type="RuntimeError",
        crash_function="crash_order",
        crash_level="error",
    ),
    "node": sdk.Expect(
        lang="node",
        tag_lang="javascript",
        chain=("TypeError", "Error"),
        function="processOrder",
        source_file="send_events.js",
        crash_type="Error",
        crash_function="crashOrder",
    ),
    "go": sdk.Expect(
        lang="go",
        tag_lang="go",
        chain=("*errors.errorString", "*fmt.wrapError", "*main.OrderError"),
        function="processOrder",
        source_file="main.go",
        crash_type="runtime.plainError",
        crash_function="crashOrder",
        crash_handled=None,
    ),
    "java": sdk.Expect(
        lang="java",
        tag_lang="java",
        chain=("Main$OutOfStockException", "Main$OrderProcessingException"),
        function="processOrder",
        source_file="Main.java",
        crash_type="IllegalStateException",
        crash_function="crashOrder",
    ),
    "rust": sdk.Expect(
        lang="rust",
        tag_lang="rust",
        chain=("InventoryError", "OrderError"),
        function="process_order",
        source_file="main.rs",
        crash_type="panic",
        crash_function="crash_order",
    ),
}


@pytest.fixture(scope="module", params=list(EXPECTS))
def sent(request: pytest.FixtureRequest, errorhub_server, django_db_blocker) -> sdk.Sent:
    """One project per SDK; the client runs once (normal, then crash mode) for all its tests."""
    project = make_live_project(f"test-sdk-{request.param}", errorhub_server, django_db_blocker)
    return sdk.send_all(EXPECTS[request.param], project)


def test_chained_exception_with_raising_frame(sent):
    sdk.assert_chained_exception(sent)


def test_app_frames_are_in_app(sent):
    sdk.assert_in_app(sent)


def test_release_environment_tags_user_breadcrumbs(sent):
    sdk.assert_common(sent)


def test_message_event_at_warning(sent):
    sdk.assert_message(sent)


def test_unhandled_crash(sent):
    sdk.assert_crash(sent)


def test_issues_list_shows_them(sent):
    sdk.assert_issues_listed(sent)


def test_nothing_dropped(sent, django_db_blocker):
    sdk.assert_nothing_dropped(sent, django_db_blocker)


@pytest.mark.parametrize("sent", ["node"], indirect=True)
def test_session_envelope_aggregated(sent, django_db_blocker):
    """Node sends a session per run: an errored one (normal run), a crashed one (crash run)."""
    from ingest.models import SessionAggregate

    def totals() -> dict[str, int] | None:
        with django_db_blocker.unblock():
            rows = SessionAggregate.objects.filter(
                project_id=sent.project.project_id, release="errorhub-test@1.0.0-node", environment="ci"
            )
            sums = {f: sum(getattr(r, f) for r in rows) for f in ("healthy", "errored", "crashed", "abnormal")}
        return sums if sums["errored"] >= 1 and sums["crashed"] >= 1 else None

    sums = sdk.wait_for(totals, 30, "an errored and a crashed Node session")
    assert sums["abnormal"] == 0, sums
