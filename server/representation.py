"""One resource, many representations: the one place a page's format is
chosen and its response written.

Every page route (home, entities, graphs, ontology terms, the ontology,
articles, search, timeline, links, foreign IRIs) asks :func:`choose` for
the format, in this order:

1. the URL's suffix (``/timeline.json``, ``/id/x.ttl``), when it has one;
2. ``format=`` (a short name such as ``json`` or a media type), 400 when
   the page does not offer it;
3. the ``Accept`` header, with q-values and wildcards (406 naming the
   offered types when nothing fits; no header means the first offered,
   HTML).

:func:`respond` then renders the page's context (from
:mod:`kg.views.assemble`) as HTML through its template, as JSON through
:func:`kg.views.context.jsonable` (the same dict), or as RDF; it announces
every representation in a ``Link`` header and, through ``alternates`` in
every template, in ``<link rel="alternate">``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request

from kg.model import formats as F
from kg.views.context import jsonable

from . import links

JSON = F.Format("json", "application/json", "json", "JSON (this page's data)")
PAGE_ONLY = (F.HTML, JSON)
RDF = (F.TURTLE, F.JSONLD, F.NTRIPLES, F.RDFXML)
THING = (F.HTML, *RDF, JSON)  # entities, graphs, terms, the ontology

Alternates = list[tuple[str, F.Format]]
# Fields never published in a JSON twin: where the server keeps its files.
HIDDEN_FIELDS = frozenset({"path", "gz_path"})


def split_suffix(path: str, offered: Sequence[F.Format]) -> tuple[str, F.Format | None]:
    """``('person/x', TURTLE)`` for ``person/x.ttl``; no offered suffix: None.

    >>> split_suffix("person/x.ttl", THING)[1].name
    'ttl'
    >>> split_suffix("person/j.r.r", THING)
    ('person/j.r.r', None)
    """
    stem, dot, ext = path.rpartition(".")
    if dot and stem and not stem.endswith("/"):
        fmt = F.by_extension(ext, offered)
        if fmt is not None and ext == fmt.extension:
            return stem, fmt
    return path, None


def choose(offered: Sequence[F.Format], suffix: F.Format | None = None) -> F.Format:
    """The representation the request asks for: suffix, then ``format=``,
    then ``Accept`` (see the module's docstring)."""
    if suffix is not None:
        return suffix
    if "format" in request.args:
        return F.by_name(request.args["format"], tuple(offered))
    return F.negotiate(request.headers.get("Accept"), tuple(offered))


def negotiated(suffix: F.Format | None = None) -> bool:
    """Did the Accept header take part in the choice?"""
    return suffix is None and "format" not in request.args


def by_suffix(doc_url: str, offered: Sequence[F.Format], html_url: str | None = None) -> Alternates:
    """``/x.ttl``-style URLs of every representation (HTML at ``html_url``)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    tail = "?" + urlencode(kept) if kept else ""
    return [((html_url or doc_url) + tail if f is F.HTML else f"{doc_url}.{f.extension}{tail}", f) for f in offered]


def by_parameter(url: str, offered: Sequence[F.Format]) -> Alternates:
    """``?format=``-style URLs of every representation."""
    sep = "&" if "?" in url else "?"
    return [(url if f is F.HTML else f"{url}{sep}format={f.name}", f) for f in offered]


def link_header(alts: Alternates) -> str:
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in alts)


def json_body(context: dict) -> bytes:
    """The JSON twin of a page's context."""
    return current_app.json.dumps(jsonable(context, links.href, HIDDEN_FIELDS)).encode("utf-8") + b"\n"


def render(fmt: F.Format, context: dict, template: str, alts: Alternates,
           rdf: Callable[[F.Format], bytes] | None = None, html_extra: dict | None = None) -> bytes | str:
    """The body of ``context`` in ``fmt``: the template, the JSON twin or RDF."""
    if fmt is F.HTML:
        return render_template(template, alternates=alts, **context, **(html_extra or {}))
    if fmt is JSON:
        return json_body(context)
    if rdf is None:
        raise LookupError(f"{template} offers no {fmt.name}")
    return rdf(fmt)


def response(body: bytes | str, fmt: F.Format, alts: Alternates, vary: bool) -> Response:
    """A page response: its Content-Type, the ``Link`` to its twins, and
    ``Vary: Accept`` when Accept chose it."""
    resp = Response(body, content_type=JSON.media_type if fmt is JSON else fmt.content_type())
    resp.headers["Link"] = link_header(alts)
    if vary:
        resp.headers["Vary"] = "Accept"
    return resp


def respond(context: Callable[[], dict], template: str, offered: Sequence[F.Format], alts: Alternates,
            suffix: F.Format | None = None, rdf: Callable[[F.Format], bytes] | None = None,
            html_extra: dict | None = None) -> Response:
    """Choose the format (before any work: a 406 costs nothing), assemble
    the context and answer with it in that format."""
    fmt = choose(offered, suffix)
    return response(render(fmt, context(), template, alts, rdf, html_extra), fmt, alts, negotiated(suffix))
