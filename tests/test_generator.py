"""The synthetic corpus: deterministic, shaped like the real article graph,
with evidence spans that point at the right words and a skewed reuse of
actors and places."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter

import pyoxigraph as ox
import pytest

from bench.generator import generate, skewed
from bench.vocab import P, T
from kg.namespaces import DEFAULT_BASE

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
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in {"dip": "https://kg.example.org/ontology/"}.items())
    return list(store.query(prologue + sparql, use_default_graph_as_union=True))


def test_same_seed_same_bytes_other_seed_other_corpus(corpus):
    again, other = io.BytesIO(), io.BytesIO()
    generate(N, again, seed=7)
    generate(N, other, seed=8)
    assert again.getvalue() == corpus
    assert other.getvalue() != corpus


def test_one_named_graph_per_article_plus_the_entities(store):
    graphs = {g.value for g in store.named_graphs()}
    articles = {g for g in graphs if g.startswith(DEFAULT_BASE + "graph/article/synthetic-")}
    assert len(articles) == N
    assert graphs - articles == {DEFAULT_BASE + "graph/synthetic-entities"}


def test_articles_have_100_to_300_triples(store):
    sizes = Counter(q.graph_name.value for q in store if "/graph/article/" in q.graph_name.value)
    assert min(sizes.values()) >= 80 and max(sizes.values()) <= 320
    assert 100 <= sum(sizes.values()) / len(sizes) <= 300


def test_talks_have_participants_place_date_and_objectives(store):
    rows = select(store, f"""SELECT ?e (COUNT(DISTINCT ?who) AS ?n) (SAMPLE(?place) AS ?pl) (SAMPLE(?d) AS ?date) WHERE {{
        ?e a <{T['talks']}> ; <{P['participant']}> ?who ; <{P['place']}> ?place ; <{P['date']}> ?d ;
           <{P['objective']}> ?topic . }} GROUP BY ?e""")
    assert len(rows) >= N
    assert all(int(r["n"].value) >= 2 for r in rows)
    assert all(r["date"].datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#date") for r in rows)


def test_every_evidence_span_points_into_its_article_text(store):
    rows = select(store, f"""SELECT ?span ?b ?e ?text WHERE {{
        ?span <{P['start']}> ?b ; <{P['end']}> ?e ; <{P['reference']}> ?a . ?a <{P['text']}> ?text }}""")
    assert len(rows) > N * 5
    for row in rows:
        b, e = int(row["b"].value), int(row["e"].value)
        assert 0 <= b < e <= len(row["text"].value)
        assert row["span"].value.endswith(f"#char={b},{e}")


def test_quotes_are_the_exact_words_at_their_span(store):
    rows = select(store, f"""SELECT ?words ?b ?e ?text WHERE {{
        ?q a <{T['quotation']}> ; <{P['quote_text']}> ?words ; <{P['evidence']}> ?span .
        ?span <{P['start']}> ?b ; <{P['end']}> ?e ; <{P['reference']}> ?a . ?a <{P['text']}> ?text }}""")
    assert len(rows) >= 3 * N
    for row in rows:
        assert row["text"].value[int(row["b"].value):int(row["e"].value)] == row["words"].value


def test_strikes_carry_counts(store):
    rows = select(store, f"""SELECT ?s ?n WHERE {{ ?s a <{T['strike']}> ; <{P['drones']}> ?n ; <{P['injured']}> ?i ;
        <{P['attacker']}> ?who ; <{P['place']}> ?where }}""")
    assert N // 4 <= len(rows) <= N
    assert all(5 <= int(r["n"].value) <= 300 for r in rows)


def test_actors_are_reused_with_a_skew(store):
    rows = select(store, f"""SELECT ?who (COUNT(DISTINCT ?g) AS ?n) WHERE {{
        GRAPH ?g {{ ?e <{P['participant']}> ?who }} }} GROUP BY ?who ORDER BY DESC(?n)""")
    counts = [int(r["n"].value) for r in rows]
    assert counts[0] >= 10 * counts[len(counts) // 2]
    assert len(counts) > 30


def test_skewed_prefers_the_head_of_the_list():
    import random

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
