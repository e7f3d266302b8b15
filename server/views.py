"""Data for the page templates: thin glue between ``kg`` and ``pages``."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from kg.views import article_view as articles
from kg.views import ontology_doc
from kg.views import profiles
from kg.views import search as search_mod
from kg.views import timeline as timeline_mod
from kg.model.errors import BadRequest
from kg.views.labels import Labels
from kg.model.namespaces import DIP, NIF, SDO, prefixes
from kg.model.namespaces import ontology_graph as ontology_graph_iri
from kg.storage.pagecache import cached
from kg.model.terms import sparql_iri, to_rdflib

from . import diagram, links

MAX_ARTICLES = 50  # listed on the home page; the class index links to all


def neighbourhood(page) -> dict:
    return diagram.layout(page)


def entity_extras(store, page) -> dict:
    """Sections particular to events, people and strikes."""
    return profiles.profile(store, page)


def term_doc(store, iri: str):
    found = ontology_doc.terms(store, only=iri)
    return found[0] if found else None


def count_incoming(store, iri: str, prop: str) -> int:
    rows = list(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s {sparql_iri(prop)} {sparql_iri(iri)} }}", union_default_graph=True))
    return int(rows[0]["n"].value) if rows else 0


def graph_size(store, iri: str) -> int:
    """Statements in the named graph ``iri``."""
    rows = list(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(iri)} {{ ?s ?p ?o }} }}"))
    return int(rows[0]["n"].value) if rows else 0


def home_data(store) -> dict:
    """Articles, counts per class, statements, the timeline's first events."""
    data = dict(cached(store, "home", lambda: _dataset_figures(store)))
    data["events"] = timeline_events(store)[:8]
    return data


def _dataset_figures(store) -> dict:
    """Whole-dataset counts for the home page (four grouped queries)."""
    classes = [(row["c"].value, int(row["n"].value)) for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)", union_default_graph=True)]
    graphs = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", union_default_graph=False)}
    arts = [(row["a"].value, row["l"].value if row["l"] is not None else row["a"].value, row["d"].value if row["d"] is not None else "")
            for row in store.query(f"SELECT ?a (SAMPLE(?l0) AS ?l) (SAMPLE(?d0) AS ?d) WHERE {{ ?a <{NIF.isString}> ?t "
                                   f"OPTIONAL {{ ?a <{RDFS.label}> ?l0 }} OPTIONAL {{ ?a <{SDO.datePublished}> ?d0 }} }} "
                                   f"GROUP BY ?a ORDER BY ?a LIMIT {MAX_ARTICLES}", union_default_graph=True)]
    labels = Labels.load(store, [c for c, _ in classes])
    typed = next(iter(store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }", union_default_graph=True)))["n"]
    own = sorted(((c, n) for c, n in classes if c.startswith(str(DIP))), key=lambda cn: labels.label(cn[0]).lower())
    other = [(c, n) for c, n in classes if not c.startswith(str(DIP))]
    return {"classes": own, "other_classes": other, "labels": labels, "graphs": graphs, "typed": int(typed.value),
            "statements": sum(graphs.values()), "articles": arts, "article_count": _count_articles(store)}


def _count_articles(store) -> int:
    rows = store.query(f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{NIF.isString}> ?t }}", union_default_graph=True)
    return int(next(iter(rows))["n"].value)


def run_search(store, q: str):
    if len(q) > search_mod.MAX_QUERY:
        raise BadRequest(f"A search is at most {search_mod.MAX_QUERY} characters.")
    hits = search_mod.search(store, q) if q.strip() else []
    labels = Labels.load(store, {t for h in hits for t in h.types})
    for hit in hits:
        hit.type_labels = [labels.label(t) for t in hit.types if t != str(RDF.type)]
    return hits


def hit_json(hit) -> dict:
    return {"iri": hit.iri, "label": hit.label, "matched": hit.matched, "match": hit.kind,
            "score": hit.score, "types": hit.types, "page": links.href(hit.iri)}


def timeline_events(store):
    """Every event in date order (computed once per store version)."""
    return cached(store, "timeline", lambda: timeline_mod.events(store))


def event_json(ev) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"iri": ev.iri, "label": ev.label, "type": ev.type_label, "date": iso(ev.date), "year": ev.year,
            "earliestBegin": iso(ev.earliest), "latestEnd": iso(ev.latest), "precision": ev.precision,
            "inferred": ev.inferred, "phrase": ev.phrase, "status": ev.status, "page": links.href(ev.iri)}


def ontology_graph(store, base: str):
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


def ontology_data(store) -> dict:
    """The ontology documentation (computed once per store version)."""
    return cached(store, "ontology", lambda: _ontology_data(store))


def _ontology_data(store) -> dict:
    found = ontology_doc.terms(store)
    refs = {i for t in found for i in (*t.domain, *t.range, *(a[1] for a in t.alignments), *t.types)}
    return {"terms": found, "labels": Labels.load(store, refs),
            "classes": [t for t in found if t.kind == "class"],
            "properties": [t for t in found if t.kind == "property"],
            "concepts": [t for t in found if t.kind == "concept"]}


def article_data(store, iri: str, mark: str | None = None) -> dict:
    span = None
    if mark:
        try:
            a, b = (int(x) for x in mark.split(","))
            span = (a, b)
        except ValueError as exc:
            raise BadRequest("span must be two offsets: start,end") from exc
    return {"article": articles.load(store, iri, span)}
