"""Limits over real HTTP: a runaway query is stopped within its budget while
other clients keep being answered; a crashing query is contained; the row
cap is an error; no worker outlives the server, even a SIGKILLed one."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, LiveServer
from test_engine import RUNAWAY, gone
from test_sparql_protocol import get, post

pytestmark = pytest.mark.slow
BUDGET = 2.0
JSON = {"Accept": "application/sparql-results+json"}


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "generated.nt"
    with path.open("w") as fh:
        for i in range(3000):
            fh.write(f'<http://ex.org/s{i}> <http://ex.org/p{i % 7}> "{i}" .\n')
    return path


@pytest.fixture(scope="module")
def server(generated):
    (REPO / "build").mkdir(exist_ok=True)
    live = LiveServer(["--data", str(generated), "--timeout", str(BUDGET), "--workers", "2", "--max-rows", "100"],
                      env={"KG_MAX_NESTING": "20000", "KG_MAX_QUERY_BYTES": "200000"})
    yield live
    live.stop()


def cheap(endpoint: str, i: int) -> str:
    status, _, body = get(endpoint, {"query": f'SELECT ?s WHERE {{ ?s ?p "{i}" }}'}, JSON)
    assert status == 200, body
    return json.loads(body)["results"]["bindings"][0]["s"]["value"]


def test_runaway_stopped_while_others_are_answered(server):
    endpoint = server.url + "sparql"
    before = children(server.proc.pid)
    assert len(before) == 2
    outcome = {}

    def runaway():
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = get(endpoint, {"query": RUNAWAY}, JSON)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    answers = []
    for i in range(30):  # a second client keeps asking cheap questions meanwhile
        answers.append(cheap(endpoint, i))
        time.sleep(0.05)
    thread.join(60)
    assert answers == [f"http://ex.org/s{i}" for i in range(30)]
    assert outcome["status"] == 503
    error = json.loads(outcome["body"])
    assert error["error"] == "Query timed out" and "time budget of 2 s" in error["message"]
    assert outcome["seconds"] < BUDGET + 10  # within the budget plus a generous margin
    assert any(gone(pid) for pid in before)  # the runaway's worker was stopped


def test_client_may_ask_for_less_time(server):
    status, _, body = get(server.url + "sparql", {"query": RUNAWAY, "timeout": "0.5"}, JSON)
    assert status == 503 and "time budget of 0.5 s" in json.loads(body)["message"]


def test_client_cannot_ask_for_more_time(server):
    status, _, body = get(server.url + "sparql", {"query": RUNAWAY, "timeout": "60"}, JSON)
    assert status == 503 and "time budget of 2 s" in json.loads(body)["message"]


def test_concurrent_clients_all_answered(server):
    endpoint = server.url + "sparql"
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def client(n: int):
        try:
            for k in range(5):
                i = n * 5 + k
                results[i] = cheap(endpoint, i)
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert results == {i: f"http://ex.org/s{i}" for i in range(60)}


def test_row_cap_is_an_error_not_a_truncation(server):
    endpoint = server.url + "sparql"
    status, _, body = get(endpoint, {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 101"}, JSON)
    assert status == 422
    assert "more than 100 rows" in json.loads(body)["message"]
    status, headers, body = get(endpoint, {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 100", "format": "csv"})
    assert status == 200 and headers["X-Result-Rows"] == "100"
    assert len(body.decode().splitlines()) == 101


def test_engine_crash_is_contained(server):
    """With the nesting guard lifted, the engine's parser crashes: the client
    gets a clear 503 and the service goes on with a fresh worker."""
    endpoint = server.url + "sparql"
    status, _, body = post(endpoint, ("ASK " + "{" * 8000 + "}" * 8000).encode(), "application/sparql-query", headers=JSON)
    assert status == 503 and "stopped while running this query" in json.loads(body)["message"]
    assert cheap(endpoint, 42) == "http://ex.org/s42"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(children(server.proc.pid)) != 2:
        time.sleep(0.1)
    assert len(children(server.proc.pid)) == 2


def test_no_orphans_when_server_is_killed(generated):
    live = LiveServer(["--data", str(generated), "--workers", "2"])
    workers = children(live.proc.pid)
    assert len(workers) == 2
    os.kill(live.proc.pid, signal.SIGKILL)
    live.proc.wait()
    assert all(gone(pid) for pid in workers)


def test_no_orphans_on_sigterm(generated):
    live = LiveServer(["--data", str(generated), "--workers", "2"])
    workers = children(live.proc.pid)
    assert len(workers) == 2
    live.proc.send_signal(signal.SIGTERM)
    assert live.proc.wait(20) == 0
    assert all(gone(pid) for pid in workers)
