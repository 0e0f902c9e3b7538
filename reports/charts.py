"""Charts as SVG text generated here, so PDFs stay vector and need no plotting library."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape


def domain_bar_chart(
    rows: list[tuple[str, float | None]],
    title: str,
    width: int = 520,
    reference: list[float | None] | None = None,
    reference_label: str = "Round median",
) -> str:
    """Horizontal bars on a 0–100 axis; an optional reference tick per row (e.g. the cohort median).

    Patterns differ by more than colour so the chart reads in greyscale print.
    """
    label_width, bar_area, row_height = 170, width - 170 - 50, 26
    height = 40 + row_height * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    top = 30
    for tick in range(0, 101, 25):
        x = label_width + bar_area * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + row_height * len(rows)}" '
            'stroke="#bbb" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top + row_height * len(rows) + 14}" font-size="9" '
            f'text-anchor="middle">{tick}</text>'
        )
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 16}" font-size="10" text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{label_width + 4}" y="{y + 16}" font-size="10" font-style="italic">not scored</text>'
            )
            continue
        bar = bar_area * max(0.0, min(100.0, value)) / 100
        parts.append(
            f'<rect x="{label_width}" y="{y + 5}" width="{bar:.1f}" height="{row_height - 10}" '
            'fill="#1d4f91" stroke="#000" stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{label_width + bar + 4:.1f}" y="{y + 16}" font-size="10">{value:.1f}</text>')
        marker = reference[index] if reference else None
        if marker is not None:
            rx = label_width + bar_area * marker / 100
            parts.append(
                f'<line x1="{rx:.1f}" y1="{y + 2}" x2="{rx:.1f}" y2="{y + row_height - 2}" '
                'stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>'
            )
    if reference:
        parts.append(
            f'<text x="{width - 4}" y="{height - 4}" font-size="9" text-anchor="end">'
            f"dashed line: {escape(reference_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# Each series differs by line dash and marker shape as well as by colour, so two lines on a radar
# or two applicants on a dot chart stay distinguishable on a greyscale printer.
_SERIES_STYLES = (
    {"stroke": "#000000", "dash": "5,3", "width": 1.5, "fill": "none", "marker": "square-open"},
    {"stroke": "#1d4f91", "dash": "", "width": 2.0, "fill": "#1d4f91", "marker": "circle"},
    {"stroke": "#6b6b6b", "dash": "1.5,2", "width": 1.5, "fill": "none", "marker": "triangle"},
    {"stroke": "#7a3e00", "dash": "8,2,2,2", "width": 1.5, "fill": "none", "marker": "diamond-open"},
    {"stroke": "#2f5e2f", "dash": "", "width": 1.0, "fill": "none", "marker": "cross"},
    {"stroke": "#000000", "dash": "", "width": 1.0, "fill": "none", "marker": "circle-open"},
    {"stroke": "#555555", "dash": "", "width": 1.0, "fill": "none", "marker": "square"},
    {"stroke": "#000000", "dash": "", "width": 1.0, "fill": "none", "marker": "triangle-open"},
)


def series_style(index: int) -> dict:
    return _SERIES_STYLES[index % len(_SERIES_STYLES)]


def _marker(shape: str, x: float, y: float, colour: str, size: float = 3.5) -> str:
    filled = not shape.endswith("-open")
    fill = colour if filled else "#ffffff"
    common = f'fill="{fill}" stroke="{colour}" stroke-width="1.2"'
    base = shape.removesuffix("-open")
    if base == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {common}/>'
    if base == "square":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}" {common}/>'
    if base == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - size * 1.2:.1f} {x + size * 1.1:.1f},{y + size * 0.8:.1f} '
            f'{x - size * 1.1:.1f},{y + size * 0.8:.1f}" {common}/>'
        )
    if base == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - size * 1.3:.1f} {x + size * 1.1:.1f},{y:.1f} '
            f'{x:.1f},{y + size * 1.3:.1f} {x - size * 1.1:.1f},{y:.1f}" {common}/>'
        )
    return (
        f'<path d="M{x - size:.1f},{y - size:.1f} L{x + size:.1f},{y + size:.1f} '
        f'M{x - size:.1f},{y + size:.1f} L{x + size:.1f},{y - size:.1f}" stroke="{colour}" stroke-width="1.6"/>'
    )


def _legend(series_names: list[str], x: float, y: float, sample_lines: bool) -> tuple[list[str], float]:
    """Legend entries laid out left to right, wrapping; returns the parts and the height used."""
    parts, cursor_x, cursor_y, line_height = [], x, y, 16
    for index, name in enumerate(series_names):
        style = series_style(index)
        entry_width = 34 + 6.2 * len(name)
        if cursor_x + entry_width > x + 500 and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + line_height
        if sample_lines:
            dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
            parts.append(
                f'<line x1="{cursor_x:.1f}" y1="{cursor_y:.1f}" x2="{cursor_x + 22:.1f}" y2="{cursor_y:.1f}" '
                f'stroke="{style["stroke"]}" stroke-width="{style["width"]}"{dash}/>'
            )
        parts.append(_marker(style["marker"], cursor_x + 11, cursor_y, style["stroke"]))
        parts.append(f'<text x="{cursor_x + 28:.1f}" y="{cursor_y + 3.5:.1f}" font-size="9">{escape(name)}</text>')
        cursor_x += entry_width
    return parts, cursor_y - y + line_height


def radar_chart(
    axes: list[str], series: list[tuple[str, list[float | None]]], title: str, width: int = 520, radius: int = 115
) -> str:
    """A spider chart on a 0–100 scale: one spoke per axis, one closed outline per series.

    A value that is not scored is drawn at the centre and its spoke label says so.
    """
    centre_x, centre_y = width / 2, 40 + radius + 22
    legend_y = centre_y + radius + 42
    height = legend_y + 16 * (1 + len(series) // 4) + 6
    count = len(axes)

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = radius * max(0.0, min(100.0, value)) / 100
        return centre_x + distance * math.cos(angle), centre_y + distance * math.sin(angle)

    summary = "; ".join(
        f"{name}: "
        + ", ".join(f"{axis} {'not scored' if v is None else f'{v:.1f}'}" for axis, v in zip(axes, values, strict=True))
        for name, values in series
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{escape(title)}" font-family="DejaVu Sans">',
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>",
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for ring in (25, 50, 75, 100):
        ring_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(count)))
        parts.append(f'<polygon points="{ring_points}" fill="none" stroke="#999" stroke-width="0.5"/>')
        label_x, label_y = point(0, ring)
        parts.append(f'<text x="{label_x + 3:.1f}" y="{label_y + 3:.1f}" font-size="7" fill="#444">{ring}</text>')
    unscored = {i for _, values in series for i, v in enumerate(values) if v is None}
    for index, axis in enumerate(axes):
        end_x, end_y = point(index, 100)
        parts.append(
            f'<line x1="{centre_x:.1f}" y1="{centre_y:.1f}" x2="{end_x:.1f}" y2="{end_y:.1f}" '
            'stroke="#999" stroke-width="0.5"/>'
        )
        angle = -math.pi / 2 + 2 * math.pi * index / count
        label_x = centre_x + (radius + 8) * math.cos(angle)
        label_y = centre_y + (radius + 8) * math.sin(angle)
        anchor = "middle" if abs(label_x - centre_x) < 5 else ("start" if label_x > centre_x else "end")
        # Keep labels clear of the outline: above the top spoke, below the bottom one.
        label_y += 3 + 7 * math.sin(angle)
        text = axis + (" (not scored)" if index in unscored else "")
        parts.append(
            f'<text x="{label_x:.1f}" y="{label_y:.1f}" font-size="9" text-anchor="{anchor}">{escape(text)}</text>'
        )
    for series_index, (_, values) in enumerate(series):
        style = series_style(series_index)
        points = [point(i, v if v is not None else 0.0) for i, v in enumerate(values)]
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        fill = f'fill="{style["fill"]}" fill-opacity="0.12"' if style["fill"] != "none" else 'fill="none"'
        parts.append(
            f'<polygon points="{outline}" {fill} stroke="{style["stroke"]}" stroke-width="{style["width"]}"{dash}/>'
        )
        parts.extend(_marker(style["marker"], x, y, style["stroke"]) for x, y in points)
    legend, _ = _legend([name for name, _ in series], 10, legend_y, sample_lines=True)
    parts.extend(legend)
    parts.append("</svg>")
    return "".join(parts)


def dot_chart(
    rows: list[str],
    series: list[tuple[str, list[float | None]]],
    title: str,
    width: int = 520,
    reference: list[float | None] | None = None,
    reference_label: str = "Median",
) -> str:
    """One line per row on a 0–100 axis with one marker per series, e.g. applicants per domain.

    Series are told apart by marker shape; markers in a row are nudged vertically so equal values
    stay visible.
    """
    label_width, right_margin = 150, 20
    axis_width = width - label_width - right_margin
    row_height = max(22, 6 * len(series) + 8)
    top = 30
    legend_y = top + row_height * len(rows) + 34
    legend_rows = 1 + sum(34 + 6.2 * len(name) for name, _ in series) // 500
    height = legend_y + 16 * legend_rows + (16 if reference else 0) + 4
    summary = "; ".join(
        f"{name}: "
        + ", ".join(f"{row} {'not scored' if v is None else f'{v:.1f}'}" for row, v in zip(rows, values, strict=True))
        for name, values in series
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{escape(title)}" font-family="DejaVu Sans">',
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>",
        f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    bottom = top + row_height * len(rows)
    for tick in range(0, 101, 20):
        x = label_width + axis_width * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#bbb" stroke-width="0.5"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 13}" font-size="8" text-anchor="middle">{tick}</text>')
    for row_index, label in enumerate(rows):
        y = top + row_index * row_height
        middle = y + row_height / 2
        if row_index % 2 == 0:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{axis_width}" height="{row_height}" fill="#f2f2f2"/>')
        parts.append(
            f'<text x="{label_width - 6}" y="{middle + 3.5:.1f}" font-size="9" text-anchor="end">{escape(label)}</text>'
        )
        marker = reference[row_index] if reference else None
        if marker is not None:
            rx = label_width + axis_width * marker / 100
            parts.append(
                f'<line x1="{rx:.1f}" y1="{y + 1}" x2="{rx:.1f}" y2="{y + row_height - 1}" '
                'stroke="#000" stroke-width="1.5" stroke-dasharray="3,2"/>'
            )
        offsets = [(i - (len(series) - 1) / 2) * 5 for i in range(len(series))]
        for series_index, (_, values) in enumerate(series):
            value = values[row_index]
            if value is None:
                continue
            x = label_width + axis_width * max(0.0, min(100.0, value)) / 100
            parts.append(
                _marker(
                    series_style(series_index)["marker"],
                    x,
                    middle + offsets[series_index],
                    series_style(series_index)["stroke"],
                )
            )
    legend, used = _legend([name for name, _ in series], 10, legend_y, sample_lines=False)
    parts.extend(legend)
    if reference:
        parts.append(
            f'<text x="10" y="{legend_y + used + 4:.1f}" font-size="9">Dashed line: {escape(reference_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# Fills told apart by texture as well as tone, so every applicant stays identifiable in greyscale print.
_SERIES_FILLS = (
    ("solid-dark", '<rect width="6" height="6" fill="#0b0c0c"/>'),
    (
        "diagonal",
        '<rect width="6" height="6" fill="#fff"/><path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" '
        'stroke="#0b0c0c" stroke-width="1.2"/>',
    ),
    ("solid-mid", '<rect width="6" height="6" fill="#7a7a7a"/>'),
    ("dots", '<rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.3" fill="#0b0c0c"/>'),
    ("cross", '<rect width="6" height="6" fill="#fff"/><path d="M0,3 h6 M3,0 v6" stroke="#0b0c0c" stroke-width="1"/>'),
    (
        "horizontal",
        '<rect width="6" height="6" fill="#d0d0d0"/><path d="M0,1.5 h6 M0,4.5 h6" stroke="#0b0c0c" '
        'stroke-width="0.8"/>',
    ),
)
MAX_COMPARISON_SERIES = len(_SERIES_FILLS)


def comparison_chart(
    domains: list[str],
    series: list[tuple[str, list[float | None]]],
    cohort: list[tuple[float, float, float] | None] | None = None,
    title: str = "Domain scores compared",
    width: int = 640,
    chart_id: str = "cmp",
) -> str:
    """Grouped horizontal bars on a 0–100 axis: one group per domain, one bar per applicant.

    ``cohort`` gives (lower quartile, median, upper quartile) per domain, drawn behind each group as a
    grey band with a dashed median line.  At most ``MAX_COMPARISON_SERIES`` applicants can be shown.
    """
    if len(series) > MAX_COMPARISON_SERIES:
        raise ValueError(f"at most {MAX_COMPARISON_SERIES} applicants fit in one comparison chart")
    label_width, right_margin, bar_height, group_gap = 170, 40, 12, 14
    bar_area = width - label_width - right_margin
    group_height = max(1, len(series)) * bar_height + group_gap
    top = 30
    plot_height = group_height * len(domains)
    legend_rows = len(series) + (1 if cohort else 0)
    height = top + plot_height + 24 + 18 * legend_rows + 6

    def x_at(value: float) -> float:
        return label_width + bar_area * max(0.0, min(100.0, value)) / 100

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        "<defs>",
    ]
    for name, body in _SERIES_FILLS[: len(series)]:
        parts.append(
            f'<pattern id="{chart_id}-{name}" width="6" height="6" patternUnits="userSpaceOnUse">{body}</pattern>'
        )
    parts.append("</defs>")
    parts.append(f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>')
    for tick in range(0, 101, 25):
        x = x_at(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_height}" stroke="#bbb" stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{top + plot_height + 14}" font-size="9" text-anchor="middle">{tick}</text>')
    for group, domain in enumerate(domains):
        y0 = top + group * group_height
        band = cohort[group] if cohort else None
        if band is not None and not any(v is None or v != v for v in band):
            q1, median, q3 = band
            parts.append(
                f'<rect x="{x_at(q1):.1f}" y="{y0 + 2}" width="{max(1.0, x_at(q3) - x_at(q1)):.1f}" '
                f'height="{group_height - group_gap + 4}" fill="#e6e6e6" stroke="#9a9a9a" '
                'stroke-width="0.5"/>'
            )
        parts.append(
            f'<text x="{label_width - 6}" y="{y0 + (group_height - group_gap) / 2 + 8:.1f}" '
            f'font-size="10" text-anchor="end">{escape(domain)}</text>'
        )
        for index, (_, values) in enumerate(series):
            y = y0 + 4 + index * bar_height
            value = values[group] if group < len(values) else None
            if value is None or value != value:
                parts.append(
                    f'<text x="{label_width + 3}" y="{y + bar_height - 3}" font-size="8" '
                    'font-style="italic">not scored</text>'
                )
                continue
            bar = x_at(value) - label_width
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height - 2}" '
                f'fill="url(#{chart_id}-{_SERIES_FILLS[index][0]})" stroke="#0b0c0c" '
                'stroke-width="0.6"/>'
            )
            parts.append(f'<text x="{x_at(value) + 3:.1f}" y="{y + bar_height - 3}" font-size="8">{value:.0f}</text>')
        if band is not None and not any(v is None or v != v for v in band):
            mx = x_at(band[1])
            parts.append(
                f'<line x1="{mx:.1f}" y1="{y0}" x2="{mx:.1f}" y2="{y0 + group_height - group_gap + 8}" '
                'stroke="#0b0c0c" stroke-width="1.5" stroke-dasharray="3,2"/>'
            )
    legend_top = top + plot_height + 26
    for index, (label, _) in enumerate(series):
        y = legend_top + index * 18
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="22" height="11" '
            f'fill="url(#{chart_id}-{_SERIES_FILLS[index][0]})" stroke="#0b0c0c" stroke-width="0.6"/>'
        )
        parts.append(f'<text x="{label_width + 28}" y="{y + 9}" font-size="10">{escape(label)}</text>')
    if cohort:
        y = legend_top + len(series) * 18
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="22" height="11" fill="#e6e6e6" stroke="#9a9a9a" '
            'stroke-width="0.5"/>'
        )
        parts.append(
            f'<line x1="{label_width + 11}" y1="{y - 1}" x2="{label_width + 11}" y2="{y + 12}" '
            'stroke="#0b0c0c" stroke-width="1.5" stroke-dasharray="3,2"/>'
        )
        parts.append(
            f'<text x="{label_width + 28}" y="{y + 9}" font-size="10">grey band: middle half of the '
            "cohort (lower to upper quartile); dashed line: cohort median</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
