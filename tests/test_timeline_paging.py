"""The timeline's pages cost little whatever the size of the corpus: the
engine orders the events once per store version (one query, one IRI per
event back), counts the filters' values (aggregates), and only the shown
events' fields come back; a later page reads the same rows at any corpus
size. Paging still reaches every event, in the order of the whole list,
with and without filters, and a served store that read every event ahead
at start-up answers the same pages.

Two synthetic corpora (``bench.generator``) of different sizes are served
through a store wrapper that counts the queries and the rows they return.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.model.namespaces import DIP
from kg.storage import pagecache
from kg.storage.store import Store
from kg.views import timeline
from server import explore
from tests.explore_support import CountingStore, client_of, two_corpora

PER_PAGE = 7
OPTIONS = 3  # actor and article values the filters offer: both corpora have more


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    return two_corpora(tmp_path_factory.mktemp("corpora"))


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(explore, "EVENTS_PER_PAGE", PER_PAGE)
    monkeypatch.setattr(explore, "FACET_OPTIONS", OPTIONS)
    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)


def first_page_cost(folder: Path, url: str, after: str = "") -> tuple[int, int, int]:
    """(queries, rows, events in the store) of the first request of ``url``
    (made after ``after``, when given, in the same app)."""
    store = CountingStore(Store.open(folder))
    client = client_of(store)
    if after:
        assert client.get(after).status_code == 200
        store.queries = store.rows = 0
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    events = len(timeline.events(Store.open(folder)))
    return store.queries, store.rows, events


@pytest.mark.parametrize("url", ["/timeline", "/timeline.json"])
def test_first_page_reads_one_iri_per_event_and_the_fields_of_the_shown_ones(corpora, url):
    small_q, small_rows, small_events = first_page_cost(corpora[12], url)
    big_q, big_rows, big_events = first_page_cost(corpora[40], url)
    assert big_events > 3 * small_events > 3 * PER_PAGE  # the corpora differ, and both fill more than a page
    assert big_q == small_q
    # One row per event for the order (its IRI), then the rows of one page
    # of events and of the filters' first values: a few rows more or fewer
    # as the shown events have more or fewer actors.
    assert big_rows - small_rows <= (big_events - small_events) + 2 * PER_PAGE, (small_rows, big_rows)
    old = CountingStore(Store.open(corpora[40]))
    timeline.events(old)
    assert old.rows > 2 * big_rows  # reading every event would have cost this


@pytest.mark.parametrize("first, url", [("/timeline.json", "/timeline.json?page=2"), ("/timeline", "/timeline?page=2")])
def test_a_later_page_reads_the_same_rows_whatever_the_corpus_size(corpora, first, url):
    """The order is kept: a later page reads its events' fields only."""
    small_q, small_rows, _ = first_page_cost(corpora[12], url, after=first)
    big_q, big_rows, big_events = first_page_cost(corpora[40], url, after=first)
    assert big_q == small_q
    assert big_rows <= small_rows + 2 * PER_PAGE, (small_rows, big_rows)
    _, first_rows, _ = first_page_cost(corpora[40], first)
    assert big_rows <= first_rows - big_events  # the order is not read again


def all_pages(client, query: str = "") -> list[dict]:
    """Every event of the JSON twin's pages, first to last."""
    first = client.get(f"/timeline.json?{query}").get_json()
    found = list(first["events"])
    for n in range(2, first["pages"] + 1):
        found += client.get(f"/timeline.json?{query}&page={n}").get_json()["events"]
    assert len(found) == first["total"]
    return found


def test_paging_reaches_every_event_in_order(corpora):
    folder = corpora[40]
    every = timeline.events(Store.open(folder))
    client = client_of(Store.open(folder))
    found = all_pages(client)
    assert [e["iri"] for e in found] == [e.iri for e in every]
    assert [(e["label"], e["date"], e["precision"], e["type"]) for e in found] == [
        (e.label, e.date.isoformat() if e.date else None, e.precision, e.type_label) for e in every]
    assert client.get(f"/timeline.json?page={len(every) // PER_PAGE + 2}").status_code == 404


def test_filters_page_through_the_same_events_as_the_whole_list(corpora):
    folder = corpora[40]
    every = timeline.events(Store.open(folder))
    facets = timeline.facets(every)
    client = client_of(Store.open(folder))
    chosen = [{"kind": str(DIP.Strike)}, {"actor": facets["actor"][0][0]}, {"actor": facets["actor"][-1][0]},
              {"article": facets["article"][0][0]}, {"kind": str(DIP.Talks), "actor": facets["actor"][1][0]}]
    for filters in chosen:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        expected = [e.iri for e in timeline.filtered(every, **filters)]
        assert expected, filters
        assert [e["iri"] for e in all_pages(client, query)] == expected, filters


def test_facet_counts_are_those_of_every_event(corpora):
    store = Store.open(corpora[40])
    whole = timeline.facets(timeline.events(store))
    counted = timeline.facet_counts(store, limit=5)
    assert counted["kind"] == whole["kind"]
    assert counted["actor"] == whole["actor"][:5] and counted["article"] == whole["article"][:5]
    page = client_of(store).get("/timeline").get_data(as_text=True)
    offered = re.search(rf'<option value="{re.escape(str(DIP.Strike))}">[^<]*\((\d+)\)</option>', page)
    assert offered and int(offered[1]) == dict(whole["kind"])[str(DIP.Strike)]


def test_a_chosen_value_beyond_the_offered_ones_is_offered_with_its_count(corpora):
    store = Store.open(corpora[40])
    whole = timeline.facets(timeline.events(store))
    rare, n = whole["article"][-1]
    page = client_of(store).get(f"/timeline?article={rare}").get_data(as_text=True)
    assert f'<option value="{rare}" selected>' in page and f"({n})</option>" in page
    assert f"{n:,} of {len(timeline.events(store)):,} events match" in page


def test_a_store_read_ahead_at_start_up_answers_the_same_pages(corpora):
    folder = corpora[40]
    ahead = Store.open(folder)
    explore.warm(ahead)
    assert explore.warmed_events(ahead) is not None
    cold = CountingStore(Store.open(folder))
    warm_client, cold_client = client_of(ahead), client_of(cold)
    facets = timeline.facets(timeline.events(ahead))
    for query in ("", "page=2", "kind=" + str(DIP.Strike), "actor=" + facets["actor"][0][0] + "&page=2"):
        assert warm_client.get("/timeline.json?" + query).get_json() == cold_client.get("/timeline.json?" + query).get_json()
        warm_html = warm_client.get("/timeline?" + query).get_data(as_text=True)
        assert warm_html == cold_client.get("/timeline?" + query).get_data(as_text=True)
    assert cold.queries > 0


@pytest.mark.parametrize("name, value", [("actor", "nothing"), ("kind", "x y"), ("article", 'http://ex.org/a"> }')])
def test_a_filter_that_is_not_an_iri_is_refused_with_its_name(corpora, name, value):
    resp = client_of(Store.open(corpora[12])).get("/timeline.json", query_string={name: value})
    assert resp.status_code == 400
    assert resp.get_json()["message"].startswith(f"{name} must be an absolute IRI")


def test_kg_serve_answers_the_same_pages_while_and_after_it_reads_ahead(corpora, monkeypatch):
    """Over HTTP, ``kg serve`` reads the events ahead in the background
    from its start: every page it answers, before and after, is the page
    the engine gives one at a time."""
    import json
    import time
    import urllib.request

    from tests.conftest import LiveServer

    monkeypatch.undo()  # the served process has its own page size: compare at that size
    folder = corpora[40]
    client = client_of(Store.open(folder))
    top_actor = timeline.facet_counts(Store.open(folder))["actor"][0][0]
    queries = ["", "kind=" + urllib.request.quote(str(DIP.Strike), safe=""), "actor=" + urllib.request.quote(top_actor, safe="")]
    expected = {q: client.get("/timeline.json?" + q).get_json() for q in queries}
    server = LiveServer(["--store", str(folder)])
    try:
        deadline, rounds = time.monotonic() + 30, 0
        while rounds < 5 and time.monotonic() < deadline:
            for q in queries:
                with urllib.request.urlopen(server.url + "timeline.json?" + q, timeout=30) as resp:
                    got = json.load(resp)
                assert got == expected[q], q
            rounds += 1
            time.sleep(0.5)
        assert rounds == 5
    finally:
        server.stop()
