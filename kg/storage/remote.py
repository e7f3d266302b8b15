"""A remote SPARQL 1.1 engine behind the same interface as ``kg.storage.store.Store``.

``RemoteStore("http://host:7878/query", gsp_url=".../store")`` answers
``query`` with the pyoxigraph result types the embedded store returns
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``), so pages, dumps and
the endpoint run unchanged on Oxigraph server, Fuseki, Virtuoso, QLever or
GraphDB. Loading and dumping use the Graph Store Protocol when a GSP URL is
given (one streamed request) and fall back to SPARQL (``INSERT DATA`` in
batches, ``SELECT`` over every graph) when it is not.

The HTTP client is ``http.client`` with one keep-alive connection per thread
and engine: measured in ``bench/roundtrip.py`` it is the cheapest round trip
of the clients at hand (SPARQLWrapper and rdflib's SPARQLStore open a new
connection per request and add their own parsing on top).

Every failure to reach the engine is ``EngineUnavailable`` (HTTP 503); a
query past the client timeout is ``QueryTimeout`` (503); an engine's 4xx for
a query is ``BadQuery``. Nothing is cached across failures, so the service
recovers by itself as soon as the engine answers again.
"""

from __future__ import annotations

import hashlib
import http.client
import threading
import time
from contextlib import contextmanager
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.model.errors import BadQuery, BuildError, EngineUnavailable, QueryTimeout, ResultTooLarge
from kg.model.formats import NQUADS, Format

RESULTS_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
# Response media type -> how to read it.
_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
INSERT_BATCH = 5000  # quads per INSERT DATA request when there is no GSP URL
VERSION_RECHECK = 30.0  # seconds a remote engine's version is trusted
MAX_ANSWER_BYTES = 256 * 1024 * 1024  # larger query answers are refused (422), not buffered


class _Connections(threading.local):
    """One keep-alive HTTP connection per (thread, host)."""

    def __init__(self):
        self.by_host: dict[tuple[str, str], http.client.HTTPConnection] = {}


class HttpClient:
    """Minimal keep-alive HTTP client mapping network failures to 503s."""

    def __init__(self, timeout: float = 30.0):
        self.timeout = timeout
        self._local = _Connections()

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        conn = self._local.by_host.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            conn = cls(netloc, timeout=self.timeout)
            self._local.by_host[key] = conn
        return conn

    def stream(self, url: str, headers: dict) -> http.client.HTTPResponse:
        """GET on a connection of its own, for an answer read lazily (a dump):
        stopping half-way never leaves a pooled connection mid-response."""
        parts = urllib.parse.urlsplit(url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.netloc, timeout=self.timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("GET", target, headers=headers)
            return conn.getresponse()
        except TimeoutError as exc:
            conn.close()
            raise QueryTimeout(f"the SPARQL engine at {parts.netloc} did not answer within {self.timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise EngineUnavailable(f"the SPARQL engine at {parts.netloc} is unreachable: {exc}") from exc

    def reset(self) -> None:
        """Close this thread's connections (after an answer was abandoned)."""
        for conn in self._local.by_host.values():
            conn.close()
        self._local.by_host.clear()

    def _drop(self, scheme: str, netloc: str) -> None:
        conn = self._local.by_host.pop((scheme, netloc), None)
        if conn is not None:
            conn.close()

    def request(self, method: str, url: str, *, body=None, headers: dict | None = None,
                timeout: float | None = None) -> http.client.HTTPResponse:
        """Send one request; the caller reads (or closes) the response.

        A reused connection the engine closed meanwhile is retried once on a
        fresh one; anything else that fails to connect is EngineUnavailable.
        """
        parts = urllib.parse.urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        for attempt in (0, 1):
            conn = self._connection(parts.scheme, parts.netloc)
            reused = conn.sock is not None
            conn.timeout = timeout or self.timeout
            if conn.sock is not None:
                conn.sock.settimeout(conn.timeout)
            try:
                conn.request(method, target, body=body, headers=headers or {})
                return conn.getresponse()
            except TimeoutError as exc:
                self._drop(parts.scheme, parts.netloc)
                raise QueryTimeout(f"the SPARQL engine at {parts.netloc} did not answer within {conn.timeout:g} s") from exc
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._drop(parts.scheme, parts.netloc)
                if reused and attempt == 0 and not hasattr(body, "read"):
                    continue
                raise EngineUnavailable(f"the SPARQL engine at {parts.netloc} closed the connection") from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts.scheme, parts.netloc)
                raise EngineUnavailable(f"the SPARQL engine at {parts.netloc} is unreachable: {exc}") from exc
        raise AssertionError("unreachable")


def _media_type(response: http.client.HTTPResponse) -> str:
    return (response.getheader("Content-Type") or "").split(";")[0].strip().lower()


def _read_error(response: http.client.HTTPResponse, what: str, url: str) -> None:
    """Raise the typed error for a non-2xx answer (after draining it)."""
    text = response.read(4000).decode("utf-8", "replace").strip()
    response.read()
    if response.status in (400, 422) and what == "query":
        raise BadQuery(f"the SPARQL engine refused the query: {text}")
    if response.status >= 500 or response.status in (404, 408, 429):
        raise EngineUnavailable(f"the SPARQL engine at {url} answered {response.status}: {text[:300]}")
    raise BuildError(f"{what} failed with HTTP {response.status}: {text[:300]}", where=url)


def _as_query_triples(triples: Iterable[ox.Triple]):
    """Wrap triples in a genuine pyoxigraph ``QueryTriples`` (drop-in type)."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def _quad_from_solution(row) -> ox.Quad:
    graph = row["g"]
    return ox.Quad(row["s"], row["p"], row["o"], graph if graph is not None else ox.DefaultGraph())


class RemoteStore:
    """A SPARQL 1.1 endpoint used exactly like the embedded ``Store``.

    ``query_url``: the query endpoint; ``update_url``: SPARQL Update (for
    loading without GSP); ``gsp_url``: Graph Store Protocol (``?graph=``,
    ``?default``; a request without either addresses the whole dataset, as
    Oxigraph server does). ``union_param`` names the engine's per-request
    union-default-graph switch (Oxigraph: ``union-default-graph``); set it
    to ``None`` for engines configured with a union default graph.
    """

    def __init__(self, query_url: str, *, update_url: str | None = None, gsp_url: str | None = None,
                 union_default_graph: bool = True, union_param: str | None = "union-default-graph",
                 timeout: float = 30.0, read_only: bool = True, location: str | None = None):
        self.query_url = query_url
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.union_default_graph = union_default_graph
        self.union_param = union_param
        self.location = location  # not a directory: consumers that scan store files skip it
        self.http = HttpClient(timeout)
        self.max_answer_bytes = MAX_ANSWER_BYTES
        self._count: tuple[float, int] | None = None
        self._version: tuple[float, str] | None = None
        self._budget = threading.local()
        # The engine's kind, told by its Server header on first use: "virtuoso"
        # gets its dataset pragmas (kg.storage.virtuoso), anything else none.
        self._flavor: str | None = None
        self._dialect = None  # kg.storage.virtuoso.Dialect, re-read every VERSION_RECHECK s
        self._dialect_lock = threading.Lock()

    # An engine's data may change at any time (it is not opened here).
    frozen = False

    def version(self) -> str:
        """Changes when the engine's data does, as far as its quad count and
        named graphs tell; asked of the engine at most every
        ``VERSION_RECHECK`` seconds (``kg.storage.interface.GraphStore``)."""
        now = time.monotonic()
        dialect = self.dialect()
        if dialect is not None and dialect.version:
            return "v" + hashlib.sha256(dialect.version.encode()).hexdigest()[:20]
        if self._version is None or now - self._version[0] > VERSION_RECHECK:
            rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                              union_default_graph=False)
            count = int(next(iter(rows))["n"].value)
            digest = hashlib.sha256(f"{count}|{'|'.join(self.named_graphs())}".encode()).hexdigest()
            self._version = (now, "r" + digest[:20])
        return self._version[1]

    @contextmanager
    def budget(self, seconds: float | None):
        """Queries of this thread inside the block time out after ``seconds``
        (the HTTP client's timeout; the engine's answer is abandoned)."""
        previous = getattr(self._budget, "seconds", None)
        self._budget.seconds = seconds
        try:
            yield self
        finally:
            self._budget.seconds = previous

    # -- reading -----------------------------------------------------------
    def query(self, sparql: str, *, union_default_graph: bool | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              base_iri: str | None = None, timeout: float | None = None):
        """Run a query on the engine; same arguments and result types as ``Store.query``."""
        text = f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql
        union = self.union_default_graph if union_default_graph is None else union_default_graph
        dialect = self.dialect()
        accept = RESULTS_ACCEPT
        if dialect is not None:
            from kg.storage.guard import tokenize

            tokens = tokenize(sparql)
            dialect.check(tokens)
            keywords = {token.keyword for token in tokens if token.keyword}
            if keywords & {"CONSTRUCT", "DESCRIBE"}:  # else Virtuoso answers with a results table
                accept = "application/n-triples"
            text = dialect.rewrite(text, union=union, keywords=keywords, default_graphs=default_graphs,
                                   named_graphs=named_graphs)
        params: list[tuple[str, str]] = [("query", text)]
        params += [("default-graph-uri", g) for g in default_graphs or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        # Engines refuse the union switch together with an explicit dataset.
        if union and not default_graphs and not named_graphs and self.union_param and dialect is None:
            params.append((self.union_param, "true"))
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        timeout = timeout or getattr(self._budget, "seconds", None)
        response = self.http.request("POST", self.query_url, body=body, headers=headers, timeout=timeout)
        if response.status != 200:
            _read_error(response, "query", self.query_url)
        return self._parse_results(response, timeout)

    def _read_answer(self, response: http.client.HTTPResponse, timeout: float | None) -> bytes:
        """The whole answer, so that a slow or broken engine is a clean typed
        error here and never a half-written result downstream."""
        try:
            data = response.read(self.max_answer_bytes + 1)
        except TimeoutError as exc:
            self.http.reset()
            raise QueryTimeout(f"the SPARQL engine did not finish its answer within {timeout or self.http.timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            self.http.reset()
            raise EngineUnavailable(f"the SPARQL engine broke off its answer: {exc}") from exc
        if len(data) > self.max_answer_bytes:
            self.http.reset()
            raise ResultTooLarge(f"the engine's answer is larger than {self.max_answer_bytes} bytes")
        return data

    def _parse_results(self, response: http.client.HTTPResponse, timeout: float | None = None):
        media_type = _media_type(response)
        data = self._read_answer(response, timeout)
        if self._flavor == "virtuoso":
            from kg.storage.virtuoso import fix_answer

            data = fix_answer(data, media_type)
        try:
            if media_type in _RESULT_TYPES:
                return ox.parse_query_results(data, _RESULT_TYPES[media_type])
            if media_type in _GRAPH_TYPES:
                return _as_query_triples(ox.parse(data, _GRAPH_TYPES[media_type]))
        except SyntaxError as exc:
            raise EngineUnavailable(f"the SPARQL engine sent an unreadable answer: {exc}") from exc
        raise EngineUnavailable(f"the SPARQL engine answered with unexpected type {media_type!r}")

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad (or those of one named graph), streamed from the engine."""
        if self.gsp_url:
            target = self._gsp_target(graph, dataset=graph is None)
            response = self.http.stream(target, {"Accept": NQUADS.media_type if graph is None else "application/n-triples"})
            if response.status != 200:
                _read_error(response, "dump", target)
            fmt = ox.RdfFormat.N_QUADS if graph is None else ox.RdfFormat.N_TRIPLES
            named = ox.NamedNode(graph) if graph else None
            return (q if named is None else ox.Quad(q.subject, q.predicate, q.object, named) for q in ox.parse(response, fmt))
        if graph:
            sparql = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ <{graph}> }} }}"
        else:
            sparql = ALL_QUADS
        return (_quad_from_solution(row) for row in self.query(sparql, union_default_graph=False))

    def _raw_query(self, sparql: str):
        """A query sent as it is (no dataset pragmas)."""
        body = urllib.parse.urlencode({"query": sparql}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": RESULTS_ACCEPT}
        timeout = getattr(self._budget, "seconds", None)
        response = self.http.request("POST", self.query_url, body=body, headers=headers, timeout=timeout)
        if response.status != 200:
            _read_error(response, "query", self.query_url)
        return self._parse_results(response, timeout), response.getheader("Server")

    def flavor(self) -> str:
        """``"virtuoso"`` or ``"sparql"``, asked of the engine once."""
        if self._flavor is None:
            from kg.storage.virtuoso import is_virtuoso

            _, server = self._raw_query("ASK {}")
            self._flavor = "virtuoso" if is_virtuoso(server) else "sparql"
        return self._flavor

    def dialect(self):
        """The Virtuoso dataset pragmas (``kg.storage.virtuoso.Dialect``) or None."""
        if self._flavor == "sparql" or (self._flavor is None and self.flavor() == "sparql"):
            return None
        with self._dialect_lock:
            if self._dialect is None or time.monotonic() - self._dialect.loaded_at > VERSION_RECHECK:
                from kg.storage.virtuoso import Dialect

                self._dialect = Dialect.read(lambda q: self._raw_query(q)[0])
            return self._dialect

    def forget(self) -> None:
        """Drop what is cached about the engine's data (after a load)."""
        self._count = self._version = self._dialect = None

    def named_graphs(self) -> list[str]:
        dialect = self.dialect()
        if dialect is not None:
            return list(dialect.named)
        rows = self.query("SELECT ?g WHERE { GRAPH ?g { } }", union_default_graph=False)
        return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))

    def __len__(self) -> int:
        """Number of quads; the count is cached for 30 s, but the engine is
        pinged on every call so a health check still sees it go down."""
        self.query("ASK {}", union_default_graph=False)
        now = time.monotonic()
        if self._count is None or now - self._count[0] > 30:
            rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                              union_default_graph=False)
            self._count = (now, int(next(iter(rows))["n"].value))
        return self._count[1]

    def dump(self, output: IO[bytes], fmt: Format, graph: str | None = None) -> None:
        """Serialize the dataset (or one named graph) in ``fmt``, streaming:
        memory stays flat whatever the size of the dataset."""
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        if graph is None and not rdf_format.supports_datasets:
            quads = (q for q in self.quads() if q.graph_name == ox.DefaultGraph())
            ox.serialize((q.triple for q in quads), output, rdf_format)
        elif graph is None:
            ox.serialize(self.quads(), output, rdf_format)
        else:
            ox.serialize((q.triple if not rdf_format.supports_datasets else q for q in self.quads(graph)), output, rdf_format)

    # -- writing -----------------------------------------------------------
    def load(self, data: bytes | str | Path | IO[bytes], fmt: Format, *, graph: str | None = None,
             base_iri: str | None = None) -> None:
        """Push RDF into the engine: one streamed GSP POST, or INSERT DATA batches."""
        self._count = None
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        path = Path(str(data)) if isinstance(data, (str, Path)) and Path(str(data)).exists() else None
        if self.gsp_url and base_iri is None:
            self._gsp_post(path, data, fmt, graph)
            return
        try:
            quads = ox.parse(path=str(path), format=rdf_format, base_iri=base_iri) if path else ox.parse(data, rdf_format, base_iri=base_iri)
            named = ox.NamedNode(graph) if graph else None
            self.extend(q if named is None else ox.Quad(q.subject, q.predicate, q.object, named) for q in quads)
        except SyntaxError as exc:
            raise BuildError(str(exc), where=str(path) if path else None) from exc

    def _gsp_target(self, graph: str | None, *, dataset: bool) -> str:
        if dataset:
            return self.gsp_url
        query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
        return f"{self.gsp_url}{'&' if '?' in self.gsp_url else '?'}{query}"

    def _gsp_post(self, path: Path | None, data, fmt: Format, graph: str | None) -> None:
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        target = self._gsp_target(graph, dataset=graph is None and rdf_format.supports_datasets)
        headers = {"Content-Type": fmt.media_type}
        if path:
            headers["Content-Length"] = str(path.stat().st_size)
            with path.open("rb") as body:
                response = self.http.request("POST", target, body=body, headers=headers, timeout=3600)
        else:
            # bytes go with a Content-Length; a stream goes chunked, never
            # held in memory whole.
            body = data.encode() if isinstance(data, str) else data
            response = self.http.request("POST", target, body=body, headers=headers, timeout=3600)
        if response.status >= 300:
            _read_error(response, "load", target)
        response.read()

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Insert quads with SPARQL Update, ``INSERT_BATCH`` per request."""
        if not self.update_url:
            raise BuildError("loading into a remote store needs a Graph Store Protocol URL or an update URL",
                             where=self.query_url)
        self._count = None
        batch: list[ox.Quad] = []
        for quad in quads:
            batch.append(quad)
            if len(batch) >= INSERT_BATCH:
                self._insert(batch)
                batch = []
        if batch:
            self._insert(batch)

    def _insert(self, quads: list[ox.Quad]) -> None:
        lines = []
        for q in quads:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            lines.append(triple if q.graph_name == ox.DefaultGraph() else f"GRAPH {q.graph_name} {{ {triple} }}")
        body = ("INSERT DATA {\n" + "\n".join(lines) + "\n}").encode()
        headers = {"Content-Type": "application/sparql-update"}
        response = self.http.request("POST", self.update_url, body=body, headers=headers, timeout=3600)
        if response.status >= 300:
            _read_error(response, "update", self.update_url)
        response.read()

    def flush(self) -> None:
        """Nothing to do: the engine persists what it accepted."""


def is_remote(location) -> bool:
    """True when ``location`` names a SPARQL endpoint rather than a directory."""
    return str(location).startswith(("http://", "https://"))

