"""The query engine: worker processes that really stop, contained crashes,
row caps, spooled results, no orphans."""

from __future__ import annotations

import os
import time

import pyoxigraph as ox
import pytest

from kg.storage.engine import QueryEngine
from kg.model.errors import BadQuery, EngineUnavailable, Forbidden, QueryTimeout, ResultTooLarge

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def make_store(path, n: int = 500) -> str:
    store = ox.Store(str(path))
    data = "".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n' for i in range(n))
    store.bulk_load(data.encode(), ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    return str(path)


def job(query: str, fmt: str = "json", max_rows: int = 100000) -> dict:
    return {"query": query, "format": fmt, "max_rows": max_rows}


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def wait_for(predicate, within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    eng = QueryEngine(make_store(tmp_path_factory.mktemp("engine") / "store"), size=2)
    assert eng.wait_ready()
    yield eng
    eng.close()


def test_answers_a_query(engine):
    answer = engine.run(job('SELECT ?s WHERE { ?s ?p "7" }', "csv"), 5)
    assert b"".join(answer.chunks()) == b"s\r\nhttp://ex.org/s7\r\n"
    assert answer.rows == 1


def test_runaway_is_killed_and_replaced(engine):
    before = set(engine.pids())
    with pytest.raises(QueryTimeout, match="time budget of 1 s"):
        engine.run(job(RUNAWAY), 1.0)
    killed = before - set(engine.pids())
    assert len(killed) == 1 and gone(killed.pop())
    assert wait_for(lambda: engine.alive() == 2)
    assert b"http://ex.org/s7" in b"".join(engine.run(job('SELECT ?s WHERE { ?s ?p "7" }'), 5).chunks())


def test_crash_is_contained(engine):
    with pytest.raises(EngineUnavailable, match="stopped while running this query"):
        engine.run(job("ASK " + "{" * 6000 + "}" * 6000), 10)
    assert wait_for(lambda: engine.alive() == 2)
    assert engine.run(job("ASK { ?s ?p ?o }"), 5).inline.endswith(b'"boolean":true}\n')


def test_row_cap_refuses_instead_of_truncating(engine):
    with pytest.raises(ResultTooLarge, match="more than 499 rows"):
        engine.run(job("SELECT * WHERE { ?s ?p ?o }", "tsv", max_rows=499), 5)
    assert engine.run(job("SELECT * WHERE { ?s ?p ?o }", "tsv", max_rows=500), 5).rows == 500
    with pytest.raises(ResultTooLarge):
        engine.run(job("CONSTRUCT WHERE { ?s ?p ?o }", "nt", max_rows=10), 5)


def test_syntax_error_keeps_position(engine):
    with pytest.raises(BadQuery) as info:
        engine.run(job("SELECT * WHERE { ?s ?p }"), 5)
    assert "error at 1:" in info.value.message
    assert info.value.detail["line"] == 1 and info.value.detail["column"] > 1


def test_large_result_is_spooled_and_removed(engine):
    answer = engine.run(job("SELECT * WHERE { ?s ?p ?o VALUES ?x { 1 2 3 4 5 6 7 8 } }", "xml"), 5)
    assert answer.inline is None and os.path.exists(answer.path)
    body = b"".join(answer.chunks())
    assert body.count(b"<result>") == 4000 and body.endswith(b"</sparql>\n")
    assert not os.path.exists(answer.path)


def test_all_workers_busy_is_a_clear_error(tmp_path):
    eng = QueryEngine(make_store(tmp_path / "store", 50), size=1)
    try:
        assert eng.wait_ready()
        import threading

        # Six patterns over 50 triples: 50**6 rows, far past the budget.
        endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
        outcome: list = []

        def hold_the_only_worker():
            try:
                eng.run(job(endless), 3)
                outcome.append("answered")
            except QueryTimeout:
                outcome.append("timeout")

        blocker = threading.Thread(target=hold_the_only_worker)
        blocker.start()
        time.sleep(0.3)
        with pytest.raises(EngineUnavailable, match="busy") as busy:
            eng.run(job("ASK {}"), 0.5)
        assert busy.value.headers == {"Retry-After": "1"}
        blocker.join()
        assert outcome == ["timeout"]
    finally:
        eng.close()


def test_close_leaves_no_process(tmp_path):
    eng = QueryEngine(make_store(tmp_path / "store", 10), size=3)
    assert eng.wait_ready()
    pids = eng.pids()
    assert len(pids) == 3
    eng.close()
    assert all(gone(pid) for pid in pids)
    assert not os.path.exists(eng.spool_dir)


def test_memory_cap_fails_the_query_not_the_machine(tmp_path):
    eng = QueryEngine(make_store(tmp_path / "store", 500), size=1, memory_mb=800)
    try:
        assert eng.wait_ready()
        hog = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
        with pytest.raises(EngineUnavailable, match="ran out of memory"):
            eng.run(job(hog), 120)
        assert wait_for(lambda: eng.alive() == 1)
        assert eng.run(job("ASK { ?s ?p ?o }"), 10).inline.endswith(b'"boolean":true}\n')
    finally:
        eng.close()


def test_workers_cannot_open_network_connections(engine):
    """Defence in depth: a SERVICE that reached the engine (bypassing the
    guard) still cannot connect: the worker is sandboxed by seccomp."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(3)
    heard = []
    threading.Thread(target=lambda: heard.append(_accept(listener)), daemon=True).start()
    port = listener.getsockname()[1]
    with pytest.raises(Forbidden, match="tried to connect to another server") as refused:
        engine.run(job(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"), 10)
    assert refused.value.status == 403 and refused.value.detail["refused"] == "SERVICE"
    time.sleep(0.5)
    assert heard in ([], [None])
    listener.close()


def _accept(listener):
    try:
        return listener.accept()
    except OSError:
        return None


def test_a_disk_fault_while_spooling_is_503_naming_no_path(engine):
    """A vanished (or full, or read-only) spool directory was a 500 whose
    message named the server's path; it is a 503 that names none."""
    import errno
    import shutil

    from kg.storage.engine.worker import error_reply

    shutil.rmtree(engine.spool_dir)
    try:
        with pytest.raises(EngineUnavailable) as err:
            engine.run(job("SELECT * WHERE { ?s ?p ?o VALUES ?x { 1 2 3 4 5 6 7 8 } }", "xml"), 10)
        assert "could not write this query's result to its disk" in err.value.message
        assert engine.spool_dir not in err.value.message and "kg-spool" not in err.value.message
    finally:
        os.makedirs(engine.spool_dir)
    answer = engine.run(job("SELECT * WHERE { ?s ?p ?o VALUES ?x { 1 2 3 4 5 6 7 8 } }", "xml"), 10)
    assert answer.path is not None and answer.rows == 4000
    answer.discard()
    full = error_reply(OSError(errno.ENOSPC, "No space left on device", "/srv/secret/spool/1-2.out"))
    assert full[:2] == ("error", "EngineUnavailable") and "No space left on device" in full[2] and "/srv" not in full[2]
