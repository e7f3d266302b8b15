"""How the costs grow: the same measurements at several corpus sizes.

    python -m bench.run --sizes 1000,10000,100000

For each size, against Oxigraph server on the same data in the same run:
load (``kg load`` with its merge of the named graphs, ``oxigraph load``),
store size on disk, start-up, entity pages never served before (p95 at
concurrency 4, each URL requested once), search p95, the SPARQL mix
throughput, the cheap page-shaped queries one at a time (median latency per
query, alternating servers), the first full N-Quads download against
``oxigraph dump`` and Oxigraph server's ``GET /store``, and peak memory.

Each size lives in its own folder (``<workdir>/n<size>``); a size whose
stores and ``load.json`` are there already reuses them (delete the folder
to measure the load again). Results: ``bench/results/<date>-scaling.json``
and ``docs/performance.md`` (``bench/scaling_report.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import workload
from .measure import PeakMemory, Request, run_cell, timed_run
from .servers import oxigraph_executable
from .services import ASK_READY, REPO, has_gunicorn, kg_gunicorn, kg_serve, oxigraph_serve

CHEAP = ("describe", "incoming", "person-talks")


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def du_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def load_size(work: Path, files: list[Path]) -> dict:
    """``kg load`` and ``oxigraph load`` (+ the same merge) into fresh stores,
    or the figures of an earlier run when its stores are complete."""
    from .run import load_both

    record = work / "load.json"
    if record.exists() and (work / "store").exists() and (work / "oxigraph").exists():
        out = json.loads(record.read_text())
        out["reused"] = True
        return out
    record.unlink(missing_ok=True)
    out = load_both(work, files)
    out["cpu_load_average"] = open("/proc/loadavg").read().split()[:3]
    out["disk_bytes"] = {"ours": du_bytes(work / "store"), "oxigraph": du_bytes(work / "oxigraph")}
    record.write_text(json.dumps(out, indent=1))
    return out


def fresh_urls(query_url, exclude: set[str]) -> list[str]:
    """Entity page paths never requested before in this run: a second seeded
    sample (events, people, places), the first sample's entities left out."""
    s = workload.sample(query_url, seed=11, size=100)
    entities = [e for group in zip(s.events, s.people, s.places) for e in group]
    seen, out = set(exclude), []
    for e in entities:
        if e not in seen:
            seen.add(e)
            out.append(workload._path(e) + ".html")
    return out


def get(url: str, timeout: float = 600) -> tuple[int | str, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError as err:
        status = f"error ({err})"
    return status, time.perf_counter() - started


def fresh_pages(service, paths: list[str], concurrency: int = 4) -> dict:
    """Each URL once, ``concurrency`` clients: pages never served before."""
    requests = [Request("fresh", "GET", p, headers={"Accept": "text/html"}) for p in paths]
    cell = run_cell(service.url, requests, concurrency, duration=300, max_requests=len(requests), timeout=60)
    return cell.summary()


def cheap_queries(ours, theirs, mix, rounds: int = 2) -> dict:
    """The cheap page-shaped queries one at a time (concurrency 1), the
    servers alternating which goes first: median latency per query."""
    cheap = [(n, q) for n, q in mix if n in CHEAP]
    req = {"ours": workload.sparql_requests(cheap, "/sparql"), "oxigraph": workload.sparql_requests(cheap, "/query")}
    url = {"ours": ours.url, "oxigraph": theirs.url}
    out: dict = {"ours": [], "oxigraph": []}
    for r in range(rounds):
        for target in (("ours", "oxigraph") if r % 2 == 0 else ("oxigraph", "ours")):
            cell = run_cell(url[target], req[target], 1, duration=120, max_requests=len(cheap))
            out[target].append(cell.summary())
    return out


def mix_throughput(ours, theirs, mix, concurrency: int = 4, cap_s: float = 180) -> dict:
    """The whole mix once on each server at ``concurrency`` (capped in time)."""
    out = {}
    for target, path, svc in (("ours", "/sparql", ours), ("oxigraph", "/query", theirs)):
        cell = run_cell(svc.url, workload.sparql_requests(mix, path), concurrency, duration=cap_s, max_requests=len(mix))
        out[target] = cell.summary()
        log(f"mix {target} c={concurrency}: {cell.throughput:.1f} q/s, {cell.ok} ok, {cell.errors} errors")
    return out


def search_cell(service, sample, concurrency: int = 4, duration: float = 8) -> dict:
    first_status, first_s = get(service.url + "search?q=talks")  # builds the search index
    cell = run_cell(service.url, workload.page_requests(sample)["search"], concurrency, duration=duration, max_requests=5000, timeout=60)
    return {"first_s": first_s, "first_status": first_status, **cell.summary()}


def fetch(url: str, tries: int = 30) -> dict:
    """The whole file; a 503 (the file is being made by another request) is
    retried after its Retry-After, at most ``tries`` times."""
    from .run import fetch_rate

    for _ in range(tries - 1):
        try:
            return fetch_rate(url)
        except urllib.error.HTTPError as err:
            if err.code != 503:
                raise
            time.sleep(min(int(err.headers.get("Retry-After") or 5), 30))
    return fetch_rate(url)


def oxigraph_dump(work: Path) -> dict:
    """``oxigraph dump`` of its store: seconds, bytes, MB/s, quads, peak memory."""
    target = work / "dump-oxigraph.nq"
    ran = timed_run([oxigraph_executable(), "dump", "--location", str(work / "oxigraph"), "--file", str(target)])
    out = {"seconds": ran.seconds, "bytes": target.stat().st_size if target.exists() else 0, "peak_rss_kb": ran.peak_rss_kb,
           "ok": ran.returncode == 0}
    out["mb_per_s"] = out["bytes"] / max(ran.seconds, 1e-9) / 1e6
    if target.exists():  # its store holds the merged default graph too: more quads than ours
        out["quads"] = int(subprocess.run(["wc", "-l", str(target)], capture_output=True, text=True).stdout.split()[0])
    target.unlink(missing_ok=True)
    return out


def serve_size(work: Path, args, out: dict, checkpoint) -> dict:
    out["oxigraph_dump_before"] = oxigraph_dump(work)
    dumps_dir = work / "dumps-cache"
    shutil.rmtree(dumps_dir, ignore_errors=True)  # the first download is made afresh
    env = {"KG_DUMPS_DIR": str(dumps_dir)}
    with kg_serve(work / "store", log=work / "kg-serve.log", env=env) as ours, \
            oxigraph_serve(work / "oxigraph", log=work / "oxigraph.log") as theirs:
        with PeakMemory(ours.pid) as ours_mem, PeakMemory(theirs.pid) as theirs_mem:
            sample = workload.sample(theirs.url + "query")
            mix = workload.scale_queries(sample)
            first = [e for group in zip(sample.events, sample.people, sample.places) for e in group]
            paths = fresh_urls(theirs.url + "query", set(first) | set(sample.hot_people))
            # Whole-dataset figures (class counts, labels) are built by the first page of all.
            out["first_page"] = dict(zip(("status", "seconds"), get(ours.url + workload._path(first[0]).lstrip("/") + ".html")))
            out["fresh_pages"] = fresh_pages(ours, paths)
            log(f"fresh pages c=4: {len(paths)} URLs, p50 {out['fresh_pages']['p50_ms']} p95 {out['fresh_pages']['p95_ms']} ms, "
                f"errors {out['fresh_pages']['errors']}")
            out["cheap"] = cheap_queries(ours, theirs, mix, rounds=args.rounds)
            out["mix"] = mix_throughput(ours, theirs, mix)
            out["search"] = search_cell(ours, sample, duration=args.duration)
            log(f"search: first {out['search']['first_s']:.1f} s, p95 {out['search']['p95_ms']} ms")
        out["memory_serving"] = {"ours_peak_rss_kb": ours_mem.peak_kb, "oxigraph_peak_rss_kb": theirs_mem.peak_kb}
        hot = sample.hot_people[0]
        status, seconds = get(ours.url + workload._path(hot).lstrip("/") + ".html", timeout=120)
        out["hot_page"] = {"path": workload._path(hot) + ".html", "status": status, "seconds": seconds}
        checkpoint()
        with PeakMemory(ours.pid) as memory:
            out["download_cold"] = fetch(ours.url + "downloads/dataset.nq")
        out["download_cold"]["peak_rss_kb"] = memory.peak_kb
        log(f"first download: {out['download_cold']}")
        with PeakMemory(theirs.pid) as memory:
            out["oxigraph_get_store"] = fetch(theirs.url + "store")
        out["oxigraph_get_store"]["peak_rss_kb"] = memory.peak_kb
        checkpoint()
    shutil.rmtree(dumps_dir, ignore_errors=True)
    if has_gunicorn():  # the same fresh pages, two service processes behind one port
        try:
            with kg_gunicorn(work / "store", 2, log=work / "gunicorn.log", env=env) as service:
                warm = [Request("warm", "GET", workload._path(e) + ".html", headers={"Accept": "text/html"}) for e in first[:16]]
                run_cell(service.url, warm, 4, duration=300, max_requests=len(warm), timeout=120)  # each process's first pages
                out["fresh_pages_2proc"] = fresh_pages(service, paths)
                log(f"fresh pages, 2 processes, c=4: p50 {out['fresh_pages_2proc']['p50_ms']} p95 {out['fresh_pages_2proc']['p95_ms']} ms")
        except RuntimeError as exc:
            out["fresh_pages_2proc"] = {"skipped": str(exc)[:300]}
        checkpoint()
    after = oxigraph_dump(work)
    before = out.pop("oxigraph_dump_before", None)
    # The rate of the two runs that bracket the serving phase (the machine's load changes by the minute).
    out["oxigraph_dump"] = {**after, "runs_s": [r["seconds"] for r in (before, after) if r]}
    if before:
        out["oxigraph_dump"]["seconds"] = (before["seconds"] + after["seconds"]) / 2
        out["oxigraph_dump"]["mb_per_s"] = after["bytes"] / out["oxigraph_dump"]["seconds"] / 1e6
    # ``kg dump`` alone: its own peak memory, against the dataset's size.
    target = work / "dump-ours.nq"
    ran = timed_run([sys.executable, "-m", "kg", "dump", "dataset.nq", "--store", str(work / "store"), "-o", str(target), "--quiet"], cwd=REPO)
    out["kg_dump"] = {"seconds": ran.seconds, "bytes": target.stat().st_size if target.exists() else 0,
                      "peak_rss_kb": ran.peak_rss_kb, "ok": ran.returncode == 0}
    out["kg_dump"]["mb_per_s"] = out["kg_dump"]["bytes"] / max(ran.seconds, 1e-9) / 1e6
    target.unlink(missing_ok=True)
    return out


def ours_only(root: Path, articles: int, args, result: dict, checkpoint) -> dict:
    """A size whose Oxigraph side could not be measured in the time there
    was: our store only (already loaded by ``kg load``, whose figures come
    from ``--load-record``, a JSON of ``seconds``, ``cpu_s``, ``peak_rss_kb``
    taken by watching that process): disk, start-up, fresh pages, search,
    the hot page and, unless ``--no-download``, the first download."""
    from .run import startup_ours

    work = root / f"n{articles}"
    rec = json.loads(Path(args.load_record).read_text())
    quads = int(args.quads)
    result.update({"articles": articles, "ours_only": True, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "load_average_start": open("/proc/loadavg").read().split()[:3], "files": ["(see load record)"]})
    result["load"] = {"quads": quads, "ours": {"load_s": rec["seconds"], "rate": quads / rec["seconds"], "cpu_s": rec.get("cpu_s"),
                                               "peak_rss_kb": rec["peak_rss_kb"], "includes_compaction": True},
                      "disk_bytes": {"ours": du_bytes(work / "store")}, "watched": rec}
    checkpoint()
    result["startup"] = {"ours_s": startup_ours(work / "store", runs=2, ready_path=ASK_READY), "probe": "ASK {}"}
    checkpoint()
    dumps_dir = work / "dumps-cache"
    shutil.rmtree(dumps_dir, ignore_errors=True)
    # Sampled in process: the sampling queries scan the whole store, past the service's time budget and row cap.
    from kg.storage.store import Store

    local = Store.open(work / "store")
    sample = workload.sample(local)
    first = [e for group in zip(sample.events, sample.people, sample.places) for e in group]
    paths = fresh_urls(local, set(first) | set(sample.hot_people))
    del local
    log(f"{articles}: sampled")
    with kg_serve(work / "store", log=work / "kg-serve.log", env={"KG_DUMPS_DIR": str(dumps_dir)}, ready_path=ASK_READY) as ours, \
            PeakMemory(ours.pid) as mem:
        status, seconds = get(ours.url + "healthz", timeout=900)
        result["healthz"] = {"status": status, "seconds": seconds}
        log(f"{articles}: /healthz {status} in {seconds:.1f} s")
        checkpoint()
        result["first_page"] = dict(zip(("status", "seconds"), get(ours.url + workload._path(first[0]).lstrip("/") + ".html")))
        result["fresh_pages"] = fresh_pages(ours, paths)
        log(f"{articles}: fresh pages p95 {result['fresh_pages']['p95_ms']} ms")
        checkpoint()
        result["search"] = search_cell(ours, sample, duration=args.duration)
        hot = sample.hot_people[0]
        status, seconds = get(ours.url + workload._path(hot).lstrip("/") + ".html", timeout=120)
        result["hot_page"] = {"path": workload._path(hot) + ".html", "status": status, "seconds": seconds}
        result["memory_serving"] = {"ours_peak_rss_kb": mem.peak_kb}
        checkpoint()
        if not args.no_download:
            with PeakMemory(ours.pid) as memory:
                result["download_cold"] = fetch(ours.url + "downloads/dataset.nq")
            result["download_cold"]["peak_rss_kb"] = memory.peak_kb
    shutil.rmtree(dumps_dir, ignore_errors=True)
    result["load_average_end"] = open("/proc/loadavg").read().split()[:3]
    result.pop("partial", None)
    return result


def measure_size(root: Path, articles: int, args, result: dict, checkpoint) -> dict:
    """Fill ``result`` phase by phase (``checkpoint()`` saves what is measured so far)."""
    from .run import prepare_data, startup

    work = root / f"n{articles}"
    work.mkdir(parents=True, exist_ok=True)
    result.update({"articles": articles, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "load_average_start": open("/proc/loadavg").read().split()[:3]})
    # The corpus is shared by sizes and runs (cached by size and seed in the root).
    files = prepare_data(root, articles, args.seed)
    result["files"] = [f.name for f in files]
    log(f"{articles}: loading")
    result["load"] = load_size(work, files)
    log(f"{articles}: load {result['load']['ours']['rate']:,.0f} quads/s vs oxigraph {result['load']['oxigraph']['rate']:,.0f}")
    checkpoint()
    if args.load_only:
        return result
    result["startup"] = startup(work, runs=3 if articles < 100000 else 2)
    log(f"{articles}: startup {result['startup']}")
    serve_size(work, args, result, checkpoint)
    result["load_average_end"] = open("/proc/loadavg").read().split()[:3]
    result.pop("partial", None)
    return result


def run_sizes(sizes: list[int], args, machine: dict) -> Path:
    from .scaling_report import write_scaling_report

    root = Path(args.workdir)
    root.mkdir(parents=True, exist_ok=True)
    import datetime as dt

    out = REPO / "bench" / "results" / f"{dt.date.today().isoformat()}-scaling.json"
    out.parent.mkdir(exist_ok=True)
    if out.exists() and not args.keep:
        out.unlink()

    def save(n: int, result: dict) -> None:
        # Re-read: another run (say the largest size, started apart) may have saved its sizes meanwhile.
        results = json.loads(out.read_text()) if out.exists() else {"sizes": {}}
        results.setdefault("machine", machine)
        if results["machine"].get("commit") != machine["commit"]:
            results["machine"]["commit"] = "see each size"
        results["note"] = args.note or results.get("note", "")
        results["machine"]["load_average_end"] = open("/proc/loadavg").read().split()[:3]
        results["sizes"][str(n)] = result
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(results, indent=1))
        tmp.replace(out)
        write_scaling_report(results, REPO / "docs" / "performance.md")

    for n in sizes:
        log(f"size {n}")
        result: dict = {"commit": machine["commit"], "partial": True}
        try:
            measure = ours_only if args.load_record else measure_size
            measure(root, n, args, result, lambda n=n, result=result: save(n, result))
        except Exception as exc:  # a size that fails is reported, the others kept
            log(f"size {n} failed: {exc!r}")
            result["failed"] = repr(exc)[:500]
        save(n, result)
    return out
