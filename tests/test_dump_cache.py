"""The dump cache makes each file once per store version, atomically, with
a gzip twin that decompresses to the same bytes."""

from __future__ import annotations

import errno
import fcntl
import gzip
import os
import hashlib
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.publish.dumps.catalog import VERSION_STAMP
from kg.publish.dumps import DumpCache, DumpInProgress, DumpsUnavailable, catalog, fingerprint, sweep
from kg.storage.store import Store
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
    leftovers = [p.name for p in folder.iterdir()
                     if p.name.startswith(".") and not p.name.endswith(".lock") and p.name != VERSION_STAMP]
    assert leftovers == []


def test_a_failed_dump_leaves_no_file_behind(tmp_path, monkeypatch):
    store = load_store()
    cache = DumpCache(store, tmp_path)
    file = next(f for f in catalog(store) if f.name == "union.ttl")

    def broken(rows, out, prefixes):
        out.write(b"@prefix half: <written> .\n")
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "secret-path"))

    monkeypatch.setitem(writers.WRITERS, "ttl", broken)
    with pytest.raises(DumpsUnavailable) as failed:
        cache.ensure(file)
    assert failed.value.status == 503 and failed.value.headers["Retry-After"]
    assert "No space left on device" in failed.value.message
    assert str(tmp_path) not in failed.value.message and "secret-path" not in failed.value.message
    folder = cache.directory()
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == [VERSION_STAMP]
    monkeypatch.undo()
    info = cache.ensure(file)
    assert open(info.path, "rb").read().startswith(b"@prefix dip:")


class _RemoteLike:
    """A store behind a URL: asking its version is what costs."""

    frozen = False

    def __init__(self, store):
        self.store, self.location, self.asked = store, "http://127.0.0.1:1/query", 0

    def version(self):
        self.asked += 1
        return "r-fixed"

    def quads(self, graph=None):
        return self.store.quads(graph)

    def named_graphs(self):
        return self.store.named_graphs()


def test_the_cache_keys_on_the_store_version_alone(tmp_path):
    remote = _RemoteLike(load_store())
    cache = DumpCache(remote, tmp_path)
    first = cache.directory()
    assert cache.directory() == first and remote.asked == 2, "the store is asked; the cache reads no quad"
    remote.version = lambda: "r-changed"
    assert cache.directory() != first


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


def test_a_new_version_of_a_store_removes_the_files_of_its_earlier_ones(tmp_path):
    """Stale files are removed as soon as the store has a new version, even
    when they were used a moment ago (a rebuilt or reloaded store)."""
    location = tmp_path / "store"
    writable = load_store(location=location)
    with writable.writing("test"):
        pass  # a finished write: a new generation
    del writable
    first = Store.open(location)
    old = DumpCache(first, tmp_path / "dumps").ensure(next(f for f in catalog(first) if f.name == "dataset.nq"))
    del first
    writable = Store.open(location, read_only=False)
    with writable.writing("test"):
        writable.extend([ox.Quad(ox.NamedNode("https://kg.example.org/id/x"), ox.NamedNode("https://schema.org/name"),
                                 ox.Literal("new"), ox.NamedNode("https://kg.example.org/graph/background"))])
    del writable
    second = Store.open(location)
    new = DumpCache(second, tmp_path / "dumps").ensure(next(f for f in catalog(second) if f.name == "dataset.nq"))
    assert new.triples == old.triples + 1 == len(second)
    folders = [p for p in (tmp_path / "dumps").iterdir() if p.is_dir()]
    assert folders == [Path(new.path).parent], "the earlier version's folder is gone"


def test_a_file_being_made_is_not_waited_for_when_asked_not_to(tmp_path, monkeypatch):
    store = load_store(*FIXTURES)
    cache = DumpCache(store, tmp_path)
    file = next(f for f in catalog(store) if f.name == "union.nt")
    started, release = threading.Event(), threading.Event()
    real = writers.WRITERS["nt"]

    def slow(rows, out, prefixes):
        started.set()
        release.wait(30)
        return real(rows, out, prefixes)

    monkeypatch.setitem(writers.WRITERS, "nt", slow)
    maker = threading.Thread(target=cache.ensure, args=(file,))
    maker.start()
    assert started.wait(30)
    try:
        with pytest.raises(DumpInProgress) as busy:
            DumpCache(store, tmp_path).ensure(file, wait=False)
        assert busy.value.status == 503 and busy.value.headers["Retry-After"] == "5"
        assert "being prepared" in busy.value.message and str(tmp_path) not in busy.value.message
    finally:
        release.set()
        maker.join(60)
    assert DumpCache(store, tmp_path).ensure(file, wait=False).triples > 0


def test_leftovers_of_a_killed_maker_are_swept_unless_it_is_still_making(tmp_path):
    store = load_store()
    cache = DumpCache(store, tmp_path)
    folder = cache.directory()
    for name in ("dataset.nq", "union.ttl"):
        (folder / ".tmp" / name).mkdir(parents=True)
        (folder / ".tmp" / name / f".{name}.abc").write_bytes(b"half a file")
    with open(folder / ".union.ttl.lock", "a") as busy:
        fcntl.flock(busy, fcntl.LOCK_EX)  # someone is making union.ttl right now
        sweep(tmp_path)
    assert sorted(p.name for p in (folder / ".tmp").iterdir()) == ["union.ttl"]


def test_a_version_is_first_seen_no_later_than_its_oldest_file(tmp_path):
    """The description's ``dcterms:created`` falls back to when the version
    was first seen; stamped only when the description was first asked for
    (after the downloads), it came out later than the files it describes."""
    cache = DumpCache(load_store(), tmp_path)
    infos = cache.ensure_all()
    folder = cache.directory()
    assert cache.version_time(folder) <= min(info.modified for info in infos)
    assert DumpCache(load_store(), tmp_path).version_time(folder) == cache.version_time(folder)


def test_two_threads_stamping_a_new_version_at_once_agree(tmp_path, monkeypatch):
    """Two requests that meet a new store version at once both stamp it: they
    shared one temporary file name, so one removed the other's and its
    request failed with 'Downloads are unavailable (No such file or directory)'."""
    cache = DumpCache(load_store(), tmp_path)
    folder = tmp_path / "version"
    folder.mkdir()
    both_written = threading.Barrier(2, timeout=10)
    real_link = os.link

    def link(src, dst):
        both_written.wait()  # both temporary files are written before either is linked
        return real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    stamps, errors = [], []

    def stamp():
        try:
            stamps.append(cache.version_time(folder))
        except Exception as exc:  # noqa: BLE001 - the failure under test
            errors.append(exc)

    threads = [threading.Thread(target=stamp) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert errors == [] and len(stamps) == 2 and stamps[0] == stamps[1]
    assert [p.name for p in folder.iterdir()] == [VERSION_STAMP]
