"""Fair sharing under attack, over real HTTP from several loopback addresses.

Runaways kept in flight from 127.0.0.2 and 127.0.0.3 held both workers:
cheap queries from 127.0.0.4 went from hundreds per second to 0.3, 7 of 18
got 503, median 9.7 s. Now a client that used more than a second of query
time in the last minute may not take the last idle worker, and a light
client kept waiting stops the heaviest client's longest query; the issue's
target is asserted: >= 90% of the cheap queries answered 200, p95 < 1 s.
A client past its query time per minute gets 429 with Retry-After."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import urllib.parse

import pytest

from conftest import REPO, LiveServer
from test_engine import RUNAWAY

pytestmark = pytest.mark.slow
CHEAP = 'SELECT ?s WHERE {{ ?s ?p "{i}" }}'


def make_server(tmp_path, *args, env=None) -> LiveServer:
    path = tmp_path / "generated.nt"
    path.write_text("".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n' for i in range(3000)))
    (REPO / "build").mkdir(exist_ok=True)
    return LiveServer(["--data", str(path), "--workers", "2", *args], env={"KG_UNCAPPED_CLIENTS": "", **(env or {})})


def ask(server, source: str, query: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    """GET /sparql from the loopback address ``source``."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "application/json"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


class Attacker(threading.Thread):
    """Keeps one runaway in flight from ``source`` until stopped."""

    def __init__(self, server, source: str):
        super().__init__(daemon=True)
        self.server, self.source = server, source
        self.stop = threading.Event()
        self.statuses: list[int] = []

    def run(self):
        while not self.stop.is_set():
            try:
                status, _, _ = ask(self.server, self.source, RUNAWAY)
            except OSError:
                status = 0
            self.statuses.append(status)
            if status == 429:
                time.sleep(0.05)


def test_two_runaway_addresses_cannot_starve_a_third(tmp_path):
    server = make_server(tmp_path, "--timeout", "4")
    attackers = [Attacker(server, "127.0.0.2"), Attacker(server, "127.0.0.3")]
    try:
        for attacker in attackers:
            attacker.start()
        time.sleep(0.5)  # both runaways hold a worker
        results = []
        started = time.monotonic()
        for i in range(40):  # bounded: 40 queries, well under 60 s
            if time.monotonic() - started > 60:
                break
            t0 = time.monotonic()
            try:
                status, _, body = ask(server, "127.0.0.4", CHEAP.format(i=i), timeout=15)
            except OSError as exc:
                status, body = 0, str(exc).encode()
            seconds = time.monotonic() - t0
            if status == 200:
                assert json.loads(body)["results"]["bindings"][0]["s"]["value"] == f"http://ex.org/s{i}"
            results.append((status, seconds))
            time.sleep(0.25)
    finally:
        for attacker in attackers:
            attacker.stop.set()
        for attacker in attackers:
            attacker.join(30)
        server.stop()
    ok = [s for status, s in results if status == 200]
    times = sorted(s for _, s in results)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    summary = (f"{len(ok)}/{len(results)} cheap queries 200, median {statistics.median(times) * 1000:.0f} ms, "
               f"p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; runaways' statuses "
               f"{sorted(set(attackers[0].statuses + attackers[1].statuses))}")
    print(summary)
    assert len(results) >= 30, summary
    assert len(ok) >= 0.9 * len(results), summary
    assert p95 < 1.0, summary
    assert attackers[0].statuses and attackers[1].statuses  # the attack really ran


def test_query_time_per_minute_is_budgeted_per_address(tmp_path):
    server = make_server(tmp_path, "--timeout", "2", env={"KG_QUERY_SECONDS_PER_MINUTE": "1.5"})
    try:
        status, _, body = ask(server, "127.0.0.5", RUNAWAY)
        assert status == 503 and "time budget" in json.loads(body)["message"]  # 2 s used, over 1.5
        status, headers, body = ask(server, "127.0.0.5", 'ASK { ?s ?p "1" }')
        assert status == 429, body
        message = json.loads(body)
        assert "used 2.0 s of query time in the last minute" in message["message"] or "of query time in the last minute" in message["message"]
        assert message["limit"] == 1.5 and message["used"] >= 1.5
        assert 1 <= int(headers["Retry-After"]) <= 60
        status, _, body = ask(server, "127.0.0.6", 'ASK { ?s ?p "1" }')  # another address is not affected
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        server.stop()
