"""In headless Chromium: the stance page for a party shows each stance with
its article, the change of stance side by side, and the article link leads
to the article."""

from __future__ import annotations

import pytest

from tests.explore_support import browser_page, live_three_articles, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_three_articles(tmp_path_factory.mktemp("stances-live")) as live:
        yield live


def test_party_page_shows_each_stance_with_its_article(browser, server, artifacts):  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page(browser, server)
    page.goto(server.url + "stances")
    page.locator("ul.stance-index a", has_text="Marco Rubio").click()
    page.wait_for_url("**/stances/person/marco-rubio")
    expect(page.locator("h1")).to_have_text("Stances: Marco Rubio")
    held = page.locator("section.held article.stance")
    expect(held).to_have_count(2)
    expect(held.nth(0).locator(".verdict")).to_have_text("supports")
    expect(held.nth(0).locator("a.article")).to_contain_text("Riyadh talks between Russia and the United States")
    expect(held.nth(0).locator("time")).to_have_text("19 February 2025")
    expect(held.nth(1).locator(".verdict")).to_have_text("rejects")
    expect(held.nth(1).locator("a.article")).to_have_text("Made-up test fixture: Rubio doubts cooperation")
    expect(held.nth(1).locator("q")).to_have_text("We will not partner with the Russians while the strikes go on")
    change = page.locator(".stance-change").first
    expect(change.locator("h3")).to_contain_text("supports → rejects")
    before, after = change.locator(".before").bounding_box(), change.locator(".after").bounding_box()
    assert abs(before["y"] - after["y"]) < 2 and before["x"] + before["width"] <= after["x"]  # side by side
    screenshot(page, "stances-party", artifacts)
    held.nth(1).locator("a.article").click()
    page.wait_for_url("**/id/article/madeup-rubio-doubts-2025-03-10*")
    expect(page.locator("h1")).to_contain_text("Rubio doubts cooperation")
    assert page.external == []
