"""The result cache shared by `kg serve` fronts (kg.storage.result_cache):
keyed on the normalized query and the store version, expiring, bounded,
shared between processes through one SQLite file, and used by the endpoint
(a hit is marked X-Cache: hit and costs no query time)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from kg.storage.result_cache import ResultCache, normalize, shared_cache


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
