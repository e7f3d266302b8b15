"""The pool's fair-share rules, one by one, on the engine itself: a light
client kept waiting stops the heaviest client's longest query; a heavy
client may not take the last idle worker; unnamed clients (None) are never
stopped."""

from __future__ import annotations

import threading
import time

import pytest

from kg.model.errors import EngineUnavailable, QueryTimeout
from kg.storage.engine import QueryEngine
from test_engine import RUNAWAY, job, make_store

pytestmark = pytest.mark.slow
CHEAP = 'SELECT ?s WHERE { ?s ?p "7" }'


def in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def target():
        try:
            out["answer"] = fn()
        except Exception as exc:  # the test inspects it
            out["error"] = exc
        out["done"] = time.monotonic()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def wait_busy(engine: QueryEngine, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine._cond:
            if len(engine._busy) >= count:
                return
        time.sleep(0.01)
    pytest.fail("the runaway never started")


def test_light_client_waiting_stops_the_heaviest_clients_longest_query(tmp_path):
    engine = QueryEngine(make_store(tmp_path / "store"), size=1)
    try:
        assert engine.wait_ready()
        runaway, out = in_thread(lambda: engine.run(job(RUNAWAY), 30, client="10.0.0.1"))
        wait_busy(engine, 1)
        asked = time.monotonic()
        answer = engine.run(job(CHEAP), 20, client="10.0.0.2")
        waited = time.monotonic() - asked
        assert b"http://ex.org/s7" in b"".join(answer.chunks())
        runaway.join(30)
        error = out["error"]
        assert isinstance(error, EngineUnavailable) and error.headers == {"Retry-After": "5"}
        assert "so that other clients' queries could run" in error.message
        assert waited < 15  # not the runaway's 30 s budget
    finally:
        engine.close()


def test_unnamed_clients_are_never_stopped(tmp_path):
    engine = QueryEngine(make_store(tmp_path / "store"), size=1)
    try:
        assert engine.wait_ready()
        runaway, out = in_thread(lambda: engine.run(job(RUNAWAY), 3, client=None))
        wait_busy(engine, 1)
        answer = engine.run(job(CHEAP), 20, client="10.0.0.2")
        assert b"http://ex.org/s7" in b"".join(answer.chunks())
        runaway.join(30)
        assert isinstance(out["error"], QueryTimeout)  # ran its whole budget
        assert out["done"] <= time.monotonic()
    finally:
        engine.close()


def test_heavy_client_cannot_take_the_last_idle_worker(tmp_path):
    engine = QueryEngine(make_store(tmp_path / "store"), size=2)
    try:
        assert engine.wait_ready()
        deadline = time.monotonic() + 10
        while engine.alive() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        engine.usage.charge("10.0.0.9", 5.0)  # used 5 s in the last minute: heavy
        runaway, out = in_thread(lambda: engine.run(job(RUNAWAY), 3, client=None))
        wait_busy(engine, 1)
        heavy, heavy_out = in_thread(lambda: engine.run(job(CHEAP), 20, client="10.0.0.9"))
        time.sleep(0.5)
        assert "done" not in heavy_out  # one worker idle, but it is kept for light clients
        light = engine.run(job(CHEAP), 5, client="10.0.0.8")
        assert b"http://ex.org/s7" in b"".join(light.chunks())
        runaway.join(30)
        heavy.join(30)
        assert isinstance(out["error"], QueryTimeout)
        assert b"http://ex.org/s7" in b"".join(heavy_out["answer"].chunks())
        assert heavy_out["done"] >= out["done"]  # it ran once the runaway's worker was back
    finally:
        engine.close()


def test_usage_forgets_clients_after_the_window():
    from kg.storage.engine.fair import Usage

    usage = Usage(window=60.0)
    for i in range(1000):
        usage.charge(f"2001:db8::{i}", 0.5, now=100.0 + i / 100)
    usage.charge("10.0.0.1", 1.0, now=150.0)
    usage.forget_idle(now=175.0)
    assert list(usage._buckets) == ["10.0.0.1"] and usage.spent("10.0.0.1", now=175.0) == 1.0
