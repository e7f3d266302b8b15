"""`kg serve --store URL` on a real Oxigraph server (loopback): the same
endpoint answers, pages, twins and dumps as the embedded store serving the
same data, the same guard, and a clear 503 while the engine is down that
heals by itself when it is back."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from bench.generator import generate
from bench.servers import OxigraphServer, oxigraph_executable
from conftest import REPO, LiveServer

pytestmark = pytest.mark.skipif(oxigraph_executable() is None, reason="needs the oxigraph CLI (test extras)")

PERSON_QUERY = """SELECT ?who (COUNT(DISTINCT ?g) AS ?n) WHERE {
  GRAPH ?g { ?p <https://kg.example.org/ontology/representedBy> ?who } } GROUP BY ?who ORDER BY DESC(?n) ?who LIMIT 3"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "synthetic.nq"
    with path.open("wb") as out:
        generate(12, out, seed=11)
    return path


@pytest.fixture(scope="module")
def engine(tmp_path_factory, corpus):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db").start()
    from kg.model.formats import NQUADS
    from kg.storage.remote import RemoteStore

    RemoteStore(server.query_url, gsp_url=server.gsp_url).load(corpus, NQUADS)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote(engine, tmp_path_factory):
    (REPO / "build").mkdir(exist_ok=True)
    dumps = tmp_path_factory.mktemp("dumps-remote")
    server = LiveServer(["--store", engine.query_url, "--store-gsp", engine.gsp_url, "--max-rows", "500"],
                        env={"KG_DUMPS_DIR": str(dumps)})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedded(corpus, tmp_path_factory):
    dumps = tmp_path_factory.mktemp("dumps-embedded")
    server = LiveServer(["--data", str(corpus), "--max-rows", "500"], env={"KG_DUMPS_DIR": str(dumps)})
    yield server
    server.stop()


def get(url: str, accept: str = "*/*") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def select(base: str, query: str) -> list[dict]:
    sw = SPARQLWrapper(base + "sparql")
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    return sw.query().convert()["results"]["bindings"]


def test_sparql_answers_equal_the_embedded_service(remote, embedded):
    got, want = select(remote.url, PERSON_QUERY), select(embedded.url, PERSON_QUERY)
    assert got == want and len(got) == 3
    assert int(got[0]["n"]["value"]) >= 2


def _top_person(server) -> str:
    return select(server.url, PERSON_QUERY)[0]["who"]["value"]


@pytest.mark.parametrize("suffix,fmt", [(".ttl", ox.RdfFormat.TURTLE), (".jsonld", ox.RdfFormat.JSON_LD)])
def test_entity_twins_are_isomorphic_to_the_embedded_ones(remote, embedded, suffix, fmt):
    path = urllib.parse.urlsplit(_top_person(embedded)).path + suffix
    (s1, _, body1), (s2, _, body2) = get(remote.url + path.lstrip("/")), get(embedded.url + path.lstrip("/"))
    assert s1 == s2 == 200
    one, two = ox.Dataset(ox.parse(body1, fmt)), ox.Dataset(ox.parse(body2, fmt))
    one.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    two.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert set(map(str, one)) == set(map(str, two)) and len(one) > 5


def test_entity_page_names_the_person_and_their_talks(remote, embedded):
    iri = _top_person(embedded)
    path = urllib.parse.urlsplit(iri).path.lstrip("/") + ".html"
    status, headers, body = get(remote.url + path, "text/html")
    label = select(remote.url, f"SELECT ?l WHERE {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}")[0]["l"]["value"]
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f"<title>{label}" in body.decode()
    assert "talks in" in body.decode()


def test_search_and_timeline_match_the_embedded_service(remote, embedded):
    for path in ("search.json?q=talks", "timeline.json"):
        (s1, _, b1), (s2, _, b2) = get(remote.url + path, "application/json"), get(embedded.url + path, "application/json")
        assert s1 == s2 == 200
        assert json.loads(b1) == json.loads(b2) and json.loads(b1)


def test_dataset_dump_is_byte_identical_to_the_embedded_one(remote, embedded, corpus):
    (s1, _, b1), (s2, _, b2) = get(remote.url + "downloads/dataset.nq"), get(embedded.url + "downloads/dataset.nq")
    assert s1 == s2 == 200
    assert b1 == b2
    assert len(list(ox.parse(b1, ox.RdfFormat.N_QUADS))) == len(list(ox.parse(path=str(corpus), format=ox.RdfFormat.N_QUADS)))


def test_the_guard_refuses_before_anything_reaches_the_engine(remote, engine):
    update = "INSERT DATA { <http://ex.org/x> <http://ex.org/y> <http://ex.org/z> }"
    status, _, body = get(remote.url + "sparql?" + urllib.parse.urlencode({"query": update}))
    assert status in (400, 403)
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = get(remote.url + "sparql?" + urllib.parse.urlencode({"query": service}))
    assert status in (400, 403)
    ask = urllib.parse.urlencode({"query": "ASK { <http://ex.org/x> ?p ?o }"})
    with urllib.request.urlopen(engine.query_url + "?" + ask) as response:
        assert json.loads(response.read())["boolean"] is False


def test_the_row_cap_holds_on_the_remote_engine(remote):
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    status, _, body = get(remote.url + "sparql?" + query, "application/sparql-results+json")
    assert status == 422
    assert b"500" in body


def test_engine_down_is_a_clear_503_and_the_service_heals(tmp_path, corpus):
    engine = OxigraphServer(tmp_path / "db").start()
    from kg.model.formats import NQUADS
    from kg.storage.remote import RemoteStore

    RemoteStore(engine.query_url, gsp_url=engine.gsp_url).load(corpus, NQUADS)
    service = LiveServer(["--store", engine.query_url])
    try:
        engine.stop()
        query = "sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        for path in ("healthz", query, "timeline"):
            status, _, body = get(service.url + path, "application/json")
            assert status == 503, path
            assert b"unreachable" in body
        engine = OxigraphServer(tmp_path / "db", port=engine.port).start()
        status, _, body = get(service.url + query, "application/sparql-results+json")
        assert status == 200 and json.loads(body)["boolean"] is True
        assert get(service.url + "healthz")[0] == 200
    finally:
        service.stop()
        engine.stop()


def test_the_service_starts_before_its_engine_and_heals_when_it_comes(tmp_path, corpus):
    import subprocess
    import sys
    import time

    from bench.servers import free_port

    engine = OxigraphServer(tmp_path / "db")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--store", engine.query_url], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    try:
        status = None
        for _ in range(300):  # bounded wait for the port to open
            if proc.poll() is not None:
                raise AssertionError(f"kg serve exited: {proc.stderr.read().decode()}")
            try:
                status, _, body = get(url + "healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 503 and b"unreachable" in body
        with engine:
            assert get(url + "healthz")[0] == 200
    finally:
        proc.terminate()
        proc.wait(20)
