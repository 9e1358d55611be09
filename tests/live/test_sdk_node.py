"""The real @sentry/node 11.x (auth in the query string, chunked body with no Content-Length, plus a session envelope) against a live ErrorHub: what a user sees afterwards."""

from __future__ import annotations

import pytest

from tests.live import sdk

pytestmark = pytest.mark.live
EXPECT = sdk.Expect(lang="node", tag_lang="javascript", chain=("TypeError", "Error"), function="processOrder", source_file="send_events.js",
                    crash_type="Error", crash_function="crashOrder")


@pytest.fixture(scope="module")
def sent(live_project) -> sdk.Sent:
    return sdk.send_all(EXPECT, live_project)


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


def test_session_envelope_aggregated(sent, django_db_blocker):
    """Node sends a session per run: an errored one (normal run), a crashed one (crash run)."""
    from ingest.models import SessionAggregate

    def totals() -> dict[str, int] | None:
        with django_db_blocker.unblock():
            rows = SessionAggregate.objects.filter(project_id=sent.project.project_id,
                                                   release="errorhub-test@1.0.0-node", environment="ci")
            sums = {f: sum(getattr(r, f) for r in rows) for f in ("healthy", "errored", "crashed", "abnormal")}
        return sums if sums["errored"] >= 1 and sums["crashed"] >= 1 else None

    sums = sdk.wait_for(totals, 30, "an errored and a crashed Node session")
    assert sums["abnormal"] == 0, sums
