"""Resource descriptions: what the graph says about one IRI.

``describe`` runs a handful of queries (outgoing triples with blank nodes
closed, incoming links counted per property and capped, labels of every
linked thing) and returns a ``Description``. Caps are in the queries
(``LIMIT`` without ``ORDER BY``: sorting thousands of links in the store
costs far more than the page), and the kept links are sorted here, so a
page costs the same whether a thing has ten links or ten thousand. ``to_graph`` turns it into the
RDF twin of a page; ``kg.views.entity_page.build_page`` arranges it for people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from kg.model.errors import NotFound
from kg.views.labels import Labels, best_labels, label_rows
from kg.model.namespaces import prefixes
from kg.model.terms import quotable, sparql_iri, to_rdflib

# Incoming links kept per property: a page shows a few, the RDF twin many.
PAGE_INCOMING_CAP = 10
RDF_INCOMING_CAP = 1000
# Values kept per outgoing property on a page (an entity with thousands of
# evidence spans lists a few; the evidence section counts them all).
PAGE_OUTGOING_CAP = 50
# Levels of blank nodes closed under a resource.
BNODE_DEPTH = 4


@dataclass
class Description:
    """Everything the graph says about ``iri``, as pyoxigraph terms."""

    iri: str
    outgoing: list = field(default_factory=list)  # ox.Triple, subject iri or a closed blank node
    incoming: dict = field(default_factory=dict)  # property -> [subject term], capped
    incoming_counts: dict = field(default_factory=dict)  # property -> total
    outgoing_counts: dict = field(default_factory=dict)  # capped property -> total
    labels: Labels = field(default_factory=Labels)
    label_rows: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.outgoing and not self.incoming_counts


def _counts(store, iri: str) -> tuple[dict, dict]:
    """(property -> values of ``iri``, property -> subjects linking to it), one query."""
    s = sparql_iri(iri)
    query = (f'SELECT ?dir ?p ?n WHERE {{ {{ SELECT ("out" AS ?dir) ?p (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {s} ?p ?o }} GROUP BY ?p }} '
             f'UNION {{ SELECT ("in" AS ?dir) ?p (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x ?p {s} }} GROUP BY ?p }} }}')
    found: dict = {"out": {}, "in": {}}
    for row in store.query(query, union_default_graph=True):
        found[row["dir"].value][row["p"].value] = int(row["n"].value)
    return found["out"], found["in"]


def _capped_outgoing(store, s: str, cap: int, counts: dict) -> tuple[list, dict]:
    """``s``'s own triples, at most ``cap`` per property, and the totals of
    the capped properties (one query, and one more per capped property)."""
    big = sorted(p for p, n in counts.items() if n > cap)
    keep = f"FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in big)}))" if big else ""
    triples = list(store.query(f"CONSTRUCT {{ {s} ?p ?o }} WHERE {{ {s} ?p ?o {keep} }}", union_default_graph=True))
    for p in big:
        triples += store.query(f"CONSTRUCT {{ {s} <{p}> ?o }} WHERE {{ SELECT DISTINCT ?o WHERE {{ {s} <{p}> ?o }} LIMIT {int(cap)} }}",
                               union_default_graph=True)
    return triples, {p: counts[p] for p in big}


def _outgoing(store, iri: str, cap: int | None = None, counts: dict | None = None) -> tuple[list, dict]:
    """Triples of ``iri`` plus those of the blank nodes it reaches, and the
    totals of properties capped at ``cap`` values (none when ``cap`` is None).

    One query per level of blank nodes (most resources have none, so one
    query in all); each level is a join, never a scan of the store.
    """
    s = sparql_iri(iri)
    capped: dict
    if cap is None:
        triples, capped = list(store.query(f"CONSTRUCT {{ {s} ?p ?o }} WHERE {{ {s} ?p ?o }}", union_default_graph=True)), {}
    else:
        triples, capped = _capped_outgoing(store, s, cap, counts or {})
    path = f"{s} ?p0 ?b0 ."
    level = [t for t in triples if isinstance(t.object, ox.BlankNode)]
    for depth in range(BNODE_DEPTH):
        if not level:
            break
        blank = " && ".join(f"isBlank(?b{i})" for i in range(depth + 1))
        query = f"CONSTRUCT {{ ?b{depth} ?p ?o }} WHERE {{ {path} FILTER({blank}) ?b{depth} ?p ?o }}"
        level = list(store.query(query, union_default_graph=True))
        triples += level
        level = [t for t in level if isinstance(t.object, ox.BlankNode)]
        path += f" ?b{depth} ?p{depth + 1} ?b{depth + 1} ."
    return triples, capped


def _incoming(store, iri: str, cap: int, counts: dict) -> tuple[dict, dict]:
    """(property -> ``cap`` subjects, property -> count) given the ``counts``."""
    s = sparql_iri(iri)
    subjects: dict[str, list] = defaultdict(list)
    wanted = {p: min(n, cap) for p, n in counts.items() if n and quotable(p)}
    if wanted:
        # Each branch stops at its count: a link repeated in thousands of
        # article graphs is not read thousands of times.
        query = "SELECT ?s ?p WHERE { " + " UNION ".join(
            f"{{ SELECT DISTINCT ?s (<{p}> AS ?p) WHERE {{ ?s <{p}> {s} }} LIMIT {n} }}" for p, n in sorted(wanted.items())) + " }"
        for row in store.query(query, union_default_graph=True):
            subjects[row["p"].value].append(row["s"])
    return {p: sorted(found, key=term_order) for p, found in subjects.items()}, counts


def term_order(term) -> tuple:
    """Sort key of a term as ``ORDER BY`` has it: blank nodes, then IRIs."""
    return (isinstance(term, ox.NamedNode), term.value)


def incoming_page(store, iri: str, prop: str, offset: int, limit: int) -> list:
    """Subjects of ``?s prop iri``, one page in a stable order."""
    query = (
        f"SELECT DISTINCT ?s WHERE {{ ?s {sparql_iri(prop)} {sparql_iri(iri)} }} "
        f"ORDER BY ?s OFFSET {int(offset)} LIMIT {int(limit)}"
    )
    return [row["s"] for row in store.query(query, union_default_graph=True)]


def linked_iris(triples, incoming: dict, extra=(), skip=frozenset()) -> set[str]:
    """Every IRI a description mentions (for labelling), but the objects of
    the ``(subject term, property IRI)`` pairs in ``skip`` (a row the page
    does not show) unless mentioned elsewhere."""
    iris = set(extra)
    for t in triples:
        iris.add(t.predicate.value)
        if isinstance(t.object, ox.NamedNode) and (not skip or (t.subject, t.predicate.value) not in skip):
            iris.add(t.object.value)
    for prop, subjects in incoming.items():
        iris.add(prop)
        iris.update(s.value for s in subjects if isinstance(s, ox.NamedNode))
    return iris


def _hash_resources(store, iri: str) -> list:
    """Triples of the ``{iri}#...`` resources that link to ``iri`` (an
    article's text spans): the document at ``iri`` describes them too."""
    s = sparql_iri(iri)
    query = f"""CONSTRUCT {{ ?h ?p ?o }} WHERE {{ ?h ?link {s} .
      FILTER(isIRI(?h) && STRSTARTS(STR(?h), "{iri}#")) ?h ?p ?o }}"""
    return list(store.query(query, union_default_graph=True))


def describe(store, iri: str, *, incoming_cap: int = PAGE_INCOMING_CAP, extra_labels=(), hash_resources: bool = False,
             outgoing_cap: int | None = None, labels: bool = True) -> Description:
    """Describe ``iri``; raises NotFound when the graph never mentions it.

    With ``hash_resources``, the triples of ``{iri}#...`` resources linking
    to ``iri`` are included (hash IRIs are described by their document).
    With ``outgoing_cap``, at most that many values per property are kept
    and ``outgoing_counts`` has the totals of those cut. Without
    ``labels``, the caller fetches them (with those of the rest of its page:
    ``linked_iris`` says which) and fills ``labels`` and ``label_rows``.
    """
    out_counts, in_counts = _counts(store, iri)
    outgoing, capped = _outgoing(store, iri, outgoing_cap, out_counts)
    if hash_resources and "#" not in iri:
        outgoing += _hash_resources(store, iri)
    incoming, counts = _incoming(store, iri, incoming_cap, in_counts)
    desc = Description(iri, outgoing, incoming, counts, capped)
    if desc.empty:
        raise NotFound(f"The graph says nothing about <{iri}>.", detail={"iri": iri})
    if not labels:
        return desc
    desc.label_rows = label_rows(store, linked_iris(outgoing, incoming, {iri, *extra_labels}))
    desc.labels = Labels(best_labels(desc.label_rows))
    return desc


def to_graph(desc: Description, base: str | None = None) -> Graph:
    """The RDF twin: outgoing (blank nodes closed), incoming, linked labels."""
    g = Graph()
    for prefix, ns in prefixes(base).items():
        g.bind(prefix, ns, override=True)
    for t in desc.outgoing:
        g.add((to_rdflib(t.subject), URIRef(t.predicate.value), to_rdflib(t.object)))
    target = URIRef(desc.iri)
    for prop, subjects in desc.incoming.items():
        for s in subjects:
            g.add((to_rdflib(s), URIRef(prop), target))
    for s, p, lit in desc.label_rows:
        if s != desc.iri:
            g.add((URIRef(s), URIRef(p), to_rdflib(lit)))
    return g


def serialize(graph: Graph, fmt) -> bytes:
    """Bytes of ``graph`` in ``fmt`` (a ``kg.model.formats.Format`` with rdflib name)."""
    if fmt.rdflib == "json-ld":
        context = {p: str(ns) for p, ns in graph.namespaces() if any(str(t).startswith(str(ns)) for t in _terms(graph))}
        return graph.serialize(format="json-ld", context=context, auto_compact=True, indent=2).encode("utf-8")
    data = graph.serialize(format=fmt.rdflib)
    return data.encode("utf-8") if isinstance(data, str) else data


def _terms(graph: Graph):
    for s, p, o in graph:
        yield s
        yield p
        if isinstance(o, URIRef):
            yield o
        elif isinstance(o, Literal) and o.datatype:
            yield o.datatype
