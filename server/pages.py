"""Pages for people and their data twins: entities, ontology, search, links,
articles and the home page (the timeline is in ``explore``).

Each route assembles its context with :mod:`kg.views.assemble` and answers
through :mod:`server.representation`: HTML, the JSON twin (``.json``,
``format=json`` or ``Accept: application/json``) and, for things, RDF.

IRI strategy (see the README, "Entity pages and IRIs"): an entity IRI names
a thing, not a document, so ``/id/x`` answers ``303 See Other`` to the
document in the negotiated format (``/id/x.html``, ``/id/x.ttl``,
``/id/x.json``...). Documents answer 200 directly, as does ``?format=`` on
any of these URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Blueprint, Response, redirect, request
from rdflib import Graph, Literal, URIRef

from kg.model import formats as F
from kg.model.errors import BadRequest, NotFound
from kg.model.namespaces import DIP, VOID
from kg.model.terms import sparql_iri
from kg.storage.pagecache import remembered
from kg.views import assemble, citation
from kg.views import search as search_index
from kg.views.describe import RDF_INCOMING_CAP, describe, serialize, to_graph

from . import diagram, links, page_html, spans
from .representation import JSON, PAGE_ONLY, THING, by_parameter, by_suffix, choose, link_header, negotiated, render, response, split_suffix
from .state import current_state

bp = Blueprint("pages", __name__)
links.register(bp)
spans.register(bp)  # /span?iri=...: an evidence span's page
page_html.register(bp)  # the values and quotes of entity pages
LINKS_PER_PAGE = 100
MAX_PAGE = 10**9  # page numbers past this are refused (400), not computed


@bp.record_once
def warm_search(setup) -> None:
    """A serving process (``kg serve``: ``START_ENGINE``) builds the search
    index in the background while it starts; /healthz does not wait for it."""
    if setup.app.config.get("START_ENGINE"):
        search_index.warm(setup.app.extensions["kg"].store)


def page_number() -> int:
    """The ``page`` argument (1 when absent); 400 unless a whole number
    from 1 to ``MAX_PAGE``."""
    value = request.args.get("page", "1").strip()
    if not re.fullmatch(r"\d{1,10}", value) or not 1 <= int(value) <= MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE:,}", detail={"page": value[:40]})
    return int(value)


def store():
    return current_state().store


def exists(iri: str) -> bool:
    """Does the dataset say anything about ``iri``, or is it a named graph?"""
    s = sparql_iri(iri)
    return bool(store().query(f"ASK {{ {{ {s} ?p ?o }} UNION {{ ?x ?q {s} }} UNION {{ GRAPH {s} {{ ?a ?b ?c }} }} }}",
                              union_default_graph=True))


def not_found(iri: str) -> NotFound:
    """A 404 for ``iri`` with the search its last path segment suggests."""
    words = re.sub(r"[-_.]+", " ", iri.rstrip("/").rsplit("/", 1)[-1]).strip()[:200]
    hits = assemble.search(store(), words)["results"][:5] if words else []
    return NotFound(f"Nothing is known about <{iri}>.", detail={
        "iri": iri, "query": words, "suggestions": [{"label": h.label, "page": links.href(h.iri)} for h in hits]})


def rdf_twin(iri: str, fmt: F.Format) -> bytes:
    """The resource's description in an RDF serialization (a named graph
    nothing is said about: its size, ``void:triples``)."""
    try:
        desc = describe(store(), iri, incoming_cap=RDF_INCOMING_CAP, hash_resources=True)
    except NotFound:
        size = assemble.graph_size(store(), iri) if iri.startswith(links.data_base() + "graph/") else 0
        if not size:
            raise
        graph = Graph()
        graph.bind("void", VOID)
        graph.add((URIRef(iri), VOID.triples, Literal(size)))
        return serialize(graph, fmt)
    return serialize(to_graph(desc, links.data_base()), fmt)


def entity_context(iri: str) -> dict:
    """The entity page's context (a named graph's page also counts it)."""
    ctx = assemble.entity(store(), iri, links.data_base() + "graph/")
    slug = links.article_slug(iri)
    is_article = slug and any(t.text == str(DIP.Article) for t in ctx["page"].types)
    ctx["article_url"] = f"/article/{slug}" if is_article else None
    ctx.update(citation.provenance(store(), ctx["page"]))  # sources, per_article
    return ctx


def term_context(iri: str) -> dict:
    return {**assemble.term(store(), iri), "article_url": None}


def entity_body(iri: str, fmt: F.Format, alts, context: Callable[[str], dict]) -> bytes | str:
    """The document of ``iri`` in ``fmt``: the page, its JSON twin or RDF."""
    if fmt is F.HTML or fmt is JSON:
        ctx = context(iri)
        extra = {"diagram": diagram.layout(ctx["page"], ctx["neighbours"])} if fmt is F.HTML else {}
        return render(fmt, ctx, "entity.html", alts, html_extra=extra)
    return rdf_twin(iri, fmt)


def serve_thing(iri: str, thing_url: str, suffix: F.Format | None, context: Callable[[str], dict]) -> Response:
    """One view for every representation of ``iri``: 303, twin or page."""
    links.valid_iri(iri)
    if suffix is None and "format" not in request.args:
        chosen = choose(THING)
        if not exists(iri):
            raise not_found(iri)
        resp = redirect(f"{thing_url}.{chosen.extension}", code=303)
        resp.headers["Vary"] = "Accept"
        resp.headers["Link"] = link_header(by_suffix(thing_url, THING, f"{thing_url}.html"))
        return resp
    fmt = choose(THING, suffix)
    alts = by_suffix(thing_url, THING, f"{thing_url}.html") if suffix else by_parameter(thing_url, THING)
    try:
        key = ("thing", iri, fmt.name, request.full_path, links.data_base())
        body = remembered(store(), key, lambda: entity_body(iri, fmt, alts, context))
    except NotFound as exc:
        if exc.detail.get("iri") != iri:
            raise
        raise not_found(iri) from exc
    return response(body, fmt, alts, vary=False)


@bp.get("/id/<path:rest>")
def entity(rest: str):
    """An entity: 303 to a document, or the document (``.html``, ``.ttl``, ``.json``...)."""
    name, fmt = split_suffix(rest, THING)
    return serve_thing(links.iri_for_path(name), f"/id/{name}", fmt, entity_context)


@bp.get("/graph/<path:rest>")
def named_graph(rest: str):
    """A named graph's IRI (``/graph/ontology`` too): what the dataset says
    about the graph itself, and how many statements it holds."""
    name, fmt = split_suffix(rest, THING)
    return serve_thing(links.data_base() + "graph/" + name, f"/graph/{name}", fmt, entity_context)


@bp.get("/ontology/<name>")
def ontology_term(name: str):
    """An ontology term, dereferenced like an entity."""
    stem, fmt = split_suffix(name, THING)
    return serve_thing(str(DIP) + stem, f"/ontology/{stem}", fmt, term_context)


@bp.get("/resource")
def resource():
    """What the dataset says about any IRI, e.g. a Wikidata item."""
    iri = links.valid_iri(request.args.get("iri", "").strip())
    if links.is_local(iri):
        return redirect(links.href(iri), code=303)
    fmt = choose(THING)
    alts = by_parameter(links.href(iri), THING)
    try:
        body = entity_body(iri, fmt, alts, entity_context)
    except NotFound as exc:
        if exc.detail.get("iri") != iri:
            raise
        raise not_found(iri) from exc
    return response(body, fmt, alts, vary=negotiated())


@bp.get("/links")
@bp.get("/links.json")
def incoming_links():
    """Every incoming link of one property, a page at a time."""
    suffix = JSON if request.path.endswith(".json") else None
    fmt = choose(PAGE_ONLY, suffix)
    iri = links.valid_iri(request.args.get("iri", ""))
    prop = links.valid_iri(request.args.get("property", ""))
    ctx = assemble.links(store(), iri, prop, page_number(), LINKS_PER_PAGE)
    alts = by_suffix("/links", PAGE_ONLY)
    return response(render(fmt, ctx, "links.html", alts), fmt, alts, negotiated(suffix))


@bp.get("/")
@bp.get("/index.json")
def home():
    """What the dataset holds, an index per class, search and links."""
    suffix = JSON if request.path.endswith(".json") else None
    fmt = choose(PAGE_ONLY, suffix)
    alts = [("/", F.HTML), ("/index.json", JSON)]
    return response(render(fmt, assemble.home(store()), "home.html", alts), fmt, alts, negotiated(suffix))


@bp.get("/search")
@bp.get("/search.json")
def search():
    """Search labels and alternative names; ``/search.json`` is the twin."""
    suffix = JSON if request.path.endswith(".json") else None
    fmt = choose(PAGE_ONLY, suffix)
    ctx = assemble.search(store(), request.args.get("q", ""))
    ctx["sources"] = search_index.sources(store(), ctx["results"])  # hit IRI -> articles
    alts = by_suffix("/search", PAGE_ONLY)
    return response(render(fmt, ctx, "search.html", alts), fmt, alts, negotiated(suffix))


@bp.get("/ontology/")
def ontology_iri():
    """The ontology's own IRI (``dip:`` itself): 303 to the negotiated document."""
    fmt = choose(THING)
    resp = redirect(f"/ontology.{fmt.extension}", code=303)
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = link_header(by_suffix("/ontology", THING))
    return resp


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None):
    """Documentation of every class and property; as RDF, the ontology.

    ``/ontology`` is a document: it negotiates directly (``Vary: Accept``).
    """
    suffix = None
    if ext is not None:
        suffix = F.by_extension(ext, THING)
        if suffix is None or suffix.extension != ext:
            raise NotFound(f"No /ontology.{ext}: offered are " + ", ".join(f".{f.extension}" for f in THING))
    fmt = choose(THING, suffix)
    alts = by_suffix("/ontology", THING)
    if fmt is F.HTML or fmt is JSON:
        body = render(fmt, assemble.ontology(store()), "ontology.html", alts)
    else:
        body = serialize(assemble.ontology_graph(store(), links.data_base()), fmt)
    return response(body, fmt, alts, negotiated(suffix))


@bp.get("/article/<path:slug>")
def article(slug: str):
    """The article's full text with every mention linked to its entity."""
    slug, suffix = split_suffix(slug, PAGE_ONLY)
    fmt = choose(PAGE_ONLY, suffix)
    iri = links.valid_iri(links.iri_for_path("article/" + slug))
    ctx = assemble.article(store(), iri, request.args.get("span"))
    entity_url = links.href(iri)
    alts = [*by_suffix(f"/article/{slug}", PAGE_ONLY), *((f"{entity_url}.{f.extension}", f) for f in THING[1:-1])]
    return response(render(fmt, ctx, "article.html", alts), fmt, alts, negotiated(suffix))
