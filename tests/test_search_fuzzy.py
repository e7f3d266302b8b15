"""Search that forgives: other spellings, transliterations and typos find
the entity ("Sergei Lavrov", "lavrof", "Zelenskiy"), ranked exact name >
alias > fuzzy match, with the words that matched shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.authoring.build import build_dataset
from kg.model.formats import NTRIPLES
from kg.model.namespaces import DIP, entity_ns
from kg.storage.store import Store
from kg.views.search import NameIndex
from server import create_app

REPO = Path(__file__).resolve().parent.parent
ID = str(entity_ns())
SLUG = "riyadh-talks-2025-02-19"


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(REPO / "data", REPO / "ontology")


def store_of(dataset, *names) -> Store:
    store = Store.in_memory()
    for name in names:
        store.load(dataset.graph(name).serialize(format="nt", encoding="utf-8"), NTRIPLES)
    return store


@pytest.fixture(scope="module")
def article_store(dataset) -> Store:
    """The article's own graph and the background (no other article)."""
    from kg.model.namespaces import article_graph, background_graph

    return store_of(dataset, article_graph(SLUG), background_graph())


@pytest.fixture(scope="module")
def client(dataset):
    """The article's own graph alone: the background's alternative names
    ("Sergei Lavrov", "Зеленский") would find these spellings without any
    typo tolerance (tests/test_search_variants.py)."""
    from kg.model.namespaces import article_graph

    return create_app({"STORE_OBJECT": store_of(dataset, article_graph(SLUG)), "TESTING": True}).test_client()


@pytest.mark.parametrize("query, iri, words", [
    ("Sergei Lavrov", "person/sergey-lavrov", ["Sergey", "Lavrov"]),
    ("lavrof", "person/sergey-lavrov", ["Lavrov"]),
    ("Zelenskiy", "person/volodymyr-zelenskyy", ["Zelenskyy"]),
    ("Zelenski", "person/volodymyr-zelenskyy", ["Zelenskyy"]),
    ("Mohamed bin Salman", "person/mohammed-bin-salman", ["Mohammed", "bin", "Salman"]),
    ("Khashogi", "person/jamal-khashoggi", ["Khashoggi"]),
    ("Marco Rubbio", "person/marco-rubio", ["Marco", "Rubio"]),
])
def test_other_spellings_find_the_right_entity_first(client, query, iri, words):
    data = client.get("/search.json", query_string={"q": query}).get_json()
    top = data["results"][0]
    assert top["iri"] == ID + iri, [r["iri"] for r in data["results"][:3]]
    assert top["match"] == "fuzzy" and top["words"] == words


def test_the_exact_spelling_still_wins_and_shows_its_words(client):
    top = client.get("/search.json?q=Sergey%20Lavrov").get_json()["results"][0]
    assert top["iri"] == ID + "person/sergey-lavrov" and top["match"] == "exact" and top["words"] == ["Sergey", "Lavrov"]


def test_a_foreign_items_label_ranks_below_the_graphs_own_entity(article_store):
    # the background keeps Wikidata's label "Marco Rubio" for wd:Q324546, a node without a class
    hits = NameIndex.load(article_store).search("Marco Rubio")
    assert hits[0].iri == ID + "person/marco-rubio"
    assert "http://www.wikidata.org/entity/Q324546" in [h.iri for h in hits]


def synthetic(*lines: str) -> NameIndex:
    store = Store.in_memory()
    store.load("\n".join(lines).encode("utf-8"), NTRIPLES)
    return NameIndex.load(store)


LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def person(slug: str, prop: str, name: str) -> str:
    return f'<{ID}person/{slug}> {prop} "{name}"@en .\n<{ID}person/{slug}> {A} <{DIP.Person}> .'


def test_exact_before_alias_before_fuzzy():
    index = synthetic(person("fuzzy", LABEL, "Ivan Lavrof"), person("alias", LABEL, "Someone Else"),
                      person("alias", ALT, "Lavrov"), person("exact", LABEL, "Lavrov"))
    hits = index.search("lavrov")
    assert [h.iri.rsplit("/", 1)[1] for h in hits] == ["exact", "alias", "fuzzy"]
    assert [h.kind for h in hits] == ["exact", "exact", "fuzzy"]
    assert hits[0].score > hits[1].score > hits[2].score


def test_closer_spellings_rank_first_among_fuzzy_matches():
    index = synthetic(person("far", LABEL, "Zelenskaya"), person("near", LABEL, "Zelenskyy"))
    assert [h.iri.rsplit("/", 1)[1] for h in index.search("zelenskiy")] == ["near", "far"]


def test_short_words_and_unrelated_words_do_not_match_fuzzily():
    index = synthetic(person("lavrov", LABEL, "Sergey Lavrov"), person("putin", LABEL, "Vladimir Putin"))
    assert index.search("lav")[0].kind == "word-prefix"
    assert index.search("lab") == []  # one letter off, but too short to guess
    assert index.search("qqqqqq") == [] and index.search("pushkin") == []


def test_the_search_page_shows_the_words_that_matched(client):
    page = client.get("/search?q=lavrof", headers={"Accept": "text/html"}).get_data(as_text=True)
    first = page.split('<ol class="results">')[1].split("</li>")[0]
    assert ">Sergey Lavrov</a>" in first and '<span class="matched fuzzy">spelt “Lavrov”</span>' in first
