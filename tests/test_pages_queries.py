"""What an entity page costs the store: a bounded number of queries, the
same whatever the page shows (labels in one query, the sections in at most
four, the evidence of everything linked in three), and on a store that
cannot change, nothing asked twice that an earlier page fetched (labels,
articles, kinds of types). Counted through a wrapper around the store, not
timed (speed is measured in bench/pages_profile.py)."""

from __future__ import annotations

import pytest

from kg.storage import pagecache
from kg.storage.store import Store
from server import create_app
from tests.test_pages import ID, fixture_store, html

# Queries of one entity page (they were 13 to 17 on these pages: labels, spans,
# article texts and each section's columns were asked for separately).
MAX_QUERIES = 11
PAGES = {"event/riyadh-talks": "Riyadh talks", "person/sergey-lavrov": "Sergey Lavrov", "place/riyadh": "Riyadh",
         "state/russia": "Russia"}


class CountingStore:
    """A store that keeps the text of every query asked of it."""

    def __init__(self, inner):
        self.inner = inner
        self.asked: list[str] = []

    def query(self, sparql, **kw):
        self.asked.append(sparql)
        return self.inner.query(sparql, **kw)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __len__(self):
        return len(self.inner)


def label_queries(asked: list[str]) -> list[str]:
    return [q for q in asked if q.startswith("SELECT DISTINCT ?s ?p ?l")]


@pytest.mark.parametrize("suffix", [".html", ".json"])
@pytest.mark.parametrize("path", sorted(PAGES))
def test_an_entity_page_asks_a_bounded_number_of_queries(path, suffix):
    store = CountingStore(fixture_store())
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    resp = client.get(f"/id/{path}{suffix}")
    assert resp.status_code == 200 and PAGES[path] in resp.get_data(as_text=True)
    assert len(store.asked) <= MAX_QUERIES, "\n\n".join(store.asked)
    assert len(label_queries(store.asked)) == 1, "every label of the page in one query"


def on_disk(tmp_path) -> Store:
    """The fixture as a read-only on-disk store (``frozen``: it cannot change)."""
    writable = Store.open(tmp_path / "s", read_only=False)
    writable.extend(fixture_store().inner.quads_for_pattern(None, None, None, None))
    writable.flush()
    del writable
    return Store.open(tmp_path / "s")


def test_a_store_that_cannot_change_is_not_asked_again_for_labels_articles_or_kinds(tmp_path, monkeypatch):
    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)  # every page computed afresh
    store = CountingStore(on_disk(tmp_path))
    assert store.frozen
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    first = html(client, "/id/event/riyadh-talks.html")
    before = list(store.asked)
    store.asked.clear()
    again = html(client, "/id/event/riyadh-talks.html")
    assert again == first
    assert label_queries(before) and not label_queries(store.asked)
    assert not [q for q in store.asked if "isString" in q or "subClassOf" in q], "article texts and kinds are kept"
    assert len(store.asked) < len(before)
    # another page asks only for the labels it has not seen: the event's are not asked again
    store.asked.clear()
    html(client, "/id/person/sergey-lavrov.html")
    asked_labels = " ".join(label_queries(store.asked))
    assert f"<{ID}event/riyadh-talks>" not in asked_labels and "rdf-syntax-ns#type" not in asked_labels


def test_a_store_that_cannot_change_is_asked_once_for_the_spans_of_each_node(tmp_path, monkeypatch):
    """The spans of what a page links to (states, people, places linked
    from many pages) are kept per node: the same page again asks for none,
    and shows the same evidence; a page linking some of the same nodes
    asks only for the others."""
    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)
    store = CountingStore(on_disk(tmp_path))
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    evidence = "<https://kg.example.org/ontology/evidence>"
    first = html(client, "/id/event/riyadh-talks.html")
    assert [q for q in store.asked if evidence in q]
    assert 'class="evidence"' in first
    store.asked.clear()
    assert html(client, "/id/event/riyadh-talks.html") == first
    assert not [q for q in store.asked if evidence in q], "\n\n".join(store.asked)
    store.asked.clear()
    assert "Riyadh talks" in html(client, "/id/place/riyadh.html")  # links the event; the event page linked the place
    asked = " ".join(q for q in store.asked if evidence in q)
    assert f"<{ID}event/riyadh-talks>" not in asked and f"<{ID}place/riyadh>" not in asked


def test_spans_kept_past_their_bound_are_dropped_and_asked_again(tmp_path, monkeypatch):
    from kg.views import evidence_view

    monkeypatch.setattr(pagecache, "PAGES_KEPT", 0)
    monkeypatch.setattr(evidence_view, "SPANS_KEPT", 1)  # a page's spans are more than that
    store = CountingStore(on_disk(tmp_path))
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    first = html(client, "/id/event/riyadh-talks.html")
    html(client, "/id/person/sergey-lavrov.html")  # its spans replace the event page's
    store.asked.clear()
    assert html(client, "/id/event/riyadh-talks.html") == first == html(create_app(
        {"STORE_OBJECT": fixture_store(), "TESTING": True}).test_client(), "/id/event/riyadh-talks.html")
    assert [q for q in store.asked if "<https://kg.example.org/ontology/evidence>" in q]
