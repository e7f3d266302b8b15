"""The home page reads what it shows: aggregate counts, the first
articles (``LIMIT``) and the timeline's first events (the engine orders
and cuts; their fields are read for them alone), not every event. Its
content is the one reading every event gave: the first events of the
whole timeline. The overview read-ahead of ``kg serve`` also reads the
home page's figures and the class tables' outlines, and a store read
ahead answers the same home page and class tables as one that did not.

Two synthetic corpora (``bench.generator``) of different sizes are served
through a store wrapper that counts the queries and the rows they return.
"""

from __future__ import annotations

import pytest

from kg.model.namespaces import DIP
from kg.storage import pagecache
from kg.storage.store import Store
from kg.views import classes, home, timeline
from kg.views.context import event_json
from server import explore
from tests.explore_support import CountingStore, client_of, two_corpora

SIZE = 7  # rows of a class table's page


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    return two_corpora(tmp_path_factory.mktemp("home-corpora"))


@pytest.fixture(autouse=True)
def no_kept_pages(monkeypatch):
    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)


def named_graphs(folder) -> int:
    return len(list(Store.open(folder).query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")))


def home_cost(folder, url: str) -> tuple[int, int, dict]:
    """(queries, rows, JSON or text) of the first request of ``url``."""
    store = CountingStore(Store.open(folder))
    resp = client_of(store).get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return store.queries, store.rows, resp.get_json() if url.endswith(".json") else resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/index.json"])
def test_home_reads_no_row_per_event(corpora, url):
    small_q, small_rows, _ = home_cost(corpora[12], url)
    big_q, big_rows, _ = home_cost(corpora[40], url)
    small_events, big_events = (len(timeline.events(Store.open(corpora[n]))) for n in (12, 40))
    assert big_events > 3 * small_events > 3 * home.HOME_EVENTS
    assert big_q == small_q
    # The counts per named graph are one row per graph (the JSON twin lists
    # them); every other row is an aggregate, a LIMIT-ed article or a
    # field of a shown event: a few more or fewer as classes and the shown
    # events' fields differ.
    more_graphs = named_graphs(corpora[40]) - named_graphs(corpora[12])
    assert big_rows - small_rows <= more_graphs + 4 * home.HOME_EVENTS, (small_rows, big_rows)
    every = CountingStore(Store.open(corpora[40]))
    timeline.events(every)
    assert every.rows > big_rows  # reading every event alone would have cost more


def test_home_shows_the_first_events_of_the_whole_timeline(corpora):
    folder = corpora[40]
    _, _, body = home_cost(folder, "/index.json")
    first = timeline.events(Store.open(folder))[:home.HOME_EVENTS]
    assert len(first) == home.HOME_EVENTS
    unlinked = lambda e: {k: v for k, v in e.items() if k != "page"}  # noqa: E731
    assert [unlinked(e) for e in body["events"]] == [unlinked(event_json(e, None)) for e in first]
    _, _, page = home_cost(folder, "/")
    assert all(e.label in page for e in first)
    articles = body["articles"]
    assert body["article_count"] == 40 and len(articles) == min(40, home.MAX_ARTICLES)
    assert [a[0] for a in articles] == sorted(a[0] for a in articles)


def test_a_store_read_ahead_answers_the_same_home_and_class_tables(corpora):
    folder = corpora[40]
    ahead = Store.open(folder)
    explore.warm(ahead)
    cold, warm = client_of(Store.open(folder)), client_of(ahead)
    for url in ("/index.json", f"/class/Talks.json?size={SIZE}", f"/class/Talks.json?size={SIZE}&page=3",
                "/class/Strike.json", "/class/Person.json?q=a"):
        assert warm.get(url).get_json() == cold.get(url).get_json(), url
    assert warm.get("/").get_data(as_text=True) == cold.get("/").get_data(as_text=True)


def warmed_class_page_cost(folder) -> tuple[int, int, int]:
    """(queries, rows, instances) of a class table's first page in a store read ahead."""
    store = CountingStore(Store.open(folder))
    explore.warm(store)
    store.queries = store.rows = 0
    resp = client_of(store).get(f"/class/Talks.json?size={SIZE}")
    assert resp.status_code == 200 and len(resp.get_json()["rows"]) == SIZE
    return store.queries, store.rows, classes.outline(Store.open(folder), str(DIP.Talks)).total


def test_a_class_table_read_ahead_reads_the_rows_shown_only(corpora):
    small_q, small_rows, small_n = warmed_class_page_cost(corpora[12])
    big_q, big_rows, big_n = warmed_class_page_cost(corpora[40])
    assert big_n > 3 * small_n > 3 * SIZE
    assert big_q == small_q
    assert big_rows <= small_rows + 2 * SIZE, (small_rows, big_rows)  # the outline is not read again
    assert big_rows < big_n
