"""Search over labels and alternative names: normalisation, ranking, the
HTML page and its JSON twin."""

from __future__ import annotations

import re

import pytest

from kg.views.search import NameIndex, match_kind, normalize, search
from server import create_app
from tests.test_pages import ID, fixture_store


@pytest.fixture(scope="module")
def store():
    return fixture_store()


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


@pytest.mark.parametrize("raw, expected", [
    ("Sergey LAVROV", "sergey lavrov"),
    ("Zelenskyy’s", "zelenskyys"),
    ("Dolynsʹka", "dolynska"),
    ("Émmanuel  Macron", "emmanuel macron"),
    ("U.S.–Russia", "u s russia"),
    ("Долинська", "dolinska"),  # other scripts are transliterated to Latin letters (anyascii)
    ("Песков", "peskov"),
])
def test_normalize_folds_case_accents_and_punctuation(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("query, name, kind", [
    ("sergey lavrov", "sergey lavrov", "exact"),
    ("serg", "sergey lavrov", "prefix"),
    ("lavrov", "sergey lavrov", "word"),
    ("lav", "sergey lavrov", "word-prefix"),
    ("rov", "sergey lavrov", "substring"),
    ("putin", "sergey lavrov", None),
])
def test_match_kinds(query, name, kind):
    assert match_kind(query, name) == kind


def test_ranking_puts_whole_names_before_prefixes_before_substrings(store):
    hits = search(store, "riyadh")
    iris = [h.iri for h in hits]
    assert iris[0] == ID + "place/riyadh"  # exact label
    assert ID + "event/riyadh-talks" in iris  # prefix of "Riyadh talks"
    assert iris.index(ID + "place/riyadh") < iris.index(ID + "event/riyadh-talks")
    assert hits[0].kind == "exact" and hits[0].score > hits[1].score


def test_alternative_names_and_accents_find_the_entity(store):
    assert search(store, "lawrow")[0].iri == ID + "person/sergey-lavrov"  # German altLabel
    hit = search(store, "DOLYNSKA")[0]
    assert hit.iri == ID + "place/dolynska" and hit.label == "Dolynska"
    assert search(store, "долинська")[0].iri == ID + "place/dolynska"


def test_things_rank_before_the_facts_about_them(store):
    iris = [h.iri for h in search(store, "lav")]
    assert iris.index(ID + "person/sergey-lavrov") < iris.index(ID + "quote/lavrov-very-useful")


def test_one_hit_per_entity_with_its_preferred_label(store):
    hits = search(store, "lavrov")
    lavrov = [h for h in hits if h.iri == ID + "person/sergey-lavrov"]
    assert len(lavrov) == 1 and lavrov[0].label == "Sergey Lavrov"
    assert lavrov[0].kind == "exact" and lavrov[0].matched == "Lavrov"  # the alias "Lavrov" is a whole-name match
    assert "https://kg.example.org/ontology/Person" in lavrov[0].types


def test_index_follows_the_store_when_it_grows(monkeypatch):
    monkeypatch.setattr("kg.storage.pagecache.CHECK_EVERY", 0.0)
    store = fixture_store()
    assert search(store, "zelenskyy") == []
    store.load(f'<{ID}person/volodymyr-zelenskyy> <http://www.w3.org/2000/01/rdf-schema#label> "Volodymyr Zelenskyy"@en .'.encode(),
               __import__("kg.model.formats", fromlist=["NTRIPLES"]).NTRIPLES)
    assert search(store, "zelenskyy")[0].iri == ID + "person/volodymyr-zelenskyy"


def test_empty_and_unmatched_queries_give_no_hits(store):
    index = NameIndex.load(store)
    assert index.search("") == [] and index.search("   ") == [] and index.search("qqqq") == []


def test_search_page_lists_hits_as_links(client):
    page = client.get("/search?q=lavrov").get_data(as_text=True)
    results = re.search(r'<ol class="results">(.*?)</ol>', page, re.S).group(1)
    first = re.search(r'<li><a href="([^"]+)">([^<]+)</a>', results)
    assert first.groups() == ("/id/person/sergey-lavrov", "Sergey Lavrov")
    assert 'role="status"' in page and "for “lavrov”" in page
    assert 'value="lavrov"' in page  # the box keeps the query


def test_search_json_twin(client):
    data = client.get("/search.json?q=lav").get_json()
    assert data["query"] == "lav" and data["count"] == len(data["results"]) >= 1
    top = data["results"][0]
    assert top["iri"] == ID + "person/sergey-lavrov" and top["page"] == "/id/person/sergey-lavrov"
    assert top["match"] == "prefix" and top["matched"] == "Lavrov"  # the alias starts with "lav"
    same = client.get("/search?q=lav", headers={"Accept": "application/json"}).get_json()
    assert same == data


def test_search_escapes_the_query(client):
    page = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_overlong_query_is_400(client):
    resp = client.get("/search.json?q=" + "a" * 500, headers={"Accept": "application/json"})
    assert resp.status_code == 400 and "200 characters" in resp.get_json()["message"]


class CountingStore:
    """A store that counts the queries asked of it."""

    def __init__(self, inner):
        self.inner, self.queries = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, sparql, **kwargs):
        self.queries.append(sparql)
        return self.inner.query(sparql, **kwargs)


def test_the_index_built_at_start_up_serves_the_first_search():
    from kg.views.search import warm

    counting = CountingStore(fixture_store())
    warm(counting).join(120)  # what `kg serve` starts in the background
    built = len(counting.queries)
    assert built >= 2  # names, types (and the labels of the classes)
    assert search(counting, "lavrov")[0].iri == ID + "person/sergey-lavrov"
    assert len(counting.queries) == built  # the search found the index ready


def test_a_repeated_search_page_asks_the_store_nothing():
    counting = CountingStore(fixture_store())
    client = create_app({"STORE_OBJECT": counting, "TESTING": True}).test_client()
    first = client.get("/search.json?q=lavrov").get_json()
    asked = len(counting.queries)
    again = client.get("/search.json?q=lavrov").get_json()
    assert again == first and first["results"][0]["types"]
    assert len(counting.queries) == asked  # class labels come with the index; the hits' articles are remembered
