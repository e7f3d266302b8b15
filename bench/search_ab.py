"""The search page, two versions of the service side by side in the same
minutes: the scaling run's search step (``bench.scaling.search_cell``: the
page ``/search?q=<first name>`` for the sampled words, concurrency 4) on
each, alternating which goes first, plus what does not depend on the
machine's load: the service process's own CPU time per request.

    python -m bench.search_ab --store build/bench/n10000/store --before DIR

``--before`` is a source tree of the other version (e.g. ``git archive
HEAD | tar -x -C DIR``); ``--after`` the other (default: this tree). For each server: the
time from start to ``/healthz`` answering, and to the first search (the
index build, which a serving process may start in the background), then
``--rounds`` cells of ``--duration`` seconds each. The load average is
recorded around every cell. Results go to ``--out`` (JSON) and stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import workload
from .measure import run_cell
from .scaling import get
from .services import REPO, Service
from .servers import free_port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (its own threads)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> list[str]:
    return open("/proc/loadavg").read().split()[:3]


def serve(tree: Path, store: Path, log: Path) -> Service:
    """``kg serve`` run in the source tree ``tree`` (so that it and its query
    workers import that tree's packages); ``exec`` keeps one process."""
    port = free_port()
    cmd = ["sh", "-c", 'cd "$0" && exec "$1" -m kg serve --store "$2" --host 127.0.0.1 --port "$3"',
           str(tree), sys.executable, str(store.resolve()), str(port)]
    return Service(cmd, port, "healthz", log=log)


def start(name: str, tree: Path, store: Path, work: Path) -> tuple[Service, dict]:
    started = time.perf_counter()
    service = serve(tree, store, work / f"search-ab-{name}.log").start(timeout=600)
    out = {"healthz_s": round(time.perf_counter() - started, 2)}
    status, seconds = get(service.url + "search?q=talks")
    out.update(first_search_status=status, first_search_s=round(seconds, 2),
               start_to_first_search_s=round(time.perf_counter() - started, 2))
    return service, out


def cell(service: Service, requests, duration: float) -> dict:
    before_cpu, before_load = cpu_seconds(service.pid), loadavg()
    measured = run_cell(service.url, requests, 4, duration=duration, max_requests=5000, timeout=60)
    cpu = cpu_seconds(service.pid) - before_cpu
    s = measured.summary()
    return {"p50_ms": s["p50_ms"], "p95_ms": s["p95_ms"], "ok": s["ok"], "errors": s["errors"], "throughput": s["throughput"],
            "cpu_ms_per_request": round(cpu * 1000 / max(1, s["ok"] + s["errors"]), 2),
            "load_average": [before_load, loadavg()]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--before", required=True, type=Path, help="source tree of the version to compare with")
    parser.add_argument("--after", type=Path, default=REPO, help="source tree of this version (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=Path("/dev/stdout"))
    args = parser.parse_args(argv)
    from kg.storage.store import Store

    local = Store.open(args.store)
    sample = workload.sample(local)  # the scaling run's sample (seed 7): its search words
    del local
    requests = workload.page_requests(sample)["search"]
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    result: dict = {"store": str(args.store), "words": len(sample.words), "load_average_start": loadavg(), "servers": {}, "cells": []}
    services = {}
    try:
        for name, tree in trees.items():
            services[name], result["servers"][name] = start(name, tree, args.store, args.store.parent)
            print(f"[search-ab] {name}: {result['servers'][name]}", file=sys.stderr, flush=True)
        for r in range(args.rounds):
            for name in (("before", "after") if r % 2 == 0 else ("after", "before")):
                measured = {"round": r, "target": name, **cell(services[name], requests, args.duration)}
                result["cells"].append(measured)
                print(f"[search-ab] {measured}", file=sys.stderr, flush=True)
    finally:
        for service in services.values():
            service.stop()
    result["load_average_end"] = loadavg()
    for name in trees:
        cells = [c for c in result["cells"] if c["target"] == name]
        result[name] = {key: sorted(c[key] for c in cells)[len(cells) // 2] for key in ("p50_ms", "p95_ms", "cpu_ms_per_request")}
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
