"""Template helpers shared by every dashboard page.

`reltime` is the one way a page shows a moment: "3 min ago" for reading at a glance, the exact
instant on hover in the reader's timezone: the profile's zone, which `views.base.page` activates
(`data-tz`, used by `static/errorhub/ui.js`; the server-rendered title is already in that zone).
Event payloads carry times as ISO strings or epoch numbers, the models as aware datetimes; all
three render the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

_UNITS: tuple[tuple[int, str], ...] = (
    (365 * 86400, "y"),
    (30 * 86400, "mo"),
    (7 * 86400, "w"),
    (86400, "d"),
    (3600, "h"),
    (60, "min"),
)


def as_datetime(value: Any) -> dt.datetime | None:
    """An aware UTC datetime from a model field, an ISO 8601 string or epoch seconds; None if unreadable."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, bool) or value is None:
        return None
    elif isinstance(value, int | float):
        try:
            moment = dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            try:
                return as_datetime(float(value))
            except ValueError:
                return None
    else:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def relative_phrase(moment: dt.datetime, now: dt.datetime) -> str:
    """'just now', '3 min ago', '2 h ago', 'in 5 d': the largest whole unit, as a glance needs."""
    seconds = int((now - moment).total_seconds())
    ahead = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    for size, unit in _UNITS:
        if seconds >= size:
            amount = seconds // size
            return f"in {amount} {unit}" if ahead else f"{amount} {unit} ago"
    return "in 1 min" if ahead else "1 min ago"


@register.simple_tag
def reltime(value: Any, empty: str = "never") -> str:
    """`<time datetime=ISO title=exact>3 min ago</time>`; `empty` (escaped) when there is no moment."""
    moment = as_datetime(value)
    if moment is None:
        if value in (None, ""):
            return format_html('<span class="muted">{}</span>', empty)
        return format_html("{}", value)
    local = timezone.localtime(moment)
    zone = timezone.get_current_timezone_name()
    exact = local.strftime("%Y-%m-%d %H:%M:%S ") + (zone if zone != "UTC" else "UTC")
    return format_html(
        '<time class="rel" datetime="{}" data-tz="{}" title="{}">{}</time>',
        moment.isoformat().replace("+00:00", "Z"),
        zone,
        exact,
        relative_phrase(moment, timezone.now()),
    )
