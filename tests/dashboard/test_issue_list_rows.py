"""Issue rows on the inbox and the issue list: the sub-line names only the parts an issue has, and
the 24-hour sparkline spans its own column with one slot per hour."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.dashboard.charts import sparkline
from errorhub.issues.models import IssueHour
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def _sub_line(body: str, short_code: str) -> str:
    match = re.search(r'<div class="sub">(.*?)</div>', body[body.index(short_code) - 200 :], re.S)
    assert match, "the row has a sub-line"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_no_stray_separator_when_an_issue_has_no_culprit(login, world):
    issue, _ = record_event(world.project, level="warning", message="disk almost full")
    issue.culprit = ""
    issue.save(update_fields=["culprit"])
    for url in ("/", "/issues/"):
        sub = _sub_line(login(world.member).get(url).content.decode(), issue.short_code)
        assert sub.strip() == issue.short_code, (url, sub)


def test_culprit_follows_the_short_code_with_one_separator(login, world):
    issue, _ = record_event(world.project, **crash())
    assert issue.culprit, "the crash names where it happened"
    sub = _sub_line(login(world.member).get("/issues/").content.decode(), issue.short_code)
    assert sub.strip() == f"{issue.short_code} · {issue.culprit}"


def test_regressed_badge_is_separated_from_the_short_code(login, world):
    issue, _ = record_event(world.project, **crash())
    issue.culprit, issue.inbox_reason = "", "regressed"
    issue.save(update_fields=["culprit", "inbox_reason"])
    sub = _sub_line(login(world.member).get("/").content.decode(), issue.short_code)
    assert sub.strip() == f"{issue.short_code} · regressed"


def test_sparkline_draws_every_hour_and_puts_the_latest_on_the_right():
    counts = [0] * 23 + [5]
    svg = str(sparkline(counts))
    rects = re.findall(r'<rect class="(\w+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)
    assert len(rects) == 24, "one slot per hour, empty hours drawn as a track"
    assert [r[0] for r in rects] == ["zero"] * 23 + ["bar"]
    assert float(rects[-1][1]) > float(rects[0][1]), "the current hour is the right-most slot"
    assert float(rects[-1][4]) == 24.0, "the peak fills the height"
    assert 'viewBox="0 0 96 24"' in svg and 'preserveAspectRatio="none"' in svg
    assert "5 events in the last 24 hours" in svg


def test_sparkline_sits_in_its_column_under_its_header(login, world):
    issue, _ = record_event(world.project, **crash())
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    IssueHour.objects.update_or_create(issue=issue, hour=hour - timedelta(hours=3), defaults={"count": 7})
    body = login(world.member).get("/issues/").content.decode()
    headers = re.findall(r"<th[^>]*>(.*?)</th>", body)
    row = re.search(rf'<tr data-issue="{issue.pk}">(.*?)</tr>', body, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S)
    assert len(cells) == len(headers), "one cell per header"
    column = next(n for n, h in enumerate(headers) if "Last 24 h" in h)
    assert 'class="spark-cell"' in cells[column][0] and '<svg class="spark"' in cells[column][1]
    assert "events in the last 24 hours" in cells[column][1]


def test_issue_list_rows_have_a_checkbox_column_and_a_bulk_bar(login, world):
    issue, _ = record_event(world.project, **crash())
    body = login(world.member).get("/issues/", {"query": "is:inbox"}).content.decode()
    assert f'name="issues" value="{issue.pk}"' in body
    assert 'action="/issues/bulk/?query=is%3Ainbox"' in body
    assert "data-select-all" in body and "triage.js" in body
