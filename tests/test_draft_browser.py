"""The review page of `kg draft --html` in a real headless Chromium: what
a curator sees (highlights by kind, each linked to its YAML entry, the
sentences no proposal covers), hostile text shown as text, no request
leaves the file."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from kg.cli import main
from tests.conftest import REPO, SLUG, data_folder

pytestmark = pytest.mark.browser
REAL = REPO / "data" / "articles" / SLUG


def review_page(tmp_path, text: str, *known) -> str:
    data = data_folder(tmp_path / "data", *known)
    article = tmp_path / "article.txt"
    article.write_text(text, encoding="utf-8")
    page = tmp_path / "review.html"
    result = CliRunner().invoke(main, ["draft", str(article), "--date", "2025-02-19", "--slug", "reviewed",
                                       "--data", str(data), "--html", str(page)])
    assert result.exit_code == 0, result.output
    return page.as_uri()


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    requests, dialogs = [], []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()
                                         if route.request.url.startswith("file://") else route.abort()))
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    return context, page, requests, dialogs


def test_review_page_links_each_highlight_to_its_entry(browser, tmp_path):
    from playwright.sync_api import expect

    text = REAL.joinpath("article.txt").read_text(encoding="utf-8")
    context, page, requests, dialogs = open_page(browser, review_page(tmp_path, text, REAL))
    try:
        expect(page.locator("h1")).to_have_text("Draft review: reviewed")
        rubio = page.locator('article a.p[data-id="person/marco-rubio"]').first
        expect(rubio).to_have_text("Marco Rubio")
        expect(rubio).to_have_class("p k-entity c-high")
        assert "gazetteer" in rubio.get_attribute("title")
        rubio.click()
        assert page.url.split("#")[1].startswith("n-")
        entry = page.locator(f"#{page.url.split('#')[1]}")
        expect(entry).to_be_visible()
        expect(entry).to_contain_text("id: person/marco-rubio")
        expect(entry).to_contain_text("proposed: {rule: gazetteer")
        expect(page.locator("article a.p.k-quote").first).to_have_text("There are incredible opportunities that exist "
                                                                        "to partner with the Russians on issues of common"
                                                                        " interest and, frankly, economically on issues "
                                                                        "that hopefully will be good for the world and "
                                                                        "also improve our relations in the long term")
        expect(page.locator("article a.p.k-number", has_text="176 drones")).to_have_count(1)
        # the background of a highlight is its kind's colour
        colour = page.locator("article a.p.k-number").first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(255, 208, 220)"
        expect(page.locator("#uncovered-title")).to_contain_text("Sentences no proposal covers")
        assert requests and all(u.startswith("file://") for u in requests) and not dialogs
    finally:
        context.close()


def test_hostile_text_is_shown_as_text(browser, tmp_path):
    from playwright.sync_api import expect

    text = ('<script>alert("owned")</script><img src=x onerror=alert(1)> Foreign Minister Anna Berg said '
            '“<b>never</b>”.\n\nThe weather was mild.')
    context, page, requests, dialogs = open_page(browser, review_page(tmp_path, text))
    try:
        article = page.locator("article#text")
        expect(article).to_contain_text('<script>alert("owned")</script><img src=x onerror=alert(1)>')
        expect(page.locator("article script, article img, article b")).to_have_count(0)
        expect(page.locator('article a.p[data-id="person/anna-berg"]')).to_have_text("Anna Berg")
        expect(page.locator("article a.p.k-quote")).to_have_text("<b>never</b>")
        expect(page.locator("#uncovered li")).to_have_text(["The weather was mild."])
        assert not dialogs and all(u.startswith("file://") for u in requests)
    finally:
        context.close()
