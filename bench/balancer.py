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
first cell of each engine runs right after its load. With ``--direct`` it
then sends the engine queries of 12 entity pages, recorded from an
in-process front, straight to each engine (1 and 8 threads): queries per
page, their latency, and the engine's CPU time per query.

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
    if name.startswith("virtuoso"):
        from kg.storage.virtuoso import IsqlLoader

        virtuoso = VirtuosoServer(folder / "virtuoso", tuned=name == "virtuoso").start()
        IsqlLoader(virtuoso.isql).load([(corpus, None)])
        return virtuoso
    oxigraph = OxigraphServer(folder / "oxigraph", union_default_graph=True).start()
    RemoteStore(oxigraph.query_url, gsp_url=oxigraph.gsp_url).load(corpus, NQUADS)
    return oxigraph


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _replay(target: urllib.parse.SplitResult, recorded: list, first: int, step: int, latencies: list[float]) -> None:
    """Send every ``step``-th recorded query from ``first`` on (each twice)
    on one keep-alive connection; append each latency (list.append is atomic)."""
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    try:
        for i in range(first, 2 * len(recorded), step):
            method, body, headers = recorded[i % len(recorded)]
            started = time.monotonic()
            conn.request(method, target.path, body=body, headers=headers)
            conn.getresponse().read()
            latencies.append(time.monotonic() - started)
    finally:
        conn.close()


def engine_direct(name: str, engine, paths: list[str], threads: tuple[int, ...] = (1, 8)) -> None:
    """The queries a front sends the engine for the entity pages of
    ``paths``, recorded in-process, then sent again straight to the engine
    (no front) by 1 and 8 threads: queries per page, the engine's CPU per
    query, and the latency of each query."""
    from kg.storage import remote
    from server import create_app

    recorded: list[tuple[str, bytes, dict]] = []
    real = remote.HttpClient.request

    def recording(self, method, url, *, body=None, headers=None, timeout=None):
        if isinstance(body, bytes):
            recorded.append((method, body, dict(headers or {})))
        return real(self, method, url, body=body, headers=headers, timeout=timeout)

    remote.HttpClient.request = recording
    try:
        app = create_app({"STORE": engine.query_url, "RESULT_CACHE": "", "QUERY_SECONDS_PER_MINUTE": 0})
        client = app.test_client()
        pages = [p for p in paths if p.endswith(".html")][:13]
        client.get("/" + pages[0])  # the first page also reads the dataset's figures
        recorded.clear()
        for page in pages[1:]:
            assert client.get("/" + page).status_code == 200, page
        app.extensions["kg"].close()
    finally:
        remote.HttpClient.request = real
    target = urllib.parse.urlsplit(engine.query_url)
    pid = engine.proc.pid
    for count in threads:
        latencies: list[float] = []
        cpu, started = _cpu_seconds(pid), time.monotonic()
        workers = [threading.Thread(target=_replay, args=(target, recorded, k, count, latencies)) for k in range(count)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed, cpu = time.monotonic() - started, _cpu_seconds(pid) - cpu
        print(f"| {name} | {len(recorded) / (len(pages) - 1):.1f} | {count} | "
              f"{len(latencies) / elapsed:.0f} | {1000 * _percentile(latencies, 0.5):.1f} | "
              f"{1000 * _percentile(latencies, 0.95):.1f} | {1000 * cpu / len(latencies):.2f} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)


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
                        help="comma-separated, measured in this order: oxigraph, virtuoso, virtuoso-untuned "
                             "(bench/virtuoso.py's config without its TUNING lines)")
    parser.add_argument("--direct", action="store_true",
                        help="also replay the engine queries of 12 entity pages straight to each engine")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (engines, fronts' and HAProxy's logs)")
    args = parser.parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = set(engines) - {"oxigraph", "virtuoso", "virtuoso-untuned"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))} (choose oxigraph, virtuoso, virtuoso-untuned)")
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
        running = {}
        try:
            for name in engines:
                running[name] = start_engine(name, tmp / name, corpus)
                measure(name, running[name], paths, tmp, args.clients, args.seconds)
                if not args.direct:
                    running.pop(name).stop()
            if args.direct:
                print("\n| engine | queries per page | threads | queries/s | p50 ms | p95 ms | engine CPU ms per query | load avg |")
                print("|---|---|---|---|---|---|---|---|", flush=True)
                for name in engines:
                    engine_direct(name, running[name], paths)
        finally:
            for engine in running.values():
                engine.stop()


if __name__ == "__main__":
    main()
