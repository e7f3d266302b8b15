"""The neighbourhood diagram of an entity page, laid out on the server and
drawn as inline SVG (readable without JavaScript).

The layout cannot overlap by construction: the entity sits in the middle;
the things it links to stand in a column on the right, the things that link
to it in a column on the left (the longer column spills into the other
so both stay short), one row each, rows further apart than a box is high.
Each edge runs horizontally from its box to a bus beside the centre, then
into the centre; its property label sits on its own horizontal stretch, so
no label crosses a box, another label or another edge. Labels longer than
their room are cut with an ellipsis; the full text is the ``<title>`` shown
on hover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.views.entity_page import EntityPage, neighbours

WIDTH = 960
ROW_H = 46  # distance between rows; a box is NODE_H high
NODE_W, NODE_H = 200, 30
CENTRE_W, CENTRE_H = 240, 44
MARGIN = 10
BUS_GAP = 16  # between the bus and the centre box
NODE_CHARS = 24  # characters that fit a box at 13px
EDGE_CHARS = 20  # characters that fit between a box and the bus at 12px
CENTRE_CHARS = 25


@dataclass
class Spoke:
    iri: str
    label: str  # as drawn (maybe cut)
    full_label: str
    prop_label: str  # as drawn (maybe cut)
    full_prop: str
    incoming: bool
    side: str  # "left" or "right"
    x: float  # the box's top-left corner
    y: float
    lx: float  # the property label's centre
    ly: float
    points: str = ""  # the edge as an SVG polyline, from the box to the centre

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2

    @property
    def cy(self) -> float:
        return self.y + NODE_H / 2


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def sides(items: list) -> tuple[list, list]:
    """Incoming links on the left, outgoing on the right, the longer column
    spilling its last items into the shorter.

    >>> [len(s) for s in sides([("a", "", "", False)] * 5)]
    [2, 3]
    """
    left = [it for it in items if it[3]]
    right = [it for it in items if not it[3]]
    half = math.ceil(len(items) / 2)
    while len(right) > half:
        left.append(right.pop())
    while len(left) > half:
        right.append(left.pop())
    return left, right


def layout(page: EntityPage, items: list | None = None) -> dict:
    """Centre, columns and edges (see the module's docstring); ``items``:
    the page's neighbours when taken before rows were dropped."""
    left, right = sides(neighbours(page) if items is None else items)
    rows = max(len(left), len(right), 1)
    height = rows * ROW_H + 2 * MARGIN
    cx, cy = WIDTH / 2, height / 2
    centre = {"x": cx - CENTRE_W / 2, "y": cy - CENTRE_H / 2, "w": CENTRE_W, "h": CENTRE_H}
    spokes = []
    for side, column in (("left", left), ("right", right)):
        top = cy - len(column) * ROW_H / 2
        for i, (iri, label, prop, inc) in enumerate(column):
            row_y = top + i * ROW_H + ROW_H / 2
            if side == "left":
                box_x, near, bus, rim = MARGIN, MARGIN + NODE_W, centre["x"] - BUS_GAP, centre["x"]
            else:
                box_x, near, bus, rim = WIDTH - MARGIN - NODE_W, WIDTH - MARGIN - NODE_W, centre["x"] + CENTRE_W + BUS_GAP, centre["x"] + CENTRE_W
            spoke = Spoke(iri, _short(label, NODE_CHARS), label, _short(prop, EDGE_CHARS), prop, inc, side,
                          box_x, round(row_y - NODE_H / 2, 1), round((near + bus) / 2, 1), round(row_y - 5, 1))
            path = [(near, row_y), (bus, row_y), (bus, cy), (rim, cy)]
            if not inc:  # the link is stated by the centre: draw it from the centre to the box
                path.reverse()
            spoke.points = " ".join(f"{round(x, 1)},{round(y, 1)}" for x, y in path)
            spokes.append(spoke)
    return {"width": WIDTH, "height": height, "cx": cx, "cy": cy, "centre": centre,
            "label": _short(page.label, CENTRE_CHARS), "full_label": page.label, "spokes": spokes,
            "node_w": NODE_W, "node_h": NODE_H}
