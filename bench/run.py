"""``make bench``: our service against Oxigraph server on the same data.

    python -m bench.run [--articles 10000] [--duration 8] [--rounds 2]

Steps, each bounded in time and count: generate the synthetic corpus (plus
the real article graph when ``kg build`` works); load it with ``kg load``
and with ``oxigraph load``; start-up time of each server on the existing
store; the SPARQL mix against both, alternating, at concurrency 1, 4 and 16;
our pages (entity HTML and Turtle, search, timeline) and Oxigraph's DESCRIBE;
the same with several service processes behind one port (gunicorn); full
N-Quads dumps against ``oxigraph dump``; peak memory of each server tree.
Results go to ``bench/results/<date>-<articles>.json`` and
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import workload
from .generator import generate
from .measure import PeakMemory, median, run_cell, timed_run
from .report import write_report
from .servers import oxigraph_executable
from .services import REPO, has_gunicorn, kg_gunicorn, kg_serve, oxigraph_serve


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prepare_data(work: Path, articles: int, seed: int) -> list[Path]:
    """The synthetic corpus (cached by size and seed) and the real dataset."""
    corpus = work / f"corpus-{articles}-{seed}.nq"
    if not corpus.exists():
        with open(str(corpus) + ".part", "wb") as out:
            generate(articles, out, seed)
        Path(str(corpus) + ".part").rename(corpus)
    files = [corpus]
    real = work / "real.trig"
    built = subprocess.run([sys.executable, "-m", "kg", "build", "--store", str(work / "real-store"), "--out", str(real),
                            "--no-validate"], cwd=REPO, capture_output=True, text=True)
    if built.returncode == 0 and real.exists():
        files.append(real)
    else:
        log(f"kg build failed, benchmarking the synthetic corpus only: {built.stderr.strip()[-300:]}")
    return files


def load_both(work: Path, files: list[Path]) -> dict:
    """Load the same files with ``kg load`` and ``oxigraph load`` (fresh stores)."""
    ours, theirs = work / "store", work / "oxigraph"
    for path in (ours, theirs):
        shutil.rmtree(path, ignore_errors=True)
    ran = timed_run([sys.executable, "-m", "kg", "load", "--quiet", "--store", str(ours), *map(str, files)], cwd=REPO)
    found = re.search(r"loaded (\d+) quads .* in ([\d.]+) s .*compacted in ([\d.]+) s", ran.stderr)
    if ran.returncode or not found:
        raise RuntimeError(f"kg load failed: {ran.stderr[-500:]}")
    quads, load_s, compact_s = int(found.group(1)), float(found.group(2)), float(found.group(3))
    ox_cmd = [oxigraph_executable(), "load", "--location", str(theirs)]
    for path in files:
        ox_cmd += ["--file", str(path)]
    ox_ran = timed_run(ox_cmd)
    ox_opt = timed_run([oxigraph_executable(), "optimize", "--location", str(theirs)])
    # The same merged default graph as ours, so both servers answer the same
    # rows (Oxigraph's own union repeats a triple once per graph).
    merge = f"from kg.storage.store import Store; Store.open({str(theirs)!r}, read_only=False).materialize_union()"
    ox_merge = timed_run([sys.executable, "-c", merge], cwd=REPO)
    if ox_merge.returncode:
        raise RuntimeError(f"merging Oxigraph's default graph failed: {ox_merge.stderr[-500:]}")
    return {"quads": quads, "ours": {"load_s": load_s, "compact_s": compact_s, "total_s": ran.seconds,
                                     "rate": quads / load_s, "peak_rss_kb": ran.peak_rss_kb},
            "oxigraph": {"load_s": ox_ran.seconds, "optimize_s": ox_opt.seconds, "rate": quads / ox_ran.seconds,
                         "peak_rss_kb": ox_ran.peak_rss_kb, "ok": ox_ran.returncode == 0,
                         "merge_s": ox_merge.seconds}}


def startup_ours(store: Path, runs: int = 3, ready_path: str = "healthz") -> float:
    """Median seconds from launch to the first good answer of ``kg serve``."""
    times = []
    for _ in range(runs):
        with kg_serve(store, ready_path=ready_path) as service:
            times.append(service.startup_s)
    return median(times)


def startup(work: Path, runs: int = 3) -> dict:
    """Seconds from launch to the first good answer, on the existing stores."""
    ours, theirs = [], []
    for _ in range(runs):
        with kg_serve(work / "store") as service:
            ours.append(service.startup_s)
        with oxigraph_serve(work / "oxigraph") as service:
            theirs.append(service.startup_s)
    return {"ours_s": median(ours), "oxigraph_s": median(theirs), "ours_runs": ours, "oxigraph_runs": theirs}


def sparql_cells(ours, theirs, mix, levels, duration, rounds) -> dict:
    """The SPARQL mix on both servers, alternating which goes first each round.

    Each cell runs exactly the same requests on both (the whole mix, once),
    so throughput is "the same queries per second"; ``duration`` only caps a
    cell that would run far too long.
    """
    requests = {"ours": workload.sparql_requests(mix, "/sparql"), "oxigraph": workload.sparql_requests(mix, "/query")}
    urls = {"ours": ours.url, "oxigraph": theirs.url}
    results: dict = {}
    for r in range(rounds):
        order = ("ours", "oxigraph") if r % 2 == 0 else ("oxigraph", "ours")
        for level in levels:
            for target in order:
                cell = run_cell(urls[target], requests[target], level, duration=duration * 20, max_requests=len(mix))
                results.setdefault(target, {}).setdefault(str(level), []).append(cell.summary())
                log(f"sparql {target} c={level} round {r + 1}: {cell.throughput:.1f} q/s p95 {cell.percentile(95)} ms errors {cell.errors}")
    return results


def one_query(url: str, query: str, timeout: float = 30) -> dict:
    """One SELECT, timed; a 200 whose JSON is cut short (Oxigraph streams its
    answer, so its timeout truncates a 200) counts as a timeout."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url, data=body, headers={"Accept": "application/sparql-results+json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
        rows = len(json.loads(data)["results"]["bindings"])
        status = "200"
    except urllib.error.HTTPError as err:
        err.read()
        rows, status = None, str(err.code)
    except (ValueError, KeyError):
        rows, status = None, "timeout (cut 200)"
    except OSError:
        rows, status = None, "timeout (client)"
    ms = (time.perf_counter() - started) * 1000
    return {"ms": ms if status == "200" else None, "elapsed_ms": ms, "status": status, "rows": rows}


def competency_cells(ours, theirs, repo: Path, rounds: int) -> dict:
    """Each competency question alone, once per round on each server
    (alternating), with the same 10 s budget: latency, status, rows."""
    out: dict = {"ours": {}, "oxigraph": {}}
    cqs = workload.competency_queries(repo)
    for r in range(rounds):
        order = (("ours", ours.url + "sparql"), ("oxigraph", theirs.url + "query"))
        for target, url in (order if r % 2 == 0 else order[::-1]):
            for name, query in cqs:
                out[target].setdefault(name, []).append(one_query(url, query))
        log(f"competency questions round {r + 1} done")
    return out


def page_cells(service, sample, levels, duration) -> dict:
    results: dict = {}
    for name, requests in workload.page_requests(sample).items():
        for level in levels:
            cell = run_cell(service.url, requests, level, duration=duration, max_requests=5000, timeout=30)
            results.setdefault(name, {})[str(level)] = cell.summary()
            log(f"{name} c={level}: {cell.throughput:.1f} r/s p95 {cell.percentile(95)} ms errors {cell.errors} {cell.statuses}")
    return results


def describe_cells(theirs, sample, levels, duration) -> dict:
    return {str(level): run_cell(theirs.url, workload.describe_requests(sample), level, duration=duration).summary()
            for level in levels}


def fetch_rate(url: str, timeout: float = 3600) -> dict:
    """Stream one GET to the end: seconds, bytes, MB/s."""
    started = time.perf_counter()
    size = 0
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/n-quads"}), timeout=timeout) as r:
        while chunk := r.read(1 << 20):
            size += len(chunk)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": size, "mb_per_s": size / seconds / 1e6}


def dumps(work: Path, ours, theirs) -> dict:
    """Full N-Quads dumps: our download (first: made and cached; then: sent
    from the cache), Oxigraph server's GET /store, and the CLI tools."""
    out: dict = {}
    with PeakMemory(ours.pid) as memory:
        out["ours_download_cold"] = fetch_rate(ours.url + "downloads/dataset.nq")
    out["ours_download_cold"]["peak_rss_kb"] = memory.peak_kb
    out["ours_download_warm"] = fetch_rate(ours.url + "downloads/dataset.nq")
    with PeakMemory(theirs.pid) as memory:
        out["oxigraph_get_store"] = fetch_rate(theirs.url + "store")
    out["oxigraph_get_store"]["peak_rss_kb"] = memory.peak_kb
    return out


def cli_dumps(work: Path, small_store: Path | None) -> dict:
    """``kg dump`` vs ``oxigraph dump`` on the big store (and ``kg dump`` on
    a small one: does memory grow with the dataset?)."""
    out: dict = {}
    target = work / "dump-ours.nq"
    ran = timed_run([sys.executable, "-m", "kg", "dump", "dataset.nq", "--store", str(work / "store"), "-o", str(target), "--quiet"], cwd=REPO)
    out["kg_dump"] = {"seconds": ran.seconds, "bytes": target.stat().st_size if target.exists() else 0, "peak_rss_kb": ran.peak_rss_kb, "ok": ran.returncode == 0}
    theirs = work / "dump-oxigraph.nq"
    ran = timed_run([oxigraph_executable(), "dump", "--location", str(work / "oxigraph"), "--file", str(theirs)])
    out["oxigraph_dump"] = {"seconds": ran.seconds, "bytes": theirs.stat().st_size if theirs.exists() else 0, "peak_rss_kb": ran.peak_rss_kb, "ok": ran.returncode == 0}
    if small_store is not None:
        small = work / "dump-small.nq"
        ran = timed_run([sys.executable, "-m", "kg", "dump", "dataset.nq", "--store", str(small_store), "-o", str(small), "--quiet"], cwd=REPO)
        out["kg_dump_small"] = {"seconds": ran.seconds, "bytes": small.stat().st_size if small.exists() else 0, "peak_rss_kb": ran.peak_rss_kb}
    for path in work.glob("dump-*.nq"):
        path.unlink()
    return out


def small_store(work: Path, articles: int, seed: int) -> Path:
    store = work / f"store-small-{articles}"
    if not store.exists():
        corpus = work / f"corpus-{articles}-{seed}.nq"
        with corpus.open("wb") as out:
            generate(articles, out, seed)
        timed_run([sys.executable, "-m", "kg", "load", "--quiet", "--store", str(store), str(corpus)], cwd=REPO)
    return store


def hot_pages(service, sample) -> list[dict]:
    """Single requests for the most linked person (largest pages), 60 s cap."""
    out = []
    for iri in sample.hot_people[:1]:
        for suffix in (".ttl", ".html"):
            path = workload._path(iri) + suffix
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(service.url + path.lstrip("/"), timeout=60) as r:
                    status = r.status
                    r.read()
            except urllib.error.HTTPError as err:
                status = err.code
            except OSError:
                status = "timeout (60 s)"
            out.append({"path": path, "status": status, "seconds": round(time.perf_counter() - started, 2)})
            log(f"hot page {path}: {out[-1]}")
    return out


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    # BENCH_COMMIT: the commit of a snapshot (``git archive``) run outside the repository.
    commit = __import__("os").environ.get("BENCH_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": __import__("os").cpu_count(), "memory_gb": round(mem / 1e6, 1), "python": platform.python_version(),
            "pyoxigraph": __import__("pyoxigraph").__version__, "commit": commit, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average": open("/proc/loadavg").read().split()[:3]}


def serve_phase(work: Path, sample, mix, args) -> dict:
    """Both servers up together; memory sampled the whole time."""
    levels = args.concurrency
    out: dict = {}
    with kg_serve(work / "store", log=work / "kg-serve.log") as ours, oxigraph_serve(work / "oxigraph", log=work / "oxigraph.log") as theirs:
        with PeakMemory(ours.pid) as ours_mem, PeakMemory(theirs.pid) as theirs_mem:
            out["sparql"] = sparql_cells(ours, theirs, mix, levels, args.duration, args.rounds)
            out["competency"] = competency_cells(ours, theirs, REPO, args.cq_rounds)
            out["pages"] = page_cells(ours, sample, levels, args.duration)
            out["describe_oxigraph"] = describe_cells(theirs, sample, levels, args.duration)
        out["memory_serving"] = {"ours_peak_rss_kb": ours_mem.peak_kb, "oxigraph_peak_rss_kb": theirs_mem.peak_kb}
        out["dumps"] = dumps(work, ours, theirs)
        out["hot_pages"] = hot_pages(ours, sample)
    return out


def multiprocess_phase(work: Path, sample, mix, args) -> dict:
    """The same store served by several processes behind one port."""
    if not has_gunicorn():
        return {"skipped": "gunicorn is not installed (pip install gunicorn)"}
    out: dict = {"processes": args.processes}
    with kg_gunicorn(work / "store", args.processes, log=work / "gunicorn.log") as service, PeakMemory(service.pid) as memory:
        requests = workload.sparql_requests(mix, "/sparql")
        pages = workload.page_requests(sample)["entity page (HTML)"]
        for level in args.concurrency:
            cell = run_cell(service.url, requests, level, duration=args.duration * 20, max_requests=len(mix))
            out.setdefault("sparql", {})[str(level)] = cell.summary()
            log(f"gunicorn sparql c={level}: {cell.throughput:.1f} q/s p95 {cell.percentile(95)} ms")
            cell = run_cell(service.url, pages, level, duration=args.duration, max_requests=5000, timeout=30)
            out.setdefault("pages", {})[str(level)] = cell.summary()
            log(f"gunicorn pages c={level}: {cell.throughput:.1f} r/s p95 {cell.percentile(95)} ms")
    out["peak_rss_kb"] = memory.peak_kb
    out["startup_s"] = service.startup_s
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the service against Oxigraph server on the same data.")
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measured cell")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the SPARQL mix")
    parser.add_argument("--cq-rounds", type=int, default=1, help="rounds of the competency questions (each may take 10 s)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 16])
    parser.add_argument("--processes", type=int, default=2, help="service processes in the multi-process run")
    parser.add_argument("--small", type=int, default=1000, help="articles in the small store (dump memory growth); 0: skip")
    parser.add_argument("--workdir", default=str(REPO / "build" / "bench"))
    parser.add_argument("--note", default="", help="a sentence for the report (e.g. what else ran on the machine)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        help="measure how costs grow at these corpus sizes (e.g. 1000,10000,100000); see bench/scaling.py")
    parser.add_argument("--keep", action="store_true", help="with --sizes: keep the sizes measured earlier today in the results")
    parser.add_argument("--load-record", default=None,
                        help="with --sizes: our side only, on a store already loaded; the load's figures from this JSON (see bench/scaling.py)")
    parser.add_argument("--quads", default=0, help="with --load-record: quads loaded")
    parser.add_argument("--no-download", action="store_true", help="with --load-record: skip the first full download")
    parser.add_argument("--load-only", action="store_true",
                        help="with --sizes: only generate and load (a later run reuses the stores and their load figures)")
    args = parser.parse_args(argv)
    if oxigraph_executable() is None:
        parser.error("the oxigraph CLI is missing: pip install 'oxigraph>=0.5.13,<0.6' (make install does)")
    if args.sizes:
        from .scaling import run_sizes

        out = run_sizes(args.sizes, args, machine())
        log(f"wrote {out.relative_to(REPO)} and docs/performance.md")
        return
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "articles": args.articles, "seed": args.seed, "duration_s": args.duration,
                     "rounds": args.rounds, "concurrency": args.concurrency, "note": args.note}
    log(f"data: {args.articles} articles")
    files = prepare_data(work, args.articles, args.seed)
    results["files"] = [f.name for f in files]
    log("loading with kg load and oxigraph load")
    results["load"] = load_both(work, files)
    log(f"load: {results['load']}")
    results["startup"] = startup(work)
    log(f"startup: {results['startup']}")
    with oxigraph_serve(work / "oxigraph") as theirs:
        sample = workload.sample(theirs.url + "query")
    mix = workload.scale_queries(sample)
    results["mix"] = sorted({name for name, _ in mix})
    results.update(serve_phase(work, sample, mix, args))
    results["multiprocess"] = multiprocess_phase(work, sample, mix, args)
    results["cli_dumps"] = cli_dumps(work, small_store(work, args.small, args.seed) if args.small else None)
    results["machine"]["load_average_end"] = open("/proc/loadavg").read().split()[:3]
    out = REPO / "bench" / "results" / f"{dt.date.today().isoformat()}-{args.articles}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    write_report(results, REPO / "docs" / "performance.md")
    log(f"wrote {out.relative_to(REPO)} and docs/performance.md")


if __name__ == "__main__":
    main()
