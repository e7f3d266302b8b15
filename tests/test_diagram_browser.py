"""In headless Chromium, with the fonts the browser really uses: on the
talks page no two boxes or labels of the neighbourhood diagram overlap, and
every node label fits inside its box."""

from __future__ import annotations

import pytest

from tests.explore_support import browser_page, screenshot

pytestmark = pytest.mark.browser


def overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_talks_diagram_has_no_overlaps(browser, live_server, artifacts):  # noqa: F811
    page = browser_page(browser, live_server)
    page.goto(live_server.url + "id/event/riyadh-talks.html")
    found = page.eval_on_selector_all("figure.diagram svg rect, figure.diagram svg text", """els => els.map(e => {
        const r = e.getBoundingClientRect();
        return {tag: e.tagName, cls: e.getAttribute('class'), x: r.x, y: r.y, width: r.width, height: r.height,
                text: e.textContent, parent: e.parentNode.querySelector('rect') ? e.parentNode.querySelector('rect').getBoundingClientRect().toJSON() : null};
    })""")
    rects = [f for f in found if f["tag"] == "rect"]
    edge_labels = [f for f in found if f["cls"] == "edge-label"]
    assert len(rects) == 13 and len(edge_labels) == 12
    drawn = rects + edge_labels
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            assert not overlap(a, b), (a["text"] or a["cls"], b["text"] or b["cls"])
    for label in (f for f in found if f["cls"] in ("node-label", "centre-label")):
        box = label["parent"]
        assert box["x"] <= label["x"] and label["x"] + label["width"] <= box["x"] + box["width"], label["text"]
    screenshot(page, "diagram-talks", artifacts, "figure.diagram")
    assert page.external == []
