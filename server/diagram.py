"""The neighbourhood diagram of an entity page: a radial layout computed on
the server and drawn as inline SVG (readable without JavaScript)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.entity_page import EntityPage

WIDTH, HEIGHT = 800, 480
MAX_NEIGHBOURS = 12


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


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def neighbours(page: EntityPage) -> list[tuple[str, str, str, bool]]:
    """(iri, label, property label, incoming?) of linked things, capped."""
    seen, out = set(), []
    for group in page.groups:
        if group.title == "Evidence and provenance":
            continue
        for row in group.rows:
            for v in row.values:
                if v.kind == "iri" and v.text not in seen and not v.is_span:
                    seen.add(v.text)
                    out.append((v.text, v.label, row.label, False))
    for inc in page.incoming:
        for v in inc.subjects:
            if v.kind == "iri" and v.text not in seen:
                seen.add(v.text)
                out.append((v.text, v.label, inc.label, True))
    return out[:MAX_NEIGHBOURS]


def layout(page: EntityPage) -> dict:
    """Centre and spokes positioned on an ellipse around it."""
    items = neighbours(page)
    cx, cy, rx, ry = WIDTH / 2, HEIGHT / 2, WIDTH / 2 - 100, HEIGHT / 2 - 30
    spokes = []
    for i, (iri, label, prop, inc) in enumerate(items):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(items), 1)
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        spokes.append(Spoke(iri, _short(label), _short(prop, 22), inc, round(x, 1), round(y, 1),
                            round(cx + 0.5 * (x - cx), 1), round(cy + 0.5 * (y - cy) + 4, 1)))
    return {"width": WIDTH, "height": HEIGHT, "cx": cx, "cy": cy, "label": _short(page.label, 30), "spokes": spokes}
