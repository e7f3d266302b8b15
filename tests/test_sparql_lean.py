"""The lean path of /sparql (server.sparql_lean): the plain query requests
it answers get exactly the answer the Flask view gives (status, every
header, body), without the view; everything else reaches the view; an
error once the query is on its way is answered by the one error path and
the query is not run twice."""

from __future__ import annotations

import gzip
import json
import urllib.parse

import pytest
from werkzeug.test import Client

from server import create_app
from server.sparql_lean import LeanSparql
from tests.conftest import count_engine_runs

DATA = """@prefix ex: <http://example.org/> .
ex:alice ex:name "Alice" ; ex:knows ex:bob .
ex:bob ex:name "Bob"@en .
ex:g1 { ex:carol ex:name "Carol" . }
"""
NAMES = "PREFIX ex: <http://example.org/> SELECT ?s ?name WHERE { ?s ex:name ?name } ORDER BY ?name"
MANY = "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(400)) + " } }"  # over 1 KB: gzipped when asked
CONSTRUCT = "PREFIX ex: <http://example.org/> CONSTRUCT { ?s ex:label ?name } WHERE { ?s ex:name ?name }"
FORM = "application/x-www-form-urlencoded"
CLIENT = "192.0.2.7"  # not one of the uncapped (local) addresses


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("lean") / "small.trig"
    path.write_text(DATA)
    app = create_app({"DATA": str(path), "WORKERS": 1})
    yield app
    app.extensions["kg"].close()


@pytest.fixture
def flask_calls(app, monkeypatch):
    """Requests that reached the Flask app behind the lean path."""
    lean = app.wsgi_app
    assert isinstance(lean, LeanSparql)
    calls: list[str] = []
    original = lean.flask_path

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return original(environ, start_response)

    monkeypatch.setattr(lean, "flask_path", counted)
    return calls


@pytest.fixture
def engine_runs(app, monkeypatch):
    """Queries handed to the query engine."""
    return count_engine_runs(app, monkeypatch)


def send(wsgi_app, method: str, query: str | None, *, kind: str = FORM, headers: dict | None = None,
         url_params: list[tuple[str, str]] | None = None):
    """(status, headers as a sorted list, body) of one request to a WSGI callable."""
    client = Client(wsgi_app)
    params = list(url_params or [])
    body = None
    if method == "GET" and query is not None:
        params.append(("query", query))
    elif query is not None:
        body = urllib.parse.urlencode({"query": query}).encode() if kind == FORM else query.encode()
    path = "/sparql" + ("?" + urllib.parse.urlencode(params) if params else "")
    resp = client.open(path, method=method, data=body, environ_base={"REMOTE_ADDR": CLIENT},
                       headers={**({"Content-Type": kind} if body is not None else {}), **(headers or {})})
    return resp.status_code, sorted(resp.headers.items()), resp.get_data()


CASES = {
    "GET JSON": ("GET", NAMES, FORM, {"Accept": "application/sparql-results+json"}),
    "GET XML": ("GET", NAMES, FORM, {"Accept": "application/sparql-results+xml"}),
    "GET CSV": ("GET", NAMES, FORM, {"Accept": "text/csv"}),
    "GET TSV": ("GET", NAMES, FORM, {"Accept": "text/tab-separated-values"}),
    "GET no Accept": ("GET", NAMES, FORM, {}),
    "GET ASK */*": ("GET", "ASK { ?s ?p ?o }", FORM, {"Accept": "*/*"}),
    "POST form JSON": ("POST", NAMES, FORM, {"Accept": "application/sparql-results+json"}),
    "POST form gzip": ("POST", MANY, FORM, {"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"}),
    "GET gzip": ("GET", MANY, FORM, {"Accept": "text/csv", "Accept-Encoding": "gzip, br"}),
    "POST query body": ("POST", NAMES, "application/sparql-query", {"Accept": "text/csv"}),
    "POST CONSTRUCT Turtle": ("POST", CONSTRUCT, "application/sparql-query", {"Accept": "text/turtle"}),
    "GET CONSTRUCT default": ("GET", CONSTRUCT, FORM, {}),
    "GET DESCRIBE JSON-LD": ("GET", "DESCRIBE <http://example.org/alice>", FORM, {"Accept": "application/ld+json"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_lean_answer_is_the_views_answer(app, flask_calls, case):
    method, query, kind, headers = CASES[case]
    headers = {**headers, "Cache-Control": "no-cache"}  # both computed (a hit is marked X-Cache)
    lean = send(app.wsgi_app, method, query, kind=kind, headers=headers)
    assert flask_calls == []  # answered without the view
    view = send(app.wsgi_app.flask_path, method, query, kind=kind, headers=headers)
    assert lean[0] == 200 and lean == view
    hits = [send(path, method, query, kind=kind, headers=CASES[case][3]) for path in (app.wsgi_app, app.wsgi_app.flask_path)]
    assert hits[0] == hits[1] and ("X-Cache", "hit") in hits[0][1]  # and from the result cache alike
    names = dict(lean[1])
    assert names["Access-Control-Allow-Origin"] == "*" and names["X-Content-Type-Options"] == "nosniff"
    assert names["Vary"] == "Accept, Accept-Encoding"
    assert ("ETag" in names) == (method == "GET")
    body = gzip.decompress(lean[2]) if names.get("Content-Encoding") == "gzip" else lean[2]
    if "gzip" in headers.get("Accept-Encoding", ""):
        assert names["Content-Encoding"] == "gzip"
    if query is NAMES:
        assert b"Alice" in body and b"Carol" in body


def test_the_lean_path_writes_the_access_log_line(app, flask_calls, caplog):
    with caplog.at_level("INFO", logger="kg.access"):
        send(app.wsgi_app, "POST", NAMES)
    assert flask_calls == []
    assert [r.getMessage().rsplit(" ", 1)[0] for r in caplog.records if r.name == "kg.access"] == ["POST /sparql 200"]


@pytest.mark.parametrize("label, method, query, kind, headers, params, status", [
    ("format= parameter", "GET", NAMES, FORM, {}, [("format", "csv")], 200),
    ("timeout= parameter", "POST", NAMES, FORM, {}, [("timeout", "2")], 200),
    ("a browser: the query page", "GET", NAMES, FORM, {"Accept": "text/html"}, [], 200),
    ("another charset", "POST", NAMES, FORM + "; charset=latin-1", {}, [], 415),
    ("the query twice", "GET", None, FORM, {}, [("query", "ASK {}"), ("query", "ASK {}")], 400),
    ("SPARQL Update", "POST", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", "application/sparql-query", {}, [], 403),
    ("nothing acceptable", "GET", NAMES, FORM, {"Accept": "image/png"}, [], 406),
    ("a POST without a body", "POST", None, FORM, {}, [], 415),
    ("an empty query", "GET", "", FORM, {}, [], 400),
])
def test_other_requests_reach_the_view(app, flask_calls, label, method, query, kind, headers, params, status):
    status_got, _, body = send(app.wsgi_app, method, query, kind=kind, headers=headers, url_params=params)
    assert flask_calls == ["/sparql"]
    assert status_got == status, body


def test_a_conditional_get_reaches_the_view_and_gets_304(app, flask_calls):
    status, headers, _ = send(app.wsgi_app, "GET", NAMES, headers={"Accept": "text/csv"})
    etag = dict(headers)["ETag"]
    status, headers, body = send(app.wsgi_app, "GET", NAMES, headers={"Accept": "text/csv", "If-None-Match": etag})
    assert status == 304 and body == b"" and flask_calls == ["/sparql"]


def test_an_engine_error_is_answered_by_the_error_path_and_not_rerun(app, flask_calls, engine_runs):
    bad = "SELECT * WHERE { ?s ?p }"  # passes the guard; the engine's parser refuses it
    status, headers, body = send(app.wsgi_app, "POST", bad, headers={"Accept": "application/json"})
    assert status == 400
    error = json.loads(body)
    assert error["status"] == 400 and "SPARQL syntax error" in error["message"]
    assert dict(headers)["Access-Control-Allow-Origin"] == "*"
    assert engine_runs == [bad]  # once: the view raised the lean path's error
    assert flask_calls == ["/sparql"]


def test_a_client_over_its_minute_budget_gets_429_from_the_error_path(app, flask_calls, engine_runs, monkeypatch):
    monkeypatch.setitem(app.config, "QUERY_SECONDS_PER_MINUTE", 1.0)
    app.extensions["kg"].engine.usage.charge(CLIENT, 5.0)
    status, headers, body = send(app.wsgi_app, "POST", NAMES + " LIMIT 9", headers={"Accept": "application/json"})
    assert status == 429 and int(dict(headers)["Retry-After"]) >= 1
    assert "query time in the last minute" in json.loads(body)["message"]
    assert engine_runs == []
