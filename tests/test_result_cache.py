"""The result cache shared by `kg serve` fronts (kg.storage.result_cache):
keyed on the normalized query and the store version, expiring, bounded,
shared between processes through one SQLite file, and used by the endpoint
(a hit is marked X-Cache: hit and costs no query time)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from kg.storage.result_cache import ResultCache, normalize, shared_cache
from tests.conftest import count_engine_runs


def test_layout_and_comments_do_not_change_the_key_but_the_query_and_version_do():
    one = "SELECT ?s WHERE { ?s ?p 'a  b' } # note"
    two = "select ?s\n  where {\t?s ?p 'a  b' }"
    assert normalize(one) == normalize(two) == "SELECT ?s WHERE { ?s ?p 'a  b' }"
    key = ResultCache.key(one, "json", [], [], 100, "v1")
    assert key == ResultCache.key(two, "json", [], [], 100, "v1")
    assert key != ResultCache.key("SELECT ?s WHERE { ?s ?p 'a b' }", "json", [], [], 100, "v1")  # inside a string
    assert key != ResultCache.key(one, "json", [], [], 100, "v2")  # the store changed
    assert key != ResultCache.key(one, "csv", [], [], 100, "v1")
    assert key != ResultCache.key(one, "json", ["http://ex.org/g"], [], 100, "v1")
    assert key != ResultCache.key(one, "json", [], [], 10, "v1")


def test_entries_expire_and_large_answers_are_not_kept(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite", ttl=0.3, max_entry_bytes=10)
    assert cache.put("k", b"small", 1) and cache.get("k").body == b"small"
    assert not cache.put("big", b"x" * 11, 1) and cache.get("big") is None
    time.sleep(0.4)
    assert cache.get("k") is None


def test_the_oldest_entries_go_past_the_size_bound(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite", max_total_bytes=1000)
    for i in range(30):
        cache.put(f"k{i}", b"x" * 100, 1)
    cache.prune()
    assert cache.stats()["entries"] < 30 and cache.get("k29") is not None


def _writer(path: str) -> None:
    ResultCache(path).put("shared", b"from another process", 3)


def test_processes_share_the_file(tmp_path):
    path = str(tmp_path / "c.sqlite")
    process = multiprocessing.get_context("spawn").Process(target=_writer, args=(path,))
    process.start()
    process.join(60)
    hit = shared_cache(path).get("shared")
    assert hit is not None and hit.body == b"from another process" and hit.rows == 3


def test_an_unusable_cache_is_skipped_not_an_error(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite")
    (tmp_path / "c.sqlite").unlink()
    (tmp_path / "c.sqlite").mkdir()  # the file is gone; a directory in its place
    cache._local.db = None
    assert cache.get("k") is None and cache.put("k", b"v", 1) is False


@pytest.fixture
def app_with_cache(tmp_path, article_only):
    from conftest import REPO
    from kg.authoring.build import build_dataset
    from server import create_app

    data = tmp_path / "a.nq"
    data.write_bytes(build_dataset(article_only, REPO / "ontology").serialize(format="nquads").encode())
    return create_app({"DATA": str(data), "RESULT_CACHE": str(tmp_path / "results.sqlite"), "WORKERS": 1,
                       "QUERY_SECONDS_PER_MINUTE": 0.0})


def test_the_endpoint_answers_a_repeated_query_from_the_cache(app_with_cache):
    client = app_with_cache.test_client()
    query = "SELECT ?l WHERE { <https://kg.example.org/id/person/marco-rubio> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    first = client.get("/sparql", query_string={"query": query, "format": "json"})
    assert first.status_code == 200 and "X-Cache" not in first.headers and b"Marco Rubio" in first.data
    second = client.get("/sparql", query_string={"query": query.replace(" ", "  ") + " # again", "format": "json"})
    assert second.status_code == 200 and second.headers["X-Cache"] == "hit" and second.data == first.data
    other = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert other.status_code == 200 and "X-Cache" not in other.headers and b"Marco Rubio" in other.data
    # Errors are not cached.
    bad = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert bad.status_code == 400
    assert client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"}).status_code == 400


# -- one front's cache in memory --------------------------------------------------
@pytest.fixture
def frozen_app(tmp_path):
    from server import create_app

    data = tmp_path / "small.nt"
    data.write_text("".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n' for i in range(50)))
    app = create_app({"DATA": str(data), "WORKERS": 1})
    yield app
    app.extensions["kg"].close()


@pytest.fixture
def engine_runs(frozen_app, monkeypatch):
    return count_engine_runs(frozen_app, monkeypatch)


ROW_7 = 'SELECT ?s WHERE { ?s <http://ex.org/p> "7" }'
JSON_ACCEPT = {"Accept": "application/sparql-results+json"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_read_only_store_answers_a_repeated_query_from_memory(frozen_app, engine_runs, method):
    assert frozen_app.extensions["kg"].store.frozen
    client = frozen_app.test_client()
    send = (lambda: client.get("/sparql", query_string={"query": ROW_7}, headers=JSON_ACCEPT)) if method == "GET" else \
        (lambda: client.post("/sparql", data={"query": ROW_7}, headers=JSON_ACCEPT))
    first, second = send(), send()
    assert first.status_code == second.status_code == 200
    assert "X-Cache" not in first.headers and second.headers["X-Cache"] == "hit"
    assert second.data == first.data and b"http://ex.org/s7" in second.data
    assert {k: v for k, v in second.headers.items() if k != "X-Cache"} == dict(first.headers.items())
    assert engine_runs == [ROW_7]


def test_no_cache_in_the_request_runs_the_query(frozen_app, engine_runs):
    client = frozen_app.test_client()
    client.post("/sparql", data={"query": ROW_7}, headers=JSON_ACCEPT)
    for header in ({"Cache-Control": "no-cache"}, {"Pragma": "no-cache"}):
        again = client.post("/sparql", data={"query": ROW_7}, headers={**JSON_ACCEPT, **header})
        assert again.status_code == 200 and "X-Cache" not in again.headers and b"http://ex.org/s7" in again.data
    assert engine_runs == [ROW_7] * 3
    # Through the view too (a format= parameter is not the lean path's): the same cache.
    hit = client.get("/sparql", query_string={"query": ROW_7, "format": "json"})
    fresh = client.get("/sparql", query_string={"query": ROW_7, "format": "json"}, headers={"Cache-Control": "no-cache"})
    assert hit.headers["X-Cache"] == "hit" and "X-Cache" not in fresh.headers and len(engine_runs) == 4


def test_the_memory_cache_never_answers_across_store_versions(frozen_app, engine_runs, monkeypatch):
    client = frozen_app.test_client()
    store = frozen_app.extensions["kg"].store
    client.post("/sparql", data={"query": ROW_7}, headers=JSON_ACCEPT)
    assert client.post("/sparql", data={"query": ROW_7}, headers=JSON_ACCEPT).headers["X-Cache"] == "hit"
    for generation, query_string in (("g2", None), ("g3", {"format": "json"})):  # the lean path, the view
        monkeypatch.setattr(type(store), "version", lambda self, g=generation: g)
        after = client.post("/sparql", data={"query": ROW_7}, query_string=query_string, headers=JSON_ACCEPT)
        assert after.status_code == 200 and "X-Cache" not in after.headers and b"http://ex.org/s7" in after.data
    assert engine_runs == [ROW_7] * 3


def test_errors_and_other_formats_are_not_answered_from_memory(frozen_app, engine_runs):
    client = frozen_app.test_client()
    for _ in range(2):
        bad = client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p }"}, headers=JSON_ACCEPT)
        assert bad.status_code == 400 and "X-Cache" not in bad.headers
    client.post("/sparql", data={"query": ROW_7}, headers=JSON_ACCEPT)
    csv_answer = client.post("/sparql", data={"query": ROW_7}, headers={"Accept": "text/csv"})
    assert "X-Cache" not in csv_answer.headers and csv_answer.data.startswith(b"s\r\n")
    assert len(engine_runs) == 4


def test_a_store_that_can_change_has_no_memory_cache(tmp_path):
    from kg.storage.store import Store
    from server import create_app
    from server.sparql import result_cache

    store = Store.in_memory()
    app = create_app({"STORE_OBJECT": store, "WORKERS": 1})
    try:
        assert not store.frozen and result_cache(app) is None
    finally:
        app.extensions["kg"].close()
