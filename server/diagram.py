"""The neighbourhood diagram of an entity page: a radial layout computed on
the server and drawn as inline SVG (readable without JavaScript)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.views.entity_page import EntityPage, neighbours

WIDTH, HEIGHT = 800, 480


CENTRE_RX, CENTRE_RY = 130, 26
NODE_HALF_W, NODE_HALF_H = 95, 15


@dataclass
class Spoke:
    iri: str
    label: str
    prop_label: str
    incoming: bool
    x: float
    y: float
    lx: float  # edge label position
    ly: float
    x1: float = 0.0  # the edge, from the centre's rim to the node's box
    y1: float = 0.0
    x2: float = 0.0
    y2: float = 0.0


def _edge(cx: float, cy: float, x: float, y: float) -> tuple[float, float, float, float]:
    """Ends of the line from the centre ellipse's rim to the node box's edge."""
    dx, dy = x - cx, y - cy
    rim = 1 / math.hypot(dx / CENTRE_RX, dy / CENTRE_RY)
    box = min(NODE_HALF_W / abs(dx) if dx else math.inf, NODE_HALF_H / abs(dy) if dy else math.inf)
    return (round(cx + dx * rim, 1), round(cy + dy * rim, 1), round(x - dx * box, 1), round(y - dy * box, 1))


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def layout(page: EntityPage, items: list | None = None) -> dict:
    """Centre and spokes positioned on an ellipse around it; ``items``:
    the page's neighbours when taken before rows were dropped."""
    items = neighbours(page) if items is None else items
    cx, cy, rx, ry = WIDTH / 2, HEIGHT / 2, WIDTH / 2 - 100, HEIGHT / 2 - 30
    spokes = []
    for i, (iri, label, prop, inc) in enumerate(items):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(items), 1)
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        spoke = Spoke(iri, _short(label), _short(prop, 22), inc, round(x, 1), round(y, 1),
                      round(cx + 0.55 * (x - cx), 1), round(cy + 0.55 * (y - cy) + 4, 1))
        spoke.x1, spoke.y1, spoke.x2, spoke.y2 = _edge(cx, cy, x, y)
        spokes.append(spoke)
    return {"width": WIDTH, "height": HEIGHT, "cx": cx, "cy": cy, "rx": CENTRE_RX, "ry": CENTRE_RY,
            "label": _short(page.label, 24), "spokes": spokes}
