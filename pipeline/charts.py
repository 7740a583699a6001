"""Inline SVG charts for the static HTML report (`pipeline.report_html`): a line chart with gaps
and era bands, 100 % stacked bars, a heatmap grid and horizontal bars. Pure Python strings, no
JavaScript and nothing fetched: each chart is a self-contained <svg> whose marks carry a
<title> (the browser's tooltip) and whose colours come from one colour-blind-safe palette.
"""
from __future__ import annotations

import math
from html import escape

# Okabe–Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
ERA_BANDS = (("pre2014", 2008, 2013, "#f4f4f4"), ("stat2014", 2014, 2018, "#ffffff"),
             ("fmt2019", 2019, 2020, "#f4f4f4"), ("fmt2021", 2021, 9999, "#ffffff"))
FONT = 'font-family="system-ui, \'Noto Sans CJK SC\', sans-serif"'


def fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def nice_max(value: float) -> float:
    """The smallest 1/2/5 × 10^k at or above `value` (1 for nothing)."""
    if not value or value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    return next(m * exp for m in (1, 2, 5, 10) if m * exp >= value)


def nice_ticks(value: float, n: int = 4) -> list[float]:
    """Round tick values from 0 covering `value` in about `n` steps of 1, 2 or 5 × 10^k."""
    step = nice_max(value / n) if value and value > 0 else 1.0
    if step < 1:
        step = 1.0  # counts: no fractional ticks
    return [step * k for k in range(int(math.ceil((value or 0) / step - 1e-9)) + 1)] if value else [0.0, 1.0]


def text_width(text: str) -> float:
    """Rough rendered width at font-size 11: CJK characters are about twice as wide as Latin."""
    return sum(11.5 if ord(c) > 0x2E80 else 7.3 if c.isupper() or c.isdigit() else 6.2 for c in text)


def legend(entries: list[tuple[str, str]], x: float, y: float, width: float) -> tuple[list[str], float]:
    """Swatch + label entries flowed left to right, wrapping at `width`; (marks, height used)."""
    marks, cx, cy = [], x, y
    for label, colour in entries:
        w = 14 + text_width(label) + 14
        if cx > x and cx + w > x + width:
            cx, cy = x, cy + 14
        marks.append(f'<rect x="{cx:.1f}" y="{cy - 9:.1f}" width="10" height="10" fill="{colour}" stroke="#bbb" '
                     f'stroke-width="0.5"/><text x="{cx + 14:.1f}" y="{cy:.1f}">{escape(label)}</text>')
        cx += w
    return marks, cy - y + 14


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" {FONT} font-size="11">'
            f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def line_chart(series: dict[str, dict[int, float | None]], years: list[int], title: str,
               percent: bool = False, width: int = 460, height: int = 220) -> str:
    """One line per series over `years`, solid between consecutive years and dashed across years
    without a value (no report, or a blank); era bands behind."""
    left, right, top = 46, 22, 28
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    marks, legend_h = legend(list(colours.items()), left, 0, width - left - right)
    bottom = 30 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    years = sorted(years) or [2008]
    y0, y1 = years[0], max(years[-1], years[0] + 1)
    values = [v for s in series.values() for v in s.values() if v is not None]
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0] if percent else nice_ticks(max(values, default=0))
    ymax = ticks[-1]
    x = lambda yr: left + (yr - y0) / (y1 - y0) * plot_w  # noqa: E731
    y = lambda v: top + plot_h - v / ymax * plot_h  # noqa: E731
    body = [f'<text x="{left}" y="14" font-weight="600" font-size="12">{escape(title)}</text>']
    for era, first, last, fill in ERA_BANDS:
        a, b = max(first - 0.5, y0 - 0.5), min(last + 0.5, y1 + 0.5)
        if a < b:
            xa, xb = max(left, x(a)), min(left + plot_w, x(b))
            body.append(f'<rect class="era" x="{xa:.1f}" y="{top}" width="{xb - xa:.1f}" height="{plot_h}" fill="{fill}">'
                        f'<title>{era}</title></rect>')
    for v in ticks:
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{fmt(v, percent)}</text>')
    step = max(1, math.ceil(len(range(y0, y1 + 1)) / 8))
    for yr in range(y0, y1 + 1, step):
        body.append(f'<text x="{x(yr):.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="#555">{yr}</text>')
    for name, points in series.items():
        known = [(yr, v) for yr, v in sorted(points.items()) if v is not None and y0 <= yr <= y1]
        for (ya, va), (yb, vb) in zip(known, known[1:]):  # solid between next years, dashed across a gap
            dash = "" if yb == ya + 1 else ' stroke-dasharray="3 3" stroke-opacity="0.6"'
            body.append(f'<line class="line" x1="{x(ya):.1f}" y1="{y(va):.1f}" x2="{x(yb):.1f}" y2="{y(vb):.1f}" '
                        f'stroke="{colours[name]}" stroke-width="2"{dash}/>')
        for yr, v in known:
            body.append(f'<circle class="point" cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3" fill="{colours[name]}">'
                        f'<title>{escape(name)} {yr}: {fmt(v, percent)}</title></circle>')
    body.append(f'<g transform="translate(0 {top + plot_h + 34})">{"".join(marks)}</g>')
    return _svg(width, height, title, body)


def stacked_bars(rows: list[tuple[str, dict[str, float]]], categories: list[str], title: str,
                 width: int = 720, bar_h: int = 26) -> str:
    """One 100 % bar per row: the share of each category in the row's total."""
    left = 150
    plot_w = width - left - 20
    marks, legend_h = legend([(c, PALETTE[i % len(PALETTE)]) for i, c in enumerate(categories)], left, 32, plot_w)
    top = 32 + legend_h
    height = top + len(rows) * (bar_h + 10) + 10
    body = [f'<text x="0" y="14" font-weight="600" font-size="12">{escape(title)}</text>', *marks]
    for r, (label, parts) in enumerate(rows):
        yy = top + r * (bar_h + 10)
        total = sum(v for v in parts.values() if v)
        body.append(f'<text x="{left - 6}" y="{yy + bar_h / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>')
        if not total:
            body.append(f'<text x="{left}" y="{yy + bar_h / 2 + 4:.1f}" fill="#777">no values</text>')
            continue
        xx = float(left)
        for i, cat in enumerate(categories):
            v = parts.get(cat) or 0
            w = v / total * plot_w
            if w <= 0:
                continue
            body.append(f'<rect class="segment" x="{xx:.1f}" y="{yy}" width="{w:.1f}" height="{bar_h}" '
                        f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)} · {escape(cat)}: '
                        f'{fmt(v)} ({v / total:.1%})</title></rect>')
            if w > 34:
                body.append(f'<text x="{xx + w / 2:.1f}" y="{yy + bar_h / 2 + 4:.1f}" text-anchor="middle" '
                            f'fill="#fff">{v / total:.0%}</text>')
            xx += w
    return _svg(width, height, title, body)


def heatmap(rows: list[tuple[str, str]], years: list[int], cells: dict[tuple[str, int], tuple[str, str]],
            states: dict[str, tuple[str, str]], title: str, cell: int = 16) -> str:
    """Rows (key, label) × years; cells[(key, year)] = (state, tooltip); states: state → (colour, legend)."""
    left = 12 + max((text_width(label) for _, label in rows), default=60)
    width = max(left + len(years) * cell + 20, 560)
    marks, legend_h = legend([(text, colour) for colour, text in states.values()], 0, 32, width)
    top = 32 + legend_h + 12
    height = top + len(rows) * cell + 10
    body = [f'<text x="0" y="14" font-weight="600" font-size="12">{escape(title)}</text>', *marks]
    for j, yr in enumerate(years):
        if yr % 2 == 0 or len(years) < 12:
            body.append(f'<text x="{left + j * cell + cell / 2:.1f}" y="{top - 6}" text-anchor="middle" '
                        f'font-size="9" fill="#555">{str(yr)[2:]}</text>')
    for i, (key, label) in enumerate(rows):
        yy = top + i * cell
        body.append(f'<text x="{left - 6:.1f}" y="{yy + cell - 4}" text-anchor="end">{escape(label)}</text>')
        for j, yr in enumerate(years):
            state, tip = cells.get((key, yr), ("", ""))
            if state in states:
                body.append(f'<rect class="cell" x="{left + j * cell}" y="{yy}" width="{cell - 1}" height="{cell - 1}" '
                            f'fill="{states[state][0]}"><title>{escape(tip)}</title></rect>')
    return _svg(width, height, title, body)


def hbars(items: list[tuple[str, dict[str, float]]], categories: list[str], title: str, width: int = 720) -> str:
    """Horizontal bars of counts, each split by category (e.g. a check split by attribution)."""
    left, bar_h = 12 + max((text_width(label) for label, _ in items), default=60), 18
    plot_w = width - left - 60
    marks, legend_h = legend([(c, PALETTE[i % len(PALETTE)]) for i, c in enumerate(categories)], left, 32, plot_w)
    top = 32 + legend_h
    height = top + len(items) * (bar_h + 6) + 10
    vmax = max((sum(p.values()) for _, p in items), default=0) or 1
    body = [f'<text x="0" y="14" font-weight="600" font-size="12">{escape(title)}</text>', *marks]
    for r, (label, parts) in enumerate(items):
        yy = top + r * (bar_h + 6)
        body.append(f'<text x="{left - 6:.1f}" y="{yy + bar_h - 5}" text-anchor="end">{escape(label)}</text>')
        xx = float(left)
        for i, cat in enumerate(categories):
            w = (parts.get(cat) or 0) / vmax * plot_w
            if w > 0:
                body.append(f'<rect class="bar" x="{xx:.1f}" y="{yy}" width="{w:.1f}" height="{bar_h}" '
                            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)} · {escape(cat)}: '
                            f'{fmt(parts[cat])}</title></rect>')
                xx += w
        body.append(f'<text x="{xx + 4:.1f}" y="{yy + bar_h - 5}" fill="#333">{fmt(sum(parts.values()))}</text>')
    return _svg(width, height, title, body)
