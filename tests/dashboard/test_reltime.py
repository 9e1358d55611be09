"""`{% reltime %}`: every moment reads relative, with the exact instant machine-readable for the reader's zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine
from django.template import Context, Template
from django.utils import timezone

from errorhub.dashboard.templatetags.ui import as_datetime, relative_phrase

NOW = dt.datetime(2026, 12, 3, 10, 40, 0, tzinfo=dt.UTC)


def render(value: object) -> str:
    return Template("{% load ui %}{% reltime value %}").render(Context({"value": value}))


@time_machine.travel(NOW, tick=False)
def test_model_datetime_renders_relative_with_exact_instant() -> None:
    html = render(NOW - dt.timedelta(minutes=3))
    assert html == (
        '<time class="rel" datetime="2026-12-03T10:37:00Z" data-tz="UTC" '
        'title="2026-12-03 10:37:00 UTC">3 min ago</time>'
    )


@time_machine.travel(NOW, tick=False)
def test_exact_instant_in_the_profile_timezone() -> None:
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        html = render(NOW)
    assert 'data-tz="Europe/Paris" title="2026-12-03 11:40:00 Europe/Paris"' in html
    assert 'datetime="2026-12-03T10:40:00Z"' in html


@time_machine.travel(NOW, tick=False)
def test_event_iso_string_with_microseconds_and_z() -> None:
    html = render("2026-12-03T10:33:45.087188Z")
    assert 'datetime="2026-12-03T10:33:45.087188Z"' in html
    assert ">6 min ago</time>" in html


@time_machine.travel(NOW, tick=False)
def test_epoch_seconds_from_breadcrumbs() -> None:
    assert ">2 h ago</time>" in render(NOW.timestamp() - 2 * 3600 - 5)


def test_missing_value_says_never_and_unreadable_is_kept_escaped() -> None:
    assert render(None) == '<span class="muted">never</span>'
    assert render("<b>yesterday</b>") == "&lt;b&gt;yesterday&lt;/b&gt;"


def test_phrases_pick_largest_unit_and_future() -> None:
    assert relative_phrase(NOW - dt.timedelta(seconds=10), NOW) == "just now"
    assert relative_phrase(NOW - dt.timedelta(days=9), NOW) == "1 w ago"
    assert relative_phrase(NOW + dt.timedelta(hours=5), NOW) == "in 5 h"
    assert relative_phrase(NOW - dt.timedelta(days=400), NOW) == "1 y ago"


def test_naive_datetimes_are_utc() -> None:
    assert as_datetime(dt.datetime(2026, 1, 1, 0, 0)) == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert as_datetime(True) is None
    assert as_datetime("not a time") is None
