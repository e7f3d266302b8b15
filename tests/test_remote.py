"""RemoteStore against a real Oxigraph server on loopback: the same answers,
types and dumps as the embedded store on the same data; clear 503s when the
engine is down or slow, and recovery when it is back."""

from __future__ import annotations

import io
import socket
import threading

import pyoxigraph as ox
import pytest

from bench.servers import OxigraphServer, oxigraph_executable
from kg.model.errors import BadQuery, BuildError, EngineUnavailable, QueryTimeout, ResultTooLarge
from kg.model.formats import NQUADS, NTRIPLES, TRIG, TURTLE
from kg.storage.remote import RemoteStore
from kg.storage.store import Store, open_store

pytestmark = pytest.mark.skipif(oxigraph_executable() is None, reason="needs the oxigraph CLI (test extras)")

DATA = """@prefix ex: <http://ex.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:c ex:p "in the default graph" .
ex:g1 { ex:a ex:p "quote \\" and newline\\n, caf\u00e9"@fr ; ex:q 1 ; ex:when "2025-02-19"^^xsd:date . }
ex:g2 { ex:b ex:p ex:a ; ex:r [ ex:s "blank" ] . }
"""
QUERIES = [
    "SELECT ?s ?o WHERE { ?s <http://ex.org/p> ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?o WHERE { ?s <http://ex.org/when> ?o FILTER(?o > '2025-01-01'^^<http://www.w3.org/2001/XMLSchema#date>) }",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db") as srv:
        yield srv


@pytest.fixture(scope="module")
def remote(server) -> RemoteStore:
    store = open_store(server.query_url, gsp_url=server.gsp_url, update_url=server.update_url)
    store.load(DATA, TRIG)
    return store


@pytest.fixture(scope="module")
def local() -> Store:
    store = Store.in_memory()
    store.load(DATA.encode(), TRIG)
    return store


def rows(result) -> set:
    return {tuple(str(row[v]) for v in result.variables) for row in result}


def test_open_store_with_a_url_gives_a_remote_store(server):
    assert isinstance(open_store(server.query_url), RemoteStore)


@pytest.mark.parametrize("sparql", QUERIES)
def test_select_answers_equal_the_embedded_store(remote, local, sparql):
    got, want = remote.query(sparql), local.query(sparql)
    assert isinstance(got, ox.QuerySolutions)
    assert got.variables == want.variables
    got_rows, want_rows = rows(got), rows(want)
    assert got_rows == want_rows and want_rows


@pytest.mark.parametrize("union", [True, False])
def test_union_default_graph_switch_is_honoured(remote, local, union):
    sparql = "SELECT ?s WHERE { ?s <http://ex.org/p> ?o }"
    got = rows(remote.query(sparql, union_default_graph=union))
    assert got == rows(local.query(sparql, union_default_graph=union))
    assert len(got) == (3 if union else 1)


def test_dataset_arguments_are_forwarded(remote):
    sparql = "SELECT ?s WHERE { ?s ?p ?o }"
    assert rows(remote.query(sparql, default_graphs=["http://ex.org/g1"])) == {("<http://ex.org/a>",)}
    named = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=["http://ex.org/g2"])
    assert rows(named) == {("<http://ex.org/g2>",)}


def test_ask_and_construct_have_the_embedded_types(remote, local):
    assert isinstance(remote.query("ASK { ?s ?p ?o }"), ox.QueryBoolean)
    assert bool(remote.query("ASK { ?s <http://ex.org/q> 1 }")) is True
    assert bool(remote.query("ASK { ?s <http://ex.org/q> 2 }")) is False
    sparql = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://ex.org/g1> { ?s ?p ?o } }"
    got = remote.query(sparql)
    assert isinstance(got, ox.QueryTriples)
    assert set(map(str, got)) == set(map(str, local.query(sparql)))


def test_base_iri_resolves_relative_iris(remote):
    result = remote.query("SELECT ?o WHERE { <a> <p> ?o }", base_iri="http://ex.org/")
    assert rows(result) == {('"quote \\" and newline\\n, caf\u00e9"@fr',)}


def test_named_graphs_len_and_quads_match(remote, local):
    assert remote.named_graphs() == local.named_graphs() == ["http://ex.org/g1", "http://ex.org/g2"]
    assert len(remote) == len(local) == 7
    assert {str(q) for q in remote.quads("http://ex.org/g1")} == {str(q) for q in local.quads("http://ex.org/g1")}


def _dataset(data: bytes, fmt) -> ox.Dataset:
    return ox.Dataset(ox.parse(data, fmt))


@pytest.mark.parametrize("gsp", [True, False], ids=["graph-store-protocol", "sparql-only"])
def test_dump_is_isomorphic_to_the_embedded_dump(server, local, remote, gsp):
    store = RemoteStore(server.query_url, gsp_url=server.gsp_url if gsp else None)
    got, want = io.BytesIO(), io.BytesIO()
    store.dump(got, NQUADS)
    local.dump(want, NQUADS)
    got_ds, want_ds = _dataset(got.getvalue(), ox.RdfFormat.N_QUADS), _dataset(want.getvalue(), ox.RdfFormat.N_QUADS)
    got_ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    want_ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert set(map(str, got_ds)) == set(map(str, want_ds))
    one = io.BytesIO()
    store.dump(one, TURTLE, graph="http://ex.org/g1")
    assert len(list(ox.parse(one.getvalue(), ox.RdfFormat.TURTLE))) == 3


def test_load_with_sparql_update_round_trips_tricky_literals(server):
    store = RemoteStore(server.query_url, update_url=server.update_url)
    graph = "http://ex.org/update-test"
    store.load('<http://ex.org/u> <http://ex.org/v> "tab\\tquote\\" \u00e9\u2014\U0001F600"@en-GB .\n', NTRIPLES, graph=graph)
    [quad] = list(store.quads(graph))
    assert quad.object == ox.Literal('tab\tquote" \u00e9\u2014\U0001F600', language="en-gb")


def test_loading_needs_a_write_url(server):
    with pytest.raises(BuildError, match="Graph Store Protocol URL or an update URL"):
        RemoteStore(server.query_url).load("<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .", NTRIPLES)


def test_a_query_the_engine_refuses_is_a_bad_query(remote):
    with pytest.raises(BadQuery, match="refused the query") as info:
        remote.query("SELECT ?s WHERE { ?s ?p }")
    assert info.value.status == 400


def test_engine_down_is_503_and_recovers_when_it_is_back(tmp_path):
    server = OxigraphServer(tmp_path / "db")
    store = RemoteStore(server.query_url, gsp_url=server.gsp_url)
    with pytest.raises(EngineUnavailable, match="unreachable") as info:
        store.query("ASK {}")
    assert info.value.status == 503
    with server:
        store.load("<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .", NTRIPLES)
        assert len(store) == 1
    with pytest.raises(EngineUnavailable):
        store.query("SELECT * WHERE { ?s ?p ?o }")
    with OxigraphServer(tmp_path / "db", port=server.port):
        assert rows(store.query("SELECT ?o WHERE { ?s ?p ?o }")) == {("<http://ex.org/c>",)}


@pytest.fixture
def silent_engine():
    """A socket that accepts connections and never answers."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    accepted: list = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    yield f"http://127.0.0.1:{silent.getsockname()[1]}/query"
    silent.close()


def test_an_engine_that_does_not_answer_in_time_is_a_timeout(silent_engine):
    store = RemoteStore(silent_engine, timeout=0.3)
    with pytest.raises(QueryTimeout, match="did not answer within 0.3 s") as info:
        store.query("ASK {}")
    assert info.value.status == 503


def test_a_time_budget_applies_to_the_queries_of_its_block(silent_engine):
    store = RemoteStore(silent_engine, timeout=60)
    with store.budget(0.2), pytest.raises(QueryTimeout, match="within 0.2 s"):
        store.query("ASK {}")


def test_an_answer_over_the_byte_cap_is_refused_not_buffered(server, remote):
    store = RemoteStore(server.query_url)
    store.max_answer_bytes = 100
    with pytest.raises(ResultTooLarge) as info:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert info.value.status == 422
    assert bool(store.query("ASK { ?s ?p ?o }")) is True


def test_a_dump_abandoned_half_way_leaves_the_store_usable(server, remote):
    store = RemoteStore(server.query_url, gsp_url=server.gsp_url)
    quads = store.quads()
    assert next(quads) is not None
    assert {"http://ex.org/g1", "http://ex.org/g2"} <= set(store.named_graphs())
    assert next(quads) is not None
