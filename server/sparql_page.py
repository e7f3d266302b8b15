"""What GET ``/sparql`` shows without a query, and the HTML results page.

RDF clients get the SPARQL 1.1 Service Description naming the endpoint's
real URL (``PUBLIC_URL`` when configured, else the URL the request came
to), the result formats, the default dataset and its named graphs. Browsers
get a query form with the competency questions as examples; results come
back as an HTML table with IRIs linked. The page needs no JavaScript.
"""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
from flask import Response, current_app, render_template, request

from kg.model.formats import GRAPH_FORMATS, HTML, RESULT_FORMATS, Format, by_name, negotiate
from kg.model.namespaces import base_iri, prefixes
from kg.views.examples import list_examples

from .state import current_state

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID = "http://rdfs.org/ns/void#"
# Media type -> the W3C unique URI of the format (http://www.w3.org/ns/formats/).
FORMAT_URIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV", "tsv": "SPARQL_Results_TSV",
    "ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdf": "RDF_XML", "trig": "TriG", "nq": "N-Quads",
}


# For a graph, the generic JSON and XML media types name JSON-LD and RDF/XML
# (as ``format=json`` / ``format=xml`` do): a client that asks a CONSTRUCT
# for ``application/json`` gets JSON it can read, not a 406.
GENERIC_ALIASES = {"jsonld": ("application/json",), "rdf": ("application/xml", "text/xml")}
GRAPH_OFFERS: tuple[Format, ...] = tuple(replace(f, aliases=(*f.aliases, *GENERIC_ALIASES.get(f.name, ()))) for f in GRAPH_FORMATS)


def endpoint_url() -> str:
    """The endpoint's public URL: configured, else the one the client used."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + "/sparql"
    return request.url_root.rstrip("/") + "/sparql"  # url_root keeps a mount prefix (SCRIPT_NAME)


def _sd_triples(endpoint: str) -> list[ox.Triple]:
    state = current_state()
    service = ox.NamedNode(endpoint)
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731 - a local shorthand
    root = endpoint.rsplit("/sparql", 1)[0]
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL10Query")),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(service, ox.NamedNode("http://purl.org/dc/terms/description"), ox.Literal(
            f"Read-only SPARQL 1.1 endpoint: Update, LOAD and SERVICE are refused; FROM may name only graphs of this dataset. "
            f"Time budget {current_app.config['TIMEOUT']:g} s per query, at most {current_app.config['MAX_ROWS']} result rows.")),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"), ox.NamedNode(root + "/.well-known/void")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
    ]
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + uri)) for uri in FORMAT_URIS.values()]
    if state.store.union_default_graph:
        triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    for graph in sorted(state.graphs()):
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(graph)),
        ]
    return triples


def service_description(fmt: Format) -> Response:
    """The Service Description in ``fmt`` (any graph format)."""
    rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
    triples = _sd_triples(endpoint_url())
    if rdf_format.supports_datasets:
        triples = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    kwargs = {"prefixes": {"sd": SD, "void": VOID, "formats": FORMATS_NS}} if fmt.name in ("ttl", "trig") else {}
    body = ox.serialize(triples, None, rdf_format, **kwargs)
    return Response(body, content_type=fmt.content_type())


def description_or_page(requested: list[str]) -> Response:
    """GET /sparql without a query: the page for browsers, else the description."""
    offered = (*GRAPH_OFFERS, HTML)
    fmt = by_name(requested[0], offered) if requested else negotiate(request.headers.get("Accept"), offered)
    if fmt is HTML:
        return query_page(None, None)
    return service_description(fmt)


def examples() -> list[dict]:
    """The competency questions (``queries/cq/``): name, title, question, SPARQL text."""
    return [{"name": e.name, "title": e.title, "question": e.question, "sparql": e.sparql} for e in list_examples()]


def _compact(iri: str, table: dict[str, str]) -> str:
    for prefix, ns in table.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


LINKED_SCHEMES = ("http://", "https://")


def _href(iri: str, base: str) -> str | None:
    """Entity IRIs of this dataset link to this server's pages; other web
    IRIs link to themselves. Any other scheme (``javascript:``, ``data:``,
    ...) is not linked: a query names its IRIs, so a link to one would let
    a crafted query URL run script in the reader's browser."""
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return iri if iri.lower().startswith(LINKED_SCHEMES) else None


def query_page(query: str | None, table: dict | None) -> Response:
    """The HTML query form, with ``table`` (from ``kg.storage.results.table``) as results."""
    base = base_iri(current_app.config.get("BASE") or None)
    names = prefixes(current_app.config.get("BASE") or None)
    html = render_template(
        "sparql.html", query=query, result=table, examples=examples(), endpoint=endpoint_url(),
        compact=lambda iri: _compact(iri, names), href=lambda iri: _href(iri, base),
        result_formats=RESULT_FORMATS, graph_formats=GRAPH_FORMATS, timeout=current_app.config["TIMEOUT"],
        default_query=_default_query(),
    )
    return Response(html, content_type=HTML.content_type())


def _default_query() -> str:
    return "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 25\n"
