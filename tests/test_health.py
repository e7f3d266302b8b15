"""/healthz answers from the store's kept size: counted once per store
version, not on every check (a balancer checks every few seconds)."""

from __future__ import annotations

from kg.model.formats import NQUADS
from kg.storage.store import Store
from server import create_app

QUAD = b'<http://ex.org/s> <http://ex.org/p> "%d" <http://ex.org/g> .\n'


def test_healthz_counts_the_store_once_per_version(monkeypatch):
    store = Store.in_memory()
    store.load(QUAD % 1, NQUADS)
    counted = []
    real = Store.__len__
    monkeypatch.setattr(Store, "__len__", lambda self: counted.append(1) or real(self))
    monkeypatch.setattr("kg.storage.pagecache.CHECK_EVERY", 0.0)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    bodies = [client.get("/healthz").get_json() for _ in range(3)]
    assert [b["quads"] for b in bodies] == [1, 1, 1] and all(b["status"] == "ok" for b in bodies)
    assert len(counted) == 1
    store.load(QUAD % 2, NQUADS)  # a new version is counted again
    assert client.get("/healthz").get_json()["quads"] == 2
    assert len(counted) == 2
