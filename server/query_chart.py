"""Charts of SELECT results as SVG, drawn on the server (no script needed).

A result with a label column and a numeric column is a bar chart (one bar a
row, longest first as the query ordered them); a result with a date column
is a time chart (points placed by date, joined when a number gives their
height, else standing on the axis). ``chart(table, compact)`` picks the
kind, or says why the result cannot be charted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
                             "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}
DATES = {XSD + t for t in ("date", "dateTime", "gYear", "gYearMonth", "dateTimeStamp")}
MAX_BARS = 40
MAX_POINTS = 500
WIDTH = 860
_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


@dataclass
class Chart:
    """What the page shows: ``svg`` (markup) or ``reason`` (why not), and what was drawn."""

    kind: str | None = None  # "bar" or "time"
    svg: Markup | None = None
    reason: str = ""
    label: str = ""
    value: str = ""
    date: str = ""
    shown: int = 0
    total: int = 0
    notes: list[str] = field(default_factory=list)


def _number(cell) -> float | None:
    if not cell or cell.get("kind") != "literal" or cell.get("datatype") not in NUMERIC or cell.get("cut"):
        return None
    try:
        return float(cell["value"])
    except ValueError:
        return None


def _date(cell) -> dt.date | None:
    if not cell or cell.get("kind") != "literal" or cell.get("datatype") not in DATES:
        return None
    m = _DATE.match(cell["value"])
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None


def _column_kind(rows: list, i: int) -> str:
    cells = [r[i] for r in rows if r[i] is not None]
    if not cells:
        return "empty"
    if all(_number(c) is not None for c in cells):
        return "number"
    if all(_date(c) is not None for c in cells):
        return "date"
    return "text"


def _text(cell, compact) -> str:
    if cell is None:
        return "(none)"
    if cell["kind"] == "iri":
        return compact(cell["value"])
    return cell["value"]


def chart(table: dict | None, compact=lambda iri: iri) -> Chart:
    """The chart for a result table (from ``kg.storage.results.table``)."""
    if not table or table.get("kind") != "solutions" or not table["rows"]:
        return Chart(reason="Only a SELECT result with rows can be charted.")
    columns, rows = table["columns"], table["rows"]
    kinds = [_column_kind(rows, i) for i in range(len(columns))]
    numbers = [i for i, k in enumerate(kinds) if k == "number"]
    dates = [i for i, k in enumerate(kinds) if k == "date"]
    texts = [i for i, k in enumerate(kinds) if k == "text"]
    # A literal label reads better than an IRI: prefer the first column of plain text.
    literal_texts = [i for i in texts if any(r[i] and r[i]["kind"] == "literal" for r in rows)]
    if dates:
        label = (literal_texts or texts or [None])[0]
        return _time_chart(columns, rows, dates[0], numbers[0] if numbers else None, label, compact)
    if numbers and texts:
        return _bar_chart(columns, rows, (literal_texts or texts)[0], numbers[0], compact)
    return Chart(reason="A chart needs a label column and a numeric column (a bar chart), "
                        "or a column of xsd:date values (a time chart).")


def _bar_chart(columns, rows, label_i, value_i, compact) -> Chart:
    data = [(_text(r[label_i], compact), _number(r[value_i])) for r in rows if _number(r[value_i]) is not None]
    shown = data[:MAX_BARS]
    top = max((abs(v) for _, v in shown), default=0) or 1
    bar_h, gap, left, right = 22, 6, 260, 70
    height = len(shown) * (bar_h + gap) + 30
    span = WIDTH - left - right
    parts = [f'<svg class="chart bar-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(columns[value_i])} by {escape(columns[label_i])}</title>']
    for n, (text, value) in enumerate(shown):
        y = 10 + n * (bar_h + gap)
        w = max(1.0, span * abs(value) / top)
        short = text if len(text) <= 38 else text[:37] + "…"
        parts.append(
            f'<g class="bar"><title>{escape(text)}: {_fmt(value)}</title>'
            f'<text class="label" x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2"/>'
            f'<text class="value" x="{left + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}">{_fmt(value)}</text></g>')
    axis_y = 10 + len(shown) * (bar_h + gap) - gap / 2
    parts.append(f'<line class="axis" x1="{left}" y1="6" x2="{left}" y2="{axis_y:.1f}"/></svg>')
    notes = [f"The first {MAX_BARS} of {len(data)} bars are drawn."] if len(data) > MAX_BARS else []
    return Chart("bar", Markup("".join(parts)), label=columns[label_i], value=columns[value_i],
                 shown=len(shown), total=len(rows), notes=notes)


def _time_chart(columns, rows, date_i, value_i, label_i, compact) -> Chart:
    points = []
    for r in rows:
        day = _date(r[date_i])
        value = _number(r[value_i]) if value_i is not None else None
        if day is None or (value_i is not None and value is None):
            continue
        text = _text(r[label_i], compact) if label_i is not None else r[date_i]["value"]
        points.append((day, value, text))
    points.sort(key=lambda p: p[0])
    points = points[:MAX_POINTS]
    if not points:
        return Chart(reason="No row has a date to place.")
    if value_i is None:
        return _event_chart(columns, points, date_i, label_i)
    first, last = points[0][0], points[-1][0]
    left, right, top_pad, height = 70, 40, 20, 300
    base_y = height - 50
    x = _scale(first, last, left, WIDTH - right)
    top = max(v for _, v, _ in points) or 1
    y = lambda v: base_y - (base_y - top_pad) * (v / top)  # noqa: E731
    title = f"{columns[value_i]} over {columns[date_i]}"
    parts = [_svg_open("time-chart", height, title), _axis(first, last, x, base_y, left, WIDTH - right)]
    parts.append(f'<text class="tick-label" x="{left - 8}" y="{top_pad + 4}" text-anchor="end">{_fmt(top)}</text>'
                 f'<text class="tick-label" x="{left - 8}" y="{base_y}" text-anchor="end">0</text>')
    if len(points) > 1:
        path = " ".join(f"{'M' if n == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for n, (d, v, _) in enumerate(points))
        parts.append(f'<path class="line" d="{path}"/>')
    for d, v, text in points:
        parts.append(f'<circle class="point" cx="{x(d):.1f}" cy="{y(v):.1f}" r="5"><title>{escape(text)} · {d.isoformat()}: {_fmt(v)}</title></circle>')
    parts.append("</svg>")
    return Chart("time", Markup("".join(parts)), label=columns[label_i] if label_i is not None else "",
                 value=columns[value_i], date=columns[date_i], shown=len(points), total=len(rows))


def _event_chart(columns, points, date_i, label_i) -> Chart:
    """Dated rows without a number: each a dot on the time axis with its
    label beside it, stacked in lanes so that no two labels overlap."""
    first, last = points[0][0], points[-1][0]
    left, right, lane_h = 40, 40, 22
    x = _scale(first, last, left + 10, WIDTH - right - 200)
    lanes: list[float] = []  # right edge of the last label in each lane
    placed = []
    for d, _, text in points:
        short = text if len(text) <= 48 else text[:47] + "…"
        start, width = x(d), 10 + 6.6 * len(short)
        lane = next((n for n, edge in enumerate(lanes) if edge < start - 4), None)
        if lane is None:
            lanes.append(0.0)
            lane = len(lanes) - 1
        lanes[lane] = start + width
        placed.append((d, text, short, lane))
    base_y = 20 + len(lanes) * lane_h + 10
    height = base_y + 40
    title = f"{columns[date_i]} on a time axis"
    parts = [_svg_open("time-chart", height, title), _axis(first, last, x, base_y, left, WIDTH - right)]
    for d, text, short, lane in placed:
        cx, cy = x(d), base_y - 12 - (len(lanes) - 1 - lane) * lane_h
        parts.append(f'<g class="event"><title>{escape(text)} · {d.isoformat()}</title>'
                     f'<line class="stem" x1="{cx:.1f}" y1="{cy:.1f}" x2="{cx:.1f}" y2="{base_y}"/>'
                     f'<circle class="point" cx="{cx:.1f}" cy="{cy:.1f}" r="5"/>'
                     f'<text class="label" x="{cx + 9:.1f}" y="{cy + 4:.1f}">{escape(short)}</text></g>')
    parts.append("</svg>")
    return Chart("time", Markup("".join(parts)), label=columns[label_i] if label_i is not None else "",
                 date=columns[date_i], shown=len(points), total=len(points))


def _svg_open(kind: str, height: float, title: str) -> str:
    return (f'<svg class="chart {kind}" role="img" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>')


def _scale(first: dt.date, last: dt.date, x0: float, x1: float):
    days = (last - first).days
    if days <= 0:
        return lambda d: (x0 + x1) / 2
    return lambda d: x0 + (x1 - x0) * (d - first).days / days


def _axis(first: dt.date, last: dt.date, x, base_y: float, x0: float, x1: float) -> str:
    parts = [f'<line class="axis" x1="{x0}" y1="{base_y}" x2="{x1}" y2="{base_y}"/>']
    days = (last - first).days
    for tick in _ticks(first, last):
        tx = x(tick)
        label = tick.isoformat()[:7] if days > 120 else tick.isoformat()
        parts.append(f'<line class="tick" x1="{tx:.1f}" y1="{base_y}" x2="{tx:.1f}" y2="{base_y + 5}"/>'
                     f'<text class="tick-label" x="{tx:.1f}" y="{base_y + 20}" text-anchor="middle">{label}</text>')
    return "".join(parts)


def _ticks(first: dt.date, last: dt.date, count: int = 6) -> list[dt.date]:
    """Up to ``count`` dates from first to last, whole days, none repeated."""
    days = (last - first).days
    if days <= 0:
        return [first]
    steps = min(count - 1, days)
    return sorted({first + dt.timedelta(days=round(days * n / steps)) for n in range(steps + 1)})


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
