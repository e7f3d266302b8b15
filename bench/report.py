"""Render a benchmark run (``bench/results/*.json``) as ``docs/performance.md``.

The numbers are generated; the explanations of gaps and the plan are prose
kept in ``bench/analysis.md`` and appended, so that ``make bench`` refreshes
the tables without losing them.

    python -m bench.report bench/results/2026-11-25-10000.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .measure import median

ANALYSIS = Path(__file__).with_name("analysis.md")


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _mb(kb) -> str:
    return "n/a" if not kb else f"{kb / 1024:,.0f} MB"


def _med(cells: list[dict], key: str):
    return median([c.get(key) for c in cells])


def _ratio(a, b) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}x"


def sparql_table(r: dict) -> list[str]:
    rows = ["| concurrency | ours q/s | Oxigraph q/s | ratio | ours p50 / p95 / p99 ms | Oxigraph p50 / p95 / p99 ms | errors ours / Oxigraph |",
            "|---|---|---|---|---|---|---|"]
    for level in map(str, r["concurrency"]):
        ours, theirs = r["sparql"]["ours"][level], r["sparql"]["oxigraph"][level]
        lat = lambda cells: " / ".join(_f(_med(cells, k)) for k in ("p50_ms", "p95_ms", "p99_ms"))  # noqa: E731
        rows.append(f"| {level} | {_f(_med(ours, 'throughput'))} | {_f(_med(theirs, 'throughput'))} | "
                    f"{_ratio(_med(ours, 'throughput'), _med(theirs, 'throughput'))} | {lat(ours)} | {lat(theirs)} | "
                    f"{sum(c['errors'] for c in ours)} / {sum(c['errors'] for c in theirs)} |")
    return rows


def per_query_table(r: dict, level: str = "1") -> list[str]:
    """Median latency per query of the mix at concurrency ``level``."""
    ours, theirs = r["sparql"]["ours"].get(level, []), r["sparql"]["oxigraph"].get(level, [])
    names = sorted({n for c in ours + theirs for n in c.get("by_name", {})})
    rows = [f"| query (concurrency {level}) | ours median ms | Oxigraph median ms | ratio | failed ours / Oxigraph |", "|---|---|---|---|---|"]
    for name in names:
        a = median([c["by_name"].get(name, {}).get("median_ms") for c in ours])
        b = median([c["by_name"].get(name, {}).get("median_ms") for c in theirs])
        ea = sum(c["by_name"].get(name, {}).get("errors", 0) for c in ours)
        eb = sum(c["by_name"].get(name, {}).get("errors", 0) for c in theirs)
        rows.append(f"| {name} | {_f(a)} | {_f(b)} | {_ratio(a, b)} | {ea} / {eb} |")
    return rows


def competency_table(r: dict) -> list[str]:
    cq = r.get("competency")
    if not cq:
        return []
    rows = ["| competency question | ours ms | Oxigraph ms | ratio | rows | ours status | Oxigraph status |", "|---|---|---|---|---|---|---|"]
    for name in sorted(cq["ours"]):
        mine, theirs = cq["ours"][name], cq["oxigraph"].get(name, [])
        a, b = median([x["ms"] for x in mine]), median([x["ms"] for x in theirs])
        rows_seen = sorted({x["rows"] for x in mine + theirs if x["rows"] is not None})
        sa = ", ".join(x["status"] for x in mine)
        sb = ", ".join(x["status"] for x in theirs)
        rows.append(f"| {name} | {_f(a)} | {_f(b)} | {_ratio(a, b)} | {', '.join(map(str, rows_seen)) or 'n/a'} | {sa} | {sb} |")
    return rows


def pages_table(r: dict) -> list[str]:
    rows = ["| workload | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors (statuses) |", "|---|---|---|---|---|---|---|"]
    for name, cells in r["pages"].items():
        for level, c in cells.items():
            bad = {k: v for k, v in c["statuses"].items() if not str(k).startswith("2")}
            rows.append(f"| {name} | {level} | {_f(c['throughput'])} | {_f(c['p50_ms'])} | {_f(c['p95_ms'])} | {_f(c['p99_ms'])} | {c['errors']} {bad or ''} |")
    for level, c in r.get("describe_oxigraph", {}).items():
        rows.append(f"| Oxigraph `DESCRIBE` (vs entity RDF) | {level} | {_f(c['throughput'])} | {_f(c['p50_ms'])} | {_f(c['p95_ms'])} | {_f(c['p99_ms'])} | {c['errors']} |")
    return rows


def targets(r: dict) -> list[str]:
    """Each target of the issue: measured value, met or by how much missed."""
    c4 = str(4 if 4 in r["concurrency"] else r["concurrency"][-1])
    ratio = _med(r["sparql"]["ours"][c4], "throughput") / max(_med(r["sparql"]["oxigraph"][c4], "throughput") or 1e-9, 1e-9)
    page = r["pages"].get("entity page (HTML)", {}).get(c4, {})
    search = r["pages"].get("search", {}).get(c4, {})
    dump = r["dumps"]
    dump_ratio = dump["ours_download_warm"]["mb_per_s"] / dump["oxigraph_get_store"]["mb_per_s"]
    cold_ratio = dump["ours_download_cold"]["mb_per_s"] / dump["oxigraph_get_store"]["mb_per_s"]
    mem = r["memory_serving"]
    mem_ratio = mem["ours_peak_rss_kb"] / max(mem["oxigraph_peak_rss_kb"], 1)
    load = r["load"]["ours"]["rate"]
    start = r["startup"]["ours_s"]

    def row(name, measured, ok, gap=""):
        return f"| {name} | {measured} | {'met' if ok else 'missed' + (': ' + gap if gap else '')} |"

    p95, s95 = page.get("p95_ms"), search.get("p95_ms")
    return [
        "| target | measured | verdict |", "|---|---|---|",
        row(f"SPARQL mix at concurrency {c4} >= 0.8x Oxigraph server", f"{ratio:.2f}x", ratio >= 0.8, f"{0.8 / max(ratio, 1e-9):.1f}x short"),
        row("entity page (HTML) p95 < 50 ms, pages kept by the page cache (the mix repeats a sample)",
            f"{_f(p95)} ms (c={c4}, {page.get('errors', 'n/a')} errors)", p95 is not None and p95 < 50 and not page.get("errors"),
            f"{(p95 or 0) / 50:.1f}x over" if p95 else "no successful request"),
        "| entity page (HTML) p95 < 50 ms, pages never served before | see [pages-performance.md](pages-performance.md) "
        "(`bench/pages_profile.py`, measured apart) | see there |",
        row("search p95 < 50 ms", f"{_f(s95)} ms (c={c4})", s95 is not None and s95 < 50, f"{(s95 or 0) / 50:.1f}x over"),
        row("start-up on an existing store < 2 s", f"{_f(start, 2)} s", start is not None and start < 2, f"{(start or 0) / 2:.1f}x over"),
        row("load >= 100,000 triples/s", f"{_f(load, 0)} quads/s", load >= 100_000, f"{100_000 / load:.1f}x short"),
        row("N-Quads dump >= 0.5x Oxigraph's rate, first request (file made while streamed)", f"{cold_ratio:.2f}x",
            cold_ratio >= 0.5, f"{0.5 / max(cold_ratio, 1e-9):.1f}x short"),
        row("N-Quads dump >= 0.5x Oxigraph's rate, later requests (file kept)", f"{dump_ratio:.2f}x", dump_ratio >= 0.5,
            f"{0.5 / max(dump_ratio, 1e-9):.1f}x short"),
        row("peak memory serving <= 1.5x Oxigraph server's", f"{mem_ratio:.2f}x ({_mb(mem['ours_peak_rss_kb'])} vs {_mb(mem['oxigraph_peak_rss_kb'])})",
            mem_ratio <= 1.5, f"{mem_ratio / 1.5:.1f}x over"),
    ]


def other_tables(r: dict) -> list[str]:
    load, start, d, cli = r["load"], r["startup"], r["dumps"], r.get("cli_dumps", {})
    lines = ["## Load, start-up, dumps, memory", "",
             "| measure | ours | Oxigraph | ratio |", "|---|---|---|---|",
             f"| load rate (quads/s) | {_f(load['ours']['rate'], 0)} (`kg load`; then {_f(load['ours']['compact_s'])} s compaction) | "
             f"{_f(load['oxigraph']['rate'], 0)} (`oxigraph load`; `optimize` {_f(load['oxigraph']['optimize_s'])} s) | "
             f"{_ratio(load['ours']['rate'], load['oxigraph']['rate'])} |",
             f"| load peak memory | {_mb(load['ours']['peak_rss_kb'])} | {_mb(load['oxigraph']['peak_rss_kb'])} | |",
             f"| start-up on the existing store (median of {len(start['ours_runs'])}) | {_f(start['ours_s'], 2)} s | {_f(start['oxigraph_s'], 2)} s | |",
             f"| full N-Quads over HTTP | first request (made, cached): {_f(d['ours_download_cold']['mb_per_s'])} MB/s, "
             f"{_f(d['ours_download_cold']['seconds'])} s, peak {_mb(d['ours_download_cold'].get('peak_rss_kb'))}; "
             f"later: {_f(d['ours_download_warm']['mb_per_s'])} MB/s | GET /store: {_f(d['oxigraph_get_store']['mb_per_s'])} MB/s, "
             f"peak {_mb(d['oxigraph_get_store'].get('peak_rss_kb'))} | {_ratio(d['ours_download_warm']['mb_per_s'], d['oxigraph_get_store']['mb_per_s'])} (cached) |",
             f"| peak memory while serving (process tree) | {_mb(r['memory_serving']['ours_peak_rss_kb'])} | {_mb(r['memory_serving']['oxigraph_peak_rss_kb'])} | "
             f"{_ratio(r['memory_serving']['ours_peak_rss_kb'], r['memory_serving']['oxigraph_peak_rss_kb'])} |"]
    if cli:
        k, o = cli["kg_dump"], cli["oxigraph_dump"]
        lines.append(f"| dump CLI (N-Quads file) | `kg dump`: {_f(k['seconds'])} s, {_f(k['bytes'] / max(k['seconds'], 1e-9) / 1e6)} MB/s, "
                     f"peak {_mb(k['peak_rss_kb'])} | `oxigraph dump`: {_f(o['seconds'])} s, {_f(o['bytes'] / max(o['seconds'], 1e-9) / 1e6)} MB/s, "
                     f"peak {_mb(o['peak_rss_kb'])} | {_ratio(k['bytes'] / max(k['seconds'], 1e-9), o['bytes'] / max(o['seconds'], 1e-9))} |")
        if "kg_dump_small" in cli:
            s = cli["kg_dump_small"]
            lines.append(f"| `kg dump` memory vs dataset size | small store: {_mb(s['peak_rss_kb'])} for {s['bytes'] / 1e6:,.0f} MB; "
                         f"big store: {_mb(k['peak_rss_kb'])} for {k['bytes'] / 1e6:,.0f} MB | | |")
    return lines


def multiprocess_lines(r: dict) -> list[str]:
    m = r.get("multiprocess", {})
    if "sparql" not in m:
        return [f"Several processes: {m.get('skipped', 'not run')}."]
    lines = [f"## Several processes behind one port (gunicorn, {m['processes']} processes x 8 threads, 1 query worker each)", "",
             "| concurrency | SPARQL q/s (one `kg serve`) | SPARQL q/s (gunicorn) | entity page r/s (one) | entity page r/s (gunicorn) | gunicorn page p95 ms |",
             "|---|---|---|---|---|---|"]
    for level in map(str, r["concurrency"]):
        one = _med(r["sparql"]["ours"][level], "throughput")
        page_one = r["pages"].get("entity page (HTML)", {}).get(level, {}).get("throughput")
        lines.append(f"| {level} | {_f(one)} | {_f(m['sparql'][level]['throughput'])} | {_f(page_one)} | "
                     f"{_f(m['pages'][level]['throughput'])} | {_f(m['pages'][level]['p95_ms'])} |")
    lines += ["", f"Peak memory of the gunicorn tree: {_mb(m['peak_rss_kb'])}; start-up {_f(m['startup_s'], 2)} s."]
    return lines


def render(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Performance", "",
        "Generated by `make bench` (`python -m bench.run`; raw figures in `bench/results/*.json`, kept local) "
        "with the explanations and plan of `bench/analysis.md`.", "",
        f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; Python {m['python']}, pyoxigraph {m['pyoxigraph']}, Oxigraph server (`oxigraph` CLI) of the same version.",
        f"- **Date / commit:** {m['date']}, commit `{m['commit']}`.",
        f"- **Load on the machine:** load average {' '.join(m['load_average'])} at the start, "
        f"{' '.join(m.get('load_average_end', ['?']))} at the end, on {m['cores']} cores. Absolute figures are noisy; the ratios come from runs of both "
        "servers alternating in the same minutes, and medians are quoted. " + (r.get("note") or ""),
        f"- **Data:** {r['articles']:,} synthetic articles (seed {r['seed']}, `bench/generator.py`) plus {', '.join(r['files'][1:]) or 'no real article'}: "
        f"{r['load']['quads']:,} quads.",
        f"- **Method:** closed-loop clients with keep-alive connections, {r['duration_s']:g} s per cell, {r['rounds']} alternating rounds for the SPARQL mix; "
        f"each SPARQL cell runs the whole mix once ({', '.join(r['mix'])}, on sampled entities) so both servers answer exactly the same queries.", "",
        "## Targets (issue 6), at this size", "", *targets(r), "",
        "## SPARQL query mix: ours (`/sparql`) vs Oxigraph server (`/query`), same queries, same data", "", *sparql_table(r), "",
        "Per query of the mix (a ratio above 1 means ours is slower):", "",
        *per_query_table(r), "",
        "## Competency questions, one at a time, same 10 s budget on both (503: ours past the budget; 422: over our row cap; \"cut 200\": Oxigraph's streamed answer cut by its timeout)", "",
        *competency_table(r), "",
        "## Pages (ours only; Oxigraph's `DESCRIBE` for scale)", "", *pages_table(r), "",
        "Pages of the most-linked people (single requests, 60 s cap): "
        + "; ".join(f"`{h['path']}` {h['status']} in {h['seconds']} s" for h in r.get("hot_pages", [])) + ".", "",
        *other_tables(r), "", *multiprocess_lines(r), "",
    ]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().strip(), ""]
    return "\n".join(lines)


def write_report(results: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(results))


if __name__ == "__main__":
    path = Path(sys.argv[1])
    write_report(json.loads(path.read_text()), Path(__file__).resolve().parent.parent / "docs" / "performance.md")
