"""The stances index reads the details of the positions it shows (the
wording, quote, evidence text, labels), not of every position: finding the
changes of stance needs only each position's holders, topics, stance,
article and date. Paging through the changes still gives every change
with the same details as reading every position at once.
"""

from __future__ import annotations

import pytest

from kg.storage import pagecache
from kg.storage.store import Store
from kg.views import stances
from server import create_app, explore
from tests.explore_support import CountingStore, corpus_store

PER_PAGE = 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return corpus_store(tmp_path_factory.mktemp("stance-corpus") / "n40", 40)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(explore, "STANCES_PER_PAGE", PER_PAGE)
    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)


def test_the_index_reads_details_of_the_shown_positions_only(corpus):
    store = CountingStore(Store.open(corpus))
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    page = client.get("/stances").get_data(as_text=True)
    everything = explore.all_stances(store)
    assert len(everything["changes"]) > 2 * PER_PAGE
    filled = [st for st in everything["positions"] if st.filled]
    shown = everything["changes"][::-1][:PER_PAGE]
    assert {st.iri for st in filled} == {st.iri for c in shown for st in (c.before, c.after)}
    for change in shown:
        for st in (change.before, change.after):
            words = st.quote or st.content
            assert words and words.replace('"', "&#34;").replace("'", "&#39;") in page
            assert st.article[1] and st.article[1] in page


def test_paging_gives_every_change_with_its_details(corpus):
    client = create_app({"STORE_OBJECT": Store.open(corpus), "TESTING": True}).test_client()
    first = client.get("/stances.json").get_json()
    found = list(first["changes"])
    for n in range(2, first["pages"] + 1):
        found += client.get(f"/stances.json?page={n}").get_json()["changes"]
    with create_app({"TESTING": True, "STORE_OBJECT": Store.open(corpus)}).test_request_context():
        expected = [explore.change_json(c) for c in stances.changes(stances.load(Store.open(corpus)))[::-1]]
    assert found == expected and len(found) == first["change_count"]
