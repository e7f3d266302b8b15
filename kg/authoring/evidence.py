"""Evidence: text spans of an article as NIF nodes in a graph, checked
against the article text by the rules of ``kg.model.text``."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.model.namespaces import DIP, NIF
from kg.model.text import check_span, locate, sentences, span_iri

__all__ = ["Problem", "occurrences", "add_span", "add_sentences", "link_sentences", "check_span", "locate", "sentences", "span_iri"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, which term, what."""

    where: str
    message: str
    term: str | None = None

    def __str__(self) -> str:
        term = f" {self.term}:" if self.term else ""
        return f"{self.where}:{term} {self.message}"


def add_span(graph: Graph, article: URIRef, text: str, start: int, end: int, *, kind=DIP.TextSpan) -> URIRef:
    """Add a span node (NIF offsets, exact text, its article) and return it."""
    node = span_iri(article, start, end)
    graph.add((node, RDF.type, kind))
    graph.add((node, NIF.beginIndex, Literal(start, datatype=XSD.nonNegativeInteger)))
    graph.add((node, NIF.endIndex, Literal(end, datatype=XSD.nonNegativeInteger)))
    graph.add((node, NIF.anchorOf, Literal(text[start:end])))
    graph.add((node, NIF.referenceContext, article))
    return node


def add_sentences(graph: Graph, article: URIRef, text: str) -> list[tuple[int, int, URIRef]]:
    """Add every sentence of the article as a ``dip:Sentence`` span."""
    return [(s, e, add_span(graph, article, text, s, e, kind=DIP.Sentence)) for s, e in sentences(text)]


def link_sentences(graph: Graph, span: URIRef, start: int, end: int, sents: list[tuple[int, int, URIRef]]) -> None:
    """Point a span to each sentence it overlaps (``nif:sentence``)."""
    for s, e, node in sents:
        if s < end and start < e and node != span:
            graph.add((span, NIF.sentence, node))


def occurrences(text: str, exact: str, *, whole_words: bool = True) -> list[tuple[int, int]]:
    """Every ``(start, end)`` of ``exact`` in ``text``; with ``whole_words``
    an occurrence must not start or end inside a longer word.

    >>> occurrences("Russia and the Russian side", "Russia")
    [(0, 6)]
    >>> occurrences("Russia and the Russian side", "Russia", whole_words=False)
    [(0, 6), (15, 21)]
    """
    found, start = [], text.find(exact) if exact else -1
    while start >= 0:
        end = start + len(exact)
        if not whole_words or (_edge_ok(text, start - 1, exact[0]) and _edge_ok(text, end, exact[-1])):
            found.append((start, end))
        start = text.find(exact, start + 1)
    return found


def _edge_ok(text: str, at: int, own: str) -> bool:
    """True when the character at ``at`` does not continue the word that
    ``own`` (the phrase's first or last character) belongs to."""
    if not own.isalnum() or at < 0 or at >= len(text):
        return True
    return not text[at].isalnum()
