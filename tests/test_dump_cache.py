"""The dump cache makes each file once per store version, atomically, with
a gzip twin that decompresses to the same bytes."""

from __future__ import annotations

import gzip
import hashlib
import threading

import pyoxigraph as ox
import pytest

from kg.publish.dumps import DumpCache, catalog, fingerprint
from kg.publish.dumps import writers
from tests.fixtures.dumps.support import FIXTURES, load_store


def test_every_file_has_a_gzip_twin_with_the_same_bytes(tmp_path):
    cache = DumpCache(load_store(*FIXTURES), tmp_path)
    for info in cache.ensure_all():
        plain = open(info.path, "rb").read()
        packed = open(info.gz_path, "rb").read()
        assert gzip.decompress(packed) == plain, info.name
        assert (len(plain), len(packed)) == (info.size, info.gz_size)
        assert hashlib.sha256(plain).hexdigest() == info.sha256
        assert hashlib.sha256(packed).hexdigest() == info.gz_sha256


def test_gzip_twins_are_byte_stable(tmp_path):
    a = DumpCache(load_store(), tmp_path / "a").ensure_all()
    b = DumpCache(load_store(), tmp_path / "b").ensure_all()
    assert [i.gz_sha256 for i in a] == [i.gz_sha256 for i in b]


def test_a_file_is_made_once(tmp_path, monkeypatch):
    cache = DumpCache(load_store(), tmp_path)
    file = catalog(cache.store)[2]
    first = cache.ensure(file)
    monkeypatch.setitem(writers.WRITERS, file.fmt.name, lambda *a, **k: pytest.fail("made twice"))
    assert cache.ensure(file) == first


def test_records_count_triples(tmp_path):
    store = load_store()
    infos = {i.name: i for i in DumpCache(store, tmp_path).ensure_all()}
    assert infos["dataset.nq"].triples == len(store) == 46
    assert infos["union.nt"].triples == 45  # Rubio's name is in two graphs
    assert infos["ontology.ttl"].triples == 8
    assert infos["article-second-story.jsonld"].triples == 6


def test_changing_the_store_changes_the_fingerprint_and_the_files(tmp_path):
    store = load_store()
    cache = DumpCache(store, tmp_path)
    file = next(f for f in catalog(store) if f.name == "union.nt")
    before = cache.ensure(file)
    old = fingerprint(store)
    store.inner.add(ox.Quad(ox.NamedNode("https://kg.example.org/id/x"), ox.NamedNode("https://schema.org/name"), ox.Literal("new")))
    assert fingerprint(store) != old
    after = cache.ensure(file)
    assert after.path != before.path and after.triples == before.triples + 1
    assert b'"new"' in open(after.path, "rb").read()


def test_on_disk_fingerprint_is_cheap_and_stable(tmp_path):
    load_store(location=tmp_path / "s")
    from kg.storage.store import Store

    a, b = Store.open(tmp_path / "s"), Store.open(tmp_path / "s")
    assert fingerprint(a) == fingerprint(b)


def test_concurrent_requests_make_one_file(tmp_path):
    store = load_store(*FIXTURES)
    file = next(f for f in catalog(store) if f.name == "dataset.trig")
    results, errors = [], []

    def worker():
        try:
            results.append(DumpCache(store, tmp_path).ensure(file))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(results) == 6
    assert len({(r.sha256, r.modified) for r in results}) == 1, "made more than once"
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]
    assert leftovers == []


def test_a_failed_dump_leaves_no_file_behind(tmp_path, monkeypatch):
    store = load_store()
    cache = DumpCache(store, tmp_path)
    file = next(f for f in catalog(store) if f.name == "union.ttl")

    def broken(rows, out, prefixes):
        out.write(b"@prefix half: <written> .\n")
        raise OSError("disk full")

    monkeypatch.setitem(writers.WRITERS, "ttl", broken)
    with pytest.raises(OSError, match="disk full"):
        cache.ensure(file)
    folder = cache.directory()
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == []
    monkeypatch.undo()
    info = cache.ensure(file)
    assert open(info.path, "rb").read().startswith(b"@prefix dip:")


class _RemoteLike:
    """A store behind a URL: reading its quads is what costs."""

    def __init__(self, store):
        self.store, self.location, self.reads = store, "http://127.0.0.1:1/query", 0

    def quads(self, graph=None):
        self.reads += graph is None
        return self.store.quads(graph)

    def named_graphs(self):
        return self.store.named_graphs()


def test_remote_store_fingerprint_is_reused_for_a_while(tmp_path, monkeypatch):
    import sys

    catalog_module = sys.modules["kg.publish.dumps.catalog"]  # kg.publish.dumps.catalog is also the function's name
    remote = _RemoteLike(load_store())
    cache = DumpCache(remote, tmp_path)
    first = cache.directory()
    assert cache.directory() == first and remote.reads == 1, "not read again within the recheck time"
    monkeypatch.setattr(catalog_module, "REMOTE_RECHECK", -1.0)
    assert cache.directory() == first and remote.reads == 2


def test_old_versions_are_removed_when_a_new_one_is_made(tmp_path):
    import os

    old = []
    for i in range(4):
        folder = tmp_path / f"{i:020x}"
        folder.mkdir()
        (folder / "union.ttl").write_text("old")
        os.utime(folder, (1_000_000 + i, 1_000_000 + i))
        old.append(folder)
    recent = tmp_path / f"{99:020x}"
    recent.mkdir()
    os.utime(recent, (1_000_000, 1_000_000))
    os.utime(recent)  # in use by another service just now
    unrelated = tmp_path / "keep-me"
    unrelated.mkdir()
    current = DumpCache(load_store(), tmp_path).directory()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([recent.name, old[3].name, current.name, "keep-me"]), "newest versions and recently used stay"
