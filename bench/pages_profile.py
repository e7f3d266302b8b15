"""Latency of entity pages and search on a given store: median and p95,
in-process (Flask test client) and over HTTP (`kg serve`, keep-alive
clients at a chosen concurrency).

    python -m bench.pages_profile --store build/perf/store
    python -m bench.pages_profile --store build/perf/store --http --concurrency 4
    python -m bench.pages_profile --store build/perf/store --cost 100

Pages of a read-only store are kept once rendered (``kg.storage.pagecache``): the
in-process run is made both with every page computed afresh and with pages
kept; over HTTP the first request of each URL is timed apart (one client)
from the repeated requests that follow.

The pages visited are the most linked people, states and places, a seeded
sample of talks, strikes, people and places, and searches for common and
rare words and prefixes. Every URL is requested once before timing (the
search index and the whole-dataset caches are built then, and that first
search is reported apart). Runs are bounded in count and in time.

``--cost N`` measures what a page never served before costs the service
process, which the machine's load barely changes: the CPU time of the
request's thread and the number of store queries, for N fresh pages (a
seeded sample of talks, people and places; the page cache off). With
``--steps`` it also says how that CPU divides among the page's steps
(each step's thread time, per page; the sub-steps are inside the steps).
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIP = "https://kg.example.org/ontology/"
_KEPT: dict = {}  # kg.storage.pagecache.PAGES_KEPT as the project sets it
PREFIX = f"PREFIX dip: <{DIP}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _column(store, sparql: str) -> list[str]:
    return [row["x"].value for row in store.query(PREFIX + sparql, union_default_graph=True)]


def _hot(store, prop: str, cls: str, k: int = 2) -> list[str]:
    """The ``k`` things of class ``cls`` most linked to by ``prop``."""
    return _column(store, f"SELECT ?x WHERE {{ {{ SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s dip:{prop} ?x }} "
                          f"GROUP BY ?x ORDER BY DESC(?n) LIMIT {k * 5} }} FILTER EXISTS {{ ?x a dip:{cls} }} }} LIMIT {k}")


def workload(store, seed: int = 7, size: int = 12) -> dict[str, list[str]]:
    """Category -> URL paths: hot and sampled entity pages, searches."""
    rng = random.Random(seed)
    pick = lambda xs, k: rng.sample(sorted(xs), min(k, len(xs)))  # noqa: E731
    path = lambda iri: urllib.parse.urlsplit(iri).path + ".html"  # noqa: E731
    hot = _hot(store, "representedBy", "Person", 3) + _hot(store, "participant", "State") + _hot(store, "place", "Place")
    sampled = (pick(_column(store, "SELECT DISTINCT ?x WHERE { ?x a dip:Talks }"), size)
               + pick(_column(store, "SELECT DISTINCT ?x WHERE { ?x a dip:Strike }"), size // 2)
               + pick(_column(store, "SELECT DISTINCT ?x WHERE { ?x a dip:Person }"), size)
               + pick(_column(store, "SELECT DISTINCT ?x WHERE { ?e dip:place ?x }"), size // 2))
    names = _column(store, "SELECT DISTINCT ?x WHERE { ?p a dip:Person ; rdfs:label ?x }")
    words = sorted({w.lower() for n in names for w in n.split() if len(w) > 3})
    common = ["talks", "minister", "strike", "a", "in"]
    queries = common + pick(words, size // 2) + [w[:3] for w in pick(words, size // 2)] + pick(names, size // 4) + ["zzqx"]
    search = lambda q: "/search?" + urllib.parse.urlencode({"q": q})  # noqa: E731
    return {"entity page, most linked": [path(i) for i in hot], "entity page, sampled": [path(i) for i in sampled],
            "search": [search(q) for q in queries]}


def summary(samples: list[float]) -> tuple[float, float, float]:
    """(median, p95, max) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def in_process(store, urls: dict, rounds: int, budget: float, keep_pages: bool) -> dict:
    """Category -> latencies (s) with the Flask test client, one at a time;
    without ``keep_pages`` every page is computed afresh each time."""
    from kg.storage import pagecache
    from server import create_app

    _KEPT.setdefault("pages", pagecache.PAGES_KEPT)
    pagecache.PAGES_KEPT = _KEPT["pages"] if keep_pages else 0
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    first = {}
    for cat, paths in urls.items():
        for p in paths:
            start = time.perf_counter()
            assert client.get(p).status_code == 200, p
            first.setdefault(cat, time.perf_counter() - start)
    found: dict[str, list] = {cat: [] for cat in urls}
    deadline = time.monotonic() + budget
    for _ in range(rounds):
        for cat, paths in urls.items():
            for p in paths:
                start = time.perf_counter()
                client.get(p)
                found[cat].append(time.perf_counter() - start)
        if time.monotonic() > deadline:
            break
    return {"first search (index build)": [first["search"]], **found}


class CountingStore:
    """The store, counting the queries asked of it."""

    def __init__(self, inner):
        self.inner, self.asked = inner, 0

    def query(self, sparql, **kw):
        self.asked += 1
        return self.inner.query(sparql, **kw)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __len__(self) -> int:
        return len(self.inner)


def fresh_sample(store, n: int, seed: int = 3) -> list[str]:
    """``n`` entity pages: 40% talks, 40% people, 20% places (seeded)."""
    rng = random.Random(seed)
    talks = sorted(_column(store, "SELECT DISTINCT ?x WHERE { ?x a dip:Talks }"))
    people = sorted(_column(store, "SELECT DISTINCT ?x WHERE { ?x a dip:Person }"))
    places = sorted(_column(store, "SELECT DISTINCT ?x WHERE { ?e dip:place ?x }"))
    k = (n * 2 // 5, n * 2 // 5)
    iris = rng.sample(talks, min(k[0], len(talks))) + rng.sample(people, min(k[1], len(people)))
    iris += rng.sample(places, min(n - len(iris), len(places)))
    return [urllib.parse.urlsplit(i).path + ".html" for i in iris]


def fresh_cost(store, n: int, warmed=None) -> tuple[list[float], list[int]]:
    """(CPU seconds, store queries) of each of ``n`` pages never served
    before, one at a time, with the Flask test client (two other pages
    served first: templates compiled, whole-dataset figures built; then
    ``warmed()`` is called, when given)."""
    from kg.storage import pagecache
    from server import create_app

    _KEPT.setdefault("pages", pagecache.PAGES_KEPT)
    pagecache.PAGES_KEPT = 0
    counting = CountingStore(store)
    client = create_app({"STORE_OBJECT": counting, "TESTING": True}).test_client()
    paths = fresh_sample(store, n + 2)
    for p in paths[-2:]:
        client.get(p)
    if warmed is not None:
        warmed()
    cpu, queries = [], []
    for p in paths[:-2]:
        counting.asked = 0
        start = time.thread_time()
        assert client.get(p).status_code == 200, p
        cpu.append(time.thread_time() - start)
        queries.append(counting.asked)
    pagecache.PAGES_KEPT = _KEPT["pages"]
    return cpu, queries


STEPS = {  # module -> functions timed by --steps (module attributes the page code calls through)
    "kg.views.assemble": ("describe", "label_rows", "build_page", "attach_evidence"),
    "kg.views.profiles": ("plan", "profile", "_run_all", "anchor_nodes"),
    "kg.views.entity_page": ("capped_spans", "article_texts", "evidence_for"),
    "server.pages": ("render",),  # the template or JSON of an entity page
}


def time_steps() -> dict:
    """Wrap the functions of ``STEPS`` so that each adds its thread CPU
    time (seconds) to the dict returned, under its name."""
    import importlib

    spent: dict[str, float] = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.thread_time() - start
        return run

    for module, names in STEPS.items():
        mod = importlib.import_module(module)
        for name in names:
            setattr(mod, name, timed(name, getattr(mod, name)))
    return spent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(store_dir: str):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port), "--store", store_dir],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("kg serve did not come up")


def _clients(port: int, jobs: list, found: dict, concurrency: int, requests: int, budget: float) -> None:
    """``concurrency`` keep-alive clients share ``jobs`` (cycled, at most
    ``requests`` in all, within ``budget`` seconds); latencies into ``found``."""
    lock, counter, deadline = threading.Lock(), iter(range(requests)), time.monotonic() + budget

    def client():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            cat, p = jobs[n % len(jobs)]
            start = time.perf_counter()
            c.request("GET", p, headers={"Accept": "text/html"})
            c.getresponse().read()
            with lock:
                found.setdefault(cat, []).append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def over_http(store_dir: str, urls: dict, concurrency: int, requests: int, budget: float, fresh: list) -> dict:
    """Category -> latencies (s) from ``concurrency`` keep-alive clients;
    ``fresh`` pages (not otherwise visited) are each requested once, first."""
    proc, port = _serve(store_dir)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        found: dict[str, list] = {}
        _clients(port, [("entity page, each requested once", p) for p in fresh], found, concurrency, len(fresh), budget)
        found.update({cat: [] for cat in urls})
        found.update({f"{cat}, first request (c=1)": [] for cat in urls})
        for cat, paths in urls.items():
            for p in paths:
                start = time.perf_counter()
                conn.request("GET", p, headers={"Accept": "text/html"})
                conn.getresponse().read()
                found[f"{cat}, first request (c=1)"].append(time.perf_counter() - start)
        found["search, first request (c=1)"] = found["search, first request (c=1)"][1:]  # the first builds the index
        jobs = [(cat, p) for cat, paths in urls.items() for p in paths]
        _clients(port, jobs, found, concurrency, requests, budget)
        return found
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="on-disk store directory (opened read-only)")
    parser.add_argument("--rounds", type=int, default=10, help="in-process passes over every URL (default 10)")
    parser.add_argument("--http", action="store_true", help="also measure over HTTP against `kg serve`")
    parser.add_argument("--concurrency", type=int, default=4, help="HTTP clients (default 4)")
    parser.add_argument("--requests", type=int, default=600, help="HTTP requests in all (default 600)")
    parser.add_argument("--seconds", type=float, default=120, help="time budget of each run (default 120)")
    parser.add_argument("--cost", type=int, metavar="N", help="only the CPU time and store queries of N fresh pages")
    parser.add_argument("--steps", action="store_true", help="with --cost: the CPU time of each step of a page")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # no access log line per request
    from kg.storage.store import open_store

    store = open_store(args.store)
    if args.cost:
        spent = time_steps() if args.steps else {}
        cpu, queries = fresh_cost(store, args.cost, spent.clear)
        med, p95, top = summary(cpu)
        print(f"load {os.getloadavg()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; store {args.store}\n"
              f"| fresh pages | CPU ms median | p95 | mean | max | queries median | max |\n|---|---|---|---|---|---|---|\n"
              f"| {len(cpu)} | {med:.1f} | {p95:.1f} | {statistics.mean(cpu) * 1000:.1f} | {top:.1f} | "
              f"{statistics.median(queries):.0f} | {max(queries)} |")
        if spent:
            print("\n| step | CPU ms per page |\n|---|---|")
            for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
                print(f"| {name} | {seconds * 1000 / len(cpu):.2f} |")
        return
    urls = workload(store)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; store {args.store}: {len(store):,} quads; "
          f"{sum(map(len, urls.values()))} URLs")
    runs = {"in-process, each page computed": in_process(store, urls, args.rounds, args.seconds, keep_pages=False),
            "in-process, pages kept": in_process(store, urls, args.rounds, args.seconds, keep_pages=True)}
    if args.http:
        seen = {p for paths in urls.values() for p in paths}
        fresh = [p for p in workload(store, seed=11, size=30)["entity page, sampled"] if p not in seen]
        runs[f"HTTP c={args.concurrency}"] = over_http(args.store, urls, args.concurrency, args.requests, args.seconds, fresh)
    print(f"URLs: {urls}", file=sys.stderr)
    print("| run | workload | requests | median ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
    for run, found in runs.items():
        for cat, samples in found.items():
            if samples:
                med, p95, top = summary(samples)
                print(f"| {run} | {cat} | {len(samples)} | {med:.1f} | {p95:.1f} | {top:.1f} |")


if __name__ == "__main__":
    main()
