"""One store interface with ``version()``: every store implements it, every
cache keys on it, and nothing probes a store's internals to tell its kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.model.formats import NQUADS
from kg.storage import pagecache
from kg.storage.interface import GraphStore
from kg.storage.remote import RemoteStore
from kg.storage.store import GENERATION_FILE, Store, StoreBusy, StoreLock
from server import create_app

REPO = Path(__file__).resolve().parent.parent
QUAD = "<http://ex.org/a> <http://ex.org/b> \"{}\" <http://ex.org/g{}> .\n"


def quad(n: int) -> bytes:
    return QUAD.format(n, n).encode()


def test_both_stores_implement_the_interface():
    assert isinstance(Store.in_memory(), GraphStore)
    assert isinstance(RemoteStore("http://127.0.0.1:9/query"), GraphStore)
    assert RemoteStore("http://127.0.0.1:9/query").frozen is False


def test_no_module_probes_a_store_for_its_internals():
    probes = []
    for path in [*(REPO / "kg").rglob("*.py"), *(REPO / "server").rglob("*.py")]:
        text = path.read_text()
        if re.search(r"getattr\(\s*\w*store\w*\s*,\s*[\"']inner[\"']", text):
            probes.append(str(path.relative_to(REPO)))
    assert probes == []


def test_in_memory_version_changes_with_every_write():
    store = Store.in_memory()
    seen = {store.version()}
    store.load(quad(1), NQUADS)
    seen.add(store.version())
    store.extend([ox.Quad(ox.NamedNode("http://ex.org/x"), ox.NamedNode("http://ex.org/y"), ox.Literal("z"))])
    seen.add(store.version())
    store.inner.add(ox.Quad(ox.NamedNode("http://ex.org/x"), ox.NamedNode("http://ex.org/y"), ox.Literal("w")))
    seen.add(store.version())
    assert len(seen) == 4
    assert store.version() == store.version()
    assert not store.frozen


def test_on_disk_version_is_the_generation_of_the_last_finished_write(tmp_path):
    location = tmp_path / "store"
    writable = Store.open(location, read_only=False)
    with writable.writing("test"):
        writable.load(quad(1), NQUADS)
        writable.materialize_union()
    del writable
    first, again = Store.open(location), Store.open(location)
    recorded = json.loads((location / GENERATION_FILE).read_text())["generation"]
    assert first.frozen and first.version() == again.version() == recorded
    writable = Store.open(location, read_only=False)
    with writable.writing("test"):
        writable.load(quad(2), NQUADS)
        writable.materialize_union()
    del writable
    assert Store.open(location).version() not in (recorded, "")
    assert first.version() == recorded, "a store opened read-only keeps the version it opened"


def test_a_write_gives_a_new_generation_and_a_store_without_one_still_has_a_stable_version(tmp_path):
    location = tmp_path / "store"
    writable = Store.open(location, read_only=False)
    writable.load(quad(1), NQUADS)  # written as stores were before generations
    writable.flush()
    del writable
    a, b = Store.open(location), Store.open(location)
    old = a.version()
    assert old == b.version() and not (location / GENERATION_FILE).exists()
    del a, b
    writable = Store.open(location, read_only=False)
    with writable.writing("test"):
        writable.load(quad(2), NQUADS)
    del writable
    assert Store.open(location).version() not in (old, "")


def test_remote_version_is_asked_of_the_engine_at_most_every_recheck(monkeypatch):
    remote = RemoteStore("http://127.0.0.1:9/query")
    state = {"count": 10, "asked": 0}

    class Row(dict):
        pass

    def query(sparql, **kw):
        state["asked"] += 1
        return iter([Row(n=ox.Literal(str(state["count"])))])

    monkeypatch.setattr(remote, "query", query)
    monkeypatch.setattr(remote, "named_graphs", lambda: ["http://ex.org/g"])
    monkeypatch.setattr(remote, "flavor", lambda: "sparql")  # a generic engine, not Virtuoso
    first = remote.version()
    state["count"] = 11
    assert remote.version() == first and state["asked"] == 1, "reused within the recheck time"
    monkeypatch.setattr("kg.storage.remote.VERSION_RECHECK", -1.0)
    assert remote.version() != first


def test_page_cache_keys_on_the_version(monkeypatch):
    monkeypatch.setattr(pagecache, "CHECK_EVERY", 0.0)
    store = Store.in_memory()
    store.load(quad(1), NQUADS)
    assert pagecache.cached(store, "n", lambda: len(store)) == 1
    assert pagecache.cached(store, "n", lambda: pytest.fail("recomputed without a change")) == 1
    store.load(quad(2), NQUADS)
    assert pagecache.cached(store, "n", lambda: len(store)) == 2


def test_app_state_follows_the_version():
    store = Store.in_memory()
    store.load(quad(1), NQUADS)
    app = create_app({"STORE_OBJECT": store})
    state = app.extensions["kg"]
    tag, graphs = state.fingerprint(), state.graphs()
    assert graphs == {"http://ex.org/g1"} and state.fingerprint() == tag
    store.load(quad(2), NQUADS)
    assert state.graphs() == {"http://ex.org/g1", "http://ex.org/g2"} and state.fingerprint() != tag


def test_a_served_store_refuses_writers_and_a_written_store_refuses_servers(tmp_path):
    location = tmp_path / "store"
    with StoreLock(location, exclusive=False, who="kg serve"):
        with pytest.raises(StoreBusy, match="is being served by a running `kg serve`"):
            StoreLock(location, exclusive=True, who="kg load")
        with StoreLock(location, exclusive=False, who="kg serve"):
            pass  # two services may share a store
    with StoreLock(location, exclusive=True, who="kg load"):
        with pytest.raises(StoreBusy, match=r"is being written by kg load \(pid \d+\)"):
            StoreLock(location, exclusive=False, who="kg serve")
    with StoreLock(location, exclusive=True, who="kg build"):
        pass  # free again once released
