"""Read scaling: one and two `kg serve` fronts over one engine behind HAProxy.

``python -m bench.balancer --articles 200 --seconds 20 --clients 8`` starts,
for each engine in ``--engines`` (Oxigraph server and Virtuoso, one after
the other in the same run), the engine loaded with the same synthetic
articles, then for one front and for two fronts: the fronts (`kg serve
--store URL`), HAProxy with ``deploy/haproxy.cfg`` (addresses changed), and
``clients`` threads, each from its own loopback address (127.0.0.2,
127.0.0.3, ...: the balancer hashes the client address), asking the same
mix of entity pages, the timeline, search and SPARQL lookups (chosen from
the corpus file, so both engines get the same requests) for ``seconds``.
It prints, for each set-up without and with the shared result cache,
requests per second, the median and 95th percentile latency, the failed
requests by status and the load average (the machine may be shared). The
first cell of each engine runs right after its load.

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


def workload(corpus: Path) -> list[str]:
    """Paths of a read mix: entity pages, the timeline, search, SPARQL
    lookups; from the corpus file, so every engine gets the same ones."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    people = [row["p"].value for row in store.query(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?x <https://kg.example.org/ontology/representedBy> ?p } } "
        "ORDER BY ?p LIMIT 40")]
    pages = [urllib.parse.urlsplit(p).path.lstrip("/") + ".html" for p in people]
    sparql = ["sparql?" + urllib.parse.urlencode({"query": f"SELECT ?l WHERE {{ <{p}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"})
              for p in people]
    return pages + sparql + ["timeline.json", "search.json?q=talks"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def drive(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads asking ``paths`` at random for ``seconds``."""
    done, failed = [0] * clients, [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    codes: dict = {}
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        rnd = random.Random(k)
        source = f"127.0.0.{k + 2}"
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status, _, _ = request(base + rnd.choice(paths), source=source)
            except (OSError, http.client.HTTPException):
                status = 0
            latencies[k].append(time.monotonic() - started)
            done[k] += status == 200
            failed[k] += status != 200
            if status != 200:
                codes[status] = codes.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    every = [x for per_client in latencies for x in per_client]
    return {"requests": sum(done), "failed": sum(failed), "per_second": sum(done) / elapsed, "codes": codes,
            "p50_ms": 1000 * _percentile(every, 0.5), "p95_ms": 1000 * _percentile(every, 0.95)}


def wait_all_up(balancer: "HAProxy", count: int, seconds: float = 30.0) -> None:
    """Until every front answers through the balancer (the client address
    picks the front: several are tried), at most ``seconds``."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(seen) < count:
        for k in range(2, 40):
            try:
                status, headers, _ = request(balancer.url + "healthz", source=f"127.0.0.{k}", timeout=5)
            except (OSError, http.client.HTTPException):
                continue
            if status == 200:
                seen.add(headers.get("X-Front", ""))
        time.sleep(0.2)


def start_engine(name: str, folder: Path, corpus: Path):
    """The engine ``name`` ("oxigraph" or "virtuoso"), started and loaded."""
    from kg.model.formats import NQUADS
    from kg.storage.remote import RemoteStore

    folder.mkdir(parents=True, exist_ok=True)
    if name == "virtuoso":
        from kg.storage.virtuoso import IsqlLoader

        virtuoso = VirtuosoServer(folder / "virtuoso").start()
        IsqlLoader(virtuoso.isql).load([(corpus, None)])
        return virtuoso
    oxigraph = OxigraphServer(folder / "oxigraph", union_default_graph=True).start()
    RemoteStore(oxigraph.query_url, gsp_url=oxigraph.gsp_url).load(corpus, NQUADS)
    return oxigraph


def measure(engine_name: str, engine, paths: list[str], tmp: Path, clients: int, seconds: float) -> None:
    for cached in (False, True):
        for count in (1, 2):
            env = {"KG_TRUSTED_PROXY": "127.0.0.1", "KG_QUERY_SECONDS_PER_MINUTE": "0",
                   "KG_RESULT_CACHE": str(tmp / f"cache-{engine_name}-{count}.sqlite") if cached else ""}
            fronts = [Front(engine.query_url, env, tmp / f"front-{engine_name}-{count}-{i}.log") for i in range(count)]
            balancer = HAProxy([f.port for f in fronts], tmp / f"haproxy-{engine_name}-{count}-{cached}").start()
            try:
                wait_all_up(balancer, count)
                load_before = os.getloadavg()[0]
                result = drive(balancer.url, paths, clients, seconds)
                load_after = os.getloadavg()[0]
            finally:
                balancer.stop()
                for front in fronts:
                    front.stop()
            codes = " " + str(result["codes"]) if result["codes"] else ""
            print(f"| {engine_name} | {count} | {'shared' if cached else 'off'} | {result['per_second']:.1f} | "
                  f"{result['p50_ms']:.0f} | {result['p95_ms']:.0f} | {result['failed']}{codes} | "
                  f"{load_before:.1f} / {load_after:.1f} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--engines", default="oxigraph,virtuoso",
                        help="comma-separated, measured in this order: oxigraph, virtuoso")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (engines, fronts' and HAProxy's logs)")
    args = parser.parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = set(engines) - {"oxigraph", "virtuoso"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))} (choose oxigraph, virtuoso)")
    from bench.generator import generate

    with tempfile.TemporaryDirectory(prefix="kg-balancer-") as scratch:
        tmp = Path(scratch) if args.keep is None else args.keep.resolve()
        tmp.mkdir(parents=True, exist_ok=True)
        corpus = tmp / "synthetic.nq"
        with corpus.open("wb") as out:
            generate(args.articles, out, seed=7)
        paths = workload(corpus)
        print(f"# {platform.node()} {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
              f"{args.articles} synthetic articles; {args.clients} clients, {args.seconds:g} s per cell")
        print("| engine | fronts | result cache | requests/s | p50 ms | p95 ms | failed | load avg before / after |")
        print("|---|---|---|---|---|---|---|---|", flush=True)
        for name in engines:
            engine = start_engine(name, tmp / name, corpus)
            try:
                measure(name, engine, paths, tmp, args.clients, args.seconds)
            finally:
                engine.stop()


if __name__ == "__main__":
    main()
