"""One version of the data at a time, over real HTTP.

A served store refuses to be written under: `kg load` and `kg build --store`
on it exit 2 naming the running service, and every route keeps answering
from the same data. After a stop, a load and a restart, downloads are made
for the new version (the earlier version's files are removed). Downloads
hold at most one HTTP thread while a file is made, and what a server killed
while making one left is removed when it starts again."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.generator import generate
from tests.conftest import REPO, LiveServer

pytestmark = pytest.mark.live

EXTRA = ('<https://kg.example.org/id/x-added> <https://schema.org/name> "added by the second load" '
         '<https://kg.example.org/graph/added> .\n')
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300)


def get(url: str, timeout: float = 60, headers: dict | None = None):
    """(status, headers, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def count(server: LiveServer) -> int:
    status, _, body = get(server.url + "sparql?query=" + urllib.parse.quote(COUNT),
                          headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body[:300]
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def version_folders(dumps: Path) -> list[Path]:
    return [p for p in dumps.iterdir() if p.is_dir() and len(p.name) == 20] if dumps.is_dir() else []


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("rebuild")
    data = root / "small.nq"
    with data.open("wb") as out:
        generate(8, out, seed=3)
    store = root / "store"
    result = kg("load", "--store", str(store), "--quiet", str(data))
    assert result.returncode == 0, result.stderr
    extra = root / "extra.nq"
    extra.write_text(EXTRA)
    (REPO / "build").mkdir(exist_ok=True)  # where LiveServer keeps its log
    return root, store, extra


def test_a_served_store_is_never_written_under_and_a_restart_serves_the_new_version(small_store):
    root, store, extra = small_store
    dumps = root / "dumps"
    server = LiveServer(["--store", str(store), "--workers", "2"], env={"KG_DUMPS_DIR": str(dumps)})
    try:
        before = count(server)
        status, _, old_dump = get(server.url + "downloads/dataset.nq")
        assert status == 200 and len(old_dump.splitlines()) == before
        log = Path(server.log.name).read_text()  # the start-up line says what to do
        assert "`kg build` and `kg load` on it are refused while this service runs" in log
        assert "stop the service, rebuild, and start it again" in log

        loaded = kg("load", "--store", str(store), "--quiet", str(extra))
        assert loaded.returncode == 2, loaded.stderr
        assert "is being served by a running `kg serve`" in loaded.stderr and "Traceback" not in loaded.stderr
        built = kg("build", "--store", str(store))
        assert built.returncode == 2, built.stderr
        assert "is being served by a running `kg serve`" in built.stderr

        # Nothing changed: every worker, the pages' store and the downloads agree.
        assert {count(server) for _ in range(6)} == {before}
        assert get(server.url + "downloads/dataset.nq")[2] == old_dump
    finally:
        server.stop()

    loaded = kg("load", "--store", str(store), "--quiet", str(extra))
    assert loaded.returncode == 0, loaded.stderr
    [old_folder] = version_folders(dumps)
    server = LiveServer(["--store", str(store), "--workers", "2"], env={"KG_DUMPS_DIR": str(dumps)})
    try:
        assert count(server) == before + 1
        status, _, new_dump = get(server.url + "downloads/dataset.nq")
        assert status == 200 and len(new_dump.splitlines()) == before + 1
        assert b"added by the second load" in new_dump
        assert version_folders(dumps) != [old_folder] and not old_folder.exists(), "stale downloads removed"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def large_store(tmp_path_factory):
    """A store whose dataset.nq takes seconds to make (about 100,000 quads)."""
    root = tmp_path_factory.mktemp("large")
    data = root / "large.nq"
    with data.open("wb") as out:
        generate(400, out, seed=4)
    store = root / "store"
    result = kg("load", "--store", str(store), "--quiet", str(data))
    assert result.returncode == 0, result.stderr
    (REPO / "build").mkdir(exist_ok=True)
    return root, store


def _making(dumps: Path) -> bool:
    """Is a dump being made (temporary files written) under ``dumps``?"""
    for folder in version_folders(dumps):
        tmp = folder / ".tmp"
        if tmp.is_dir() and any(f.stat().st_size > 0 for d in tmp.iterdir() for f in d.iterdir() if f.is_file()):
            return True
    return False


def _wait_until_making(dumps: Path, done: threading.Event) -> None:
    deadline = time.monotonic() + 120
    while not _making(dumps):
        assert not done.is_set(), "the file was made before it could be watched"
        assert time.monotonic() < deadline, "no dump was started"
        time.sleep(0.02)


def test_eight_concurrent_first_downloads_hold_one_thread(large_store, tmp_path):
    root, store = large_store
    dumps = tmp_path / "dumps"
    server = LiveServer(["--store", str(store), "--threads", "8"], env={"KG_DUMPS_DIR": str(dumps)})
    try:
        results: list[tuple] = []
        first_done = threading.Event()

        def download():
            got = get(server.url + "downloads/dataset.nq", timeout=300)
            results.append(got)
            if got[0] == 200:
                first_done.set()

        threads = [threading.Thread(target=download) for _ in range(8)]
        for t in threads:
            t.start()
        _wait_until_making(dumps, first_done)
        # While the file is made, the other routes answer.
        health = get(server.url + "healthz", timeout=60)
        ask = get(server.url + "sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"), timeout=60,
                  headers={"Accept": "application/sparql-results+json"})
        answered_while_making = not first_done.is_set()
        for t in threads:
            t.join(300)
        assert health[0] == 200 and ask[0] == 200 and json.loads(ask[2])["boolean"] is True
        assert answered_while_making, "other routes waited for the dump"
        statuses = sorted(r[0] for r in results)
        assert len(results) == 8 and set(statuses) <= {200, 503}, statuses
        assert statuses.count(200) >= 1
        for status, headers, body in results:
            if status == 503:
                assert headers["Retry-After"].isdigit() and b"being prepared" in body
                assert str(dumps).encode() not in body
        made = [r[2] for r in results if r[0] == 200]
        again = get(server.url + "downloads/dataset.nq")
        assert again[0] == 200 and all(body == again[2] for body in made)
    finally:
        server.stop()


def test_a_server_killed_while_making_a_dump_leaves_no_temporary_files_after_restart(large_store, tmp_path):
    root, store = large_store
    dumps = tmp_path / "dumps"
    server = LiveServer(["--store", str(store)], env={"KG_DUMPS_DIR": str(dumps)})
    done = threading.Event()
    try:
        def fetch_until_killed():
            try:
                get(server.url + "downloads/union.ttl", timeout=300)
            except OSError:
                pass  # the server was killed mid-request
            done.set()

        fetch = threading.Thread(target=fetch_until_killed)
        fetch.start()
        _wait_until_making(dumps, done)
        server.proc.kill()
        server.proc.wait(60)
        fetch.join(60)
    finally:
        server.stop()
    assert _making(dumps), "the killed server left its temporary files"
    server = LiveServer(["--store", str(store)], env={"KG_DUMPS_DIR": str(dumps)})
    try:
        assert not _making(dumps)
        leftovers = [p for f in version_folders(dumps) for p in (f / ".tmp").glob("**/*")]
        assert leftovers == []
        assert get(server.url + "downloads/union.ttl", timeout=300)[0] in (200, 503)
    finally:
        server.stop()
