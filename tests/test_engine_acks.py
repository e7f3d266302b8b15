"""The pool's request path without per-query process checks: no ``waitpid``
of idle workers per query, and the shared-memory acknowledgement still tells
a request a dead worker never took (retried on another) from one it was
running when it died (503, never run again)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading

import pytest

from kg.model.errors import EngineUnavailable
from kg.storage.engine import QueryEngine
from kg.storage.engine.pool import QueryEngine as PoolEngine
from test_engine import RUNAWAY, job, make_store, wait_for


@pytest.fixture
def engine(tmp_path):
    eng = QueryEngine(make_store(tmp_path / "store"), size=2)
    assert eng.wait_ready()
    assert wait_for(lambda: len(eng._idle) == 2)
    yield eng
    eng.close()


def zombie(pid: int) -> bool:
    """Has ``pid`` exited (and not been reaped yet)?"""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_queries_do_not_ask_the_system_about_idle_workers(engine, monkeypatch):
    calls = []
    original = subprocess.Popen.poll

    def counted(proc):
        if threading.current_thread() is threading.main_thread():
            calls.append(proc.pid)
        return original(proc)

    monkeypatch.setattr(subprocess.Popen, "poll", counted)
    for i in range(20):
        answer = engine.run(job(f'SELECT ?s WHERE {{ ?s ?p "{i}" }}', "csv"), 5)
        assert f"http://ex.org/s{i}" in b"".join(answer.chunks()).decode()
    assert calls == []  # the supervisor thread alone looks at them


def test_a_request_a_dead_worker_never_took_is_retried_on_another(engine, monkeypatch, caplog):
    # The supervisor would otherwise notice the death first, within a tick:
    # here the query must be handed to the dead worker.
    monkeypatch.setattr(PoolEngine, "_cull_dead_idle", lambda self: None)
    victim = engine._idle[-1]  # the next one handed out
    os.kill(victim.pid, signal.SIGKILL)
    assert wait_for(lambda: zombie(victim.pid))
    with caplog.at_level(logging.WARNING, logger="kg.storage.engine.pool"):
        answer = engine.run(job('SELECT ?s WHERE { ?s ?p "7" }', "csv"), 5)
    assert b"http://ex.org/s7" in b"".join(answer.chunks())
    assert victim.sent == 1 and victim.acks.read() == 0
    assert f"retrying a query on another worker: worker {victim.pid} killed by SIGKILL" in caplog.text


def test_a_request_a_worker_was_running_when_killed_is_not_run_again(engine):
    outcome = {}

    def runaway():
        try:
            engine.run(job(RUNAWAY), 30)
        except EngineUnavailable as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=runaway)
    thread.start()
    try:
        assert wait_for(lambda: len(engine._busy) == 1)
        worker = next(iter(engine._busy))
        assert wait_for(lambda: worker.acks.read() == worker.sent == 1)  # it took the request
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        thread.join(30)
    assert "stopped while running this query" in outcome["error"].message
    assert "SIGKILL" in outcome["error"].message
    # No other worker was handed the query: the survivor took no request.
    assert all(w.sent == 0 for w in engine._idle if w is not worker)
    assert wait_for(lambda: len(engine._idle) == 2, within=30)
    answer = engine.run(job('ASK { ?s ?p "9" }'), 5)
    assert b"true" in b"".join(answer.chunks())
