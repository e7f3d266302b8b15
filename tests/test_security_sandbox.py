"""Behind the guard: a SERVICE call that reached the engine anyway.

The static guard (``kg.storage.guard``) refuses SERVICE; should a future
query form slip past it, the worker's seccomp sandbox stops the connection.
The client must then hear why, with a clear 403, not a 500 "bug"; and the
canary listening where the query points hears nothing.
"""

from __future__ import annotations

import socket
import threading

import pytest

import server.sparql
from kg.storage.guard import QueryInfo
from server import create_app

DATA = "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"


@pytest.fixture()
def listener():
    """A loopback socket that records any connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(2)
    heard: list = []

    def accept():
        try:
            heard.append(sock.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], heard
    try:  # wakes the accept() waiting in the thread (close alone leaves it to its 2 s timeout on Linux)
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
    thread.join(3)


@pytest.fixture()
def app(tmp_path, monkeypatch):
    """The real app and query workers, with the static guard switched off."""
    data = tmp_path / "data.nt"
    data.write_text(DATA)
    monkeypatch.setattr(server.sparql, "check_query", lambda text, **_: QueryInfo(form="SELECT"))
    app = create_app({"DATA": [str(data)], "START_ENGINE": True, "TESTING": True})
    yield app
    app.extensions["kg"].close()


def test_service_past_the_guard_is_a_clear_403(app, listener):
    port, heard = listener
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    resp = app.test_client().get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    body = resp.get_json()
    assert resp.status_code == 403, body
    assert body["error"] == "Forbidden" and body["refused"] == "SERVICE"
    assert "never connects out" in body["message"]
    assert heard == []
    # The worker that refused is still serving.
    ok = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"})
    assert ok.status_code == 200 and ok.get_json()["boolean"] is True
