"""The real sentry 0.49 with ureq (no Content-Type, float timestamps, panic integration) against a live ErrorHub: what a user sees afterwards."""

from __future__ import annotations

import pytest

from tests.live import sdk

pytestmark = pytest.mark.live
EXPECT = sdk.Expect(lang="rust", tag_lang="rust", chain=("InventoryError", "OrderError"), function="process_order", source_file="main.rs",
                    crash_type="panic", crash_function="crash_order")


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
