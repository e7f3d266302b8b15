"""Safe by default: no outbound connection, no change to the data, bounded
queries. A canary HTTP server on loopback must receive no request whatever
the query names; Update in every form is refused and changes nothing."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REPO, LiveServer
from test_sparql_protocol import get, http, post

DATA = """@prefix ex: <http://example.org/> .
ex:alice ex:name "Alice" .
ex:g1 { ex:carol ex:name "Carol" . }
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # the union of all graphs


class Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def _record(self):
        Canary.hits.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        self.wfile.write(b"<http://canary/s> <http://canary/p> <http://canary/o> .\n")

    do_GET = do_POST = do_HEAD = _record

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def canary():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/data.ttl"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("sec") / "data.trig"
    path.write_text(DATA)
    (REPO / "build").mkdir(exist_ok=True)
    live = LiveServer(["--data", str(path)])
    yield live
    live.stop()


@pytest.fixture(scope="module")
def endpoint(server):
    return server.url + "sparql"


def quad_count(endpoint) -> int:
    status, _, body = get(endpoint, {"query": COUNT}, {"Accept": "application/sparql-results+json"})
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def untouched(endpoint, canary):
    """The canary hears nothing and the data does not change."""
    Canary.hits.clear()
    before = quad_count(endpoint)
    yield
    assert Canary.hits == [], f"the service contacted the canary: {Canary.hits}"
    assert quad_count(endpoint) == before == 2


def refused(status, body, *, code=403, words=()):
    text = body.decode()
    assert status == code, text
    for word in words:
        assert word in text, text


@pytest.mark.parametrize("template,word", [
    ("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
    ("select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
    ("SELECT * WHERE {{ # comment\n SeRvIcE\n<{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
    ("SELECT * WHERE {{ VALUES ?x {{ <{url}> }} FILTER(1<2)SERVICE?x#>\n{{ ?s ?p ?o }} }}", "SERVICE"),
    ("LOAD <{url}>", "LOAD"),
    ("LOAD <{url}> INTO GRAPH <http://example.org/g9>", "LOAD"),
])
def test_no_outbound_connection(endpoint, canary, untouched, template, word):
    query = template.format(url=canary, base=canary.rsplit("/", 1)[0] + "/")
    status, _, body = get(endpoint, {"query": query}, {"Accept": "text/plain"})
    refused(status, body, words=(word,))


def rows(body: bytes) -> list:
    return json.loads(body)["results"]["bindings"]


@pytest.mark.parametrize("template", [
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX c: <{base}> SELECT * FROM c:data.ttl WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM <{escaped}> WHERE {{ ?s ?p ?o }}",
])
def test_remote_graph_in_from_is_an_empty_graph_never_fetched(endpoint, canary, untouched, template):
    """A graph the dataset does not hold is empty: answered, never loaded."""
    query = template.format(url=canary, base=canary.rsplit("/", 1)[0] + "/", escaped=canary.replace(":", "\\u003A", 1))
    status, _, body = get(endpoint, {"query": query}, {"Accept": "application/sparql-results+json"})
    assert status == 200, body
    assert rows(body) == []


def test_protocol_graph_parameters_naming_remote_graphs_are_empty_never_fetched(endpoint, canary, untouched):
    for param in ("default-graph-uri", "named-graph-uri"):
        status, _, body = get(endpoint, [("query", "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"), (param, canary)],
                              {"Accept": "application/sparql-results+json"})
        assert status == 200, body
        assert rows(body) == []


INSERT = "INSERT DATA { <http://example.org/x> <http://example.org/p> <http://example.org/y> }"


def test_update_as_query_parameter(endpoint, untouched):
    for update in (INSERT, "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL", "DROP GRAPH <http://example.org/g1>", "CREATE GRAPH <http://example.org/new>"):
        status, _, body = get(endpoint, {"query": update})
        refused(status, body, words=("read-only", "nothing was changed"))


def test_update_parameter_and_update_body(endpoint, untouched):
    status, _, body = post(endpoint, urllib.parse.urlencode({"update": INSERT}).encode(), "application/x-www-form-urlencoded")
    refused(status, body, words=("read-only",))
    status, _, body = post(endpoint, INSERT.encode(), "application/sparql-update")
    refused(status, body, words=("read-only",))
    status, _, body = get(endpoint, {"update": INSERT})
    refused(status, body, words=("read-only",))


@pytest.mark.parametrize("path", ["update", "sparql/update", "sparql/statements"])
def test_update_paths(server, untouched, path):
    status, _, body = post(server.url + path, INSERT.encode(), "application/sparql-update")
    assert 400 <= status < 500 and "read-only" in body.decode()


def test_graph_store_methods_are_not_allowed(endpoint, untouched):
    for method in ("PUT", "DELETE"):
        status, _, _ = http(endpoint, data=b"<http://a> <http://b> <http://c> .", headers={"Content-Type": "text/turtle"}, method=method)
        assert status == 405


def test_keywords_inside_strings_iris_and_names_are_not_refused(endpoint, untouched):
    query = 'PREFIX ex: <http://example.org/> SELECT ?x WHERE { VALUES ?x { "INSERT DATA" "SERVICE" <http://example.org/load> ex:delete } }'
    status, _, body = get(endpoint, {"query": query}, {"Accept": "application/sparql-results+json"})
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 4


def test_deeply_nested_query_is_refused_and_service_survives(endpoint, untouched):
    query = "ASK " + "{" * 5000 + "}" * 5000
    status, _, body = post(endpoint, query.encode(), "application/sparql-query")
    refused(status, body, code=400, words=("nested more than 64 levels",))
    status, _, body = get(endpoint, {"query": "ASK { ?s ?p ?o }"}, {"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("query", [
    "ASK{FILTER(" + "!" * 20000 + "true)}",
    "SELECT (" + "+".join(["1"] * 8000) + " AS ?x) {}",
    "ASK{FILTER(" + "STR(" * 2000 + "1" + ")" * 2000 + ")}",
])
def test_expression_chains_are_refused_and_no_worker_crashes(server, endpoint, untouched, query):
    """20,000 ``!`` or 8,000 ``+`` terms crashed the query worker (the nesting
    bound counted brackets only): now a 400 before any engine sees them."""
    from test_engine_live import children

    before = sorted(children(server.proc.pid))
    status, _, body = post(endpoint, query.encode(), "application/sparql-query")
    refused(status, body, code=400, words=("operators and function calls",) if "STR(" not in query else ("nested more than",))
    status, _, body = get(endpoint, {"query": "ASK { ?s ?p ?o }"}, {"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["boolean"] is True
    assert sorted(children(server.proc.pid)) == before  # the same workers: none died


def test_request_log_does_not_contain_query_text(server, endpoint):
    secret = "secret-token-4f1c9e"
    get(endpoint, {"query": f'ASK {{ ?s ?p "{secret}" }}'})
    post(endpoint, urllib.parse.urlencode({"query": f'ASK {{ ?s ?p "{secret}" }}'}).encode(), "application/x-www-form-urlencoded")
    log = (REPO / "build" / f"server-{server.port}.log").read_text()
    assert "GET /sparql 200" in log and "POST /sparql 200" in log
    assert secret not in log


def test_escaped_keywords_and_iris_do_not_slip_through(endpoint, canary, untouched):
    """Escapes cannot smuggle SERVICE past the guard (the engine does not
    unescape keywords) nor a remote FROM (an escaped IRI names no graph here)."""
    escaped = canary.replace(":", "\\u003A", 1)
    status, _, body = get(endpoint, {"query": f"SELECT * WHERE {{ \\u0053ERVICE <{canary}> {{ ?s ?p ?o }} }}"})
    assert status == 400 and "syntax error" in body.decode()
    status, _, body = get(endpoint, {"query": f"SELECT * FROM <{escaped}> WHERE {{ ?s ?p ?o }}"}, {"Accept": "application/sparql-results+json"})
    assert status == 200 and rows(body) == []
