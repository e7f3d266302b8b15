"""In headless Chromium: from the ontology term, the class page for Person
lists every person, and its CSV link downloads every person."""

from __future__ import annotations

import csv
import json
import urllib.request

import pytest

from tests.explore_support import browser_page, live_three_articles, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_three_articles(tmp_path_factory.mktemp("classes-live")) as live:
        yield live


def persons(server) -> set[str]:
    query = "SELECT DISTINCT ?p WHERE { ?p a <https://kg.example.org/ontology/Person> }"
    req = urllib.request.Request(server.url + "sparql?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return {b["p"]["value"] for b in json.load(resp)["results"]["bindings"]}


def test_person_page_lists_every_person_with_a_working_csv(browser, server, artifacts):  # noqa: F811
    from playwright.sync_api import expect

    everyone = persons(server)
    page = browser_page(browser, server)
    page.goto(server.url + "ontology/Person.html")
    page.locator("a.class-table").click()
    page.wait_for_url("**/class/Person")
    rows = page.locator("table.instances tbody tr")
    expect(rows).to_have_count(len(everyone))
    expect(page.locator("table.instances")).to_contain_text("Marco Rubio")
    hrefs = set(page.eval_on_selector_all("table.instances tbody th a", "as => as.map(a => a.href)"))
    assert {h.split("/id/", 1)[1] for h in hrefs} == {p.split("/id/", 1)[1] for p in everyone}
    screenshot(page, "class-person", artifacts)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert {r["iri"] for r in table} == everyone
    assert download.value.suggested_filename == "Person.csv"

    page.goto(server.url + "class/Person")
    page.fill("form.filters input[name=q]", "rubio")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert "q=rubio" in page.url, page.url
    expect(rows).to_have_count(1)
    assert page.external == []
