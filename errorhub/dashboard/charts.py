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


def sparkline(counts: Sequence[int], *, width: int = 96, height: int = 24) -> SafeString:
    """A bar sparkline, one slot per bucket (oldest left, the current hour right), scaled to the
    largest bucket.

    Every slot is drawn: an empty hour as a one-unit track (class ``zero``), so the chart always
    spans its column and a lone bar reads as *when* it happened instead of floating far from the
    header. The viewBox is the chart's own coordinates and the width/height attributes only its
    size without CSS; ``app.css`` fits it to the cell.
    """
    n = max(len(counts), 1)
    peak = max(counts, default=0) or 1
    step = width / n
    bar_width = f"{max(step - 1, 1):.1f}"
    # Every value here is a class name or a float formatted here, so nothing needs escaping:
    # plain f-strings instead of format_html per bar, which was half the inbox's server time
    # (24 bars x 100 rows). ``c / peak`` raises on anything but a number.
    bars = mark_safe(  # noqa: S308 - constants and numbers only, formatted above
        "".join(
            f'<rect class="{"bar" if c else "zero"}" x="{i * step:.1f}" y="{height - h:.1f}" '
            f'width="{bar_width}" height="{h:.1f}"></rect>'
            for i, c in enumerate(counts)
            for h in [max(c / peak * height, 2) if c else 1]
        )
    )
    total = sum(counts)
    label = f"{total} events in the last {len(counts)} hours"
    return format_html(
        '<svg class="spark" viewBox="0 0 {} {}" width="{}" height="{}" preserveAspectRatio="none" role="img"'
        ' aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        label,
        label,
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
