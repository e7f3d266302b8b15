"""Pages of much-linked things: caps are kept in the queries and the page
says how many there are in all; the search index answers as a scan of
every name would, and is rebuilt only when the store can have changed."""

from __future__ import annotations

import random
import re

import pytest

from kg.model import formats as F
from kg.storage import pagecache
from kg.views.search import FACT_CLASSES, NameIndex, SCORES, ALIAS_PENALTY, FACT_PENALTY, match_kind, normalize, search
from kg.storage.store import Store
from server import create_app
from tests.test_pages import ARTICLE, DIP, ID, fixture_store, html, section, text_of

LAVROV = ID + "person/sergey-lavrov"


@pytest.fixture(scope="module")
def crowded():
    """Lavrov with 1,500 participations, 40 quotes, 120 aliases, 400 evidence spans."""
    store = fixture_store()
    lines = [f'<{ID}participation/x{i:04d}> <{DIP}representedBy> <{LAVROV}> ; <{DIP}inEvent> <{ID}event/riyadh-talks> ; '
             f'<http://www.w3.org/2000/01/rdf-schema#label> "Participation {i:04d}" .' for i in range(1500)]
    lines += [f'<{ID}quote/q{i:02d}> <{DIP}speaker> <{LAVROV}> ; <{DIP}quoteText> "words {i:02d}" .' for i in range(40)]
    lines += [f'<{LAVROV}> <http://www.w3.org/2004/02/skos/core#altLabel> "Alias {i:03d}" .' for i in range(120)]
    lines += [f"<{LAVROV}> <{DIP}evidence> <{ARTICLE}#char={i // 20},{i // 20 + 1 + i % 20}> ." for i in range(400)]
    store.load("\n".join(lines).encode(), F.TURTLE)
    return store


@pytest.fixture(scope="module")
def page(crowded):
    client = create_app({"STORE_OBJECT": crowded, "TESTING": True}).test_client()
    return html(client, "/id/person/sergey-lavrov.html")


def test_thousands_of_incoming_links_show_the_cap_and_the_right_count(page):
    incoming = section(page, "Linked from")
    assert 'data-count="1501"' in incoming  # 1,500 added + the fixture's own
    shown = re.findall(r'href="/id/participation/x(\d{4})"', incoming)
    assert len(shown) == 10 and shown == sorted(shown)  # the kept links are sorted
    assert "All 1,501 linked as represented by" in incoming


def test_a_section_past_its_cap_says_how_many_there_are(page):
    quotes = section(page, "Quotes")
    assert len(re.findall(r'href="/id/quote/q\d\d"', quotes)) == 25
    assert "25 of 41 shown." in text_of(quotes) and "All 41" in quotes


def test_outgoing_values_are_capped_with_their_total(page):
    assert page.count(">Alias ") == 50
    aliases = re.search(r'<p class="aliases">(.*?)</p>', page, re.S).group(1)
    assert text_of(aliases).endswith("and 72 more (see the RDF twin )")  # 120 added + the fixture’s 2, 50 shown


def test_the_rdf_twin_keeps_every_outgoing_value(crowded):
    client = create_app({"STORE_OBJECT": crowded, "TESTING": True}).test_client()
    assert client.get("/id/person/sergey-lavrov.nt").get_data(as_text=True).count('"Alias ') == 120


def test_evidence_of_a_much_mentioned_entity_is_counted_in_full(page):
    own = section(page, "In the article’s words")
    assert own.count('<blockquote class="evidence"') == 5
    assert "And 396 more mentions in the articles." in own  # 400 added, 1 more of the fixture’s (char=71,77): 401, 5 shown


# -- search index ---------------------------------------------------------------

def scan(index: NameIndex, q: str, limit: int = 50) -> list[tuple]:
    """The reference: every name matched one by one (the index must agree)."""
    query, best = normalize(q), {}
    for iri, name, norm, alias in index.names:
        kind = match_kind(query, norm)
        if kind is None:
            continue
        fact = bool(index.types.get(iri, set()) & FACT_CLASSES)
        score = SCORES[kind] - (ALIAS_PENALTY if alias else 0) - (FACT_PENALTY if fact else 0)
        if iri not in best or (score, -len(name), ) > (best[iri][0], -len(best[iri][1])) or (
                (score, len(name)) == (best[iri][0], len(best[iri][1])) and name < best[iri][1]):
            best[iri] = (score, name, kind)
    rows = sorted(((-s, len(n), index.labels.get(i, n).lower(), i, n, k) for i, (s, n, k) in best.items()))
    return [(i, n, k, -s) for s, _, _, i, n, k in rows[:limit]]


def test_the_index_ranks_as_a_scan_of_every_name_would():
    rng = random.Random(5)
    syllables = ["ka", "ro", "vel", "ni", "dor", "as", "lav", "rov", "tal", "ks", "é", "mi"]
    word = lambda: "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))).capitalize()  # noqa: E731
    rows, labels, types = set(), {}, {}
    for n in range(400):
        iri = f"{ID}thing/t{n}"
        label = " ".join(word() for _ in range(rng.randint(1, 4)))
        labels[iri] = label
        rows.add((iri, label, normalize(label), False))
        if rng.random() < 0.3:
            alias = " ".join(word() for _ in range(rng.randint(1, 3)))
            rows.add((iri, alias, normalize(alias), True))
        types[iri] = {DIP + ("Quotation" if rng.random() < 0.2 else "Person")}
    index = NameIndex(rows, labels, types)
    queries = ["ka", "rov", "lav rov", "kar", "e", "el", "tal ks", "Ro", "é", "nidor", "a k", "zz", "s mi"]
    queries += [rng.choice(sorted(labels.values())) for _ in range(10)]
    for q in queries:  # typo matches ("fuzzy") come after these and are tested in test_search_fuzzy.py
        exact = [(h.iri, h.matched, h.kind, h.score) for h in index.search(q) if h.kind != "fuzzy"]
        assert exact == scan(index, q), q


def test_a_read_only_store_is_never_recounted(tmp_path, monkeypatch):
    writable = Store.open(tmp_path / "s", read_only=False)
    writable.load(f'<{LAVROV}> <http://www.w3.org/2000/01/rdf-schema#label> "Sergey Lavrov" .'.encode(), F.NTRIPLES)
    writable.flush()
    del writable
    store = Store.open(tmp_path / "s")
    assert store.read_only and pagecache.version(store) == pagecache.FROZEN
    assert search(store, "lavrov")[0].iri == LAVROV
    monkeypatch.setattr("kg.storage.pagecache.CHECK_EVERY", 0.0)
    monkeypatch.setattr(Store, "__len__", lambda self: pytest.fail("a read-only store was counted"))
    assert search(store, "serg")[0].iri == LAVROV


def test_a_writable_store_gets_a_new_index_when_it_changes(monkeypatch):
    monkeypatch.setattr("kg.storage.pagecache.CHECK_EVERY", 0.0)
    store = fixture_store()
    first = pagecache.cached(store, "names", lambda: NameIndex.load(store))
    assert pagecache.cached(store, "names", lambda: pytest.fail("rebuilt without a change")) is first
    store.load(f'<{ID}person/x> <http://www.w3.org/2000/01/rdf-schema#label> "Xavier Quill" .'.encode(), F.NTRIPLES)
    assert search(store, "quill")[0].iri == ID + "person/x"


def test_a_read_only_store_renders_each_document_once(tmp_path, monkeypatch):
    writable = Store.open(tmp_path / "s", read_only=False)
    writable.extend(fixture_store().inner.quads_for_pattern(None, None, None, None))
    writable.flush()
    del writable
    client = create_app({"STORE_OBJECT": Store.open(tmp_path / "s"), "TESTING": True}).test_client()
    first = html(client, "/id/person/sergey-lavrov.html")
    asked, query = [], Store.query

    def counting(self, sparql, **kw):
        asked.append(sparql)
        return query(self, sparql, **kw)

    monkeypatch.setattr(Store, "query", counting)
    assert html(client, "/id/person/sergey-lavrov.html") == first and asked == []
    turtle = client.get("/id/person/sergey-lavrov.ttl")  # another document: computed, not the page's
    assert turtle.status_code == 200 and "Sergey Lavrov" in turtle.get_data(as_text=True) and asked
