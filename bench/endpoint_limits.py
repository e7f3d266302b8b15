"""Why query workers are processes: measure the time limit and isolation.

    python -m bench.endpoint_limits

1. In one process (threads), a runaway pyoxigraph query next to cheap ones:
   how late do the cheap ones come back, and can the runaway be stopped?
2. Through `kg serve` (worker processes): worker pool start-up, cheap-query
   latency idle and while a runaway runs, and how long after its budget the
   runaway's worker is gone (its CPU released).
3. The cost of writing results row by row (to enforce the row cap) against
   pyoxigraph's own serializers.
Prints one line per number; docs/endpoint.md records a run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import LiveServer  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
N = 3000


def data(path: Path) -> Path:
    path.write_text("".join(f'<http://ex.org/s{i}> <http://ex.org/p{i % 7}> "{i}" .\n' for i in range(N)))
    return path


def cheap_query(i: int) -> str:
    return f'SELECT ?s WHERE {{ ?s ?p "{i}" }}'


def in_process(path: Path) -> None:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    idle = []
    for i in range(20):
        t = time.perf_counter()
        list(store.query(cheap_query(i)))
        idle.append(time.perf_counter() - t)
    runaway = threading.Thread(target=lambda: list(store.query(RUNAWAY)), daemon=True)
    runaway.start()
    time.sleep(0.2)
    busy = []
    deadline = time.monotonic() + 10
    for i in range(20):
        if time.monotonic() > deadline:
            break
        t = time.perf_counter()
        list(store.query(cheap_query(i)))
        busy.append(time.perf_counter() - t)
    print(f"in-process: cheap query median {statistics.median(idle) * 1000:.2f} ms idle, "
          f"{statistics.median(busy) * 1000:.2f} ms (max {max(busy) * 1000:.1f} ms) beside a runaway thread; "
          f"the runaway thread cannot be stopped (still running: {runaway.is_alive()})")


def http_get(url: str) -> tuple[int, float]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as err:
        status = err.code
    return status, time.perf_counter() - t


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError):
                pass
    return found


def through_service(path: Path, budget: float = 2.0) -> None:
    t = time.perf_counter()
    live = LiveServer(["--data", str(path), "--timeout", str(budget), "--workers", "2"])
    print(f"kg serve --data ({N} triples): answering /healthz with 2 workers after {time.perf_counter() - t:.2f} s")
    try:
        endpoint = live.url + "sparql?"
        idle = [http_get(endpoint + urllib.parse.urlencode({"query": cheap_query(i)}))[1] for i in range(20)]
        workers = children(live.proc.pid)
        result = {}
        thread = threading.Thread(target=lambda: result.update(r=http_get(endpoint + urllib.parse.urlencode({"query": RUNAWAY}))))
        thread.start()
        time.sleep(0.2)
        busy = [http_get(endpoint + urllib.parse.urlencode({"query": cheap_query(i)}))[1] for i in range(20)]
        thread.join()
        status, seconds = result["r"]
        gone_at = None
        start = time.perf_counter()
        while time.perf_counter() - start < 5:
            if workers - children(live.proc.pid):
                gone_at = time.perf_counter() - start
                break
            time.sleep(0.005)
        print(f"kg serve: cheap query median {statistics.median(idle) * 1000:.1f} ms idle, "
              f"{statistics.median(busy) * 1000:.1f} ms (max {max(busy) * 1000:.1f} ms) while a runaway runs")
        print(f"kg serve: runaway answered {status} after {seconds:.2f} s (budget {budget:g} s); "
              f"its worker process was gone {gone_at * 1000 if gone_at is not None else float('nan'):.0f} ms after the answer")
    finally:
        live.stop()


def writers(rows: int = 100_000) -> None:
    """Our row-counting result writers against pyoxigraph's own serializers."""
    import io

    from kg.storage.results import write_solutions

    store = ox.Store()
    store.bulk_load("".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n' for i in range(rows)).encode(), ox.RdfFormat.N_TRIPLES)
    query = "SELECT * WHERE { ?s ?p ?o }"
    for name, fmt in (("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML),
                      ("csv", ox.QueryResultsFormat.CSV), ("tsv", ox.QueryResultsFormat.TSV)):
        t = time.perf_counter()
        write_solutions(store.query(query), io.BytesIO(), name, max_rows=rows)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        store.query(query).serialize(io.BytesIO(), fmt)
        theirs = time.perf_counter() - t
        print(f"writers: {rows} rows as {name}: kg.storage.results {ours:.2f} s, pyoxigraph {theirs:.2f} s")


def main() -> None:
    (Path(__file__).resolve().parent.parent / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = data(Path(tmp) / "gen.nt")
        print(f"machine: {os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}, pyoxigraph {ox.__version__}")
        through_service(path)
        in_process(path)
        writers()


if __name__ == "__main__":
    main()
