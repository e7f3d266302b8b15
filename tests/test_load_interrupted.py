"""`kg load` interrupted at several points (SIGINT, SIGTERM, SIGKILL, while
loading a file and while merging the default graph) leaves a store that is
visibly incomplete: `kg serve` refuses it with a clear message, and the next
`kg load` repairs it; its temporary files live in one folder beside the
store, removed when the next load starts."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generator import generate
from bench.servers import free_port
from kg.storage.store import INCOMPLETE_MARKER, MERGE_MARKER, Store, StoreIncomplete, temp_folder

pytestmark = [pytest.mark.slow, pytest.mark.live]  # starts `kg load` and `kg serve` processes

KILL_POINTS = [(signal.SIGINT, "loading"), (signal.SIGTERM, "merging"), (signal.SIGKILL, "loading"), (signal.SIGKILL, "merging")]
DEADLINE = 180.0  # seconds a load may take to reach a kill point on a busy machine


def kg(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=timeout)


def union_count(store: Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """An old store (small, complete), a larger file to load into it, and the
    store that an uninterrupted load makes (the reference)."""
    root = tmp_path_factory.mktemp("interrupted")
    small, large = root / "small.nq", root / "large.nq"
    with small.open("wb") as out:
        generate(5, out, seed=1)
    with large.open("wb") as out:
        generate(250, out, seed=2)
    old = root / "old"
    assert kg("load", "--store", str(old), "--quiet", str(small)).returncode == 0
    reference = root / "reference"
    shutil.copytree(old, reference)
    result = kg("load", "--store", str(reference), "--quiet", str(large))
    assert result.returncode == 0, result.stderr
    ref = Store.open(reference)
    want = {"quads": len(ref), "union": union_count(ref)}
    before = Store.open(old)
    old_counts = {"quads": len(before), "union": union_count(before)}
    del ref, before
    return root, old, large, want, old_counts


def _marker(store: Path) -> dict | None:
    try:
        return json.loads((store / INCOMPLETE_MARKER).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _merge_file_written(store: Path) -> bool:
    try:
        return any(p.stat().st_size > 0 for p in temp_folder(store).iterdir())
    except OSError:
        return False


def _wait_for(proc: subprocess.Popen, store: Path, point: str) -> bool:
    """Wait until the load is at ``point``; False if it finished first."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        marker = _marker(store)
        if marker is not None and marker.get("merging") == (point == "merging"):
            if point == "loading":
                time.sleep(0.5)  # well into the file
                return proc.poll() is None
            if _merge_file_written(store):
                return proc.poll() is None
        time.sleep(0.02)
    raise AssertionError(f"the load did not reach {point} within {DEADLINE} s")


@pytest.mark.parametrize("sig, point", KILL_POINTS, ids=[f"{s.name}-{p}" for s, p in KILL_POINTS])
def test_an_interrupted_load_is_refused_until_the_next_load_repairs_it(setup, tmp_path, sig, point):
    root, old, large, want, old_counts = setup
    store = tmp_path / "store"
    shutil.copytree(old, store)
    proc = subprocess.Popen([sys.executable, "-m", "kg", "load", "--store", str(store), "--quiet", str(large)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not _wait_for(proc, store, point):
        proc.wait(60)
        pytest.skip(f"the load finished before it could be interrupted while {point}")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        assert b"interrupted" in err and b"run the same `kg load` again" in err and b"Traceback" not in err, err

    # Visibly incomplete: never the old marker saying complete over stale data.
    assert (store / INCOMPLETE_MARKER).is_file()
    assert not (store / MERGE_MARKER).is_file(), "the merge marker is written last"
    with pytest.raises(StoreIncomplete, match="is incomplete"):
        Store.open(store)
    if sig == signal.SIGKILL and point == "merging":
        assert any(temp_folder(store).iterdir()), "the merge's temporary file is in the store's temp folder"

    served = kg("serve", "--store", str(store), "--port", str(free_port()), "--host", "127.0.0.1", timeout=120)
    assert served.returncode == 2, served.stderr
    assert "is incomplete" in served.stderr and "kg load --store" in served.stderr
    assert "Traceback" not in served.stderr

    repaired = kg("load", "--store", str(store), "--quiet", str(large))
    assert repaired.returncode == 0, repaired.stderr
    assert not temp_folder(store).exists(), "the temp folder is removed"
    assert not any(p.suffix == ".nt" for p in store.parent.iterdir())
    done = Store.open(store)
    assert done.incomplete is None and done.merged_triples is not None
    assert {"quads": len(done), "union": union_count(done)} == want


def test_a_load_that_fails_on_bad_input_leaves_the_old_store_complete(setup, tmp_path):
    root, old, large, want, old_counts = setup
    store = tmp_path / "store"
    shutil.copytree(old, store)
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://ex.org/a> <oops\n")
    result = kg("load", "--store", str(store), "--quiet", str(bad))
    assert result.returncode == 2 and "bad.nq" in result.stderr
    kept = Store.open(store)  # not refused: nothing was written
    assert {"quads": len(kept), "union": union_count(kept)} == old_counts


def test_a_store_being_loaded_is_refused_by_kg_serve_and_a_second_load(setup, tmp_path):
    root, old, large, want, old_counts = setup
    store = tmp_path / "store"
    shutil.copytree(old, store)
    proc = subprocess.Popen([sys.executable, "-m", "kg", "load", "--store", str(store), "--quiet", str(large)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not _wait_for(proc, store, "loading"):
            pytest.skip("the load finished first")
        served = kg("serve", "--store", str(store), "--port", str(free_port()), "--host", "127.0.0.1", timeout=120)
        second = kg("load", "--store", str(store), "--quiet", str(large))
        running = proc.poll() is None
    finally:
        proc.wait(300)
    if running:
        assert served.returncode == 2 and "is being written by kg load" in served.stderr, served.stderr
        assert second.returncode == 2 and "is being written by kg load" in second.stderr, second.stderr
    assert proc.returncode == 0
    done = Store.open(store)
    assert {"quads": len(done), "union": union_count(done)} == want


def test_the_quads_of_a_repaired_store_are_those_of_an_uninterrupted_load(setup):
    """The reference itself: loads only add, so the merge of a repaired store
    is the RDF merge of its named graphs."""
    root, old, large, want, old_counts = setup
    ref = Store.open(root / "reference")
    named = {(q.subject, q.predicate, q.object) for q in ref.inner.quads_for_pattern(None, None, None, None)
             if q.graph_name != ox.DefaultGraph()}
    assert want["union"] == len(named)


def test_a_build_killed_between_the_renames_of_its_swap_gets_its_store_back(setup, tmp_path):
    """The swap renames the old store into the temp folder, then the new one
    into place: killed in between, the next writer or service puts the old
    one back before clearing the temp folder."""
    root, old, large, want, old_counts = setup
    store = tmp_path / "store"
    shutil.copytree(old, store)
    temp_folder(store).mkdir()
    store.rename(temp_folder(store) / "old")  # where the swap had put it
    (temp_folder(store) / "new").mkdir()  # and a half-made new store
    served = kg("query", "--store", str(store), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv")
    assert served.returncode == 2  # a reader does not repair
    result = kg("load", "--store", str(store), "--quiet", str(large))
    assert result.returncode == 0, result.stderr
    assert not temp_folder(store).exists()
    done = Store.open(store)
    assert {"quads": len(done), "union": union_count(done)} == want, "the old store came back and was loaded into"
