"""The query page in a real headless Chromium (Debian's ``chromium`` driven
by Playwright, as tests/test_browser.py): a syntax error keeps the query
and is marked at its line, ``dip:`` completes ontology terms and a name
completes entities, a GROUP BY query draws a chart, and the permalink
restores query, format and view (with and without JavaScript).

Screenshots go to test-artifacts/; with KG_UPDATE_SCREENSHOTS=1 the ones in
docs/screenshots/ are refreshed.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.browser

BAD = 'SELECT ?person ?name WHERE {\n  ?person a dip:Person ;\n          rdfs:label ?name\n  FILTER(LANG(?name) = "en"\n}\n'
COUNTS = ("SELECT ?class (COUNT(?s) AS ?n) WHERE {\n  ?s a ?c . ?c rdfs:label ?class .\n"
          "  FILTER(STRSTARTS(STR(?c), STR(dip:)))\n} GROUP BY ?class ORDER BY DESC(?n) ?class LIMIT 15\n")


def shot(page, artifacts, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(artifacts / f"browser-query-{name}.png"), full_page=full_page)
    if os.environ.get("KG_UPDATE_SCREENSHOTS"):
        (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(REPO / "docs" / "screenshots" / f"query-{name}.png"), full_page=full_page)


@pytest.fixture()
def context(browser, live_server):  # noqa: F811 - the fixture imported above
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, service_workers="block")
    ctx.external = []
    ctx.route("**/*", lambda route: (ctx.external.append(route.request.url), route.abort())
              if not route.request.url.startswith(live_server.url) else route.continue_())
    yield ctx
    assert ctx.external == [], f"pages fetched from outside the service: {ctx.external}"
    ctx.close()


def open_editor(context, live_server):
    page = context.new_page()
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(live_server.url + "sparql")
    page.wait_for_selector(".editor.enhanced pre.hl")
    page.errors = errors
    return page


def run(page, query: str, view: str = "table") -> None:
    page.locator("#query").fill(query)
    page.locator(f'input[name="view"][value="{view}"]').check()
    with page.expect_navigation():
        page.locator("#query-editor button[type=submit]").click()
    page.wait_for_selector(".editor.enhanced pre.hl")


def test_syntax_error_keeps_the_query_and_marks_its_line(context, live_server, artifacts):
    from playwright.sync_api import expect

    page = open_editor(context, live_server)
    run(page, BAD)
    assert page.locator("#query").input_value() == BAD
    message = page.locator(".query-error .error-message")
    expect(message).to_contain_text("line 4, column 9")
    expect(message).not_to_contain_text("\\u{")
    # The error is marked in the editor itself: the band over line 4, the mark on its "(".
    band = page.locator(".err-band")
    expect(band).to_be_visible()
    line_height = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#query')).lineHeight)")
    area_top = page.locator("#query").bounding_box()["y"]
    assert abs(band.bounding_box()["y"] - area_top - 3 * line_height) < line_height / 2 + 2
    mark = page.locator("pre.hl .err-mark")
    expect(mark).to_have_text("(")
    assert abs(mark.bounding_box()["y"] - band.bounding_box()["y"]) < line_height
    shot(page, artifacts, "error")
    assert page.errors == []


def test_completion_offers_terms_and_entities(context, live_server, artifacts):
    from playwright.sync_api import expect

    page = open_editor(context, live_server)
    area = page.locator("#query")
    area.fill("SELECT ?x ?name WHERE {\n  ?x a ")
    area.press("End")
    page.keyboard.press("Control+End")
    area.type("dip:Pers", delay=30)
    listbox = page.locator("ul.completions")
    expect(listbox).to_be_visible()
    expect(listbox.locator("li").first).to_contain_text("dip:Person")
    shot(page, artifacts, "complete-term")
    page.keyboard.press("Enter")
    assert area.input_value().endswith("?x a dip:Person")
    expect(listbox).to_be_hidden()

    area.type(" ;\n     rdfs:label ?name .\n  FILTER(?x = Lavr", delay=20)
    option = listbox.locator("li.entity", has_text="Sergey Lavrov").first
    expect(option).to_be_visible()
    shot(page, artifacts, "complete-entity")
    option.click()
    assert area.input_value().endswith("FILTER(?x = <https://kg.example.org/id/person/sergey-lavrov>")
    area.type(")\n}", delay=10)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page.locator(".result-table tbody tr")).to_have_count(1)
    expect(page.locator(".result-table tbody")).to_contain_text("Sergey Lavrov")
    assert page.errors == []


def test_completion_offers_prefixes(context, live_server):
    from playwright.sync_api import expect

    page = open_editor(context, live_server)
    area = page.locator("#query")
    area.fill("SELECT * WHERE {\n  ?s ")
    page.keyboard.press("Control+End")
    area.type("sk", delay=30)
    option = page.locator("ul.completions li", has_text="skos:").first
    expect(option).to_be_visible()
    expect(option).to_contain_text("http://www.w3.org/2004/02/skos/core#")
    page.keyboard.press("Tab")
    assert area.input_value().endswith("?s skos:")
    area.type("prefLabel ?l }", delay=10)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page.locator("#prefix-note")).to_contain_text("Declared for you: skos:")
    assert page.errors == []


def test_chart_for_group_by_and_permalink_restores_it(context, live_server, artifacts):
    from playwright.sync_api import expect

    page = open_editor(context, live_server)
    run(page, COUNTS, view="chart")
    chart = page.locator("figure.result-chart svg.bar-chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 15
    expect(page.locator(".result-table")).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 1220})
    shot(page, artifacts, "chart")

    # The tabs switch without reloading and keep the URL a permalink.
    page.locator('.view-tabs a[data-view="table"]').click()
    expect(page.locator(".result-table")).to_be_visible()
    expect(chart).to_be_hidden()
    assert "view=" not in page.url
    page.locator('.view-tabs a[data-view="chart"]').click()
    expect(chart).to_be_visible()
    link = page.locator("a.permalink").get_attribute("href")
    assert parse_qs(urlparse(link).query) == {"query": [COUNTS], "format": ["html"], "view": ["chart"]}
    assert parse_qs(urlparse(page.url).query)["view"] == ["chart"]

    fresh = context.new_page()
    fresh.goto(live_server.url.rstrip("/") + link)
    expect(fresh.locator("figure.result-chart svg.bar-chart")).to_be_visible()
    assert fresh.locator("#query").input_value() == COUNTS
    expect(fresh.locator('input[name="view"][value="chart"]')).to_be_checked()
    expect(fresh.locator("#format")).to_have_value("html")
    assert page.errors == []


def test_time_chart_places_events_by_date(context, live_server, artifacts):
    from playwright.sync_api import expect

    page = open_editor(context, live_server)
    run(page, "SELECT ?event ?date WHERE {\n  ?e rdfs:label ?event ; ?p ?date .\n"
              "  FILTER(DATATYPE(?date) = xsd:date)\n}", view="chart")
    svg = page.locator("figure.result-chart svg.time-chart")
    expect(svg).to_be_visible()
    events = svg.locator("g.event")
    assert events.count() >= 3
    dates = [t.split(" · ")[-1] for t in events.locator("title").all_text_contents()]
    xs = [float(c) for c in events.locator("circle").evaluate_all("cs => cs.map(c => c.getAttribute('cx'))")]
    assert dates == sorted(dates)
    assert all(a <= b for a, b in zip(xs, xs[1:])) and xs[0] < xs[-1]
    # Labels never overlap.
    boxes = [events.nth(i).locator("text").bounding_box() for i in range(events.count())]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or \
                a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            assert apart, (a, b)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator("section.results").scroll_into_view_if_needed()
    page.evaluate("document.querySelector('section.results').scrollIntoView()")
    shot(page, artifacts, "time-chart")


def test_permalink_without_javascript(browser, live_server):  # noqa: F811
    from playwright.sync_api import expect

    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(live_server.url + "sparql?" + "&".join([
        "query=" + COUNTS.replace("\n", "%0A").replace(" ", "%20").replace("?", "%3F").replace("#", "%23").replace("+", "%2B"),
        "format=html", "view=chart"]))
    expect(page.locator("figure.result-chart svg.bar-chart")).to_be_visible()
    expect(page.locator(".result-table")).to_be_hidden()
    page.locator('.view-tabs a[data-view="table"]').click()
    expect(page.locator(".result-table")).to_be_visible()
    assert page.locator("#query").input_value() == COUNTS
    ctx.close()


def test_full_iri_can_be_copied(context, live_server):
    from playwright.sync_api import expect

    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url.rstrip("/"))
    page = open_editor(context, live_server)
    run(page, "SELECT ?p WHERE { ?p a dip:Person ; rdfs:label 'Sergey Lavrov'@en }")
    cell = page.locator(".result-table td").first
    expect(cell.locator("a")).to_have_text("id:person/sergey-lavrov")
    cell.locator("button.copy-iri").click()
    expect(cell.locator("button.copy-iri")).to_have_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == "<https://kg.example.org/id/person/sergey-lavrov>"
