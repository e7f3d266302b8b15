"""Faithfulness of the article graph, checked against the article text
itself rather than against a list of expected nodes: every direct quote and
every number the article writes is in the graph, the writer's own
judgements are kept unattributed, and facts the article only implies say
so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, SKOS

from kg.authoring.build import build_dataset
from kg.model.namespaces import DIP, NIF, SDO, article_graph, entity_ns

REPO = Path(__file__).resolve().parent.parent
SLUG = "riyadh-talks-2025-02-19"
ID = entity_ns()
NUMBER = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|first|second|third)\b", re.IGNORECASE)
# Number words that are not counts, dates or amounts, each with the reason.
NOT_A_COUNT = {
    "the two nations": "names the United States and Russia",
    "emerging—one that": "a pronoun",
    "the first major step": "the writer's judgement, kept as the content of a position",
}
TIME_OR_COUNT = (DIP.value, DIP.year, DIP.date, DIP.earliestBegin, DIP.latestEnd)


@pytest.fixture(scope="module")
def graph():
    return build_dataset(REPO / "data", REPO / "ontology").graph(article_graph(SLUG))


@pytest.fixture(scope="module")
def text() -> str:
    return (REPO / "data" / "articles" / SLUG / "article.txt").read_text(encoding="utf-8")


def spans_of(graph, nodes) -> list[tuple[int, int]]:
    return [(int(graph.value(s, NIF.beginIndex)), int(graph.value(s, NIF.endIndex)))
            for n in nodes for s in graph.objects(n, DIP.evidence)]


def test_every_direct_quote_of_the_article_is_a_quotation_node(graph, text):
    quoted = [(m.start(1), m.end(1)) for m in re.finditer(r"“([^”]*)”", text)]
    assert len(quoted) == 5
    covered = spans_of(graph, graph.subjects(RDF.type, DIP.Quotation))
    for start, end in quoted:
        assert any(start <= s and e <= end and e - s >= (end - start) - 1 for s, e in covered), text[start:end]


def test_every_number_the_article_writes_is_a_count_or_a_time_in_the_graph(graph, text):
    holders = {s for p in TIME_OR_COUNT for s in graph.subjects(p, None)}
    covered = spans_of(graph, holders)
    missing = []
    for m in NUMBER.finditer(text):
        around = text[max(0, m.start() - 12):m.end() + 12]
        if any(phrase in around for phrase in NOT_A_COUNT) or m.start() < 17:  # the dateline's date
            continue
        if not any(s <= m.start() and m.end() <= e for s, e in covered):
            missing.append(around)
    assert missing == []


def test_two_key_conditions_is_a_count_on_russias_demands(graph):
    quantity = graph.value(ID["position/russia-demands"], DIP.quantity)
    assert graph.value(quantity, DIP.quantityKind) == DIP.ConditionsListed
    assert int(graph.value(quantity, DIP.value)) == 2
    assert str(graph.value(quantity, DIP.quantityPhrase)) == "two key conditions"


def test_the_writers_pivotal_moment_judgement_is_kept_unattributed(graph, text):
    position = ID["position/pivotal-moment-in-global-geopolitics"]
    assert graph.value(position, DIP.unattributed) == Literal(True)
    assert graph.value(position, DIP.holder) is None
    assert graph.value(position, DIP.topic) == ID["event/riyadh-talks"]
    assert graph.value(position, DIP.stance) == DIP.Evaluates
    (start, end), = spans_of(graph, [position])
    assert "marked a pivotal moment in global geopolitics" in text[start:end]


def test_trumps_office_is_marked_as_read_from_context(graph):
    holding = ID["holding/donald-trump-us-president"]
    assert graph.value(holding, DIP.office) == ID["office/us-president"]
    assert graph.value(holding, DIP.inferredProperty) == DIP.office
    assert "back in office" in str(graph.value(holding, DIP.inference))


def test_rubio_spoke_in_response_to_the_talks(graph, text):
    position = ID["position/rubio-cooperation-opportunities"]
    assert graph.value(position, DIP.respondsTo) == ID["event/riyadh-talks"]
    assert any("speaking after the talks" in text[s:e] for s, e in spans_of(graph, [position]))


@pytest.mark.parametrize("phrase", ["overnight", "recently", "after the talks", "March 10", "in 2018"])
def test_every_time_phrase_of_the_article_is_kept_on_the_node_it_dates(graph, text, phrase):
    start = text.index(phrase)
    nodes = [s for s, o in graph.subject_objects(DIP.timePhrase) if phrase in str(o)]
    assert nodes, phrase
    assert any(s <= start and start + len(phrase) <= e for s, e in spans_of(graph, nodes))


def test_recently_dates_both_of_hegseths_statements_and_resolves_to_no_date(graph):
    for slug in ("hegseth-nato-membership-unrealistic", "hegseth-kyiv-may-abandon-lost-territory"):
        position = ID[f"position/{slug}"]
        assert str(graph.value(position, DIP.timePhrase)) == "recently"
        assert not any(graph.value(position, p) for p in TIME_OR_COUNT)


def test_the_dateline_washington_is_a_place_and_the_actor_washington_is_the_state(graph):
    article = next(graph.subjects(RDF.type, DIP.Article))
    assert graph.value(article, DIP.datelinePlace) == ID["place/washington"]
    assert (ID["place/washington"], RDF.type, DIP.Settlement) in graph
    # nothing else points at the place: "Washington" as an actor is the United States
    assert set(graph.subject_predicates(ID["place/washington"])) == {(article, DIP.datelinePlace)}
    assert "Washington" in {str(v) for v in graph.objects(ID["state/united-states"], SKOS.altLabel)}


def test_background_provenance_says_when_it_was_compiled_not_the_article_date():
    from kg.model.namespaces import PROV, background_graph

    dataset = build_dataset(REPO / "data", REPO / "ontology")
    made = dataset.graph(background_graph()).value(background_graph(), PROV.generatedAtTime)
    published = dataset.value(ID[f"article/{SLUG}"], SDO.datePublished)
    assert made is not None and str(made)[:10] > str(published)
