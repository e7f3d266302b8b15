"""Stances over time: per party and per topic, who holds which stance, in
whose words, from which article and date; a change of stance between two
articles shown with both pieces of evidence; the JSON twin; the SPARQL
example. The store holds the real article and a made-up later one in which
Rubio rejects the cooperation he supported."""

from __future__ import annotations

import re

import pytest

from kg.views import stances
from kg.views.examples import all_examples, find_example, list_examples
from server import create_app
from tests.explore_support import ID, three_article_store

RUBIO = ID + "person/marco-rubio"
COOPERATION = ID + "topic/us-russia-cooperation"
LATER = ID + "article/madeup-rubio-doubts-2025-03-10"
EARLIER = ID + "article/riyadh-talks-2025-02-19"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return three_article_store(tmp_path_factory.mktemp("stances"))


def positions(store) -> int:
    rows = store.query("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://kg.example.org/ontology/Position> }",
                       union_default_graph=True)
    return int(next(iter(rows))["n"].value)


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


def test_each_position_knows_its_article_date_and_words(store):
    found = stances.load(store)
    assert len(found) == positions(store) > 2
    held = stances.about(found, RUBIO)["held"]
    assert [(s.stance[1], s.article[0], s.date.isoformat()) for s in held] == [
        ("supports", EARLIER, "2025-02-19"), ("rejects", LATER, "2025-03-10")]
    later = held[1]
    assert later.quote == "We will not partner with the Russians while the strikes go on" and later.speaker[0] == RUBIO
    assert later.evidence[0][1] == "Marco Rubio said that cooperation with Russia was not possible for now."


def test_a_change_of_stance_between_articles_is_found(store):
    changes = stances.changes(stances.load(store))
    rubio = [c for c in changes if c.holder[0] == RUBIO]
    assert len(rubio) == 1
    (change,) = rubio
    assert change.topic[0] == COOPERATION
    assert (change.before.stance[1], change.after.stance[1]) == ("supports", "rejects")
    assert (change.before.article[0], change.after.article[0]) == (EARLIER, LATER)
    # the real article alone holds no change: positions in one article never count
    assert all(c.before.article[0] != c.after.article[0] for c in changes)


def test_party_page_lists_each_stance_with_its_article(client):
    page = client.get("/stances/person/marco-rubio").get_data(as_text=True)
    held = page[page.index('<section aria-labelledby="held"'):]
    items = re.findall(r'<article class="stance".*?</article>', held, re.S)
    assert len(items) == 2
    assert "supports" in items[0] and 'href="/id/article/riyadh-talks-2025-02-19"' in items[0] and "19 February 2025" in items[0]
    assert "incredible opportunities" in items[0]
    assert "rejects" in items[1] and 'href="/id/article/madeup-rubio-doubts-2025-03-10"' in items[1] and "10 March 2025" in items[1]
    assert "<q>We will not partner with the Russians while the strikes go on</q>" in items[1]
    assert re.search(r'<link rel="alternate" type="application/json" href="/stances/person/marco-rubio.json"', page)


def test_change_shows_both_pieces_of_evidence_side_by_side(client):
    page = client.get("/stances/topic/us-russia-cooperation").get_data(as_text=True)
    block = re.search(r'<div class="stance-change">(.*?)</div></div>', page, re.S)
    assert block, "no change of stance shown"
    text = block.group(1)
    assert "Marco Rubio</a> on <a" in text and "supports → rejects" in text
    before, after = text.index('<div class="before">'), text.index('<div class="after">')
    assert before < after
    assert "/article/riyadh-talks-2025-02-19?span=1392,1567" in text[before:after]
    assert "/article/madeup-rubio-doubts-2025-03-10?span=" in text[after:]


def test_json_twin(client, store):
    by_suffix = client.get("/stances/person/marco-rubio.json")
    by_accept = client.get("/stances/person/marco-rubio", headers={"Accept": "application/json"})
    assert by_suffix.status_code == by_accept.status_code == 200
    data = by_suffix.get_json()
    assert data == by_accept.get_json()
    assert data["iri"] == RUBIO and [s["stance"]["label"] for s in data["held"]] == ["supports", "rejects"]
    assert [s["article"]["iri"] for s in data["held"]] == [EARLIER, LATER]
    (change,) = data["changes"]
    assert change["before"]["date"] == "2025-02-19" and change["after"]["date"] == "2025-03-10"
    index = client.get("/stances.json").get_json()
    assert index["positions"] == positions(store) and any(h["iri"] == RUBIO and h["page"] == "/stances/person/marco-rubio" for h in index["holders"])
    assert len(index["changes"]) >= 1


def test_index_links_every_party_and_topic(client):
    page = client.get("/stances").get_data(as_text=True)
    assert '<a href="/stances/person/marco-rubio">Marco Rubio</a> (2)' in page
    assert '<a href="/stances/topic/us-russia-cooperation">U.S.–Russia cooperation</a>' in page
    assert "Changes of stance (" in page
    example = re.search(r'<a href="(/sparql\?query=[^"]+)">stances over time</a>', page)
    assert example
    results = client.get(example.group(1).replace("&amp;", "&"), headers={"Accept": "application/sparql-results+json"}).get_json()
    assert any(b.get("changed", {}).get("value") == "true" for b in results["results"]["bindings"])


def test_unknown_subject_is_404_not_500(client):
    resp = client.get("/stances/person/nobody", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and b"No positions" in resp.data


def test_sparql_example_finds_the_change(store):
    example = find_example("stances-over-time")
    assert example in all_examples() and example not in list_examples()  # the competency questions stay 17
    assert example.title == "Stances over time" and "PREFIX dip:" in example.sparql
    result = store.query(example.sparql, union_default_graph=True)
    names = [v.value for v in result.variables]
    rows = [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]
    rubio = [(r["date"], r["stanceLabel"], r["previousStance"], r["changed"]) for r in rows
             if r["holderLabel"] == "Marco Rubio" and r["topicLabel"] == "U.S.–Russia cooperation"]
    assert rubio == [("2025-02-19", "supports", None, "false"), ("2025-03-10", "rejects", "supports", "true")]


def test_long_lists_are_paged(store, monkeypatch):
    monkeypatch.setattr("server.explore.STANCES_PER_PAGE", 1)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    first = client.get("/stances/person/marco-rubio.json").get_json()
    second = client.get("/stances/person/marco-rubio.json?page=2").get_json()
    assert (first["pages"], first["held_count"]) == (2, 2)
    assert [s["stance"]["label"] for s in first["held"] + second["held"]] == ["supports", "rejects"]
    page = client.get("/stances/person/marco-rubio").get_data(as_text=True)
    assert 'rel="next" href="/stances/person/marco-rubio?page=2"' in page and "Positions Marco Rubio holds (2)" in page
    assert client.get("/stances/person/marco-rubio?page=3").status_code == 404
    assert client.get("/stances?page=x").status_code == 400


def test_the_query_page_offers_the_example(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Stances over time" in page and "Every position" in page  # the worked example after the competency questions


@pytest.mark.parametrize("path, link", [("/id/person/marco-rubio", "/stances/person/marco-rubio"),
                                        ("/id/topic/us-russia-cooperation", "/stances/topic/us-russia-cooperation")])
def test_party_and_topic_pages_link_to_their_stances(client, path, link):
    page = client.get(path + ".html").get_data(as_text=True)
    assert f'href="{link}"' in page
    target = client.get(link + ".json")
    assert target.status_code == 200 and target.get_json()


def test_an_event_page_has_no_stances_link(client):
    page = client.get("/id/event/riyadh-talks.html").get_data(as_text=True)
    assert "/stances/" not in page
