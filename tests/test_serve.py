"""`kg serve`: options, bad input at start, persistent stores, dataset
semantics, configuration from environment and file; the article service."""

from __future__ import annotations

import json
import subprocess
import sys

import pyoxigraph as ox
from markupsafe import escape
import pytest

from conftest import REPO, LiveServer
from test_sparql_protocol import get

JSON = {"Accept": "application/sparql-results+json"}
TRIG = """@prefix ex: <http://example.org/> .
ex:a ex:p "default" .
ex:g { ex:b ex:p "named" . }
"""


def kg_serve(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "serve", "--port", "0", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def values(endpoint: str, query: str, **params) -> list[str]:
    status, _, body = get(endpoint, {"query": query, **params}, JSON)
    assert status == 200, body
    return sorted(b["v"]["value"] for b in json.loads(body)["results"]["bindings"])


@pytest.fixture()
def trig(tmp_path):
    path = tmp_path / "data.trig"
    path.write_text(TRIG)
    return path


def test_bad_file_is_a_clear_error_at_start(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:c ex:p .\n")
    result = kg_serve("--data", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and str(bad) in result.stderr and "line 3" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name,content,message", [
    ("missing.ttl", None, "no such file"),
    ("notes.txt", "hello", "unknown RDF format"),
])
def test_unusable_data_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = kg_serve("--data", str(path))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_store_and_data_together_is_an_error(trig, tmp_path):
    result = kg_serve("--store", str(tmp_path), "--data", str(trig))
    assert result.returncode == 2 and "either --store or --data" in result.stderr


def test_missing_store_is_an_error(tmp_path):
    result = kg_serve("--store", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "kg build --store" in result.stderr


def test_union_and_standard_default_graph(trig):
    query = "SELECT ?v WHERE { ?s ?p ?v }"
    union = LiveServer(["--data", str(trig)])
    try:
        assert values(union.url + "sparql", query) == ["default", "named"]
    finally:
        union.stop()
    standard = LiveServer(["--data", str(trig), "--no-union-default-graph"])
    try:
        endpoint = standard.url + "sparql"
        assert values(endpoint, query) == ["default"]
        assert values(endpoint, "SELECT ?v WHERE { GRAPH ?g { ?s ?p ?v } }") == ["named"]
        _, _, body = get(endpoint, {}, {"Accept": "text/turtle"})
        assert b"UnionDefaultGraph" not in body
    finally:
        standard.stop()


def test_several_data_files_and_formats(tmp_path, trig):
    nt = tmp_path / "more.nt"
    nt.write_text('<http://example.org/c> <http://example.org/p> "from n-triples" .\n')
    jsonld = tmp_path / "more.jsonld"
    jsonld.write_text(json.dumps({"@id": "http://example.org/d", "http://example.org/p": "from json-ld"}))
    live = LiveServer(["--data", str(trig), str(nt), str(jsonld)])
    try:
        assert values(live.url + "sparql", "SELECT ?v WHERE { ?s ?p ?v }") == ["default", "from json-ld", "from n-triples", "named"]
    finally:
        live.stop()


def test_persistent_store_is_served_read_only(tmp_path):
    directory = tmp_path / "store"
    store = ox.Store(str(directory))
    store.bulk_load(b'<http://example.org/a> <http://example.org/p> "kept" .', ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    for _ in range(2):  # a restart serves the same store without loading anything
        live = LiveServer(["--store", str(directory)])
        try:
            assert values(live.url + "sparql", "SELECT ?v WHERE { ?s ?p ?v }") == ["kept"]
        finally:
            live.stop()
    assert len(ox.Store.read_only(str(directory))) == 1


def test_environment_and_config_file(tmp_path, trig):
    config = tmp_path / "kg.toml"
    config.write_text("max_rows = 1\npublic_url = \"https://sparql.example.net/kg/\"\n")
    live = LiveServer(["--data", str(trig), "--config", str(config)], env={"KG_TIMEOUT": "3"})
    try:
        endpoint = live.url + "sparql"
        status, _, body = get(endpoint, {"query": "SELECT ?v WHERE { ?s ?p ?v }"}, JSON)
        assert status == 422 and "more than 1 rows" in json.loads(body)["message"]
        _, _, body = get(endpoint, {}, {"Accept": "application/n-triples"})
        text = body.decode()
        assert "<https://sparql.example.net/kg/sparql> <http://www.w3.org/ns/sparql-service-description#endpoint>" in text
        assert "Time budget 3 s" in text
    finally:
        live.stop()


def test_article_service(live_server):
    """`kg serve` with neither --store nor --data serves the article graph,
    and the query page offers the competency questions, which all run."""
    from kg.views.examples import list_examples

    endpoint = live_server.url + "sparql"
    status, _, body = get(endpoint, {"query": "ASK { GRAPH ?g { ?s ?p ?o } }"}, JSON)
    assert status == 200 and json.loads(body)["boolean"] is True
    _, _, page = get(endpoint, {}, {"Accept": "text/html"})
    examples = list_examples()
    assert examples
    for example in examples:
        assert str(escape(example.title)) in page.decode()
        status, _, body = get(endpoint, {"query": example.sparql}, JSON)
        assert status == 200, (example.name, body[:300])
        assert "head" in json.loads(body)


def test_a_directory_that_is_not_a_store_is_a_clear_error(tmp_path):
    result = kg_serve("--store", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "cannot open it as a store" in result.stderr and "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error(trig):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(trig)],
                                cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_a_negative_time_budget_is_refused_at_start(trig):
    result = kg_serve("--data", str(trig), "--timeout", "-5")
    assert result.returncode == 2 and "timeout must be a positive number" in result.stderr, result.stderr
