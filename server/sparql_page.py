"""What GET ``/sparql`` shows without a query, and the HTML results page.

RDF clients get the SPARQL 1.1 Service Description naming the endpoint's
real URL (``PUBLIC_URL`` when configured, else the URL the request came
to), the result formats, the default dataset and its named graphs. Browsers
get the query page: an editor holding the query (kept after any error, the
error shown in one line at its line and column), the project's prefixes
declared when a query uses them without a PREFIX line, results as a table
with IRIs linked or as a chart (``view=chart``), a permalink restoring
query, format and view, and the competency questions as examples. The page
works without JavaScript; ``static/query-editor.js`` adds highlighting and
completion.
"""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, current_app, g, render_template, request
from markupsafe import Markup

from kg.model.errors import KGError, NotAcceptable
from kg.model.formats import CSV_RESULTS, GRAPH_FORMATS, HTML, JSON_RESULTS, RESULT_FORMATS, Format, by_name, negotiate
from kg.model.namespaces import DIP, base_iri, prefixes
from kg.storage.pagecache import cached
from kg.views.examples import all_examples
from kg.views.ontology_doc import terms as ontology_terms

from .query_chart import chart as draw_chart
from .query_help import QueryError, declare_prefixes, readable_error
from .site import site_url
from .state import current_state

VIEWS = ("table", "chart")

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
    """The endpoint's public URL: configured, else the one the client used
    (its Host checked, 400 otherwise; the mount prefix kept)."""
    return site_url() + "sparql"


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
    """The competency questions (``queries/cq/``), then the worked examples
    (``queries/examples/``): name, title, question, SPARQL text."""
    return [{"name": e.name, "title": e.title, "question": e.question, "sparql": e.sparql} for e in all_examples()]


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


def wants_page(requested: list[str]) -> bool:
    """Does this query request ask for the HTML page (``format=html``, or a
    browser's Accept header with no ``format``)?"""
    offered = (*RESULT_FORMATS, *GRAPH_OFFERS, HTML)
    try:
        fmt = by_name(requested[0], offered) if requested else negotiate(request.headers.get("Accept"), offered)
    except KGError:
        return False
    return fmt is HTML


def answer_page(p, run) -> Response:
    """Run the protocol request ``p`` for the page: the project's prefixes
    declared first; any error shown on the page with the query kept.

    ``run`` is the endpoint's own ``run_query`` (same guard, budget and caps).
    """
    full, added = declare_prefixes(p.query, prefixes(current_app.config.get("BASE") or None))
    # A form sends line ends as CRLF; the editor and the permalink keep plain newlines.
    g.query_page = {"text": p.query.replace("\r\n", "\n"), "added": added, "full": full}
    try:
        return run(replace(p, query=full))
    except KGError as exc:
        if isinstance(exc, NotAcceptable):
            raise
        error = readable_error(exc.message, exc.detail, g.query_page["text"], 1 if added else 0)
        resp = query_page(full, None, error=error, error_status=f"{exc.status} {exc.title}")
        resp.status_code = exc.status
        for name, value in getattr(exc, "headers", {}).items():
            resp.headers[name] = value
        return resp


def completion_data() -> dict:
    """What the editor completes: prefixes, and ``dip:`` terms with labels
    (computed once per store version)."""
    store = current_state().store

    def compute():
        return [{"name": "dip:" + t.iri[len(str(DIP)):], "label": t.label, "kind": t.kind,
                 "definition": (t.definition or "")[:160]} for t in ontology_terms(store)]

    return {"prefixes": prefixes(current_app.config.get("BASE") or None), "terms": cached(store, "query-page-terms", compute)}


def _url(query: str, fmt: str, view: str | None = None) -> str:
    url = f"/sparql?query={quote(query)}&format={fmt}"
    return url + f"&view={view}" if view and view != "table" else url


def _any_cut(table: dict | None) -> bool:
    return bool(table) and any(c and c.get("cut") for row in table["rows"] for c in row)


def query_page(query: str | None, table: dict | None, *, error: QueryError | None = None, error_status: str = "") -> Response:
    """The HTML query page, with ``table`` (from ``kg.storage.results.table``)
    as results or ``error`` shown above them. ``query`` is what ran; the
    editor shows what the reader typed (``g.query_page``)."""
    base = base_iri(current_app.config.get("BASE") or None)
    names = prefixes(current_app.config.get("BASE") or None)
    typed = g.get("query_page") or {"text": query, "added": [], "full": query}
    text, full = typed["text"], typed["full"] or ""
    view = request.args.get("view", "table")
    view = view if view in VIEWS else "table"
    compact = lambda iri: _compact(iri, names)  # noqa: E731
    offered = GRAPH_FORMATS if table and table["kind"] == "graph" else RESULT_FORMATS
    html = render_template(
        "sparql.html", query=text, result=table, examples=examples(), endpoint=endpoint_url(),
        compact=compact, href=lambda iri: _href(iri, base),
        result_formats=RESULT_FORMATS, graph_formats=GRAPH_FORMATS, timeout=current_app.config["TIMEOUT"],
        default_query=_default_query(), error=error, error_status=error_status, added=typed["added"], prefixes=names,
        view=view, chart=draw_chart(table, compact) if table else None, any_cut=_any_cut(table),
        downloads=[(f, _url(full, f.name)) for f in offered],
        json_url=_url(full, JSON_RESULTS.name), csv_url=_url(full, CSV_RESULTS.name),
        permalink=_url(text, "html", view) if text else None,
        view_urls={v: _url(text, "html", v) for v in VIEWS} if text else {},
        completion=Markup(json.dumps(completion_data(), ensure_ascii=True).replace("<", "\\u003c")),
    )
    return Response(html, content_type=HTML.content_type())


def _default_query() -> str:
    return "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 25\n"
