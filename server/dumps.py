"""Downloads and the dataset description.

``/downloads`` lists every file with its size and triple count;
``/downloads/<name>`` sends one (``<name>.gz`` its gzip twin, and the
twin with ``Content-Encoding: gzip`` to clients that accept it), with
``ETag``, ``Last-Modified``, ``304 Not Modified`` and ranges.
``/.well-known/void`` (also ``/void.ttl``, ``/void.jsonld``, ``/void.nt``)
is the VoID + DCAT description. Files are made once per store version by
``kg.publish.dumps.DumpCache``; a request is then a plain file send. A
request for a file another request is making is answered at once with 503
and ``Retry-After`` (one HTTP thread makes it, the others stay free); a
dump cache that cannot be written is 503 too, naming no server path.

Links in the description come from the ``public_url`` setting, else from
the request's Host header once it is checked to be a host name; the
description itself is made once per store version and format.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_file

from kg.publish.dumps import GZIP, DumpCache, DumpFile, DumpInfo, UNION, find, sweep, write_dump
from kg.model.errors import BadRequest, NotFound
from kg.model.formats import HTML, JSONLD, NTRIPLES, TURTLE, by_extension, negotiate
from kg.publish.void import VOID_PATH, articles, describe, description_prefixes

from . import representation
from .site import site_url
from .state import current_state

bp = Blueprint("dumps", __name__)

VOID_FORMATS = (TURTLE, JSONLD, NTRIPLES)
VOID_LINK = f'</{VOID_PATH}>; rel="describedby"; type="text/turtle"'
# Named graphs listed on one downloads page (there is one per article).
GRAPHS_PER_PAGE = 100
# The site URL the description is made with once, replaced per request.
SITE_PLACEHOLDER = "http://kg-site.invalid/"


def dumps_root(config) -> str:
    return config.get("DUMPS_DIR") or str(Path(tempfile.gettempdir()) / "diplomacy-kg-dumps")


@bp.record_once
def _sweep_on_start(setup) -> None:
    """What a service killed while making a dump left is removed at start."""
    sweep(dumps_root(setup.app.config))


def dump_cache() -> DumpCache:
    """The app's cache of dump files (one per app and store)."""
    state = current_state()
    cache = current_app.extensions.get("kg_dumps")
    if cache is None or cache.store is not state.store:
        cache = DumpCache(state.store, dumps_root(current_app.config), base=current_app.config.get("BASE") or None)
        current_app.extensions["kg_dumps"] = cache
    return cache


def made_files(files: list[DumpFile] | None = None, folder: Path | None = None) -> list[tuple[DumpFile, DumpInfo]]:
    """``files`` (default: the whole catalogue), each with its made file."""
    cache = dump_cache()
    folder = folder or cache.directory()
    return [(f, cache.ensure(f, folder=folder, wait=False)) for f in (cache.files(folder) if files is None else files)]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise BadRequest(f"page must be a whole number from 1 to 999,999,999, not {raw[:40]!r}")
    return int(raw)


@bp.get("/downloads")
@bp.get("/downloads/")
@bp.get("/downloads.json")
def downloads():
    """The downloads page: every file, its size, gzip size and triple count.

    Graph files are listed ``GRAPHS_PER_PAGE`` graphs a page (``?page=N``).
    """
    cache = dump_cache()
    folder = cache.directory()
    files = cache.files(folder)
    graphs = list(dict.fromkeys(f.graph for f in files if f.graph))  # in catalogue order
    page = _page_number()
    pages = max(1, -(-len(graphs) // GRAPHS_PER_PAGE))
    if page > pages:
        raise NotFound(f"There are {pages} pages of downloads; page {page} is past the end.")
    shown = set(graphs[(page - 1) * GRAPHS_PER_PAGE: page * GRAPHS_PER_PAGE])
    made = made_files([f for f in files if f.graph is None or f.graph in shown], folder)
    context = dict(void_path="/" + VOID_PATH, page=page, pages=pages, site=site_url(),
                   titles=_article_titles(folder.name),
                   graph_count=len(graphs), first=(page - 1) * GRAPHS_PER_PAGE + 1,
                   dataset=[m for m in made if m[0].graph is None],
                   graphs=[m for m in made if m[0].graph is not None])
    suffix = representation.JSON if request.path.endswith(".json") else None  # one format chooser for every page
    fmt, alts = representation.choose(representation.PAGE_ONLY, suffix), representation.by_suffix("/downloads", representation.PAGE_ONLY)
    resp = representation.response(representation.render(fmt, context, "downloads.html", alts), fmt, alts, representation.negotiated(suffix))
    resp.headers["Link"] = VOID_LINK + ", " + resp.headers["Link"]
    return resp


def _article_titles(version: str) -> dict[str, str]:
    """Article graph IRI -> the article's headline, once per store version."""
    memo = current_app.extensions.setdefault("kg_article_titles", {})
    if version not in memo:
        memo.clear()
        memo[version] = {g: m["title"].value for g, m in articles(current_state().store).items() if m.get("title")}
    return memo[version]


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


@bp.get("/downloads/<name>")
def download(name: str):
    """One dump file; ``.gz`` names the compressed twin."""
    cache = dump_cache()
    folder = cache.directory()
    file, gz_file = find(cache.files(folder), name)
    info = cache.ensure(file, folder=folder, wait=False)
    if gz_file:
        return _send(info.gz_path, GZIP, file.download_name + ".gz", info.gz_sha256, info)
    if _accepts_gzip():
        resp = _send(info.gz_path, file.fmt.content_type(), file.download_name, info.gz_sha256 + "-gzip", info)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = _send(info.path, file.fmt.content_type(), file.download_name, info.sha256, info)
    resp.vary.add("Accept-Encoding")
    return resp


def _send(path: str, content_type: str, download_name: str, etag: str, info: DumpInfo) -> Response:
    """A conditional, range-capable file response (304, 206 and 416 included)."""
    resp = send_file(path, as_attachment=True, download_name=download_name, conditional=True,
                     etag=etag, last_modified=info.modified)
    resp.headers["Content-Type"] = content_type
    resp.headers["Link"] = VOID_LINK
    return resp


def _void_response(fmt) -> Response:
    """The description in ``fmt``, made without writing any dump file.

    Files already made give their sizes; the others are listed without
    one. The counts are computed once per store version; the text again
    only when more files have been made or for another format, never for
    another Host: it is made with a placeholder site URL, replaced by the
    checked one in the bytes sent.
    """
    site = site_url()
    cache = dump_cache()
    folder = cache.directory()
    made = [(f, cache.known(f, folder=folder)) for f in cache.files(folder)]
    sized = sum(1 for _, info in made if info is not None)
    key = (folder.name, fmt.name, sized)
    memo = current_app.extensions.setdefault("kg_void", {})
    facts = current_app.extensions.setdefault("kg_void_facts", {})
    if folder.name not in facts:
        facts.clear()
        facts[folder.name] = {}
    if key not in memo:
        description = describe(current_state().store, made, site_url=SITE_PLACEHOLDER, base=cache.base,
                               created_at=cache.version_time(folder), memo=facts[folder.name])
        out = io.BytesIO()
        write_dump(description, fmt, UNION, out, prefixes=description_prefixes(cache.base))
        if len(memo) >= 16:
            memo.clear()
        memo[key] = out.getvalue()
    body = memo[key].replace(SITE_PLACEHOLDER.encode(), site.encode())
    resp = Response(body, content_type=fmt.content_type())
    resp.vary.add("Accept")
    resp.headers["Link"] = '</downloads>; rel="alternate"; type="text/html"'
    # The text changes when a dump is first made (its size is added): a
    # strong tag of the bytes, revalidated, rather than a long cache life.
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    resp.headers["Cache-Control"] = "public, no-cache"
    return resp.make_conditional(request)


@bp.get(f"/{VOID_PATH}")
def void():
    """The VoID + DCAT description, in the format the client prefers.

    A browser (which prefers HTML) is sent to the downloads page.
    """
    fmt = negotiate(request.headers.get("Accept"), (*VOID_FORMATS, HTML))
    if fmt is HTML:
        return redirect("/downloads", code=303)
    return _void_response(fmt)


@bp.get("/void.<ext>")
def void_file(ext: str):
    """The description in the format its extension names."""
    fmt = by_extension(ext, VOID_FORMATS)
    if fmt is None:
        raise NotFound(f"No description in .{ext}; try " + ", ".join(f"/void.{f.extension}" for f in VOID_FORMATS))
    return _void_response(fmt)
