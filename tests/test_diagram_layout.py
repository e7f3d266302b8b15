"""The neighbourhood diagram places boxes and labels without collisions:
parsed from the talks page's SVG, no two boxes overlap, no label leaves its
room, and a cut label carries its full text as a hover title."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from kg.views.entity_page import EntityPage
from server import create_app, diagram
from tests.explore_support import three_article_store

SVG = "{http://www.w3.org/2000/svg}"
NODE_CHAR_W, EDGE_CHAR_W, CENTRE_CHAR_W = 7.4, 6.6, 8.6  # generous widths of a character at 13, 12, 14 px bold


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = three_article_store(tmp_path_factory.mktemp("diagram"))
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


def diagram_svg(client, url: str) -> ET.Element:
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'<figure class="diagram">\s*(<svg.*?</svg>)', html, re.S)
    assert found, f"{url} draws no diagram"
    return ET.fromstring(found.group(1))


def boxes(svg: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """(x1, y1, x2, y2, what) of every box and every label, as drawn."""
    out = []
    for rect in svg.iter(f"{SVG}rect"):
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        out.append((x, y, x + w, y + h, "box " + rect.get("class")))
    for text in svg.iter(f"{SVG}text"):
        if text.get("class") != "edge-label":
            continue
        x, y, label = float(text.get("x")), float(text.get("y")), "".join(text.itertext())
        title = text.find(f"{SVG}title")
        shown = label[len(title.text):] if title is not None else label
        w = len(shown) * EDGE_CHAR_W
        out.append((x - w / 2, y - 11, x + w / 2, y + 3, "label " + shown))
    return out


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_no_two_boxes_or_labels_overlap_on_the_talks_page(client):
    svg = diagram_svg(client, "/id/event/riyadh-talks.html")
    found = boxes(svg)
    assert len([b for b in found if b[4].startswith("box node")]) == 12
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            assert not overlap(a, b), f"{a[4]!r} overlaps {b[4]!r}"
    width, height = (float(v) for v in svg.get("viewBox").split()[2:])
    assert all(0 <= b[0] and b[2] <= width and 0 <= b[1] and b[3] <= height for b in found)


def test_labels_fit_their_boxes_and_cut_ones_have_a_full_title(client):
    svg = diagram_svg(client, "/id/event/riyadh-talks.html")
    cut = 0
    for g in svg.iter(f"{SVG}g"):
        rect, text, title = g.find(f"{SVG}rect"), g.find(f"{SVG}text"), g.find(f"{SVG}title")
        if rect is None:
            continue
        char_w = CENTRE_CHAR_W if "centre" in rect.get("class") else NODE_CHAR_W
        assert len(text.text) * char_w <= float(rect.get("width")), text.text
        if text.text.endswith("…"):
            cut += 1
            assert title.text.startswith(text.text[:-1]), (text.text, title.text)
    assert cut >= 1  # the talks page has long labels; each cut one keeps its full text


def test_edges_do_not_cross_boxes(client):
    svg = diagram_svg(client, "/id/event/riyadh-talks.html")
    rects = [b for b in boxes(svg) if b[4].startswith("box")]
    for line in svg.iter(f"{SVG}polyline"):
        pts = [tuple(float(v) for v in p.split(",")) for p in line.get("points").split()]
        for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
            seg = (min(x1, x2) + 0.5, min(y1, y2) - 0.1, max(x1, x2) - 0.5, max(y1, y2) + 0.1)
            assert not any(overlap(seg, r) for r in rects), (line.get("points"), seg)


@pytest.mark.parametrize("n_in, n_out", [(0, 12), (12, 0), (5, 7), (1, 1), (0, 0)])
def test_layout_never_overlaps_whatever_the_mix(n_in, n_out):
    items = [(f"i{k}", "x" * 40, "p" * 30, True) for k in range(n_in)] + [(f"o{k}", "y" * 40, "q", False) for k in range(n_out)]
    d = diagram.layout(EntityPage("c", "c" * 60, []), items)
    rects = [(s.x, s.y, s.x + diagram.NODE_W, s.y + diagram.NODE_H) for s in d["spokes"]]
    c = d["centre"]
    rects.append((c["x"], c["y"], c["x"] + c["w"], c["y"] + c["h"]))
    for i, a in enumerate(rects):
        assert all(not overlap(a, b) for b in rects[i + 1:])
    assert all(len(s.label) <= diagram.NODE_CHARS and len(s.prop_label) <= diagram.EDGE_CHARS for s in d["spokes"])
    assert len(d["label"]) <= diagram.CENTRE_CHARS and d["full_label"] == "c" * 60
