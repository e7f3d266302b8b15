"""The timeline as a picture: events placed on a time axis, laid out here
and drawn as inline SVG by the page (readable without JavaScript).

* an event on a known day is a dot; a window (earliest begin, latest end)
  or a year is a bar over its range; an event known only to be before (or
  after) a day is a bar that fades out on its open side;
* the axis is compressed: the gap between two consecutive dates is drawn
  on a logarithmic scale (a day, a month and four years stay readable on
  one line), so positions keep the order of dates, not their distances;
* events are packed in lanes so that no bar or label overlaps another;
  labels are cut to ``LABEL_CHARS`` with the full label in ``<title>``;
* undated events are set apart below the axis.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

WIDTH = 960
MARGIN = 24
AXIS_Y = 40  # the axis line; lanes start below it
LANE_H = 24
CHAR_W = 6.6  # estimated width of a character at 12px
LABEL_CHARS = 34
TICK_CHAR_W = 6.6  # generous width of a character of a tick label at 11px
UNDATED_COLUMNS = 3
OPEN_DAYS = 30  # length drawn for an open-ended ("before", "after") range


@dataclass
class Mark:
    """One event drawn on the axis."""

    iri: str
    label: str  # as shown (cut)
    title: str  # full label and date, for the hover title
    precision: str
    start: dt.date
    end: dt.date
    x1: float = 0.0
    x2: float = 0.0
    y: float = 0.0
    text_x: float = 0.0
    anchor: str = "start"  # text-anchor of the label
    uncertain: bool = False

    @property
    def width(self) -> float:
        """The bar's drawn width (at least 4 px)."""
        return round(max(self.x2 - self.x1, 4.0), 1)


@dataclass
class Tick:
    x: float
    date: dt.date
    text: str  # empty when it would collide with the previous label
    anchor: str = "middle"  # text-anchor: the first and last labels stay inside the picture


def cut(text: str, n: int = LABEL_CHARS) -> str:
    """``text`` cut to ``n`` characters with an ellipsis.

    >>> cut("Drone strike on Dolynska", 10)
    'Drone str…'
    """
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def span_of(ev) -> tuple[dt.date, dt.date] | None:
    """First and last day an event may cover, or None when undated."""
    p = ev.precision
    if p == "day":
        day = ev.date or ev.earliest
        return day, day
    if p == "window":
        return ev.earliest, ev.latest
    if p == "before":
        return ev.latest - dt.timedelta(days=OPEN_DAYS), ev.latest
    if p == "after":
        return ev.earliest, ev.earliest + dt.timedelta(days=OPEN_DAYS)
    if p == "year":
        return dt.date(ev.year, 1, 1), dt.date(ev.year, 12, 31)
    return None


def scale(days: list[dt.date], left: float, right: float):
    """A function placing a date between ``left`` and ``right``: the step
    between consecutive known dates grows with the log of their gap."""
    anchors = sorted(set(days))
    if len(anchors) == 1:
        only = anchors[0]
        return lambda d: (left + right) / 2 if d == only else (left if d < only else right)
    steps = [1 + math.log2(1 + (b - a).days) for a, b in zip(anchors, anchors[1:])]
    unit = (right - left) / sum(steps)
    xs = [left]
    for step in steps:
        xs.append(xs[-1] + step * unit)

    def place(d: dt.date) -> float:
        if d <= anchors[0]:
            return left
        for (a, xa), (b, xb) in zip(zip(anchors, xs), zip(anchors[1:], xs[1:])):
            if d <= b:
                return xa + (xb - xa) * ((d - a).days / max((b - a).days, 1))
        return right

    return place


def _ticks(anchors: list[dt.date], place, year_only: set[dt.date]) -> list[Tick]:
    """A tick at each date; a label where it does not collide with the last
    label shown (the first label starts at its tick, the last ends at it)."""
    ticks, last_end = [], -math.inf
    days = sorted(set(anchors))
    for i, day in enumerate(days):
        x = round(place(day), 1)
        text = str(day.year) if day in year_only else f"{day.day} {day:%b} {day.year}"
        width = len(text) * TICK_CHAR_W
        anchor = "start" if i == 0 else ("end" if i == len(days) - 1 and len(days) > 1 else "middle")
        lo = x if anchor == "start" else (x - width if anchor == "end" else x - width / 2)
        show = lo >= last_end + 8
        ticks.append(Tick(x, day, text if show else "", anchor))
        if show:
            last_end = lo + width
    return ticks


def layout(events, width: int = WIDTH) -> dict:
    """Geometry of the timeline picture for ``events`` (in date order)."""
    dated = [(ev, span_of(ev)) for ev in events]
    undated = [ev for ev, span in dated if span is None]
    dated = [(ev, span) for ev, span in dated if span is not None]
    left, right = MARGIN, width - MARGIN
    marks: list[Mark] = []
    lanes: list[float] = []  # right end of the last thing in each lane
    ticks: list[Tick] = []
    if dated:
        anchor_days = [d for ev, (a, b) in dated for d in ((a, b) if ev.precision != "year" else (a,))]
        place = scale(anchor_days, left + 6, right - 6)
        year_only = {a for ev, (a, _) in dated if ev.precision == "year"} - {
            d for ev, (a, b) in dated if ev.precision != "year" for d in (a, b)}
        drawn_only = {a for ev, (a, _) in dated if ev.precision == "before"} | {b for ev, (_, b) in dated if ev.precision == "after"}
        ticks = _ticks([d for d in anchor_days if d not in drawn_only], place, year_only)
        for ev, (start, end) in dated:
            x1, x2 = place(start), place(end)
            if ev.precision == "year":
                x2 = x1 + 24  # a year is drawn as a short bar from its first day
            label = cut(ev.label)
            text_w = len(label) * CHAR_W
            anchor, text_x = "start", x2 + 8
            if text_x + text_w > right:
                anchor, text_x = "end", x1 - 8
            lo, hi = (x1 - 6, text_x + text_w) if anchor == "start" else (text_x - text_w, x2 + 6)
            lane = next((i for i, end_x in enumerate(lanes) if end_x + 10 <= lo), None)
            if lane is None:
                lanes.append(hi)
                lane = len(lanes) - 1
            else:
                lanes[lane] = max(lanes[lane], hi)
            marks.append(Mark(ev.iri, label, f"{ev.label} ({describe_date(ev)})", ev.precision, start, end,
                              round(x1, 1), round(x2, 1), AXIS_Y + 28 + lane * LANE_H, round(text_x, 1), anchor,
                              ev.uncertain))
    undated_top = AXIS_Y + 28 + len(lanes) * LANE_H + (24 if undated else 0)
    column_w = (right - left) / UNDATED_COLUMNS
    rows = math.ceil(len(undated) / UNDATED_COLUMNS)
    cells = [{"iri": ev.iri, "label": cut(ev.label, int(column_w / CHAR_W) - 3), "title": ev.label,
              "x": round(left + (i // rows) * column_w, 1) if rows else left, "y": undated_top + 22 + (i % rows) * 20 if rows else 0}
             for i, ev in enumerate(undated)]
    height = (undated_top + 22 + rows * 20 + 8) if undated else (AXIS_Y + 28 + max(len(lanes), 1) * LANE_H)
    return {"width": width, "height": height, "axis_y": AXIS_Y, "left": left, "right": right, "ticks": ticks,
            "marks": marks, "undated": cells, "undated_y": undated_top, "lanes": len(lanes)}


def describe_date(ev) -> str:
    """The event's date in words, as uncertain as it is.

    >>> from kg.views.timeline import TimelineEvent
    >>> describe_date(TimelineEvent("x", "x", "e", earliest=dt.date(2025, 2, 18), latest=dt.date(2025, 2, 19)))
    'between 2025-02-18 and 2025-02-19'
    """
    p = ev.precision
    if p == "day":
        return (ev.date or ev.earliest).isoformat()
    if p == "window":
        return f"between {ev.earliest.isoformat()} and {ev.latest.isoformat()}"
    if p == "before":
        return f"by {ev.latest.isoformat()}"
    if p == "after":
        return f"after {ev.earliest.isoformat()}"
    if p == "year":
        return f"in {ev.year}"
    return "date unknown"
