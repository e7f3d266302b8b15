"""Read scaling: one and two `kg serve` fronts over one engine behind HAProxy.

``python -m bench.balancer --articles 200 --seconds 20 --clients 8`` starts an
Oxigraph server (the engine) loaded with synthetic articles, then for one
front and for two fronts: the fronts (`kg serve --store URL`), HAProxy with
``deploy/haproxy.cfg`` (addresses changed), and ``clients`` threads, each
from its own loopback address (127.0.0.2, 127.0.0.3, ...: the balancer
hashes the client address), asking a mix of entity pages, the timeline and
SPARQL queries for ``seconds``. It prints requests per second for each
set-up, without and with the shared result cache.

``HAProxy`` here is reused by tests/test_balancer.py.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench.servers import OxigraphServer, answers_ok, free_port, stop_process, wait_until_ready
from bench.virtuoso import VirtuosoServer

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "deploy" / "haproxy.cfg"


def haproxy_executable() -> str | None:
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def haproxy_config(port: int, fronts: list[int], *, check_ms: int | None = None) -> str:
    """``deploy/haproxy.cfg`` with its bind address and servers changed."""
    text = CONFIG.read_text()
    text = re.sub(r"bind 127\.0\.0\.1:\d+", f"bind 127.0.0.1:{port}", text)
    servers = "\n".join(f"    server front{i + 1} 127.0.0.1:{p} check" for i, p in enumerate(fronts))
    text = re.sub(r"(    server front\d+ .*\n)+", servers + "\n", text)
    if check_ms:
        text = re.sub(r"default-server inter \S+", f"default-server inter {check_ms}ms", text)
    return text


class HAProxy:
    """An haproxy process on 127.0.0.1:``port`` in front of ``fronts`` (ports)."""

    def __init__(self, fronts: list[int], folder: str | Path, *, port: int | None = None):
        self.port = port or free_port()
        self.fronts = fronts
        self.folder = Path(folder)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "HAProxy":
        exe = haproxy_executable()
        if exe is None:
            raise RuntimeError("haproxy is missing: `make haproxy` (root: apt-get install haproxy)")
        self.folder.mkdir(parents=True, exist_ok=True)
        cfg = self.folder / "haproxy.cfg"
        cfg.write_text(haproxy_config(self.port, self.fronts))
        log = open(self.folder / "haproxy.log", "ab")
        self.proc = subprocess.Popen([exe, "-db", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until_ready(self.proc, lambda: answers_ok(self.url + "healthz"), timeout,
                         f"haproxy (see {self.folder / 'haproxy.log'})")
        return self

    def stop(self) -> None:
        stop_process(self.proc)


def request(url: str, *, source: str | None = None, timeout: float = 30.0) -> tuple[int, http.client.HTTPMessage, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Accept": "*/*"})
        response = conn.getresponse()
        return response.status, response.headers, response.read()  # case-insensitive (HAProxy writes lower case)
    finally:
        conn.close()


class Front:
    """A `kg serve --store URL` process on a free port."""

    def __init__(self, store_url: str, env: dict, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        out = open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--store", store_url], cwd=REPO, env={**os.environ, **env}, stdout=out,
                                     stderr=subprocess.STDOUT)
        out.close()
        wait_until_ready(self.proc, lambda: answers_ok(self.url + "healthz"), 60, f"kg serve (see {log})")

    def stop(self) -> None:
        stop_process(self.proc)


def workload(base: str, store_url: str) -> list[str]:
    """Paths of a read mix: entity pages, the timeline, search, SPARQL."""
    from kg.storage.remote import RemoteStore

    people = [row["p"].value for row in RemoteStore(store_url).query(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?x <https://kg.example.org/ontology/representedBy> ?p } } LIMIT 40",
        union_default_graph=False)]
    pages = [urllib.parse.urlsplit(p).path.lstrip("/") + ".html" for p in people]
    sparql = ["sparql?" + urllib.parse.urlencode({"query": f"SELECT ?l WHERE {{ <{p}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"})
              for p in people]
    return pages + sparql + ["timeline.json", "search.json?q=talks"]


def drive(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    done, failed = [0] * clients, [0] * clients
    codes: dict = {}
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        rnd = random.Random(k)
        source = f"127.0.0.{k + 2}"
        while time.monotonic() < stop:
            try:
                status, _, _ = request(base + rnd.choice(paths), source=source)
                done[k] += status == 200
                failed[k] += status != 200
            except (OSError, http.client.HTTPException):
                status = 0
                failed[k] += 1
            if status != 200:
                codes[status] = codes.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {"requests": sum(done), "failed": sum(failed), "per_second": sum(done) / elapsed, "codes": codes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--engine", choices=("oxigraph", "virtuoso"), default="oxigraph")
    args = parser.parse_args(argv)
    from bench.generator import generate
    from kg.model.formats import NQUADS
    from kg.storage.remote import RemoteStore

    with tempfile.TemporaryDirectory(prefix="kg-balancer-") as scratch:
        tmp = Path(scratch)
        corpus = tmp / "synthetic.nq"
        with corpus.open("wb") as out:
            generate(args.articles, out, seed=7)
        engine: OxigraphServer | VirtuosoServer
        if args.engine == "virtuoso":
            from kg.storage.virtuoso import IsqlLoader

            engine = VirtuosoServer(tmp / "virtuoso").start()
            IsqlLoader(engine.isql).load([(corpus, None)])
        else:
            engine = OxigraphServer(tmp / "oxigraph", union_default_graph=True).start()
            RemoteStore(engine.query_url, gsp_url=engine.gsp_url).load(corpus, NQUADS)
        try:
            paths = workload("", engine.query_url)
            print(f"# {platform.node()} {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
                  f"{args.articles} synthetic articles on {args.engine}; {args.clients} clients, {args.seconds:g} s each")
            for cached in (False, True):
                for count in (1, 2):
                    env = {"KG_TRUSTED_PROXY": "127.0.0.1", "KG_QUERY_SECONDS_PER_MINUTE": "0",
                           "KG_RESULT_CACHE": str(tmp / f"cache-{count}.sqlite") if cached else ""}
                    fronts = [Front(engine.query_url, env, tmp / f"front-{count}-{i}.log") for i in range(count)]
                    balancer = HAProxy([f.port for f in fronts], tmp / f"haproxy-{count}-{cached}").start()
                    try:
                        time.sleep(2.5)  # every front seen up by the health checks
                        result = drive(balancer.url, paths, args.clients, args.seconds)
                    finally:
                        balancer.stop()
                        for front in fronts:
                            front.stop()
                    print(f"fronts={count} cache={'shared' if cached else 'off'}: {result['per_second']:.1f} req/s "
                          f"({result['requests']} ok, {result['failed']} failed{' ' + str(result['codes']) if result['codes'] else ''})", flush=True)
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
