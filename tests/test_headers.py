"""One header policy (server/headers.py): security headers on every
response, CORS and caching by part of the service."""

from __future__ import annotations

import pytest

from server import create_app
from server.headers import SECURITY_HEADERS
from test_pages import fixture_store

JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client():
    return create_app({"STORE_OBJECT": fixture_store(), "TESTING": True}).test_client()


# (method, path, headers, expected status): pages, query, downloads,
# errors of each and of no blueprint, static files.
ROUTES = [
    ("GET", "/", HTML, 200),
    ("GET", "/id/article/fixture.ttl", {}, 200),
    ("GET", "/id/person/nobody", HTML, 404),
    ("GET", "/timeline", HTML, 200),
    ("GET", "/sparql", HTML, 200),
    ("GET", "/sparql?query=ASK%7B%7D", JSON, 200),
    ("GET", "/sparql?query=SELECT", JSON, 400),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, 415),
    ("OPTIONS", "/sparql", {}, 204),
    ("GET", "/downloads", HTML, 200),
    ("GET", "/downloads/nothing.nt", {}, 404),
    ("GET", "/.well-known/void", {}, 200),
    ("GET", "/static/style.css", {}, 200),
    ("GET", "/healthz", {}, 200),
    ("GET", "/no/such/page", {}, 404),
    ("DELETE", "/", {}, 405),
]


@pytest.mark.parametrize("method,path,headers,status", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_security_headers_on_every_response(client, method, path, headers, status):
    resp = client.open(path, method=method, headers=headers)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, name
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_one_place_sets_headers(client):
    """No blueprint keeps an after_request hook of its own."""
    hooks = {name: [f.__name__ for f in funcs] for name, funcs in client.application.after_request_funcs.items() if funcs}
    assert list(hooks) == [None] and "apply_policy" in hooks[None]


@pytest.mark.parametrize("path,headers,methods,expose", [
    ("/sparql?query=ASK%7B%7D", JSON, "GET, POST, OPTIONS", "ETag, X-Result-Rows"),
    ("/sparql?query=SELECT", JSON, "GET, POST, OPTIONS", "ETag, X-Result-Rows"),
    ("/.well-known/void", {}, "GET, HEAD, OPTIONS", "ETag, Content-Disposition, Content-Encoding, Link"),
    ("/downloads/nothing.nt", {}, "GET, HEAD, OPTIONS", "ETag, Content-Disposition, Content-Encoding, Link"),
])
def test_cors_of_the_query_service_and_downloads_errors_included(client, path, headers, methods, expose):
    resp = client.get(path, headers=headers)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == methods
    assert resp.headers["Access-Control-Expose-Headers"] == expose
    assert "Access-Control-Allow-Credentials" not in resp.headers


def test_query_results_vary_by_accept(client):
    resp = client.get("/sparql?query=ASK%7B%7D", headers=JSON)
    assert {"Accept", "Accept-Encoding"} <= set(resp.vary)


def test_pages_are_cached_and_conditional_data_twins_shared(client):
    html = client.get("/", headers=HTML)
    assert html.headers["Cache-Control"] == "public, max-age=300" and html.headers.get("ETag")
    assert "Access-Control-Allow-Origin" not in html.headers, "HTML pages are not shared cross-origin"
    twin = client.get("/id/article/fixture.ttl")
    assert twin.headers["Access-Control-Allow-Origin"] == "*" and twin.headers["Cache-Control"] == "public, max-age=300"
    again = client.get("/id/article/fixture.ttl", headers={"If-None-Match": twin.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    missing = client.get("/id/person/nobody", headers=HTML)
    assert "ETag" not in missing.headers and "public" not in missing.headers.get("Cache-Control", "")
