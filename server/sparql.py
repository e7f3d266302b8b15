"""``/sparql``: the SPARQL 1.1 Protocol, read-only, with real limits.

The view branches explicitly on method and Content-Type: GET parameters, a
POSTed ``application/x-www-form-urlencoded`` form, or a POSTed
``application/sparql-query`` body; anything else is 415, SPARQL Update in
any form is 403. A single-valued parameter given twice, or in both the URL
and the body, is 400. Every query passes ``kg.storage.guard`` before a worker
of ``kg.storage.engine`` runs it within its time budget; the whole result exists
before the status line is sent, so an error is never a truncated 200.

Without a query, GET answers the SPARQL Service Description (RDF clients)
or the query page (browsers); see ``server.sparql_page``.
"""

from __future__ import annotations

import codecs
import hashlib
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MultiDict

from kg.model.errors import BadRequest, Forbidden, NotAcceptable, PayloadTooLarge, TooManyRequests, UnsupportedMediaType
from kg.model.formats import HTML, RESULT_FORMATS, Format, by_name, negotiate
from kg.model.namespaces import prefixes
from kg.storage.engine.pool import Answer
from kg.storage.guard import MAX_OPERATORS, check_graph_iris, check_query
from kg.storage.result_cache import MemoryResultCache, shared_cache

from . import sparql_page
from .state import current_state

bp = Blueprint("sparql", __name__)

SINGLE_VALUED = ("query", "update", "timeout")
# ``format`` may repeat only with values naming one format: SPARQLWrapper sends
# ``format=tsv&format=text/tab-separated-values``.
MULTI_VALUED = ("default-graph-uri", "named-graph-uri")
QUERY_TYPES = ("application/x-www-form-urlencoded", "application/sparql-query")
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
# format= values SPARQLWrapper sends for graphs that name another format for results.
GRAPH_FORMAT_ALIASES = {"xml": "rdf", "json": "jsonld", "n3": "ttl"}
HTML_MAX_ROWS = 5000
GZIP_MIN_BYTES = 1024
# The environ key under which the lean path (``server.sparql_lean``) hands
# the view an error raised once the query was on its way.
LEAN_ERROR = "kg.sparql.lean_error"


@dataclass
class ProtocolRequest:
    """The protocol's parameters, each read from exactly one place."""

    query: str | None = None
    formats: list[str] = field(default_factory=list)
    timeout: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


# -- reading the request ------------------------------------------------------
def _read_body(max_bytes: int) -> bytes:
    length = request.content_length
    if length is not None and length > max_bytes:
        raise PayloadTooLarge(f"Request body of {length} bytes is over the limit of {max_bytes} bytes.", detail={"limit": max_bytes})
    body = request.stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"Request body is over the limit of {max_bytes} bytes.", detail={"limit": max_bytes})
    return body


def _charset() -> str:
    """The body's charset: UTF-8 (by any of its names) or 415.

    Any other codec name Python knows (``punycode``, ``rot13``, ``utf-16``)
    is refused rather than decoded: a query is UTF-8 text (SPARQL 1.1
    Protocol 2.1.3), and exotic codecs fail in ways no client expects.
    """
    charset = (request.mimetype_params.get("charset") or "utf-8").strip().strip('"').strip()
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = None
    if name != "utf-8":
        raise UnsupportedMediaType(
            f"The request body's charset {charset[:40]!r} is not supported; send the query as UTF-8 (charset=utf-8).",
            detail={"accepted_charset": "utf-8"},
        )
    return "utf-8"


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The request body is not valid UTF-8 ({exc.reason} at byte {exc.start}).") from None


def _body_params(max_bytes: int) -> tuple[MultiDict, str | None]:
    """(form parameters, sparql-query body) of a POST, by Content-Type."""
    mimetype = request.mimetype
    if mimetype == "application/sparql-update":
        raise Forbidden("SPARQL Update is not accepted here: this endpoint is read-only, and nothing was changed.", detail={"refused": "update"})
    if mimetype not in QUERY_TYPES:
        raise UnsupportedMediaType(
            f"POST a query as application/x-www-form-urlencoded or application/sparql-query, not {mimetype or 'no Content-Type'}.",
            detail={"accepted": list(QUERY_TYPES)},
        )
    _charset()  # before reading the body
    text = _decode(_read_body(max_bytes))
    if mimetype == "application/sparql-query":
        return MultiDict(), text
    return _form(text, "request body"), None


def _decode_strict(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The {where} has bytes that are not UTF-8 ({exc.reason} at byte {exc.start}).") from None


def _form(text: str, where: str) -> MultiDict:
    """Parameters of a URL-encoded form; 400 if a %-escaped byte sequence is not UTF-8
    (decoding it loosely would hand the engine a query with U+FFFD in it)."""
    try:
        return MultiDict(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The {where} has %-escaped bytes that are not UTF-8 ({exc.reason} at byte {exc.start}); "
                         "percent-encode the query's UTF-8 bytes.") from None


def read_protocol(max_body: int) -> ProtocolRequest:
    """The protocol request, or 400/403/413/415 for a malformed one."""
    url = _form(_decode_strict(request.query_string, "URL's query string"), "URL's query string")
    body, raw_query = _body_params(max_body) if request.method == "POST" else (MultiDict(), None)
    both = sorted(set(url.keys()) & set(body.keys()))
    if both:
        raise BadRequest(f"Parameter {both[0]!r} is given both in the URL and in the body; give it once.")
    params = MultiDict([*url.items(multi=True), *body.items(multi=True)])
    if raw_query is not None:
        if "query" in params:
            raise BadRequest("The query is given both as the request body and as a 'query' parameter; give it once.")
        params.add("query", raw_query)
    for name in SINGLE_VALUED:
        if len(params.getlist(name)) > 1:
            raise BadRequest(f"Parameter {name!r} is given {len(params.getlist(name))} times; give it once.")
    if "update" in params:
        raise Forbidden("SPARQL Update is not accepted here: this endpoint is read-only, and nothing was changed.", detail={"refused": "update"})
    return ProtocolRequest(
        query=params.get("query"),
        formats=[_restore_plus(v) for v in params.getlist("format") if v.strip()],
        timeout=params.get("timeout"),
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
    )


def _restore_plus(value: str) -> str:
    """A ``format=`` media type typed into a URL unencoded
    (``application/sparql-results+json``) arrives with its ``+`` decoded to
    a space; no media type contains a space, so put the ``+`` back."""
    if "/" not in value:
        return value
    parts = []
    for part in value.split(","):
        media, sep, params = part.strip().partition(";")
        parts.append(media.strip().replace(" ", "+") + sep + params)
    return ", ".join(parts)


# -- choosing what to send ----------------------------------------------------
def choose_format(form: str | None, requested: list[str]) -> Format:
    """The result format: ``format=`` if given (every value must name the
    same format), else the Accept header."""
    graph = form in GRAPH_FORMS
    offered = (*(sparql_page.GRAPH_OFFERS if graph else RESULT_FORMATS), HTML)
    if not requested:
        return negotiate(request.headers.get("Accept"), offered)
    chosen = set()
    for value in requested:
        key = value.strip().lower()
        if "," in key:  # a list of media types (SPARQLWrapper sends its Accept header)
            try:
                chosen.add(negotiate(key, offered))
            except NotAcceptable:
                raise BadRequest(f"No format named in format={value!r} is offered here.") from None
            continue
        chosen.add(by_name(GRAPH_FORMAT_ALIASES.get(key, key) if graph else key, offered))
    if len(chosen) > 1:
        raise BadRequest("Parameter 'format' is given several times with different formats: " + ", ".join(requested))
    return chosen.pop()


def budget(timeout: str | None, limit: float) -> float:
    """Seconds this query may run: the service's limit, or less if asked."""
    if timeout is None or timeout == "":
        return limit
    try:
        asked = float(timeout)
    except ValueError:
        raise BadRequest(f"timeout must be a number of seconds, not {timeout!r}") from None
    if not asked > 0:
        raise BadRequest("timeout must be a positive number of seconds")
    return min(asked, limit)


def etag(fingerprint: str, query: str, fmt: Format, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The entity tag of a query's answer: the data's version, the query, the format, the dataset."""
    key = "\x00".join([fingerprint, query, fmt.name, *default_graphs, "|", *named_graphs])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _etag(p: ProtocolRequest, fmt: Format) -> str:
    return etag(current_state().fingerprint(), p.query or "", fmt, p.default_graphs, p.named_graphs)


def accepts_gzip(header: str) -> bool:
    """Does this Accept-Encoding allow gzip (by name or ``*``) with q > 0?

    >>> accepts_gzip("gzip;q=0.5, br"), accepts_gzip("gzip;q=0"), accepts_gzip("")
    (True, False, False)
    """
    for part in header.split(","):
        name, *params = [x.strip() for x in part.split(";")]
        if name.lower() not in ("gzip", "*"):
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        return q > 0
    return False


def gzip_chunks(chunks):
    """Compress an iterable of bytes into a gzip stream, chunk by chunk."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        data = compressor.compress(chunk)
        if data:
            yield data
    yield compressor.flush()


def stream_response(answer, fmt: Format) -> Response:
    """A response streaming the finished result, gzipped when the client accepts it."""
    small = answer.inline is not None and len(answer.inline) < GZIP_MIN_BYTES
    if accepts_gzip(request.headers.get("Accept-Encoding", "")) and not small:
        resp = Response(gzip_chunks(answer.chunks()), content_type=fmt.content_type(), direct_passthrough=True)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(answer.chunks(), content_type=fmt.content_type(), direct_passthrough=True)
        if answer.inline is not None:
            resp.headers["Content-Length"] = str(len(answer.inline))
    if answer.rows is not None:
        resp.headers["X-Result-Rows"] = str(answer.rows)
    return resp


# -- one client may not hold every worker -------------------------------------
class ClientSlots:
    """How many queries each client address has running or waiting.

    Past ``cap`` a client's next query is refused at once (429), so one
    client sending runaways in parallel cannot occupy every worker and
    starve the others; addresses in ``uncapped`` are not counted.
    """

    def __init__(self, cap: int, uncapped: frozenset[str]):
        self.cap = cap
        self.uncapped = uncapped
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, client: str | None):
        """Count one query of ``client`` while the block runs, or raise TooManyRequests."""
        if self.cap <= 0 or not client or client in self.uncapped:
            yield
            return
        with self._lock:
            running = self._running.get(client, 0)
            if running >= self.cap:
                busy = TooManyRequests(
                    f"This client already has {running} queries running, the most one client may have at once "
                    f"here ({self.cap}); wait for one to finish.", detail={"limit": self.cap})
                busy.headers = {"Retry-After": "1"}
                raise busy
            self._running[client] = running + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running.pop(client) - 1
                if left:
                    self._running[client] = left


def client_slots(app=None) -> ClientSlots:
    """The app's per-client counter, made on first use from the settings."""
    app = app or current_app
    slots = app.extensions.get("kg_client_slots")
    if slots is None:
        cfg = app.config
        cap = cfg.get("QUERIES_PER_CLIENT", -1)
        if cap == -1:
            cap = max(1, cfg["WORKERS"] - 1)
        uncapped = frozenset(str(cfg.get("UNCAPPED_CLIENTS") or "").split())
        slots = app.extensions.setdefault("kg_client_slots", ClientSlots(cap, uncapped))
    return slots


def check_minute_budget(engine, client: str | None, limit: float) -> None:
    """TooManyRequests (with Retry-After) when ``client`` used its query time
    for the last minute (``query_seconds_per_minute``), as the Wikidata Query
    Service does; running queries count."""
    if not limit or client is None:
        return
    used = engine.used(client)
    if used < limit:
        return
    wait = int(engine.usage.retry_after(client, limit))
    spent = TooManyRequests(
        f"This client used {used:.1f} s of query time in the last minute, the most one client may use here "
        f"is {limit:g} s per minute; try again in {wait} s.", detail={"limit": limit, "used": round(used, 1)})
    spent.headers = {"Retry-After": str(wait)}
    raise spent


# -- answering ----------------------------------------------------------------
# rdflib's name for a Dataset's default graph: ``Dataset(store=SPARQLStore(url))``
# sends it as default-graph-uri and means this service's default graph.
RDFLIB_DEFAULT_GRAPH = "urn:x-rdflib:default"


def _default_graphs(p: ProtocolRequest) -> list[str]:
    """``default-graph-uri`` values, rdflib's default-graph name alone meaning none."""
    if p.default_graphs == [RDFLIB_DEFAULT_GRAPH] and not p.named_graphs:
        return []
    return p.default_graphs


def job_for(query: str, fmt: Format, info, default_graphs: list[str], named_graphs: list[str], cfg, prefix_map: dict) -> dict:
    """What a worker is sent for one query (``kg.storage.engine``)."""
    return {
        "query": query, "format": "table" if fmt is HTML else fmt.name,
        "default_graphs": default_graphs, "named_graphs": named_graphs,
        # A FROM / FROM NAMED clause defines the dataset; the union default is only a default.
        "union": False if info.default_graphs or info.named_graphs else None,
        "max_rows": min(cfg["MAX_ROWS"], HTML_MAX_ROWS) if fmt is HTML else cfg["MAX_ROWS"],
        # Only graphs are written with prefixes: a SELECT or ASK is sent without them.
        "prefixes": None if info.form in ("SELECT", "ASK") else prefix_map,
    }


def result_cache(app):
    """The app's result cache: the file shared by the fronts (``result_cache``),
    else, for a store that cannot change while served, one in memory; or None."""
    shared = shared_cache(app.config.get("RESULT_CACHE"))
    if shared is not None:
        return shared
    cache = app.extensions.get("kg_memory_results")
    if cache is None:
        if not app.extensions["kg"].store.frozen:
            return None
        cache = app.extensions.setdefault("kg_memory_results", MemoryResultCache())
    return cache


def wants_fresh(cache_control: str | None, pragma: str | None) -> bool:
    """Does the request say ``no-cache``: answer it by running the query
    (the answer is still kept for the next request)?

    >>> wants_fresh("max-age=0, no-cache", None), wants_fresh(None, "no-cache"), wants_fresh("max-age=60", None)
    (True, True, False)
    """
    return "no-cache" in (cache_control or "").lower() or "no-cache" in (pragma or "").lower()


def run_query(p: ProtocolRequest) -> Response:
    """Check, run and answer one query."""
    cfg = current_app.config
    info = check_query(p.query, max_bytes=cfg["MAX_QUERY_BYTES"], max_nesting=cfg["MAX_NESTING"],
                       max_operators=cfg.get("MAX_OPERATORS") or MAX_OPERATORS)
    state = current_state()
    # A graph IRI the store does not hold (FROM, FROM NAMED, default-graph-uri,
    # named-graph-uri) is an empty graph: the engine looks it up in the store
    # and never fetches anything.
    default_graphs = _default_graphs(p)
    check_graph_iris(default_graphs, source="default-graph-uri")
    check_graph_iris(p.named_graphs, source="named-graph-uri")
    fmt = choose_format(info.form, p.formats)
    seconds = budget(p.timeout, cfg["TIMEOUT"])
    etag = _etag(p, fmt)
    if request.method == "GET" and request.if_none_match.contains_weak(etag):
        return _cacheable(Response(status=304), etag)
    job = job_for(p.query, fmt, info, default_graphs, p.named_graphs, cfg, prefixes(cfg.get("BASE") or None))
    # A result cache (``result_cache``): a hit costs no query time.
    cache, cache_key = result_cache(current_app), None
    if cache is not None and fmt is not HTML:
        cache_key = cache.key(p.query, fmt.name, default_graphs, p.named_graphs, cfg["MAX_ROWS"], state.store.version())
        fresh = wants_fresh(request.headers.get("Cache-Control"), request.headers.get("Pragma"))
        if not fresh and (hit := cache.get(cache_key)) is not None:
            resp = stream_response(Answer(inline=hit.body, rows=hit.rows), fmt)
            resp.headers["X-Cache"] = "hit"
            return _cacheable(resp, etag) if request.method == "GET" else resp
    slots = client_slots()
    # Addresses exempt from the per-client cap are not counted for fair sharing either.
    client = request.remote_addr if request.remote_addr and request.remote_addr not in slots.uncapped else None
    with slots.hold(request.remote_addr):
        engine = state.engine
        check_minute_budget(engine, client, cfg.get("QUERY_SECONDS_PER_MINUTE", 0.0))
        answer = engine.run(job, seconds, client=client)
    if cache_key is not None and answer.inline is not None:
        cache.put(cache_key, answer.inline, answer.rows)
    if fmt is HTML:
        resp = sparql_page.query_page(p.query, answer.table)
    else:
        resp = stream_response(answer, fmt)
    return _cacheable(resp, etag) if request.method == "GET" else resp


def _cacheable(resp: Response, etag: str) -> Response:
    resp.set_etag(etag, weak=True)
    resp.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    return resp


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql():
    """The endpoint: a query, a service description, or the query page."""
    if (lean_error := request.environ.get(LEAN_ERROR)) is not None:
        raise lean_error  # the lean path's query failed: answered by the one error path
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, POST, OPTIONS"})
    p = read_protocol(current_app.config["MAX_BODY_BYTES"])
    if p.query is None:
        if request.method == "POST":
            raise BadRequest("No query: send it as 'query' (form or URL) or as an application/sparql-query body.")
        return sparql_page.description_or_page(p.formats)
    if sparql_page.wants_page(p.formats):  # the page keeps the query and shows any error in it
        return sparql_page.answer_page(p, run_query)
    return run_query(p)


@bp.record_once
def _install_lean_path(setup) -> None:
    from .sparql_lean import install

    install(setup.app)


@bp.route("/update", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@bp.route("/sparql/update", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@bp.route("/sparql/statements", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def update():
    """Common SPARQL Update paths: refused, the service is read-only."""
    raise Forbidden("SPARQL Update is not accepted here: this service is read-only, and nothing was changed.", detail={"refused": "update"})


