"""In headless Chromium: the timeline picture places dated events in date
order, with no two labels overlapping as the browser draws them; the
filters work by submitting the form (no script)."""

from __future__ import annotations

import re

import pytest

from tests.explore_support import browser_page, live_three_articles, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_three_articles(tmp_path_factory.mktemp("timeline-live")) as live:
        yield live


def boxes_overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_timeline_svg_places_dated_events_in_order(browser, server, artifacts):  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page(browser, server)
    page.goto(server.url + "timeline")
    expect(page.locator("figure.tl-picture svg")).to_be_visible()
    marks = page.eval_on_selector_all("g.tl-mark", """gs => gs.map(g => {
        const shape = g.querySelector('circle, rect').getBoundingClientRect();
        const text = g.querySelector('text').getBoundingClientRect();
        return {start: g.dataset.start, x: shape.x + (g.querySelector('circle') ? shape.width / 2 : 0),
                label: {x: text.x, y: text.y, width: text.width, height: text.height},
                bar: {x: shape.x, y: shape.y, width: shape.width, height: shape.height}};
    })""")
    assert len(marks) >= 6
    by_day: dict[str, float] = {}
    for m in marks:
        by_day.setdefault(m["start"], m["x"])
    days = sorted(by_day)
    xs = [by_day[d] for d in days]
    assert all(a < b for a, b in zip(xs, xs[1:])), list(zip(days, xs))
    drawn = [m["label"] for m in marks] + [m["bar"] for m in marks]
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            assert not boxes_overlap(a, b), (a, b)
    assert page.locator("g.tl-undated").count() >= 1
    screenshot(page, "timeline", artifacts)

    page.select_option("select[name=article]", label="Made-up test fixture: Rubio visits Riyadh (1)")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/timeline\?.*article=.*"))
    expect(page.locator("ol.timeline li")).to_have_count(1)
    expect(page.locator("ol.timeline li")).to_contain_text("Rubio’s visit to Riyadh (made-up)")
    assert page.external == []
