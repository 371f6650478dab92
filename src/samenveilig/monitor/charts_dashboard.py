"""Server-rendered SVG charts for the impact dashboard: readable without JavaScript.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described in words by its
``<desc>``; the page puts a data table with the same numbers next to it, so nothing depends on
seeing the bars. Colours are told apart by a legend with the words "previous period" and "this
period" and by an outline, not by colour alone. All text passes through ``format_html``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 90
BAR_HEIGHT = 14
ROW_GAP = 12
TOP = 34
CURRENT = "#01689b"
PREVIOUS = "#b3d7ee"
OUTLINE = "#154273"
TEXT = "#1a1a1a"
WHISKER = "#1a1a1a"
GRID = "#8a8a8a"

_ids = itertools.count(1)


def _next_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


@dataclass(frozen=True)
class Bar:
    """One value of a paired bar: ``value`` None draws nothing and writes ``empty_text``."""

    value: float | None
    text: str
    low: float | None = None
    high: float | None = None


def _fmt(value: float, decimals: int = 0) -> str:
    from samenveilig.monitor.tables_dashboard import num

    return num(value, decimals)


def _legend(y: int) -> SafeString:
    return format_html(
        '<g class="chart-legend">'
        '<rect x="{}" y="{}" width="14" height="14" fill="{}" stroke="{}"/>'
        '<text x="{}" y="{}" fill="{}">{}</text>'
        '<rect x="{}" y="{}" width="14" height="14" fill="{}" stroke="{}"/>'
        '<text x="{}" y="{}" fill="{}">{}</text></g>',
        LABEL_WIDTH,
        y - 11,
        PREVIOUS,
        OUTLINE,
        LABEL_WIDTH + 20,
        y,
        TEXT,
        _("previous period"),
        LABEL_WIDTH + 180,
        y - 11,
        CURRENT,
        OUTLINE,
        LABEL_WIDTH + 200,
        y,
        TEXT,
        _("this period"),
    )


def _svg(title: str, description: str, height: int, body: SafeString, prefix: str) -> SafeString:
    chart_id = _next_id(prefix)
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" focusable="false" '
        'font-family="sans-serif" font-size="13">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        w=WIDTH,
        h=height,
        id=chart_id,
        title=title,
        desc=description,
        body=body,
    )


def _truncate(label: str, length: int = 28) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"


def paired_bars(
    title: str,
    rows: Sequence[tuple[str, Bar, Bar]],
    *,
    scale_max: float | None = None,
    description: str = "",
) -> SafeString:
    """Horizontal bars per row: the previous period (light) above this period (dark), each with
    its value written after it, and a 95 % interval as a whisker where ``low``/``high`` exist."""
    values = [
        v for _label, *bars in rows for bar in bars for v in (bar.value, bar.high) if v is not None
    ]
    top = scale_max if scale_max is not None else max(values, default=0.0)
    top = top or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 10
    row_height = 2 * BAR_HEIGHT + ROW_GAP
    parts: list[SafeString] = [_legend(18)]
    for index, (label, previous, current) in enumerate(rows):
        y0 = TOP + index * row_height
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                LABEL_WIDTH - 8,
                y0 + BAR_HEIGHT + 4,
                TEXT,
                _truncate(label),
            )
        )
        for offset, bar, colour in ((0, previous, PREVIOUS), (BAR_HEIGHT, current, CURRENT)):
            y = y0 + offset
            width = 0.0 if bar.value is None else max(0.0, bar.value) / top * span
            if bar.value is not None:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"/>',
                        LABEL_WIDTH,
                        y,
                        f"{width:.1f}",
                        BAR_HEIGHT - 2,
                        colour,
                        OUTLINE,
                    )
                )
            if bar.low is not None and bar.high is not None:
                x1 = LABEL_WIDTH + max(0.0, bar.low) / top * span
                x2 = LABEL_WIDTH + min(top, bar.high) / top * span
                mid = y + (BAR_HEIGHT - 2) / 2
                parts.append(
                    format_html(
                        '<path d="M{} {}H{}M{} {}V{}M{} {}V{}" stroke="{}" stroke-width="1.5"/>',
                        f"{x1:.1f}",
                        f"{mid:.1f}",
                        f"{x2:.1f}",
                        f"{x1:.1f}",
                        y,
                        y + BAR_HEIGHT - 2,
                        f"{x2:.1f}",
                        y,
                        y + BAR_HEIGHT - 2,
                        WHISKER,
                    )
                )
            end = max(width, (bar.high or 0) / top * span if bar.high is not None else 0)
            parts.append(
                format_html(
                    '<text x="{}" y="{}" fill="{}">{}</text>',
                    f"{LABEL_WIDTH + end + 6:.1f}",
                    y + BAR_HEIGHT - 3,
                    TEXT,
                    bar.text,
                )
            )
    height = TOP + max(1, len(rows)) * row_height + 4
    body = mark_safe("".join(parts))  # noqa: S308 - every part came from format_html
    return _svg(title, description or title, height, body, "bars")


def columns(
    title: str,
    values: Sequence[int],
    labels: Sequence[str],
    *,
    description: str = "",
    height: int = 190,
) -> SafeString:
    """A column per month with its count above it and the month below."""
    top = max(values, default=0) or 1
    count = max(1, len(values))
    left, bottom = 10, height - 24
    slot = (WIDTH - 2 * left) / count
    usable = bottom - 26
    parts: list[SafeString] = [
        format_html('<path d="M{} {}H{}" stroke="{}"/>', left, bottom, WIDTH - left, GRID)
    ]
    for index, (value, label) in enumerate(zip(values, labels, strict=False)):
        x = left + index * slot + slot * 0.15
        bar_height = value / top * usable
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="11">{}</text>',
                f"{x:.1f}",
                f"{bottom - bar_height:.1f}",
                f"{slot * 0.7:.1f}",
                f"{bar_height:.1f}",
                CURRENT,
                OUTLINE,
                f"{x + slot * 0.35:.1f}",
                f"{bottom - bar_height - 4:.1f}",
                TEXT,
                _fmt(value),
                f"{x + slot * 0.35:.1f}",
                bottom + 16,
                TEXT,
                label,
            )
        )
    body = mark_safe("".join(parts))  # noqa: S308 - every part came from format_html
    return _svg(title, description or title, height, body, "columns")


def small_multiples(
    title: str,
    series: Sequence[tuple[str, Sequence[int]]],
    labels: Sequence[str],
    *,
    description: str = "",
) -> SafeString:
    """One row of small columns per category (same scale for all), the latest count at the end."""
    top = max((v for _label, values in series for v in values), default=0) or 1
    row_height = 34
    left = LABEL_WIDTH
    span = WIDTH - LABEL_WIDTH - 60
    count = max(1, len(labels))
    slot = span / count
    parts: list[SafeString] = [
        format_html(
            '<text x="{}" y="16" fill="{}" font-size="11">{}</text>'
            '<text x="{}" y="16" text-anchor="end" fill="{}" font-size="11">{}</text>',
            left,
            TEXT,
            labels[0] if labels else "",
            left + span,
            TEXT,
            labels[-1] if labels else "",
        )
    ]
    for index, (label, values) in enumerate(series):
        base = 26 + (index + 1) * row_height
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
                '<path d="M{} {}H{}" stroke="{}"/>',
                left - 8,
                base - 4,
                TEXT,
                _truncate(label),
                left,
                base,
                left + span,
                GRID,
            )
        )
        for i, value in enumerate(values):
            h = value / top * (row_height - 8)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    f"{left + i * slot + 1:.1f}",
                    f"{base - h:.1f}",
                    f"{max(1.0, slot - 2):.1f}",
                    f"{h:.1f}",
                    CURRENT,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}">{}</text>',
                left + span + 8,
                base - 4,
                TEXT,
                _fmt(values[-1] if values else 0),
            )
        )
    height = 26 + (len(series) + 1) * row_height - 20
    body = mark_safe("".join(parts))  # noqa: S308 - every part came from format_html
    return _svg(title, description or title, max(height, 60), body, "multiples")


def join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((p,) for p in parts))
