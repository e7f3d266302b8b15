"""A class table's first page reads the values of the rows it shows, not
of every instance: the outline (columns, count, every instance with its
label) is enough to sort, filter by name and page. Paging still reaches
every instance with the values the whole table (and its CSV) holds.

Two synthetic corpora (``bench.generator``) of different sizes are served
through a store wrapper that counts the queries and the rows they return.
"""

from __future__ import annotations

import csv
import io

import pytest

from kg.model.namespaces import DIP
from kg.storage import pagecache
from kg.storage.store import Store
from kg.views import classes
from tests.explore_support import CountingStore, client_of, two_corpora

SIZE = 7


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    return two_corpora(tmp_path_factory.mktemp("class-corpora"))


@pytest.fixture(autouse=True)
def no_kept_pages(monkeypatch):
    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)


def first_page_cost(folder, url: str) -> tuple[int, int, int]:
    """(queries, rows, instances) of the first request of ``url``."""
    store = CountingStore(Store.open(folder))
    resp = client_of(store).get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return store.queries, store.rows, classes.load(Store.open(folder), str(DIP.Talks)).total


@pytest.mark.parametrize("url", [f"/class/Talks?size={SIZE}", f"/class/Talks.json?size={SIZE}"])
def test_first_page_reads_the_values_of_the_rows_shown_only(corpora, url):
    small_q, small_rows, small_n = first_page_cost(corpora[12], url)
    big_q, big_rows, big_n = first_page_cost(corpora[40], url)
    assert big_n > 3 * small_n > 3 * SIZE
    assert big_q == small_q
    # One row per instance (and per label) for the outline; the values of
    # the seven rows shown cost the same in both corpora.
    assert big_rows - small_rows <= 2 * (big_n - small_n), (small_rows, big_rows)
    whole = CountingStore(Store.open(corpora[40]))
    classes.load(whole, str(DIP.Talks))
    assert whole.rows - big_rows > 4 * big_n  # reading every row's values would have cost this


def test_paging_reaches_every_instance_with_its_values(corpora):
    store = Store.open(corpora[40])
    client = client_of(store)
    first = client.get(f"/class/Talks.json?size={SIZE}").get_json()
    rows = list(first["rows"])
    for n in range(2, first["pages"] + 1):
        rows += client.get(f"/class/Talks.json?size={SIZE}&page={n}").get_json()["rows"]
    table = classes.load(Store.open(corpora[40]), str(DIP.Talks))
    assert [r["iri"] for r in rows] == [s for s, _, _ in table.rows] and len(rows) == first["total"]
    columns = [c["property"] for c in first["columns"]]
    assert any(r[columns[0]] for r in rows)
    by_csv = list(csv.reader(io.StringIO(client.get("/class/Talks.csv").get_data(as_text=True))))[1:]
    shown = [[r["iri"], r["label"], *(" | ".join(v["iri"] if isinstance(v, dict) else v for v in r[p]) for p in columns)] for r in rows]
    assert shown == by_csv


def test_name_filter_pages_through_the_outline(corpora):
    store = Store.open(corpora[40])
    client = client_of(store)
    table = classes.load(Store.open(corpora[40]), str(DIP.Talks))
    word = table.rows[0][1].split()[0]
    expected = [s for s, label, _ in table.rows if word.casefold() in label.casefold()]
    got = client.get(f"/class/Talks.json?q={word}&size=500").get_json()
    assert [r["iri"] for r in got["rows"]] == expected and got["matching"] == len(expected)
    page = client.get(f"/class/Talks?q={word}").get_data(as_text=True)
    assert f"{len(expected):,} of {table.total:,} match." in page
