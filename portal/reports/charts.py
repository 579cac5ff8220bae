"""Charts drawn on the server as SVG: horizontal bars, plain or stacked.

No chart library and nothing fetched from another host: the page carries the ``<svg>``
itself, so it works without JavaScript and under the strict Content-Security-Policy (which
forbids inline ``style`` attributes; SVG presentation attributes such as ``fill=`` are not
styles). Each chart is an image to assistive technology (``role="img"``) named by its
``<title>`` and described by a ``<desc>`` that states every figure; each bar has its own
``<title>`` (a tooltip). Pages show the same figures in a table beside the chart, which is
the accessible and exportable form of the data.

Colours have at least 3:1 contrast with white (WCAG 1.4.11) and stacked segments are
separated by a white line, so they do not rely on hue alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["PALETTE", "Series", "bar_chart"]

#: Fill colours, in series order (brand blue, green, amber, grey, purple, dark red).
PALETTE = ("#0b5d7a", "#1d6b34", "#a15c00", "#5f6b78", "#6a1b9a", "#a4262c")

_ids = itertools.count(1)

BAR = 22  # bar height
GAP = 8  # space between bars
FONT = 13
WIDTH = 640  # viewBox width; the svg scales to its box


@dataclass(frozen=True)
class Series:
    """One series of values, one per category."""

    label: str
    values: Sequence[float]
    #: A colour from :data:`PALETTE` by default; a CSS class ``chart-<key>`` is added too.
    key: str = ""
    colour: str | None = None


def _fmt(value: float) -> str:
    """Return *value* as the reader's language writes numbers (1.234 in Vietnamese)."""
    from flask_babel import format_decimal

    value = float(value or 0)
    return format_decimal(int(value) if value.is_integer() else round(value, 1))


def _text_width(text: str) -> float:
    return len(text) * FONT * 0.56


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], *,
              description: str = "", stacked: bool = True, suffixes: Sequence[str] = (),
              ) -> Markup:
    """Return a horizontal bar chart as an inline ``<svg>`` (safe Markup).

    :param title: the chart's accessible name (its ``<title>``)
    :param categories: one label per bar (provinces, facility types, funnel steps…)
    :param series: one or more series; with several, bars are stacked (or grouped when
        *stacked* is false) and a legend is drawn
    :param description: text for ``<desc>``; by default every figure, spelled out
    :param suffixes: an optional text per category shown after its total (e.g. "45%")
    """
    number = next(_ids)
    title_id, desc_id = f"chart-{number}-title", f"chart-{number}-desc"
    categories = [str(c) for c in categories]
    series = list(series)
    if not description:
        parts = []
        for index, category in enumerate(categories):
            figures = ", ".join(f"{s.label}: {_fmt(s.values[index])}" for s in series)
            parts.append(f"{category}: {figures}" if len(series) > 1 else
                         f"{category}: {_fmt(series[0].values[index])}")
        description = "; ".join(parts) + "." if parts else ""
    labels = [_truncate(c, 28) for c in categories]
    label_w = min(220.0, max([_text_width(label) for label in labels] + [40.0])) + 10
    value_w = 90.0
    plot_w = WIDTH - label_w - value_w
    per_category = len(series) if (not stacked and len(series) > 1) else 1
    row_h = per_category * BAR + GAP
    legend_h = 28 if len(series) > 1 else 0
    height = legend_h + max(1, len(categories)) * row_h + GAP
    if stacked:
        totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    else:
        totals = [max((s.values[i] for s in series), default=0) for i in range(len(categories))]
    top = max(totals, default=0) or 1

    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="img" aria-labelledby="{title_id} {desc_id}" font-size="{FONT}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    colours = [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    if legend_h:
        x = 0.0
        out.append('<g class="chart-legend" aria-hidden="true">')
        for s, colour in zip(series, colours, strict=True):
            out.append(f'<rect x="{x:.1f}" y="6" width="14" height="14" fill="{colour}"'
                       f' class="chart-{escape(s.key)}"/>')
            out.append(f'<text x="{x + 19:.1f}" y="18" fill="#1b2733">{escape(s.label)}</text>')
            x += 19 + _text_width(s.label) + 18
        out.append("</g>")
    if not categories:
        out.append("</svg>")
        return Markup("".join(out))  # noqa: S704 - every text went through escape()  # nosec B704
    for index, category in enumerate(categories):
        y = legend_h + GAP / 2 + index * row_h
        out.append("<g>")
        label_y = y + per_category * BAR / 2 + FONT / 2 - 2
        out.append(f'<text x="{label_w - 8:.1f}" y="{label_y:.1f}"'
                   f' text-anchor="end" fill="#1b2733">{escape(labels[index])}</text>')
        x = label_w
        for position, (s, colour) in enumerate(zip(series, colours, strict=True)):
            value = float(s.values[index] or 0)
            width = plot_w * value / top
            bar_y = y if stacked or per_category == 1 else y + position * BAR
            tip = (f"{category} — {s.label}: {_fmt(value)}" if len(series) > 1
                   else f"{category}: {_fmt(value)}")
            if width > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{bar_y:.1f}" width="{width:.1f}" height="{BAR}"'
                    f' fill="{colour}" stroke="#ffffff" stroke-width="1"'
                    f' class="chart-bar chart-{escape(s.key)}"><title>{escape(tip)}</title></rect>')
            if stacked:
                x += width
            elif per_category > 1:
                out.append(f'<text x="{label_w + width + 4:.1f}" y="{bar_y + BAR - 6:.1f}"'
                           f' fill="#1b2733">{_fmt(value)}</text>')
        if stacked or per_category == 1:
            end = label_w + plot_w * totals[index] / top
            text = _fmt(totals[index])
            if index < len(suffixes) and suffixes[index]:
                text += f" ({suffixes[index]})"
            out.append(f'<text x="{end + 4:.1f}" y="{y + BAR - 6:.1f}" fill="#1b2733">'
                       f"{escape(text)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text went through escape()  # nosec B704
