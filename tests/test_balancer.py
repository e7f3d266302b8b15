"""Two stateless `kg serve --store URL` fronts over one engine (Oxigraph
server) behind HAProxy with deploy/haproxy.cfg: a front killed in the middle
of a stream of requests loses none of them but the one it was running, and
the balancer's health checks (/healthz) take it out. Debian's haproxy is
installed by `make haproxy`; where it is missing the module is skipped with
the reason, except in CI (CI=true), where that fails."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
import urllib.parse

import pytest

from bench.balancer import CONFIG, Front, HAProxy, haproxy_config, haproxy_executable, request
from bench.servers import OxigraphServer, oxigraph_executable
from conftest import REPO, needs


pytestmark = pytest.mark.live  # starts Virtuoso / HAProxy and `kg serve` processes


def _missing() -> str | None:
    if haproxy_executable() is None:
        reason = "haproxy is not installed: `make haproxy` (root: apt-get install haproxy)"
    elif oxigraph_executable() is None:
        reason = "needs the oxigraph CLI (test extras)"
    else:
        return None
    return reason


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, article_only):
    needs(_missing(), "the balancer tests")
    from kg.authoring.build import build_dataset
    from kg.model.formats import NQUADS
    from kg.storage.remote import RemoteStore

    tmp = tmp_path_factory.mktemp("balancer")
    corpus = tmp / "article.nq"
    corpus.write_bytes(build_dataset(article_only, REPO / "ontology").serialize(format="nquads").encode())
    engine = OxigraphServer(tmp / "oxigraph").start()
    fronts: list[Front] = []
    balancer = None
    try:
        RemoteStore(engine.query_url, gsp_url=engine.gsp_url).load(corpus, NQUADS)
        env = {"KG_RESULT_CACHE": str(tmp / "results.sqlite"), "KG_TRUSTED_PROXY": "127.0.0.1"}
        fronts = [Front(engine.query_url, env, tmp / f"front{i}.log") for i in (1, 2)]
        balancer = HAProxy([f.port for f in fronts], tmp / "haproxy").start()
        yield engine, fronts, balancer
    finally:
        if balancer is not None:
            balancer.stop()
        for front in fronts:
            front.stop()
        engine.stop()


def test_the_shipped_config_is_valid_and_checks_healthz(tmp_path):
    needs(_missing(), "the balancer tests")
    import subprocess

    text = haproxy_config(18080, [15001, 15002, 15003])
    assert "option httpchk GET /healthz" in text and text.count("    server front") == 3
    (tmp_path / "h.cfg").write_text(text)
    done = subprocess.run([haproxy_executable(), "-c", "-f", str(tmp_path / "h.cfg")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "retry-on conn-failure empty-response" in CONFIG.read_text()


def test_the_balancer_leaves_each_front_threads_for_its_health_check():
    """A front gets fewer requests at once than it has HTTP threads (the
    rest wait in HAProxy's queue), and a check may take longer than its
    1 s interval: a front busy with slow pages still answers /healthz and
    is not taken out (tests/test_virtuoso_deployment.py shows it live)."""
    import re

    from server.config import SETTINGS

    text = CONFIG.read_text()
    maxconn = int(re.search(r"default-server .*\bmaxconn (\d+)", text).group(1))
    assert 1 <= maxconn < SETTINGS["THREADS"][0]
    assert re.search(r"timeout check (\d+)s", text) and int(re.search(r"timeout check (\d+)s", text).group(1)) > 1
    assert re.search(r"timeout queue \d+s", text)
    servers = haproxy_config(18080, [15001, 15002])
    assert servers.count("maxconn 6") == 1 and "timeout check 5s" in servers


def _wait_both_up(balancer, fronts, seconds: float = 20.0) -> set[str]:
    """Both fronts answer through the balancer (each client address is
    hashed to one front: try several)."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(seen) < len(fronts):
        for k in range(2, 40):
            status, headers, _ = request(balancer.url + "healthz", source=f"127.0.0.{k}")
            if status == 200:
                seen.add(headers.get("X-Front", ""))
        time.sleep(0.2)
    return seen


def test_a_client_address_stays_on_one_front_so_its_budget_is_whole(deployment):
    """The per-client query-time budget is counted by each front; the
    balancer hashes the client address, so one client's requests all reach
    the same front (while it is up) and meet one budget."""
    engine, fronts, balancer = deployment
    assert _wait_both_up(balancer, fronts) == {"front1", "front2"}
    for k in (3, 4, 5, 6):
        served_by = {request(balancer.url + "healthz", source=f"127.0.0.{k}")[1].get("X-Front") for _ in range(15)}
        assert len(served_by) == 1 and served_by <= {"front1", "front2"}


def test_a_front_killed_mid_stream_loses_no_request_but_the_one_in_flight(deployment):
    engine, fronts, balancer = deployment
    assert _wait_both_up(balancer, fronts) == {"front1", "front2"}
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://kg.example.org/ontology/Person> }"
    path = "sparql?" + urllib.parse.urlencode({"query": query, "format": "json"})
    # Which front this client goes to: that one is killed.
    _, headers, _ = request(balancer.url + path, source="127.0.0.7")
    victim = fronts[int(headers["X-Front"][-1]) - 1]
    results: list[tuple[float, int | None, str]] = []

    def kill_later():
        time.sleep(1.0)
        os.kill(victim.proc.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_later)
    killer.start()
    deadline = time.monotonic() + 12.0
    for i in range(400):  # bounded in count and in time
        if time.monotonic() > deadline:
            break
        pages = (path, "id/person/marco-rubio.html", f"sparql?{urllib.parse.urlencode({'query': query + f' # {i}'})}")
        try:
            status, headers, body = request(balancer.url + pages[i % 3], source="127.0.0.7", timeout=30)
            results.append((time.monotonic(), status, headers.get("X-Front", "")))
            if i % 3 == 1:
                assert b"Marco Rubio" in body
        except (OSError, http.client.HTTPException):  # the request in flight, cut off
            results.append((time.monotonic(), None, ""))
    killer.join()
    lost = [r for r in results if r[1] != 200]
    assert len(results) > 40
    assert len(lost) <= 1, lost
    fronts_seen = [r[2] for r in results]
    survivor = "front2" if victim is fronts[0] else "front1"
    assert fronts_seen[-1] == survivor and fronts_seen[0] != survivor
    assert victim.proc.wait(5) == -signal.SIGKILL


def test_the_fronts_share_their_result_cache(deployment):
    engine, fronts, balancer = deployment
    live = [f for f in fronts if f.proc.poll() is None]
    query = "SELECT ?l WHERE { <https://kg.example.org/id/person/marco-rubio> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    first = request(live[0].url + "sparql?" + urllib.parse.urlencode({"query": query, "format": "json"}))
    assert first[0] == 200 and "X-Cache" not in first[1] and b"Marco Rubio" in first[2]
    # The same query laid out differently, on the same or the other front: a hit.
    again = "SELECT ?l\n  WHERE {  <https://kg.example.org/id/person/marco-rubio>\n <http://www.w3.org/2000/01/rdf-schema#label> ?l } # same"
    second = request(live[-1].url + "sparql?" + urllib.parse.urlencode({"query": again, "format": "json"}))
    assert second[0] == 200 and second[1].get("X-Cache") == "hit" and second[2] == first[2]
