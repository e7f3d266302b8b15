"""The page of one evidence span: its RFC 5147 IRI ``{article IRI}#char=s,e``
dereferenced. It shows the sentence with the words marked, the article
they are from, the facts that cite them, and the citation (plain text,
CSL-JSON, BibTeX).

A span IRI that is not of that form is a 400; an article the store does
not hold, or a range past the end of its text, a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib.namespace import RDF

from kg.model.errors import BadRequest, NotFound
from kg.model.namespaces import DIP
from kg.model.terms import sparql_iri
from kg.views.citation import Citation, Source, span_citation
from kg.views.evidence_view import Span, article_texts, cite, parse_span, resolve
from kg.views.labels import Labels

MAX_FACTS = 200  # facts listed as citing one span


@dataclass
class Fact:
    """A node that cites the span as its evidence."""

    iri: str
    label: str
    types: list = field(default_factory=list)  # class labels


@dataclass
class SpanPage:
    iri: str
    span: Span
    article: Source
    citation: Citation
    facts: list  # Fact
    more_facts: int = 0
    article_length: int = 0


def load(store, iri: str) -> SpanPage:
    """The span ``iri`` resolved against its article's text, with the facts citing it."""
    parsed = parse_span(iri)
    if parsed is None:
        shown = iri if len(iri) <= 200 else iri[:200] + "\u2026"
        raise BadRequest("Not an evidence span IRI: expected {article IRI}#char=start,end with start <= end "
                         f"(code points, end exclusive), got <{shown}>", detail={"iri": shown})
    doc, start, end = parsed
    if iri != f"{doc}#char={start},{end}":
        raise BadRequest(f"Write the offsets without leading zeros: <{doc}#char={start},{end}>",
                         detail={"iri": iri, "canonical": f"{doc}#char={start},{end}"})
    texts = article_texts(store, [doc])
    if doc not in texts:
        raise NotFound(f"No article <{doc}> with a text in this dataset.", detail={"iri": iri, "article": doc})
    text = texts[doc]
    if end > len(text):
        raise NotFound(f"The article <{doc}> has {len(text):,} characters; the span ends at {end:,}.",
                       detail={"iri": iri, "article": doc, "length": len(text)})
    span = cite(resolve(iri, text), texts.sources)  # type: ignore[arg-type]
    source = texts.sources[doc]
    rows = list(store.query(f"SELECT DISTINCT ?n ?t WHERE {{ {{ SELECT DISTINCT ?n WHERE {{ ?n <{DIP.evidence}> {sparql_iri(iri)} }} "
                            f"ORDER BY ?n LIMIT {MAX_FACTS + 1} }} OPTIONAL {{ ?n <{RDF.type}> ?t }} }}",
                            union_default_graph=True))
    nodes = sorted({r["n"].value for r in rows})
    types: dict[str, set] = {n: set() for n in nodes}
    for r in rows:
        if r["t"] is not None:
            types[r["n"].value].add(r["t"].value)
    labels = Labels.load(store, {*nodes, *(t for ts in types.values() for t in ts)})
    facts = [Fact(n, labels.label(n), sorted(labels.label(t) for t in types[n])) for n in nodes[:MAX_FACTS]]
    facts.sort(key=lambda f: (f.label.lower(), f.iri))
    return SpanPage(iri, span, source, span_citation(source, start, end, text[start:end], iri), facts,
                    max(0, len(nodes) - MAX_FACTS), len(text))
