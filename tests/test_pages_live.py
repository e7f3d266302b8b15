"""Pages over real HTTP: `kg serve --data` with a hostile graph (escaping),
303 negotiation without following redirects, and the article graph."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef

from tests.conftest import LiveServer
from tests.test_pages import FIXTURES

MALLORY = "/id/person/mallory"


@pytest.fixture(scope="module")
def hostile():
    server = LiveServer(["--data", str(FIXTURES / "hostile.ttl")])
    yield server
    server.stop()


def get(server, path: str, accept: str = "text/html") -> http.client.HTTPResponse:
    """One request, redirects not followed; the body is read."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers={"Accept": accept})
    resp = conn.getresponse()
    resp.body = resp.read().decode("utf-8")
    conn.close()
    return resp


def test_hostile_literals_show_as_text(hostile):
    resp = get(hostile, MALLORY + ".html")
    assert resp.status == 200
    page = resp.body
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    assert "Mallory &lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/title&gt;&lt;script&gt;alert(&#39;alias&#39;)&lt;/script&gt;" in page
    assert re.search(r"<title>Mallory &lt;script&gt;.*?</title>", page)
    assert 'href="/resource?iri=https%3A%2F%2Fexample.org%2F%3Fa%3D1%26b%3D%253Cx%253E%26c%3D%2522q%2522"' in page


def test_hostile_literals_in_search_and_home(hostile):
    page = get(hostile, "/search?q=mallory").body
    assert "<script>alert" not in page and "Mallory &lt;script&gt;" in page
    data = get(hostile, "/search.json?q=mallory", "application/json").body
    assert "Mallory <script>alert('label')</script>" in data  # JSON carries the literal as it is


def test_303_negotiation_over_http(hostile):
    for accept, suffix in [("text/html", ".html"), ("text/turtle", ".ttl"), ("application/ld+json", ".jsonld")]:
        resp = get(hostile, MALLORY, accept)
        assert resp.status == 303 and resp.getheader("Location").endswith(MALLORY + suffix)
        assert resp.getheader("Vary") == "Accept"
    ttl = get(hostile, MALLORY + ".ttl", "*/*")
    assert ttl.status == 200 and ttl.getheader("Content-Type") == "text/turtle; charset=utf-8"
    g = Graph().parse(data=ttl.body, format="turtle")
    assert len(g) == 6 and (URIRef("https://kg.example.org/id/person/mallory"), None, None) in g
    assert get(hostile, "/id/person/eve", "text/html").status == 404


def test_article_graph_pages(live_server):
    """The service as `make run` starts it: Lavrov's page from the article graph."""
    page = get(live_server, "/id/person/sergey-lavrov.html").body
    assert re.search(r"<h1[^>]*>Sergey Lavrov</h1>", page)
    assert "Foreign Minister of Russia" in page
    assert "<mark>" in page and 'href="/article/riyadh-talks-2025-02-19?span=' in page
    article = get(live_server, "/article/riyadh-talks-2025-02-19").body
    assert 'href="/id/person/sergey-lavrov" class="mention"' in article


def test_json_twins_over_http(live_server):
    """The twins the README promises, from the article graph over HTTP."""
    import json

    for path in ("/index.json", "/id/person/sergey-lavrov.json", "/search.json?q=lavrov", "/timeline.json", "/ontology.json",
                 "/article/riyadh-talks-2025-02-19.json", "/downloads.json", "/graph/ontology.json", "/ontology/Person.json"):
        resp = get(live_server, path, "*/*")
        assert resp.status == 200 and resp.getheader("Content-Type").startswith("application/json"), path
        json.loads(resp.body)
    lavrov = json.loads(get(live_server, "/id/person/sergey-lavrov.json", "*/*").body)
    assert lavrov["page"]["label"] == "Sergey Lavrov"
    offices = [s for s in lavrov["extra"]["sections"] if s["title"] == "Offices"]
    assert any(v["label"] == "Foreign Minister of Russia" for row in offices[0]["rows"] for cell in row["cells"] for v in cell)
    found = json.loads(get(live_server, "/search.json?q=lavrov", "*/*").body)
    assert found["results"][0]["page"] == "/id/person/sergey-lavrov"
    assert get(live_server, "/graph/ontology", "text/turtle").status == 303
