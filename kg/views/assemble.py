"""One assembler per page kind: each returns the page's *context*, a dict
that the server renders as HTML (a template) or as JSON (the data twin,
:func:`kg.views.context.jsonable`). The same dict feeds both, so the two
representations carry the same facts.

Contexts (keys every caller may rely on):

``home``      statements, typed, article_count, articles [(iri, label, date)],
              classes / other_classes [(class IRI, count)], graphs {IRI: size},
              labels {IRI: label}, events (the first timeline events)
``entity``    page (EntityPage), extra {kinds, sections, covered}, neighbours
              [(iri, label, property label, incoming?)], graph_size (named
              graphs only, else None)
``term``      page, term (ontology_doc.Term or None), neighbours, extra {}
``article``   article (article_view.Article)
``search``    query, count, results [Hit]
``ontology``  terms, classes, properties, concepts [Term], labels
``links``     iri, prop, total, page_no, pages, subjects [Value], labels
"""

from __future__ import annotations

import math

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from kg.model.errors import BadRequest, NotFound
from kg.model.namespaces import DIP, prefixes
from kg.model.namespaces import ontology_graph as ontology_graph_iri
from kg.model.terms import humanize, sparql_iri, to_rdflib
from kg.storage.pagecache import cached
from kg.views import article_view, ontology_doc, profiles
from kg.views import home as home_mod
from kg.views import search as search_mod
from kg.views import timeline as timeline_mod
from kg.views.describe import PAGE_OUTGOING_CAP, describe, incoming_page, linked_iris
from kg.views.entity_page import EntityPage, PageSpans, attach_evidence, build_page, drop_rows, linked_nodes, make_value, neighbours
from kg.views.evidence_view import EVIDENCE, PER_NODE
from kg.views.labels import Labels, best_labels, label_rows

# -- home ----------------------------------------------------------------------

def home(store) -> dict:
    """Articles, counts per class, statements, the timeline's first events
    (:mod:`kg.views.home`)."""
    return home_mod.home(store)


# -- entities, graphs, ontology terms --------------------------------------------

def entity(store, iri: str, graph_base: str | None = None) -> dict:
    """An entity's page. ``graph_base``: IRIs under it are named graphs
    (their page also counts their statements).

    The queries are made section by section of the data, not of the page:
    the description (three queries, and one per level of blank nodes), the
    profile's sections (at most four), the evidence of everything the page
    links to (three), then every label the page shows (one)."""
    is_graph = graph_base is not None and iri.startswith(graph_base)
    try:
        desc = describe(store, iri, outgoing_cap=PAGE_OUTGOING_CAP, labels=False)
    except NotFound:
        if not is_graph or not graph_size(store, iri):
            raise
        page = EntityPage(iri, humanize(iri), [])  # a graph nothing is said about: its size
        extra = profiles.profile(store, page)
        return {"page": page, "extra": extra, "neighbours": [], "graph_size": graph_size(store, iri)}
    subject = ox.NamedNode(iri)
    types = list(dict.fromkeys(t.object.value for t in desc.outgoing if t.subject == subject
                               and t.predicate.value == str(RDF.type) and isinstance(t.object, ox.NamedNode)))
    planned = profiles.plan(store, iri, types, {p: desc.incoming_counts[p] for p in desc.incoming})
    linked, linking = linked_nodes(desc)
    spans = PageSpans.load(store, iri, linked | linking | planned.nodes(), linking | planned.nodes(joint=False))
    # When the entity's own evidence is shown (one of its first spans is
    # found in its article's text), its list of spans is not: no labels for them.
    shown_apart = any(doc in spans.texts and end <= len(spans.texts[doc]) for doc, _, end, _ in sorted(spans.spans[iri])[:PER_NODE])
    skip = {(subject, EVIDENCE)} if shown_apart else set()
    desc.label_rows = label_rows(store, linked_iris(desc.outgoing, desc.incoming, {iri}, skip) | planned.iris())
    desc.labels = labels = Labels(best_labels(desc.label_rows))
    page = build_page(desc)
    page.spans = spans
    attach_evidence(page, store)
    extra = profiles.profile(store, page, planned, labels)
    near = neighbours(page)
    drop_rows(page, extra.get("covered", ()))
    size = graph_size(store, iri) if is_graph else None
    return {"page": page, "extra": extra, "neighbours": near, "graph_size": size}


def term(store, iri: str) -> dict:
    """An ontology term's page: the entity view plus its documentation."""
    page = build_page(describe(store, iri), store)
    found = ontology_doc.terms(store, only=iri)
    near = neighbours(page)
    drop_rows(page, ())
    return {"page": page, "term": found[0] if found else None, "neighbours": near, "extra": {}, "graph_size": None}


def graph_size(store, iri: str) -> int:
    """Statements in the named graph ``iri``."""
    rows = list(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(iri)} {{ ?s ?p ?o }} }}"))
    return int(rows[0]["n"].value) if rows else 0


def links(store, iri: str, prop: str, page_no: int, per_page: int) -> dict:
    """One page of the subjects linking to ``iri`` by ``prop``."""
    rows = list(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s {sparql_iri(prop)} {sparql_iri(iri)} }}",
                            union_default_graph=True))
    total = int(rows[0]["n"].value) if rows else 0
    if not total:
        raise NotFound(f"No <{prop}> links to <{iri}>.")
    pages = math.ceil(total / per_page)
    if page_no > pages:
        raise NotFound(f"There are {pages} page(s) of <{prop}> links to <{iri}>.")
    subjects = incoming_page(store, iri, prop, (page_no - 1) * per_page, per_page)
    labels = Labels.load(store, [iri, prop, *(s.value for s in subjects)])
    return {"iri": iri, "prop": prop, "labels": Labels({i: labels.label(i) for i in (iri, prop)}), "total": total,
            "page_no": page_no, "pages": pages, "subjects": [make_value(s, labels) for s in subjects]}


# -- search, timeline, article -----------------------------------------------------

def search(store, q: str) -> dict:
    """Hits for ``q`` in labels and alternative names (400 when too long)."""
    if len(q) > search_mod.MAX_QUERY:
        raise BadRequest(f"A search is at most {search_mod.MAX_QUERY} characters.")
    hits = search_mod.search(store, q) if q.strip() else []  # each with its type_labels
    return {"query": q, "count": len(hits), "results": hits}


def timeline_events(store) -> list:
    """Every event in date order (computed once per store version)."""
    return cached(store, "timeline", lambda: timeline_mod.events(store))


def article(store, iri: str, mark: str | None = None) -> dict:
    """The article's text cut into linked segments; ``mark`` ("s,e") a span."""
    span = None
    if mark:
        try:
            a, b = (int(x) for x in mark.split(","))
        except ValueError as exc:
            raise BadRequest("span must be two offsets: start,end") from exc
        span = (a, b)
    return {"article": article_view.load(store, iri, span)}


# -- the ontology ------------------------------------------------------------------

def ontology(store) -> dict:
    """The ontology documentation (computed once per store version)."""
    return cached(store, "ontology", lambda: _ontology(store))


def _ontology(store) -> dict:
    found = ontology_doc.terms(store)
    refs = {i for t in found for i in (*t.domain, *t.range, *(a[1] for a in t.alignments), *t.types)}
    return {"terms": found, "labels": Labels.load(store, refs),
            "classes": [t for t in found if t.kind == "class"],
            "properties": [t for t in found if t.kind == "property"],
            "concepts": [t for t in found if t.kind == "concept"]}


def ontology_graph(store, base: str) -> Graph:
    """The ontology as an rdflib graph: its named graph, else the ``dip:``
    subjects wherever they are (a store loaded from plain files)."""
    g = Graph()
    for prefix, ns in prefixes(base).items():
        g.bind(prefix, ns, override=True)
    name = str(ontology_graph_iri(base))
    triples = list(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"))
    if not triples:
        triples = list(store.query(f'CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{DIP}")) }}',
                                   union_default_graph=True))
    for t in triples:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g
