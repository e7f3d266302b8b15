"""One client cannot hold every query worker: past its share (by default
one fewer than the workers) its next query is refused at once with 429,
while another client is still answered. Clients are told apart by their
address: the test connects from 127.0.0.2 and 127.0.0.3."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse

import pytest

from conftest import REPO, LiveServer
from test_engine import RUNAWAY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("clients") / "generated.nt"
    path.write_text("".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n' for i in range(3000)))
    (REPO / "build").mkdir(exist_ok=True)
    live = LiveServer(["--data", str(path), "--workers", "2", "--timeout", "4"], env={"KG_UNCAPPED_CLIENTS": ""})
    yield live
    live.stop()


def ask(server, source: str, query: str) -> tuple[int, dict, bytes]:
    """GET /sparql from the loopback address ``source``."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60, source_address=(source, 0))
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "application/json"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _runaway_in_place(server, results: dict) -> threading.Thread:
    """Start a runaway from 127.0.0.2 and return once it holds a worker.

    The same client's probes are refused (429) exactly while it runs; a probe
    in flight when the runaway arrives makes the runaway itself the refused
    one, so that start is retried.
    """
    for attempt in range(8):
        results.clear()
        runaway = threading.Thread(target=lambda: results.setdefault("runaway", ask(server, "127.0.0.2", RUNAWAY)))
        runaway.start()
        # Let the runaway reach the server before the first probe (it runs
        # for the 4 s budget, so probing a little later still finds it).
        time.sleep(0.2 + 0.1 * attempt)
        while runaway.is_alive():
            status, headers, body = ask(server, "127.0.0.2", "ASK { ?s ?p ?o }")
            if status == 429:
                results["refused"] = (headers, body)
                return runaway
            time.sleep(0.02)
        runaway.join()
    pytest.fail(f"the runaway never held a worker: {results}")


def test_a_client_running_a_runaway_cannot_take_the_last_worker(server):
    results: dict = {}
    runaway = _runaway_in_place(server, results)
    try:
        headers, body = results["refused"]
        message = json.loads(body)
        assert message["error"] == "Too many requests" and message["limit"] == 1
        assert "already has 1 queries running" in message["message"] and headers["Retry-After"] == "1"
        other = ask(server, "127.0.0.3", 'SELECT ?s WHERE { ?s ?p "7" }')
        assert other[0] == 200 and json.loads(other[2])["results"]["bindings"][0]["s"]["value"] == "http://ex.org/s7"
    finally:
        runaway.join(60)
    assert results["runaway"][0] == 503
    again = ask(server, "127.0.0.2", "ASK { ?s ?p ?o }")
    assert again[0] == 200 and json.loads(again[2])["boolean"] is True
