"""The lean path of ``/sparql``: the everyday query answered without Flask's
per-request machinery.

A page-shaped query costs the engine a tenth of a millisecond; building a
Flask request, matching the URL, running the before/after hooks and making
a ``Response`` cost several times that (``bench/analysis.md``, "(d)"). So
``LeanSparql`` wraps the app's WSGI callable and answers the common request
itself: ``GET /sparql?query=...`` or a ``POST`` of the form
(``application/x-www-form-urlencoded``) or of the query
(``application/sparql-query``), with nothing else in it, for a result
format chosen by ``Accept`` that is not the HTML page.

It runs the same checks as the view, in the same order (body cap, strict
UTF-8, the guard, format negotiation, the result cache, the per-client cap
and minute budget), hands the same job to the same engine, and sends the
same headers (``server.headers``) and access-log line. Everything else goes to Flask
untouched: other parameters, another Content-Type or charset, a chunked
body, ``If-None-Match``, a query the guard refuses, no acceptable format
(the view then says why, with the right status). An error that happens
once the query is on its way (a 429, a timeout, the engine's own
``BadQuery``) is handed to the view, which raises it into the one error
path (``server.errors``): the query is never run twice.
"""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qsl

from kg.model.errors import KGError
from kg.model.formats import HTML, RESULT_FORMATS, Format, negotiate
from kg.model.namespaces import prefixes
from kg.storage.engine.pool import Answer
from kg.storage.guard import MAX_OPERATORS, check_query

from . import sparql_page
from .access_log import log as access_log
from .headers import CORS, SECURITY_HEADERS
from .httpserver import printable
from .sparql import (GRAPH_FORMS, GZIP_MIN_BYTES, LEAN_ERROR, accepts_gzip, check_minute_budget, client_slots, etag,
                     gzip_chunks, job_for, result_cache, wants_fresh)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
# Distinct Accept headers whose negotiated format is remembered (then forgotten all at once).
MAX_REMEMBERED_ACCEPTS = 256
STATUS_OK = "200 OK"


def _policy_headers() -> list[tuple[str, str]]:
    """The headers ``server.headers.apply_policy`` adds to every /sparql answer."""
    cors = CORS["sparql"]
    return [*SECURITY_HEADERS.items(),
            ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", cors.methods),
            ("Access-Control-Allow-Headers", cors.headers), ("Access-Control-Expose-Headers", cors.expose),
            ("Vary", ", ".join(cors.vary))]


class _Fallback(Exception):
    """Not a request the lean path answers: Flask does."""


class LeanSparql:
    """WSGI middleware: answers plain ``/sparql`` queries, passes the rest to ``flask_path``."""

    def __init__(self, app, flask_path):
        self.app = app
        self.flask_path = flask_path
        self.tail = _policy_headers()
        self._prefixes: tuple[str | None, dict] = (None, {})  # (BASE, its prefixes)
        self._formats: dict[tuple[str | None, bool | None], Format | None] = {}

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/sparql" or environ.get("REQUEST_METHOD") not in ("GET", "POST"):
            return self.flask_path(environ, start_response)
        started = time.monotonic()
        try:
            query, fmt, info = self._read(environ)
        except _Fallback:
            return self.flask_path(environ, start_response)
        cache, key, hit = result_cache(self.app), None, None
        try:
            if cache is not None:  # a remote store's version() may fail: inside the try
                key = cache.key(query, fmt.name, [], [], self.app.config["MAX_ROWS"], self.app.extensions["kg"].store.version())
                if not wants_fresh(environ.get("HTTP_CACHE_CONTROL"), environ.get("HTTP_PRAGMA")):
                    hit = cache.get(key)
            answer = Answer(inline=hit.body, rows=hit.rows) if hit is not None else self._run(environ, query, fmt, info)
        except Exception as exc:  # the view raises it into the one error path
            environ[LEAN_ERROR] = exc
            return self.flask_path(environ, start_response)
        if hit is None and key is not None and answer.inline is not None:
            cache.put(key, answer.inline, answer.rows)
        return self._respond(environ, start_response, answer, fmt, query, started, cached=hit is not None)

    # -- reading ----------------------------------------------------------------
    def _read(self, environ) -> tuple[str, Format, object]:
        """(query, format, guard info) of a request the lean path answers, or _Fallback."""
        method = environ["REQUEST_METHOD"]
        if method == "GET":
            if "HTTP_IF_NONE_MATCH" in environ:
                raise _Fallback
            try:
                raw = environ.get("QUERY_STRING", "").encode("latin-1")  # PEP 3333: bytes as latin-1
            except UnicodeEncodeError:
                raise _Fallback from None
            query = self._only_query(raw)
        else:
            if environ.get("QUERY_STRING"):
                raise _Fallback
            body = self._body(environ)
            kind = environ.get("CONTENT_TYPE")
            if kind == FORM:
                query = self._only_query(body)
            elif kind == QUERY_BODY:
                query = _utf8(body)
            else:
                raise _Fallback
        accept = environ.get("HTTP_ACCEPT")
        if self._format(accept, None) is HTML:  # the query page (a browser)
            raise _Fallback
        cfg = self.app.config
        try:
            info = check_query(query, max_bytes=cfg["MAX_QUERY_BYTES"], max_nesting=cfg["MAX_NESTING"],
                               max_operators=cfg.get("MAX_OPERATORS") or MAX_OPERATORS)
        except KGError:
            raise _Fallback from None
        fmt = self._format(accept, info.form in GRAPH_FORMS)
        if fmt is None or fmt is HTML:
            raise _Fallback
        return query, fmt, info

    def _body(self, environ) -> bytes:
        """The whole body (given back to ``wsgi.input`` for Flask), or _Fallback."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            raise _Fallback from None
        if not 0 < length <= self.app.config["MAX_BODY_BYTES"]:
            raise _Fallback
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        if len(body) != length:
            raise _Fallback
        return body

    @staticmethod
    def _only_query(raw: bytes) -> str:
        try:
            params = parse_qsl(_utf8(raw), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise _Fallback from None
        if len(params) != 1 or params[0][0] != "query":
            raise _Fallback
        return params[0][1]

    def _format(self, accept: str | None, graph: bool | None) -> Format | None:
        """The format ``negotiate`` picks for ``accept`` (None: nothing fits).
        ``graph=None``: every format and HTML, as ``sparql_page.wants_page`` asks."""
        key = (accept, graph)
        try:
            return self._formats[key]
        except KeyError:
            pass
        offered = (*RESULT_FORMATS, *sparql_page.GRAPH_OFFERS) if graph is None else \
            sparql_page.GRAPH_OFFERS if graph else RESULT_FORMATS
        try:
            fmt: Format | None = negotiate(accept, (*offered, HTML))
        except KGError:
            fmt = None
        if len(self._formats) >= MAX_REMEMBERED_ACCEPTS:
            self._formats.clear()
        self._formats[key] = fmt
        return fmt

    def _prefix_map(self, base: str | None) -> dict:
        if self._prefixes[0] != base or not self._prefixes[1]:
            self._prefixes = (base, prefixes(base))
        return self._prefixes[1]

    # -- running ----------------------------------------------------------------
    def _run(self, environ, query: str, fmt: Format, info):
        cfg = self.app.config
        state = self.app.extensions["kg"]
        slots = client_slots(self.app)
        address = environ.get("REMOTE_ADDR")
        client = address if address and address not in slots.uncapped else None
        job = job_for(query, fmt, info, [], [], cfg, self._prefix_map(cfg.get("BASE") or None))
        with slots.hold(address):
            engine = state.engine
            check_minute_budget(engine, client, cfg.get("QUERY_SECONDS_PER_MINUTE", 0.0))
            return engine.run(job, cfg["TIMEOUT"], client=client)

    def _respond(self, environ, start_response, answer, fmt: Format, query: str, started: float, cached: bool = False):
        headers = [("Content-Type", fmt.content_type())]
        small = answer.inline is not None and len(answer.inline) < GZIP_MIN_BYTES
        if not small and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            body = gzip_chunks(answer.chunks())
            headers.append(("Content-Encoding", "gzip"))
        else:
            body = answer.chunks()
            if answer.inline is not None:
                headers.append(("Content-Length", str(len(answer.inline))))
        if answer.rows is not None:
            headers.append(("X-Result-Rows", str(answer.rows)))
        if cached:
            headers.append(("X-Cache", "hit"))
        method = environ["REQUEST_METHOD"]
        if method == "GET":
            tag = etag(self.app.extensions["kg"].fingerprint(), query, fmt, [], [])
            headers += [("ETag", f'W/"{tag}"'), ("Cache-Control", f"public, max-age={self.app.config['CACHE_MAX_AGE']}")]
        headers += self.tail
        start_response(STATUS_OK, headers)
        access_log.info("%s %s %s %.0fms", method, printable(environ.get("PATH_INFO", "")), 200,
                        (time.monotonic() - started) * 1000)
        return body


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Fallback from None


def install(app) -> None:
    """Put the lean path in front of ``app``'s WSGI callable (once)."""
    if not isinstance(app.wsgi_app, LeanSparql):
        app.wsgi_app = LeanSparql(app, app.wsgi_app)
