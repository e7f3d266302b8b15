"""The synthetic corpus: deterministic, in the shapes of the model contract
(the project's SHACL shapes accept it), with evidence spans that point at
the right words and a skewed reuse of people and places."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Dataset, URIRef

from bench.generator import generate, skewed
from bench.vocab import P, T
from kg.model.namespaces import DEFAULT_BASE

N = 120


@pytest.fixture(scope="module")
def corpus() -> bytes:
    out = io.BytesIO()
    generate(N, out, seed=7)
    return out.getvalue()


@pytest.fixture(scope="module")
def store(corpus) -> ox.Store:
    store = ox.Store()
    store.bulk_load(corpus, ox.RdfFormat.N_QUADS)
    return store


def select(store, sparql: str) -> list:
    return list(store.query(sparql, use_default_graph_as_union=True))


def test_same_seed_same_bytes_other_seed_other_corpus(corpus):
    again, other = io.BytesIO(), io.BytesIO()
    generate(N, again, seed=7)
    generate(N, other, seed=8)
    assert again.getvalue() == corpus
    assert other.getvalue() != corpus


def test_one_named_graph_per_article_plus_a_background_graph(store):
    graphs = {g.value for g in store.named_graphs()}
    articles = {g for g in graphs if g.startswith(DEFAULT_BASE + "graph/article/synthetic-")}
    assert len(articles) == N
    assert graphs - articles == {DEFAULT_BASE + "graph/synthetic-background"}


def test_articles_have_about_100_to_300_triples(store):
    sizes = Counter(q.graph_name.value for q in store if "/graph/article/" in q.graph_name.value)
    assert min(sizes.values()) >= 100
    assert 150 <= sum(sizes.values()) / len(sizes) <= 300


def test_the_project_shapes_accept_the_corpus(repo):
    from kg.authoring.validate import shacl_problems
    from kg.model.vocab import load_ontology

    out = io.BytesIO()
    generate(15, out, seed=3)
    dataset = Dataset()
    dataset.parse(data=out.getvalue(), format="nquads")
    ontology = dataset.graph(URIRef(DEFAULT_BASE + "graph/ontology"))
    for triple in load_ontology(repo / "ontology"):
        ontology.add(triple)
    assert shacl_problems(dataset, repo / "ontology") == []


def test_talks_have_parties_representatives_place_date_and_goals(store):
    # The place, goal, outcome and office are asked with FILTER EXISTS: the same answers as one join,
    # without Oxigraph multiplying the rows (2.5 s of CPU -> 0.15 s).
    rows = select(store, f"""SELECT ?e (COUNT(DISTINCT ?party) AS ?n) (SAMPLE(?d) AS ?date) WHERE {{
        ?e a <{T['talks']}> ; <{P['date']}> ?d .
        FILTER EXISTS {{ ?e <{P['place']}> ?place ; <{P['objective']}> ?goal ; <{P['outcome']}> ?deal }}
        ?part <{P['in_event']}> ?e ; <{P['participant']}> ?party ; <{P['represented_by']}> ?who .
        FILTER EXISTS {{ ?holding <{P['holder_of_office']}> ?who ; <{P['office']}> ?office . ?office <{P['office_of']}> ?party }}
    }} GROUP BY ?e""")
    assert len(rows) >= N
    assert all(int(r["n"].value) >= 2 for r in rows)
    assert all(r["date"].datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#date") for r in rows)


def test_every_evidence_span_is_the_exact_words_at_its_offsets(store):
    rows = select(store, f"""SELECT ?span ?b ?e ?words ?text ?sb ?se WHERE {{
        ?x <{P['evidence']}> ?span . ?span a <{T['span']}> ; <{P['begin']}> ?b ; <{P['end']}> ?e ; <{P['anchor']}> ?words ;
        <{P['context']}> ?a ; <{P['sentence']}> ?s . ?s a <{T['sentence']}> ; <{P['begin']}> ?sb ; <{P['end']}> ?se .
        ?a <{P['text']}> ?text }}""")
    assert len(rows) > N * 10
    for row in rows:
        b, e = int(row["b"].value), int(row["e"].value)
        assert row["text"].value[b:e] == row["words"].value
        assert int(row["sb"].value) <= b < e <= int(row["se"].value)
        assert row["span"].value.endswith(f"#char={b},{e}")


def test_quotes_are_verbatim_in_the_text(store):
    rows = select(store, f"""SELECT ?words ?text WHERE {{
        ?p a <{T['position']}> ; <{P['quote']}> ?q ; <{P['holder']}> ?who . ?q <{P['quote_text']}> ?words ; <{P['speaker']}> ?who .
        GRAPH ?g {{ ?q a <{T['quotation']}> . ?a <{P['text']}> ?text }} }}""")
    assert len(rows) >= N
    assert all(f"\u201c{r['words'].value}.\u201d" in r["text"].value for r in rows)


def test_strikes_carry_counts_with_who_reported_them(store):
    rows = select(store, f"""SELECT ?s ?n WHERE {{ ?s a <{T['strike']}> ; <{P['attacker']}> ?who ; <{P['place']}> ?where ;
        <{P['quantity']}> ?q . ?q <{P['kind']}> <https://kg.example.org/ontology/DronesLaunched> ; <{P['value']}> ?n ;
        <{P['reported_by']}> ?reporter }}""")
    assert N // 8 <= len(rows) <= N
    assert all(5 <= int(r["n"].value) <= 300 for r in rows)


def test_people_are_reused_with_a_skew(store):
    rows = select(store, f"""SELECT ?who (COUNT(DISTINCT ?g) AS ?n) WHERE {{
        GRAPH ?g {{ ?p <{P['represented_by']}> ?who }} }} GROUP BY ?who ORDER BY DESC(?n)""")
    counts = [int(r["n"].value) for r in rows]
    assert len(counts) > 30
    assert counts[0] >= 10 * counts[len(counts) // 2]


def test_skewed_prefers_the_head_of_the_list():
    rng = random.Random(3)
    picks = Counter(skewed(rng, list(range(100))) for _ in range(5000))
    assert picks[0] > picks[50] * 10
    assert set(picks) <= set(range(100))


def test_command_line_writes_the_file_and_honours_base(tmp_path):
    out = tmp_path / "corpus.nq"
    result = subprocess.run([sys.executable, "-m", "bench.generator", "--articles", "3", "--seed", "2",
                             "--base", "http://x.test/kg/", "--output", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    assert f"{len(quads)} quads for 3 articles" in result.stderr
    assert all(q.graph_name.value.startswith("http://x.test/kg/graph/") for q in quads)
