"""Server-side SVG charts: sparklines for issue rows, bar charts for the issue page.

Only numbers and pre-formatted labels go into the markup (``format_html``
escapes every label; sparkline bars are numbers formatted here), so a chart can never carry
event data as markup. The
SVG uses classes, not ``style=``, so it passes the dashboard's CSP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def sparkline(counts: Sequence[int], *, width: int = 120, height: int = 24) -> SafeString:
    """A bar sparkline, one bar per bucket, scaled to the largest bucket."""
    n = max(len(counts), 1)
    peak = max(counts, default=0) or 1
    step = width / n
    bar_width = f"{max(step - 1, 1):.1f}"
    # Every value here is a float this function formatted, so nothing needs escaping: plain
    # f-strings instead of format_html per bar, which was half the inbox's server time
    # (24 bars x 100 rows). ``c / peak`` raises on anything but a number.
    bars = mark_safe(  # noqa: S308 - numbers only, formatted above
        "".join(
            f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{bar_width}" height="{h:.1f}"></rect>'
            for i, c in enumerate(counts)
            for h in [max(c / peak * height, 1 if c else 0)]
        )
    )
    total = sum(counts)
    return format_html(
        '<svg class="spark" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{} events">'
        "<title>{} events</title>{}</svg>",
        width,
        height,
        width,
        height,
        total,
        total,
        bars,
    )


def bar_chart(
    buckets: Sequence[tuple[datetime, int]], *, label_format: str, width: int = 720, height: int = 140
) -> SafeString:
    """A labelled bar chart (events per bucket) with a tooltip per bar and axis labels."""
    pad_left, pad_bottom = 36, 18
    inner_w, inner_h = width - pad_left, height - pad_bottom
    n = max(len(buckets), 1)
    peak = max((c for _, c in buckets), default=0)
    scale = peak or 1
    step = inner_w / n
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
        (
            (
                f"{pad_left + i * step:.1f}",
                f"{inner_h - c / scale * inner_h:.1f}",
                f"{max(step - 1, 1):.1f}",
                f"{c / scale * inner_h:.1f}",
                when.strftime(label_format),
                c,
            )
            for i, (when, c) in enumerate(buckets)
        ),
    )
    every = max(n // 6, 1)
    labels = format_html_join(
        "",
        '<text class="axis" x="{}" y="{}">{}</text>',
        (
            (f"{pad_left + i * step:.1f}", height - 4, when.strftime(label_format))
            for i, (when, _) in enumerate(buckets)
            if i % every == 0
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="events over time, peak {}">'
        '<text class="axis" x="0" y="10">{}</text><text class="axis" x="0" y="{}">0</text>'
        '<line class="baseline" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}{}</svg>',
        width,
        height,
        peak,
        peak,
        inner_h,
        pad_left,
        inner_h,
        width,
        inner_h,
        bars,
        labels,
    )
