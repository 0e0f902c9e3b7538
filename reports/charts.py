"""Charts as SVG text generated here, so PDFs stay vector and need no plotting library."""
from __future__ import annotations

from xml.sax.saxutils import escape


def domain_bar_chart(rows: list[tuple[str, float | None]], title: str, width: int = 520,
                     reference: list[float | None] | None = None, reference_label: str = "Round median") -> str:
    """Horizontal bars on a 0–100 axis; an optional reference tick per row (e.g. the cohort median).

    Patterns differ by more than colour so the chart reads in greyscale print.
    """
    label_width, bar_area, row_height = 170, width - 170 - 50, 26
    height = 40 + row_height * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<title>{escape(title)}</title>',
        f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    top = 30
    for tick in range(0, 101, 25):
        x = label_width + bar_area * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + row_height * len(rows)}" '
                     'stroke="#bbb" stroke-width="0.5"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + row_height * len(rows) + 14}" font-size="9" '
                     f'text-anchor="middle">{tick}</text>')
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        parts.append(f'<text x="{label_width - 6}" y="{y + 16}" font-size="10" text-anchor="end">'
                     f'{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 16}" font-size="10" font-style="italic">'
                         'not scored</text>')
            continue
        bar = bar_area * max(0.0, min(100.0, value)) / 100
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{bar:.1f}" height="{row_height - 10}" '
                     'fill="#1d4f91" stroke="#000" stroke-width="0.5"/>')
        parts.append(f'<text x="{label_width + bar + 4:.1f}" y="{y + 16}" font-size="10">{value:.1f}</text>')
        if reference and reference[index] is not None:
            rx = label_width + bar_area * reference[index] / 100
            parts.append(f'<line x1="{rx:.1f}" y1="{y + 2}" x2="{rx:.1f}" y2="{y + row_height - 2}" '
                         'stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>')
    if reference:
        parts.append(f'<text x="{width - 4}" y="{height - 4}" font-size="9" text-anchor="end">'
                     f'dashed line: {escape(reference_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
