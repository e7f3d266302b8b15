"""Copy buttons in a real headless Chromium (Debian's ``chromium`` driven by
Playwright) against ``kg serve`` on the two-article store: the span page's
"Copy citation" puts the citation line on the clipboard (through
``navigator.clipboard``, recorded by a stub, and through the real clipboard
with the permission granted); without scripts no button shows and the
citation is there as text."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import LiveServer
from tests.provenance_support import OTHER, build_two_articles

pytestmark = pytest.mark.browser

SPAN = OTHER + "#char=32,43"
LINE = ("“Marco Rubio”, in “Made-up test fixture: Rubio visits Riyadh” by Jane Doe and John Roe, Example Gazette, "
        f"2025-03-01, characters 32–43, {SPAN}")
# Records what the page writes to the clipboard, whatever the browser allows.
CLIPBOARD_STUB = """
window.__copied = [];
Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {
  writeText: (text) => { window.__copied.push(text); return Promise.resolve(); }}});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_two_articles(tmp_path_factory.mktemp("citation-browser"))
    live = LiveServer(["--store", str(store)])
    yield live
    live.stop()


def new_page(browser, server, **options):  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900}, service_workers="block", **options)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.url) else route.abort())
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


def test_copy_citation_puts_the_line_on_the_clipboard(browser, server):  # noqa: F811
    from playwright.sync_api import expect

    context, page = new_page(browser, server)
    page.add_init_script(CLIPBOARD_STUB)
    page.goto(server.url + "span?iri=" + quote(SPAN, safe=""))
    expect(page.locator("#span-cite-text")).to_have_text(LINE)
    button = page.locator('button[data-copy="span-cite-text"]')
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("window.__copied") == [LINE]
    page.locator("details.bibtex summary").click()
    page.locator('button[data-copy="span-cite-bib"]').click()
    copied = page.evaluate("window.__copied")
    assert copied[1].startswith("@article{madeup-rubio-visit-2025-03-01,") and "journal = {Example Gazette}" in copied[1]
    context.close()


def test_copy_on_an_entity_page_copies_that_evidence_citation(browser, server):  # noqa: F811
    from playwright.sync_api import expect

    context, page = new_page(browser, server)
    page.add_init_script(CLIPBOARD_STUB)
    page.goto(server.url + "id/person/marco-rubio.html")
    quote_block = page.locator(f'section.own-evidence blockquote.evidence[cite="{SPAN}"]')
    expect(quote_block.locator("footer")).to_contain_text("Made-up test fixture: Rubio visits Riyadh")
    quote_block.locator("button.copy").click()
    assert page.evaluate("window.__copied") == [LINE]
    context.close()


def test_the_real_clipboard_holds_the_citation(browser, server):  # noqa: F811
    context, page = new_page(browser, server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    page.goto(server.url + "span?iri=" + quote(SPAN, safe=""))
    page.locator('button[data-copy="span-cite-text"]').click()
    page.wait_for_function("document.querySelector('button[data-copy=\"span-cite-text\"]').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == LINE
    context.close()


def test_without_scripts_the_citation_is_text_and_no_button_shows(browser, server):  # noqa: F811
    from playwright.sync_api import expect

    context, page = new_page(browser, server, java_script_enabled=False)
    page.goto(server.url + "span?iri=" + quote(SPAN, safe=""))
    expect(page.locator("#span-cite-text")).to_have_text(LINE)
    expect(page.locator("button.copy").first).to_be_hidden()
    assert page.locator("button.copy:visible").count() == 0
    context.close()


def test_a_span_iri_opened_in_a_browser_shows_the_words_marked_in_the_article(browser, server):  # noqa: F811
    """``{base}id/article/SLUG#char=32,43`` is served at ``/id/article/SLUG``: 303 to the
    article's page, which sends the fragment on to the article view with the span marked."""
    from playwright.sync_api import expect

    context, page = new_page(browser, server)
    page.goto(server.url + "id/article/madeup-rubio-visit-2025-03-01#char=32,43")
    page.wait_for_url("**/article/madeup-rubio-visit-2025-03-01?span=32,43#char=32,43")
    expect(page.locator(".article-text mark")).to_have_text("Marco Rubio")
    expect(page.locator("#marked-cite")).to_contain_text("characters 32–43")
    page.goto(server.url + "id/article/madeup-rubio-visit-2025-03-01.html")  # no fragment: the page stays
    expect(page.locator("h1")).to_have_text("Made-up test fixture: Rubio visits Riyadh")
    context.close()
