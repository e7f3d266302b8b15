"""End to end in a real headless Chromium (Debian's ``chromium``, driven by
Playwright): home -> search "Lavrov" -> his page -> his quote in the article
-> the talks page -> an example query on the SPARQL page. Screenshots go to
test-artifacts/; with KG_UPDATE_SCREENSHOTS=1 the README's one is refreshed.

Not skipped when the browser is missing: `make test` installs it, and CI
must run this test.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.browser


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"browser-{name}.png"), full_page=True)


def test_reader_journey(browser, live_server, artifacts):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    external = []
    context.route("**/*", lambda route: (external.append(route.request.url), route.abort())
                  if not route.request.url.startswith(live_server.url) else route.continue_())
    page = context.new_page()
    page.set_default_timeout(20000)

    page.goto(live_server.url)
    expect(page.locator("h1")).to_have_text("Diplomatic news as a knowledge graph")
    expect(page.locator("ul.class-index")).to_contain_text("Person")
    shot(page, artifacts, "1-home")

    page.locator("#home-q").fill("Lavrov")
    page.locator("#home-q").press("Enter")
    page.wait_for_url("**/search?q=Lavrov")
    first = page.locator("ol.results li a").first
    expect(first).to_have_text("Sergey Lavrov")
    shot(page, artifacts, "2-search")

    first.click()
    page.wait_for_url("**/id/person/sergey-lavrov.html")
    expect(page.locator("h1")).to_have_text("Sergey Lavrov")
    quotes = page.locator("section.profile-quotes")
    expect(quotes).to_contain_text("very useful")
    expect(quotes.locator("mark").first).to_be_visible()
    shot(page, artifacts, "3-lavrov")
    if os.environ.get("KG_UPDATE_SCREENSHOTS"):
        (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(REPO / "docs" / "screenshots" / "entity-page.png"), full_page=False)

    quotes.locator("blockquote.evidence a").first.click()
    page.wait_for_url("**/article/riyadh-talks-2025-02-19?span=*")
    expect(page.locator("h1")).to_contain_text("Russia and the United States")
    marked = page.locator(".article-text mark")
    expect(marked.first).to_be_visible()
    expect(marked.first).to_contain_text("very useful")
    expect(page.locator('.article-text a.mention[href="/id/person/sergey-lavrov"]').first).to_be_visible()
    shot(page, artifacts, "4-article")

    page.go_back()
    page.locator("section.profile-events a", has_text="talks").first.click()
    page.wait_for_url("**/id/event/riyadh-talks.html")
    expect(page.locator("h1")).to_contain_text("talks in Riyadh")
    who = page.locator("section.profile-who")
    expect(who).to_contain_text("Marco Rubio")
    expect(who).to_contain_text("negotiator")
    expect(page.locator("figure.diagram svg")).to_be_visible()
    shot(page, artifacts, "5-talks")

    page.locator("header.site nav a", has_text="SPARQL").click()
    page.wait_for_url("**/sparql")
    page.locator("section.examples li a").first.click()
    rows = page.locator("section.results table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 1
    shot(page, artifacts, "6-sparql")
    assert external == [], f"pages fetched from outside the service: {external}"
    context.close()
