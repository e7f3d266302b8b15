"""`kg serve --store URL`: the same endpoint in front of a remote SPARQL
engine (Oxigraph server here): guard, formats, row cap and time budget."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from bench.servers import OxigraphServer, oxigraph_executable
from conftest import REPO, LiveServer
from test_sparql_protocol import get

pytestmark = pytest.mark.skipif(oxigraph_executable() is None, reason="needs the oxigraph CLI (test extras)")
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    location = tmp_path_factory.mktemp("remote") / "db"
    store = ox.Store(str(location))
    data = "".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" <http://ex.org/g> .\n' for i in range(300))
    store.bulk_load(data.encode(), ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    (REPO / "build").mkdir(exist_ok=True)
    with OxigraphServer(location, read_only=True) as engine:
        live = LiveServer(["--store", engine.query_url, "--max-rows", "100", "--timeout", "2"])
        yield live
        live.stop()


def test_queries_go_to_the_remote_engine(remote):
    endpoint = remote.url + "sparql"
    status, _, body = get(endpoint, {"query": 'SELECT ?s WHERE { ?s ?p "7" }'}, JSON)
    assert status == 200
    assert [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["http://ex.org/s7"]
    status, headers, body = get(endpoint, {"query": 'CONSTRUCT WHERE { ?s ?p "8" }', "format": "nt"})
    assert status == 200 and body.decode().strip() == '<http://ex.org/s8> <http://ex.org/p> "8" .'


def test_guard_and_row_cap_apply(remote):
    endpoint = remote.url + "sparql"
    status, _, body = get(endpoint, {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, JSON)
    assert status == 403
    status, _, body = get(endpoint, {"query": "SELECT ?s WHERE { ?s ?p ?o }"}, JSON)
    assert status == 422 and "more than 100 rows" in json.loads(body)["message"]
    status, _, _ = get(endpoint, {"query": "SELECT * FROM <http://ex.org/g> WHERE { ?s ?p ?o } LIMIT 1"}, JSON)
    assert status == 200


def test_remote_time_budget(remote):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    status, _, body = get(remote.url + "sparql", {"query": runaway}, JSON)
    assert status == 503 and "did not answer within 2 s" in json.loads(body)["message"]
