"""Ontology documentation: every class, property and concept of ``dip:``
with its label, definition, domain, range, alignments and usage counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.model.namespaces import DIP
from kg.storage.pagecache import cached
from kg.model.terms import sparql_iri

KINDS = {str(OWL.Class): "class", str(RDFS.Class): "class", str(OWL.ObjectProperty): "property",
         str(OWL.DatatypeProperty): "property", str(RDF.Property): "property", str(OWL.AnnotationProperty): "property"}
ALIGNMENTS = {str(SKOS.exactMatch): "exact match", str(SKOS.closeMatch): "close match",
              str(OWL.equivalentClass): "equivalent class", str(OWL.equivalentProperty): "equivalent property",
              str(RDFS.subClassOf): "subclass of", str(RDFS.subPropertyOf): "subproperty of"}


@dataclass
class Term:
    iri: str
    kind: str = "concept"  # class, property or concept (a named individual)
    label: str = ""
    definition: str = ""
    domain: list = field(default_factory=list)
    range: list = field(default_factory=list)
    alignments: list = field(default_factory=list)  # (relation label, IRI)
    types: list = field(default_factory=list)
    uses: int = 0

    @property
    def name(self) -> str:
        return self.iri[len(str(DIP)):]


def _fill(term: Term, p: str, o) -> None:
    value = o.value
    if p == str(RDF.type):
        term.types.append(value)
        if value in KINDS:
            term.kind = KINDS[value]
    elif p == str(RDFS.label) and (not term.label or getattr(o, "language", None) == "en"):
        term.label = value
    elif p == str(SKOS.definition) and (not term.definition or getattr(o, "language", None) == "en"):
        term.definition = value
    elif p == str(RDFS.domain):
        term.domain.append(value)
    elif p == str(RDFS.range):
        term.range.append(value)
    elif p in ALIGNMENTS:
        term.alignments.append((ALIGNMENTS[p], value))


def terms(store, only: str | None = None) -> list[Term]:
    """The ``dip:`` terms (or just ``only``) with their usage counts."""
    where = f"VALUES ?t {{ {sparql_iri(only)} }}" if only else f'FILTER(STRSTARTS(STR(?t), "{DIP}"))'
    query = f"SELECT ?t ?p ?o WHERE {{ ?t ?p ?o . {where} }}"
    found: dict[str, Term] = {}
    for row in store.query(query, union_default_graph=True):
        t = row["t"].value
        if t == str(DIP):
            continue
        _fill(found.setdefault(t, Term(t)), row["p"].value, row["o"])
    counts = cached(store, "usage", lambda: usage_counts(store))
    for term in found.values():
        term.uses = counts.get(term.iri, 0)
        term.domain.sort()
        term.range.sort()
    return sorted(found.values(), key=lambda t: (t.kind, t.name.lower()))


def usage_counts(store) -> dict[str, int]:
    """Instances per class, triples per property, links to each concept."""
    counts: dict[str, int] = defaultdict(int)
    queries = (
        f'SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?t), "{DIP}")) }} GROUP BY ?t',
        f'SELECT ?t (COUNT(*) AS ?n) WHERE {{ ?s ?t ?o FILTER(STRSTARTS(STR(?t), "{DIP}")) }} GROUP BY ?t',
        f'SELECT ?t (COUNT(*) AS ?n) WHERE {{ ?s ?p ?t FILTER(isIRI(?t) && ?p != <{RDF.type}> && STRSTARTS(STR(?t), "{DIP}") && !STRSTARTS(STR(?s), "{DIP}")) }} GROUP BY ?t',
    )
    for query in queries:
        for row in store.query(query, union_default_graph=True):
            counts[row["t"].value] += int(row["n"].value)
    return dict(counts)
