"""Pages for people and their RDF twins: entities, ontology, search, timeline,
articles and the home page.

IRI strategy (see the README, "Entity pages and IRIs"): an entity IRI names
a thing, not a document, so ``/id/x`` answers ``303 See Other`` to the
document in the negotiated format (``/id/x.html``, ``/id/x.ttl``, ...).
Documents answer 200 directly, as does ``?format=`` on any of these URLs.
"""

from __future__ import annotations

import dataclasses
import math
import re

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from kg.model import formats as F
from kg.views.describe import PAGE_OUTGOING_CAP, RDF_INCOMING_CAP, describe, incoming_page, serialize, to_graph
from kg.views.entity_page import build_page, drop_rows, make_value
from kg.model.errors import BadRequest, NotFound
from kg.views.labels import Labels
from kg.storage.pagecache import remembered
from kg.model.namespaces import DIP
from kg.views import timeline as timeline_mod
from kg.model.terms import check_iri, sparql_iri

from . import links, views
from .state import current_state

bp = Blueprint("pages", __name__)
links.register(bp)
CACHE_SECONDS = 300


@bp.after_request
def conditional(resp: Response) -> Response:
    """ETag, 304 on a matching If-None-Match, a short public cache, and CORS
    for the data twins (they are public and carry no credentials)."""
    if request.method in ("GET", "HEAD") and resp.status_code == 200 and not resp.direct_passthrough:
        resp.add_etag()
        resp.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        if not resp.mimetype.startswith("text/html"):
            resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.make_conditional(request)
    return resp

JSONLD = dataclasses.replace(F.JSONLD, aliases=("application/json",))
RDF_FORMATS = (F.TURTLE, JSONLD, F.NTRIPLES, F.RDFXML)
PAGE_FORMATS = (F.HTML, *RDF_FORMATS)
SUFFIXES = {f.extension: f for f in PAGE_FORMATS}
LINKS_PER_PAGE = 100
EVENTS_PER_PAGE = 200


def page_number() -> int:
    """The ``page`` argument (1 when absent); 400 when it is not a number."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError as exc:
        raise BadRequest("page must be a whole number") from exc


def store():
    return current_state().store


def split_suffix(path: str) -> tuple[str, F.Format | None]:
    """``('person/x', TURTLE)`` for ``person/x.ttl``; no known suffix: None."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in SUFFIXES and stem and not stem.endswith("/"):
        return stem, SUFFIXES[ext]
    return path, None


def alternates(doc_url: str, query: bool = False) -> list[tuple[str, F.Format]]:
    """(URL, format) of every representation of one document."""
    if query:
        sep = "&" if "?" in doc_url else "?"
        return [(f"{doc_url}{sep}format={f.name}", f) for f in PAGE_FORMATS]
    return [(f"{doc_url}.{f.extension}", f) for f in PAGE_FORMATS]


def link_header(alts) -> str:
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in alts)


def exists(iri: str) -> bool:
    s = sparql_iri(iri)
    return bool(store().query(f"ASK {{ {{ {s} ?p ?o }} UNION {{ ?x ?q {s} }} }}", union_default_graph=True))


def not_found(iri: str) -> NotFound:
    """A 404 for ``iri`` with the search its last path segment suggests."""
    words = re.sub(r"[-_.]+", " ", iri.rstrip("/").rsplit("/", 1)[-1]).strip()
    hits = views.run_search(store(), words)[:5] if words else []
    return NotFound(f"Nothing is known about <{iri}>.", detail={
        "iri": iri, "query": words, "suggestions": [{"label": h.label, "page": links.href(h.iri)} for h in hits]})


def serve_thing(iri: str, thing_url: str, fmt: F.Format | None, html_view):
    """One view for every representation of ``iri``: 303, twin or page."""
    if fmt is None and "format" in request.args:
        fmt = F.by_name(request.args["format"], PAGE_FORMATS)
        alts = alternates(thing_url, query=True)
    elif fmt is None:
        chosen = F.negotiate(request.headers.get("Accept"), PAGE_FORMATS)
        if not exists(iri):
            raise not_found(iri)
        resp = redirect(f"{thing_url}.{chosen.extension}", code=303)
        resp.headers["Vary"] = "Accept"
        resp.headers["Link"] = link_header(alternates(thing_url))
        return resp
    else:
        alts = alternates(thing_url)
    try:
        key = ("thing", iri, fmt.name, request.full_path, links.data_base())
        body = remembered(store(), key, lambda: html_view(iri, alts) if fmt is F.HTML else rdf_twin(iri, fmt))
    except NotFound as exc:
        if exc.detail.get("iri") != iri:
            raise
        raise not_found(iri) from exc
    resp = Response(body, content_type=fmt.content_type())
    resp.headers["Link"] = link_header(alts)
    return resp


def rdf_twin(iri: str, fmt: F.Format) -> bytes:
    """The resource's description in an RDF serialization."""
    desc = describe(store(), iri, incoming_cap=RDF_INCOMING_CAP, hash_resources=True)
    return serialize(to_graph(desc, links.data_base()), fmt)


def entity_html(iri: str, alts) -> str:
    desc = describe(store(), iri, outgoing_cap=PAGE_OUTGOING_CAP)
    page = build_page(desc, store())
    extra = views.entity_extras(store(), page)
    diagram = views.neighbourhood(page)
    drop_rows(page, extra.get("covered", ()))
    slug = links.article_slug(iri)
    is_article = slug and any(t.text == str(DIP.Article) for t in page.types)
    return render_template("entity.html", page=page, alts=alts, extra=extra, diagram=diagram,
                           article_url=f"/article/{slug}" if is_article else None,
                           graph_size=views.graph_size(store(), iri) if iri.startswith(links.data_base() + "graph/") else None)


@bp.get("/id/<path:rest>")
def entity(rest: str):
    """An entity: 303 to a document, or the document (``.html``, ``.ttl``...)."""
    name, fmt = split_suffix(rest)
    return serve_thing(links.iri_for_path(name), f"/id/{name}", fmt, entity_html)


@bp.get("/graph/<path:rest>")
def named_graph(rest: str):
    """A named graph's IRI: what the dataset says about the graph itself."""
    name, fmt = split_suffix(rest)
    return serve_thing(links.data_base() + "graph/" + name, f"/graph/{name}", fmt, entity_html)


@bp.get("/ontology/<name>")
def ontology_term(name: str):
    """An ontology term, dereferenced like an entity."""
    stem, fmt = split_suffix(name)
    return serve_thing(str(DIP) + stem, f"/ontology/{stem}", fmt, term_html)


def term_html(iri: str, alts) -> str:
    desc = describe(store(), iri)
    page = build_page(desc, store())
    term = views.term_doc(store(), iri)
    diagram = views.neighbourhood(page)
    drop_rows(page, ())
    return render_template("entity.html", page=page, alts=alts, term=term, extra={}, diagram=diagram, article_url=None)


@bp.get("/resource")
def resource():
    """What the dataset says about any IRI, e.g. a Wikidata item."""
    iri = check_iri(request.args.get("iri", "").strip())
    if links.is_local(iri):
        return redirect(links.href(iri), code=303)
    fmt = F.by_name(request.args["format"], PAGE_FORMATS) if "format" in request.args else F.negotiate(request.headers.get("Accept"), PAGE_FORMATS)
    doc_url = links.href(iri)
    alts = alternates(doc_url, query=True)
    body = entity_html(iri, alts) if fmt is F.HTML else rdf_twin(iri, fmt)
    resp = Response(body, content_type=fmt.content_type())
    resp.headers["Link"] = link_header(alts)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.get("/links")
def incoming_links():
    """Every incoming link of one property, a page at a time."""
    iri = check_iri(request.args.get("iri", ""))
    prop = check_iri(request.args.get("property", ""))
    page_no = page_number()
    total = views.count_incoming(store(), iri, prop)
    if not total:
        raise NotFound(f"No <{prop}> links to <{iri}>.")
    subjects = incoming_page(store(), iri, prop, (page_no - 1) * LINKS_PER_PAGE, LINKS_PER_PAGE)
    labels = Labels.load(store(), [iri, prop, *(s.value for s in subjects)])
    return render_template("links.html", iri=iri, prop=prop, labels=labels, total=total, page_no=page_no,
                           pages=math.ceil(total / LINKS_PER_PAGE), subjects=[make_value(s, labels) for s in subjects])


@bp.get("/")
def home():
    """What the dataset holds, an index per class, search and links."""
    return render_template("home.html", **views.home_data(store()))


@bp.get("/search")
@bp.get("/search.json")
def search():
    """Search labels and alternative names; ``/search.json`` is the twin."""
    q = request.args.get("q", "")
    results = views.run_search(store(), q)
    wants_json = request.path.endswith(".json") or request.args.get("format") == "json" or (
        F.negotiate(request.headers.get("Accept"), (F.HTML, F.JSON_RESULTS)) is F.JSON_RESULTS)
    if wants_json:
        resp = jsonify({"query": q, "count": len(results), "results": [views.hit_json(h) for h in results]})
    else:
        resp = Response(render_template("search.html", q=q, results=results), content_type=F.HTML.content_type())
    resp.headers["Vary"] = "Accept"
    return resp


@bp.get("/timeline")
@bp.get("/timeline.json")
def timeline():
    """The events the graph knows, in date order."""
    events = views.timeline_events(store())
    if request.path.endswith(".json"):
        return jsonify({"events": [views.event_json(e) for e in events]})
    page_no = page_number()
    pages = max(1, math.ceil(len(events) / EVENTS_PER_PAGE))
    if page_no > pages:
        raise NotFound(f"The timeline has {pages} page(s).")
    shown = events[(page_no - 1) * EVENTS_PER_PAGE: page_no * EVENTS_PER_PAGE]
    return render_template("timeline.html", periods=timeline_mod.by_period(shown), events=shown, total=len(events),
                           page_no=page_no, pages=pages)


@bp.get("/ontology/")
def ontology_iri():
    """The ontology's own IRI (``dip:`` itself): 303 to the negotiated document."""
    fmt = F.negotiate(request.headers.get("Accept"), PAGE_FORMATS)
    resp = redirect(f"/ontology.{fmt.extension}", code=303)
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = link_header(alternates("/ontology"))
    return resp


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None):
    """Documentation of every class and property; as RDF, the ontology.

    ``/ontology`` is a document: it negotiates directly (``Vary: Accept``).
    """
    alts = alternates("/ontology")
    if ext is not None:
        fmt = SUFFIXES.get(ext)
        if fmt is None:
            raise NotFound(f"No /ontology.{ext}: offered are " + ", ".join(f".{e}" for e in SUFFIXES))
    elif "format" in request.args:
        fmt = F.by_name(request.args["format"], PAGE_FORMATS)
    else:
        fmt = F.negotiate(request.headers.get("Accept"), PAGE_FORMATS)
    if fmt is F.HTML:
        body = render_template("ontology.html", alts=alts, **views.ontology_data(store()))
    else:
        body = serialize(views.ontology_graph(store(), links.data_base()), fmt)
    resp = Response(body, content_type=fmt.content_type())
    resp.headers["Link"] = link_header(alts)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.get("/article/<path:slug>")
def article(slug: str):
    """The article's full text with every mention linked to its entity."""
    data = views.article_data(store(), links.iri_for_path("article/" + slug), request.args.get("span"))
    return render_template("article.html", **data)
