"""Describe the dataset: VoID and DCAT, with counts computed from the store.

``describe(store, files, site_url=...)`` returns a small in-memory
``kg.storage.store.Store`` holding the description, so it is written by the same
deterministic writers as the dumps. It says: the dataset and one subset per
named graph (article graphs, ontology, background), triple, entity,
subject, property and class counts, the vocabularies used, the SPARQL
endpoint, every download (``void:dataDump`` and a ``dcat:Distribution``
with media type and byte size), licence, creation date and the source
articles (read from their ``schema:NewsArticle`` nodes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.publish.dumps import DumpFile, DumpInfo
from kg.publish.dumps.catalog import GZIP
from kg.model.namespaces import DCAT, SD, VOID, entity_ns, prefixes

DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
FOAF_HOMEPAGE = ox.NamedNode("http://xmlns.com/foaf/0.1/homepage")
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
# The data's licence when no article states one.
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
TITLE = "Diplomacy KG"
DESCRIPTION = ("Diplomatic news turned into an RDF knowledge graph: events, people, "
               "organisations and places, each fact linked to the words of the article that state it.")
VOID_PATH = ".well-known/void"
KEYWORDS = ("diplomacy", "news", "international relations", "knowledge graph")
# void:feature of each dump format: the W3C's unique URIs for RDF formats.
W3C_FORMATS = {
    "ttl": "http://www.w3.org/ns/formats/Turtle",
    "nt": "http://www.w3.org/ns/formats/N-Triples",
    "nq": "http://www.w3.org/ns/formats/N-Quads",
    "trig": "http://www.w3.org/ns/formats/TriG",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
}


@dataclass(frozen=True)
class Counts:
    """VoID statistics of one graph (or of the union)."""

    triples: int
    entities: int
    subjects: int
    properties: int
    objects: int
    classes: int


_STATS = ("(COUNT(*) AS ?triples) (COUNT(DISTINCT ?e) AS ?entities) (COUNT(DISTINCT ?s) AS ?subjects) "
          "(COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects)")
# ?e is the subject when it is an entity (an IRI in the URI space), else unbound.
_ENTITY = 'BIND(IF(isIRI(?s) && STRSTARTS(STR(?s), "{space}"), ?s, ?unbound) AS ?e)'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _as_counts(row, classes: int) -> Counts:
    def value(name: str) -> int:
        term = row[name]
        return int(term.value) if term is not None else 0

    return Counts(value("triples"), value("entities"), value("subjects"), value("properties"), value("objects"), classes)


def union_counts(store, uri_space: str, triples: int | None = None) -> Counts:
    """Counts over the union of all graphs (each distinct triple once).

    ``triples``, when known (the union dump's count), spares the query that
    de-duplicates every triple, the costliest in time and memory.
    """
    entity = _ENTITY.format(space=_escape(uri_space))
    stats = _STATS.replace("(COUNT(*) AS ?triples) ", "")
    row = next(iter(store.query(f"SELECT {stats} WHERE {{ ?s ?p ?o {entity} }}", union_default_graph=True)))
    if triples is None:
        distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        triples = int(next(iter(store.query(distinct, union_default_graph=True)))[0].value)
    classes = next(iter(store.query("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }", union_default_graph=True)))[0]
    counts = _as_counts(row, int(classes.value))
    return Counts(triples, counts.entities, counts.subjects, counts.properties, counts.objects, counts.classes)


def graph_counts(store, uri_space: str) -> dict[str, Counts]:
    """Counts of every named graph, in two grouped queries whatever their number."""
    entity = _ENTITY.format(space=_escape(uri_space))
    query = f"SELECT ?g {_STATS} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {entity} }} GROUP BY ?g"
    classes = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g")}
    return {row["g"].value: _as_counts(row, classes.get(row["g"].value, 0)) for row in store.query(query)
            if isinstance(row["g"], ox.NamedNode)}


def vocabularies(store) -> list[str]:
    """Namespaces of every property and class used (declared prefixes first)."""
    used: set[str] = set()
    query = "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }"
    known = sorted(prefixes().values(), key=len, reverse=True)
    for row in store.query(query, union_default_graph=True):
        term = row[0]
        if not isinstance(term, ox.NamedNode):
            continue
        iri = term.value
        ns = next((k for k in known if iri.startswith(k) and len(iri) > len(k)), None)
        if ns is None:
            cut = max(iri.rfind("#"), iri.rfind("/"))
            ns = iri[: cut + 1] if cut > 0 else iri
        used.add(ns)
    return sorted(used)


ARTICLE_QUERY = """
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?article ?title ?date ?license ?source WHERE {
  GRAPH ?g { ?article a schema:NewsArticle .
    OPTIONAL { ?article schema:headline|schema:name|dcterms:title ?title }
    OPTIONAL { ?article schema:datePublished|dcterms:date|dcterms:issued ?date }
    OPTIONAL { ?article schema:license|dcterms:license ?license }
    OPTIONAL { ?article schema:url|dcterms:source|schema:isBasedOn|prov:wasDerivedFrom ?source }
  }
}
"""


def articles(store) -> dict[str, dict]:
    """Graph IRI -> the metadata of the article it holds (first value of each)."""
    found: dict[str, dict] = {}
    for row in store.query(ARTICLE_QUERY):
        meta = found.setdefault(row["g"].value, {"article": row["article"]})
        for key in ("title", "date", "license", "source"):
            value = row[key]
            if value is not None and (key not in meta or str(value) < str(meta[key])):
                meta[key] = value
    return found


def graph_sources(store, graph: str) -> list:
    """What a named graph says it was derived from (provenance on its IRI)."""
    query = ("SELECT DISTINCT ?source WHERE { ?g <http://purl.org/dc/terms/source>"
             "|<http://www.w3.org/ns/prov#wasDerivedFrom> ?source }")
    iri = ox.NamedNode(graph)
    found = store.query(query.replace("?g", f"<{iri.value}>"), default_graphs=[graph])
    return sorted((row[0] for row in found), key=str)


def all_graph_sources(store) -> dict[str, list]:
    """``graph_sources`` of every named graph, in one query whatever their number."""
    query = ("SELECT DISTINCT ?g ?source WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source>"
             "|<http://www.w3.org/ns/prov#wasDerivedFrom> ?source } }")
    found: dict[str, list] = {}
    for row in store.query(query):
        if isinstance(row["g"], ox.NamedNode):
            found.setdefault(row["g"].value, []).append(row["source"])
    return {g: sorted(sources, key=str) for g, sources in found.items()}


def created(store, fallback: float | None = None) -> ox.Literal:
    """When the data was made: the newest generation time its graphs record
    (``prov:generatedAtTime``, ``dcterms:created``), else ``fallback`` (a
    POSIX time, e.g. when the dumps of this version were made), else now."""
    query = ("SELECT (MAX(?t) AS ?t) WHERE { GRAPH ?g { ?g <http://www.w3.org/ns/prov#generatedAtTime>"
             "|<http://purl.org/dc/terms/created> ?t } }")
    for row in store.query(query):
        if row[0] is not None:
            return row[0]
    when = dt.datetime.fromtimestamp(fallback, dt.timezone.utc) if fallback else dt.datetime.now(dt.timezone.utc)
    return ox.Literal(when.replace(microsecond=0).isoformat().replace("+00:00", "Z"), datatype=ox.NamedNode(XSD + "dateTime"))


def _lit(value, datatype: str | None = None) -> ox.Literal:
    if datatype:
        return ox.Literal(str(value), datatype=ox.NamedNode(datatype))
    return ox.Literal(str(value))


def _integer(n: int) -> ox.Literal:
    return _lit(n, XSD + "integer")


class Description:
    """The description's triples, readable by the dump writers like a store.

    An ``ox.Dataset`` rather than a store: a store would rewrite
    ``"7"^^xsd:nonNegativeInteger`` as an ``xsd:integer``.
    """

    def __init__(self):
        self.dataset = ox.Dataset()

    def add(self, s: ox.NamedNode, p: str, *objects) -> None:
        for o in objects:
            obj = o if isinstance(o, (ox.NamedNode, ox.Literal, ox.BlankNode)) else _lit(o)
            self.dataset.add(ox.Quad(s, ox.NamedNode(p), obj))

    def quads(self, graph: str | None = None):
        return iter(self.dataset) if graph is None else iter(())

    def named_graphs(self) -> list[str]:
        return []

    def __len__(self) -> int:
        return len(self.dataset)

    def counts(self, s: ox.NamedNode, c: Counts) -> None:
        self.add(s, VOID + "triples", _integer(c.triples))
        self.add(s, VOID + "entities", _integer(c.entities))
        self.add(s, VOID + "distinctSubjects", _integer(c.subjects))
        self.add(s, VOID + "properties", _integer(c.properties))
        self.add(s, VOID + "distinctObjects", _integer(c.objects))
        self.add(s, VOID + "classes", _integer(c.classes))


def _distributions(b: Description, doc: str, owner: ox.NamedNode, site: str, made: list[tuple[DumpFile, DumpInfo]]) -> None:
    """``void:dataDump`` and a ``dcat:Distribution`` for each file and its .gz."""
    for file, info in made:
        for gz in (False, True):
            name = file.gz_name if gz else file.name
            url = ox.NamedNode(f"{site}downloads/{name}")
            dist = ox.NamedNode(f"{doc}#dist-{name}")
            b.add(owner, VOID + "dataDump", url)
            b.add(owner, DCAT + "distribution", dist)
            b.add(dist, str(RDF_TYPE.value), ox.NamedNode(DCAT + "Distribution"))
            b.add(dist, DCT + "title", f"{file.title} ({file.fmt.label}{', gzip' if gz else ''})")
            b.add(dist, DCAT + "downloadURL", url)
            b.add(dist, DCAT + "accessURL", url)
            b.add(dist, DCAT + "mediaType", ox.NamedNode(MEDIA_TYPES + file.fmt.media_type))
            if info is not None:  # a file not made yet has no known size
                b.add(dist, DCAT + "byteSize", _lit(info.gz_size if gz else info.size, XSD + "nonNegativeInteger"))
            if gz:
                b.add(dist, DCAT + "compressFormat", ox.NamedNode(MEDIA_TYPES + GZIP))


def _subset_name(files: list[DumpFile]) -> str:
    return files[0].name.rsplit(".", 1)[0]


def _remembered(memo: dict | None, key, compute):
    """``compute()``, kept in ``memo`` (when given) under ``key``."""
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def describe(store, made: Iterable[tuple[DumpFile, DumpInfo | None]], *, site_url: str, base: str | None = None,
             created_at: float | None = None, memo: dict | None = None) -> Description:
    """The VoID + DCAT description of ``store`` as served at ``site_url``.

    ``made`` pairs each catalogue file with its made file (sizes, digests),
    or None for a file not made yet: its size is then left out, so the
    description never has to write every dump first. ``created_at`` (POSIX
    time) is the creation date when the data records none (default: when
    the files were made). ``memo``, a dict kept per store version, spares
    the counting queries on later calls.
    """
    site = site_url if site_url.endswith("/") else site_url + "/"
    doc = site + VOID_PATH
    dataset = ox.NamedNode(doc + "#dataset")
    uri_space = str(entity_ns(base))
    made = list(made)
    meta = _remembered(memo, "articles", lambda: articles(store))
    b = Description()
    a = str(RDF_TYPE.value)

    b.add(ox.NamedNode(doc), a, ox.NamedNode(VOID + "DatasetDescription"))
    b.add(ox.NamedNode(doc), DCT + "title", f"Description of the {TITLE} dataset (VoID and DCAT)")
    b.add(ox.NamedNode(doc), "http://xmlns.com/foaf/0.1/primaryTopic", dataset)

    b.add(dataset, a, ox.NamedNode(VOID + "Dataset"), ox.NamedNode(DCAT + "Dataset"))
    b.add(dataset, DCT + "title", TITLE)
    b.add(dataset, DCT + "description", DESCRIPTION)
    licences = sorted({m["license"].value for m in meta.values() if isinstance(m.get("license"), ox.NamedNode)})
    b.add(dataset, DCT + "license", *(ox.NamedNode(x) for x in licences or [DEFAULT_LICENSE]))
    fallback = created_at or min((i.modified for _, i in made if i is not None), default=None)
    b.add(dataset, DCT + "created", _remembered(memo, "created", lambda: created(store, fallback)))
    for m in meta.values():
        b.add(dataset, DCT + "source", m["article"])
    b.add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(site + "sparql"))
    b.add(dataset, VOID + "uriSpace", uri_space)
    b.add(dataset, VOID + "vocabulary", *(ox.NamedNode(v) for v in _remembered(memo, "vocabularies", lambda: vocabularies(store))))
    b.add(dataset, DCAT + "landingPage", ox.NamedNode(site + "downloads"))
    b.add(dataset, str(FOAF_HOMEPAGE.value), ox.NamedNode(site))
    if meta:
        b.add(dataset, VOID + "exampleResource", min((m["article"] for m in meta.values()), key=str))
    union_triples = next((i.triples for f, i in made if f.role == "union" and i is not None), None)
    b.counts(dataset, _remembered(memo, "union", lambda: union_counts(store, uri_space, union_triples)))
    _distributions(b, doc, dataset, site, [(f, i) for f, i in made if f.graph is None])

    service = ox.NamedNode(doc + "#sparql")
    b.add(service, a, ox.NamedNode(DCAT + "DataService"), ox.NamedNode(SD + "Service"))
    b.add(service, DCT + "title", f"{TITLE} SPARQL 1.1 endpoint")
    b.add(service, DCAT + "endpointURL", ox.NamedNode(site + "sparql"))
    b.add(service, SD + "endpoint", ox.NamedNode(site + "sparql"))
    b.add(service, DCAT + "servesDataset", dataset)
    b.add(dataset, DCAT + "accessService", service)

    catalog = ox.NamedNode(doc + "#catalog")
    b.add(catalog, a, ox.NamedNode(DCAT + "Catalog"))
    b.add(catalog, DCT + "title", f"{TITLE} data catalogue")
    b.add(catalog, DCAT + "dataset", dataset)
    b.add(catalog, DCAT + "service", service)
    b.add(catalog, str(FOAF_HOMEPAGE.value), ox.NamedNode(site))
    b.add(dataset, DCAT + "keyword", *KEYWORDS)
    formats = sorted({f.fmt.name for f, _ in made})
    b.add(dataset, VOID + "feature", *(ox.NamedNode(W3C_FORMATS[name]) for name in formats if name in W3C_FORMATS))

    by_graph: dict[str, list[tuple[DumpFile, DumpInfo | None]]] = {}
    for f, i in made:
        if f.graph:
            by_graph.setdefault(f.graph, []).append((f, i))
    stats = _remembered(memo, "graphs", lambda: graph_counts(store, uri_space))
    sources = _remembered(memo, "sources", lambda: all_graph_sources(store))
    for graph, pairs in sorted(by_graph.items()):
        _subset(b, doc, dataset, graph, pairs, meta.get(graph), sources.get(graph, []), stats[graph], site)
    return b


def _subset(b: Description, doc: str, dataset, graph: str, pairs, article: dict | None, sources: list, stats: Counts, site: str) -> None:
    """One named graph as a ``void:subset`` of the dataset."""
    a = str(RDF_TYPE.value)
    files = [f for f, _ in pairs]
    subset = ox.NamedNode(f"{doc}#{_subset_name(files)}")
    b.add(dataset, VOID + "subset", subset)
    b.add(subset, a, ox.NamedNode(VOID + "Dataset"), ox.NamedNode(DCAT + "Dataset"), ox.NamedNode(SD + "NamedGraph"))
    b.add(subset, SD + "name", ox.NamedNode(graph))
    title = files[0].title
    if article:
        title = f"Article graph: {article['title'].value}" if article.get("title") else title
        b.add(subset, DCT + "source", article["article"])
        for key, prop in (("source", DCT + "source"), ("license", DCT + "license"), ("date", DCT + "issued")):
            if article.get(key) is not None:
                b.add(subset, prop, article[key])
    b.add(subset, DCT + "title", title)
    b.add(subset, DCT + "source", *sources)
    b.add(subset, VOID + "sparqlEndpoint", ox.NamedNode(site + "sparql"))
    b.counts(subset, stats)
    _distributions(b, doc, subset, site, pairs)


def description_prefixes(base: str | None = None) -> dict[str, str]:
    """Prefixes for writing the description: the project's plus sd and foaf."""
    return {**prefixes(base), "sd": str(SD), "foaf": "http://xmlns.com/foaf/0.1/"}
