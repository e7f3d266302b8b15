"""A page's evidence sentence is the sentence the graph names for the span
(``nif:sentence``), not a second splitter's guess."""

from pathlib import Path

import pytest
from rdflib.namespace import RDF

from kg.authoring.build import build_dataset
from kg.views.evidence_view import sentence_bounds
from kg.model.namespaces import DIP, NIF, article_graph

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dataset(article_only):
    """The article's own graph: it holds every span of the article."""
    return build_dataset(article_only, REPO / "ontology").graph(article_graph("riyadh-talks-2025-02-19"))


def test_page_sentences_are_the_graphs_sentences(dataset):
    checked = 0
    for span in set(dataset.subjects(RDF.type, DIP.TextSpan)):
        article = dataset.value(span, NIF.referenceContext)
        text = str(dataset.value(article, NIF.isString))
        start, end = int(dataset.value(span, NIF.beginIndex)), int(dataset.value(span, NIF.endIndex))
        # A span that is a whole sentence (a dip:Sentence) is its own sentence.
        sentences = [span] if (span, RDF.type, DIP.Sentence) in dataset else list(dataset.objects(span, NIF.sentence))
        named = [dataset.value(s, NIF.beginIndex) for s in sentences]
        ends = [dataset.value(s, NIF.endIndex) for s in sentences]
        assert named, f"{span} names no sentence"
        assert sentence_bounds(text, start, end) == (min(map(int, named)), max(map(int, ends))), span
        checked += 1
    assert checked > 100
