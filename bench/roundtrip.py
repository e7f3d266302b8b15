"""The cost of one SPARQL round trip: per HTTP client, and ours against Oxigraph.

``python -m bench.roundtrip --query-url URL`` times the same small SELECT
(and ``ASK {}``) sent sequentially with: ``http.client`` over one keep-alive
connection (what ``kg.storage.remote.RemoteStore`` uses), ``urllib`` (a connection per
request), SPARQLWrapper, and rdflib's ``SPARQLStore``. Each answer is parsed
into Python terms, as a page would. Prints median and p95 per client in ms.

``python -m bench.roundtrip --work build/bench/n1000`` starts ``kg serve`` on
``WORK/store`` and Oxigraph server on ``WORK/oxigraph`` side by side (with
``--baseline DIR``, also ``kg serve`` from another checkout of the code, such
as ``git worktree add DIR HEAD~1``: before and after in the same minutes)
and sends each the cheap page-shaped queries of ``bench.workload`` and
``ASK {}`` over one keep-alive connection each, one request at a time, the
servers taking turns request by request. Every query text is sent once per
server per pass (``--passes``, at most 3): the first pass touches each
entity's data for the first time ("first": on a large store, partly disk
reads), the second sends the same texts again with ``Cache-Control:
no-cache`` (each answer computed on data in memory: "miss"), the third
without it (the answers our result cache kept: "hit"); each reported apart. ``--result-cache`` gives
``kg serve`` the SQLite cache of balanced fronts instead of the in-memory one.
Prints the median per query and server, its ratio to Oxigraph's, and the
load average before and after.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pyoxigraph as ox

from kg.storage.remote import RemoteStore

SELECT = "SELECT ?p ?o WHERE { ?s ?p ?o } LIMIT 20"
ASK = "ASK {}"


def client_remote_store(url: str):
    store = RemoteStore(url, union_param=None)
    return lambda q: list(store.query(q)) if not q.startswith("ASK") else bool(store.query(q))


def client_urllib(url: str):
    def run(q: str):
        body = urllib.parse.urlencode({"query": q}).encode()
        req = urllib.request.Request(url, data=body, headers={"Accept": "application/sparql-results+json",
                                                              "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req) as response:
            result = ox.parse_query_results(response.read(), ox.QueryResultsFormat.JSON)
        return bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
    return run


def client_sparqlwrapper(url: str):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    def run(q: str):
        sw = SPARQLWrapper(url)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
        sw.setQuery(q)
        return sw.query().convert()
    return run


def client_rdflib(url: str):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(url, method="POST_FORM")
    return lambda q: list(store.query(q)) if not q.startswith("ASK") else bool(store.query(q))


CLIENTS = {
    "http.client keep-alive (RemoteStore)": client_remote_store,
    "urllib, new connection": client_urllib,
    "SPARQLWrapper": client_sparqlwrapper,
    "rdflib SPARQLStore": client_rdflib,
}


def measure(query_url: str, n: int = 200) -> list[dict]:
    """Median and p95 latency (ms) per client and query, clients alternating."""
    runners = {name: make(query_url) for name, make in CLIENTS.items()}
    times: dict[tuple[str, str], list[float]] = {(c, q): [] for c in runners for q in ("ASK", "SELECT")}
    for _ in range(n):
        for name, run in runners.items():
            for label, q in (("ASK", ASK), ("SELECT", SELECT)):
                started = time.perf_counter()
                run(q)
                times[(name, label)].append((time.perf_counter() - started) * 1000)
    out = []
    for (name, label), values in times.items():
        values.sort()
        out.append({"client": name, "query": label, "median_ms": statistics.median(values),
                    "p95_ms": values[int(0.95 * (len(values) - 1))]})
    return out


# -- ours against Oxigraph, the same queries in turn -----------------------------
CHEAP = ("describe", "incoming", "person-talks")
PASSES = ("first", "miss", "hit")


def _post(conn: http.client.HTTPConnection, path: str, query: str, fresh: bool) -> tuple[int, float, dict]:
    body = urllib.parse.urlencode({"query": query}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    if fresh:
        headers["Cache-Control"] = "no-cache"
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return response.status, elapsed, dict(response.getheaders())


def side_by_side(targets: dict[str, str], queries: list[tuple[str, str]], passes: int = 2) -> dict:
    """Median ms per (target, pass kind, query name): ``targets`` maps a name
    to a base URL (``.../sparql`` or ``.../query``); the targets take turns
    request by request, the first one changing each time. Passes are
    labelled "first", "miss" (both sent with ``Cache-Control: no-cache``) and "hit"."""
    conns = {name: http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=60) for name, url in targets.items()}
    paths = {name: urllib.parse.urlsplit(url).path for name, url in targets.items()}
    times: dict[tuple[str, str, str], list[float]] = {}
    statuses: dict[str, dict[int, int]] = {name: {} for name in targets}
    cached: dict[tuple[str, str], int] = {}
    order = list(targets)
    turn = 0
    for number in range(passes):
        kind = PASSES[min(number, len(PASSES) - 1)]
        for label, query in queries:
            turn += 1
            for name in order[turn % len(order):] + order[:turn % len(order)]:
                status, ms, headers = _post(conns[name], paths[name], query, fresh=kind != "hit")
                if headers.get("X-Cache") == "hit":
                    cached[(name, kind)] = cached.get((name, kind), 0) + 1
                statuses[name][status] = statuses[name].get(status, 0) + 1
                if status == 200:
                    times.setdefault((name, kind, label), []).append(ms)
    for conn in conns.values():
        conn.close()
    return {"medians": {key: statistics.median(v) for key, v in times.items()},
            "counts": {key: len(v) for key, v in times.items()}, "statuses": statuses, "cached": cached}


def cheap_queries(query_url: str, size: int) -> list[tuple[str, str]]:
    """The benchmark's cheap page-shaped queries on ``size`` sampled entities, and ASK {}."""
    from . import workload

    mix = workload.scale_queries(workload.sample(query_url, size=size))
    return [(n, q) for n, q in mix if n in CHEAP] + [("ASK {}", ASK)] * size


def compare(work: Path, *, baseline: str | None, size: int, passes: int, result_cache: bool) -> None:
    from .services import kg_serve, oxigraph_serve

    loads = [open("/proc/loadavg").read().split()[:3]]
    with ExitStack() as stack:
        theirs = stack.enter_context(oxigraph_serve(work / "oxigraph"))
        env = {"KG_RESULT_CACHE": str(work / "roundtrip-cache.sqlite")} if result_cache else {}
        ours = stack.enter_context(kg_serve(work / "store", env=env, ready_path="sparql?query=ASK%7B%7D"))
        targets = {"ours": ours.url + "sparql"}
        if baseline:
            before = kg_serve(work / "store", env={**env, "PYTHONPATH": baseline}, ready_path="sparql?query=ASK%7B%7D")
            targets["baseline"] = stack.enter_context(_in_dir(before, baseline)).url + "sparql"
        targets["oxigraph"] = theirs.url + "query"
        queries = cheap_queries(theirs.url + "query", size)
        for url in targets.values():  # warm up: first use of each code path
            side_by_side({"w": url}, queries[:10], passes=1)
        result = side_by_side(targets, queries, passes)
    loads.append(open("/proc/loadavg").read().split()[:3])
    med = result["medians"]
    print(f"load average before {' '.join(loads[0])}, after {' '.join(loads[1])}; statuses {result['statuses']}; "
          f"answers from a cache {result['cached']}")
    for kind in PASSES[:passes]:
        for label in (*CHEAP, "ASK {}"):
            ref = med.get(("oxigraph", kind, label))
            cells = []
            for name in targets:
                value = med.get((name, kind, label))
                ratio = f" ({value / ref:.2f}x)" if value and ref and name != "oxigraph" else ""
                cells.append(f"{name} {value:.3f}{ratio}" if value else f"{name} n/a")
            n = result["counts"].get(("oxigraph", kind, label), 0)
            print(f"{kind:4} {label:13} n={n:<4} " + "  ".join(cells))


class _in_dir:
    """Start a service with another checkout as its working directory."""

    def __init__(self, service, directory: str):
        self.service, self.directory = service, directory

    def __enter__(self):
        import subprocess

        svc = self.service
        svc.proc = subprocess.Popen(svc.cmd, cwd=self.directory, env=svc.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        from .servers import answers_ok, wait_until_ready

        wait_until_ready(svc.proc, lambda: answers_ok(svc.url + svc.ready_path), 300, "the baseline kg serve")
        return svc

    def __exit__(self, *exc):
        self.service.stop()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query-url", help="time the HTTP clients against this query URL")
    parser.add_argument("--work", help="a benchmark folder with store/ and oxigraph/: ours against Oxigraph")
    parser.add_argument("--baseline", help="with --work: also kg serve from this checkout of the code")
    parser.add_argument("--size", type=int, default=70, help="with --work: sampled entities (requests per query and pass)")
    parser.add_argument("--passes", type=int, default=3, choices=(1, 2, 3),
                        help="with --work: passes over the queries: first touch, computed again, from the cache")
    parser.add_argument("--result-cache", action="store_true", help="with --work: give kg serve a result cache file")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args(argv)
    if args.work:
        compare(Path(args.work).resolve(), baseline=args.baseline and os.path.abspath(args.baseline), size=args.size,
                passes=args.passes, result_cache=args.result_cache)
        return
    if not args.query_url:
        parser.error("give --query-url URL or --work DIR")
    for row in measure(args.query_url, args.n):
        print(f"{row['client']:40} {row['query']:7} median {row['median_ms']:.2f} ms  p95 {row['p95_ms']:.2f} ms")


if __name__ == "__main__":
    main()
