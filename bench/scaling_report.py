"""Render a scaling run (``bench/results/*-scaling.json``) as ``docs/performance.md``
and its log-log plot ``docs/performance-growth.svg`` (written here, no plotting
library); the prose of ``bench/analysis.md`` is appended.

    python -m bench.scaling_report bench/results/2026-12-02-scaling.json
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from .measure import median

ANALYSIS = Path(__file__).with_name("analysis.md")
PLOT = "performance-growth.svg"
TARGET_SIZE = 10000


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _cheap(r: dict, who: str, name: str):
    return median([c["by_name"].get(name, {}).get("median_ms") for c in r.get("cheap", {}).get(who, [])])


def _dl_quad_ratio(r: dict):
    """Quads per second of the first download against ``oxigraph dump``'s
    (whose store also holds the merged default graph: it writes more quads)."""
    d, o = r["download_cold"], r["oxigraph_dump"]
    return (r["load"]["quads"] / d["seconds"]) / (o["quads"] / o["seconds"])


def _cheap_ratio(name: str):
    return lambda r: _cheap(r, "ours", name) / _cheap(r, "oxigraph", name)


def _dl_ratio(r: dict):
    d, o = r.get("download_cold"), r.get("oxigraph_dump")
    return d["mb_per_s"] / o["mb_per_s"] if d and o and o.get("mb_per_s") else None


# name, unit, how to read it from one size's results, target (predicate, text) or None, lower is better
FIGURES = [
    ("load time, `kg load` with the merge", "s", lambda r: r["load"]["ours"]["load_s"], None),
    ("load rate, `kg load`", "quads/s", lambda r: r["load"]["ours"]["rate"], (lambda v: v >= 100_000, ">= 100,000")),
    ("load rate, `oxigraph load`", "quads/s", lambda r: r["load"]["oxigraph"]["rate"], None),
    ("store on disk, ours", "MB", lambda r: r["load"]["disk_bytes"]["ours"] / 1e6, None),
    ("store on disk, Oxigraph (same merged default graph)", "MB", lambda r: r["load"]["disk_bytes"]["oxigraph"] / 1e6, None),
    ("start-up on the existing store", "s", lambda r: r["startup"]["ours_s"], (lambda v: v < 2, "< 2 s")),
    ("first page after start (whole-dataset figures)", "s", lambda r: r["first_page"]["seconds"], None),
    ("`/healthz` on a fresh service (it counts the store's quads)", "s", lambda r: r["healthz"]["seconds"], None),
    ("fresh entity page p95, concurrency 4", "ms", lambda r: r["fresh_pages"]["p95_ms"], (lambda v: v < 50, "< 50 ms")),
    ("fresh entity page p50, concurrency 4", "ms", lambda r: r["fresh_pages"]["p50_ms"], None),
    ("fresh entity page p95, concurrency 4, two processes (gunicorn)", "ms", lambda r: r["fresh_pages_2proc"]["p95_ms"],
     (lambda v: v < 50, "< 50 ms")),
    ("first search (index build)", "s", lambda r: r["search"]["first_s"], None),
    ("search p95, concurrency 4", "ms", lambda r: r["search"]["p95_ms"], (lambda v: v < 50, "< 50 ms")),
    ("SPARQL mix, ours, concurrency 4", "q/s", lambda r: r["mix"]["ours"]["throughput"], None),
    ("SPARQL mix, Oxigraph, concurrency 4", "q/s", lambda r: r["mix"]["oxigraph"]["throughput"], None),
    ("SPARQL mix ratio ours / Oxigraph", "x", lambda r: r["mix"]["ours"]["throughput"] / r["mix"]["oxigraph"]["throughput"],
     (lambda v: v >= 0.8, ">= 0.8x")),
    *[(f"`{n}` median ratio ours / Oxigraph", "x", _cheap_ratio(n), (lambda v: v <= 1.5, "<= 1.5x"))
      for n in ("describe", "incoming", "person-talks")],
    ("first full N-Quads download", "MB/s", lambda r: r["download_cold"]["mb_per_s"], None),
    ("`oxigraph dump`", "MB/s", lambda r: r["oxigraph_dump"]["mb_per_s"], None),
    ("first download / `oxigraph dump` rate", "x", _dl_ratio, (lambda v: v >= 0.5, ">= 0.5x")),
    ("first download / `oxigraph dump`, in quads per second", "x", lambda r: _dl_quad_ratio(r), None),
    ("`kg dump` (CLI)", "MB/s", lambda r: r["kg_dump"]["mb_per_s"], None),
    ("peak memory, `kg dump` (CLI)", "MB", lambda r: r["kg_dump"]["peak_rss_kb"] / 1024, None),
    ("peak memory, `oxigraph dump`", "MB", lambda r: r["oxigraph_dump"]["peak_rss_kb"] / 1024, None),
    ("peak memory during the first download (service tree)", "MB", lambda r: r["download_cold"]["peak_rss_kb"] / 1024, None),
    ("peak memory serving, ours (service tree)", "MB", lambda r: r["memory_serving"]["ours_peak_rss_kb"] / 1024, None),
    ("peak memory serving, Oxigraph server", "MB", lambda r: r["memory_serving"]["oxigraph_peak_rss_kb"] / 1024, None),
    ("peak memory, `kg load`", "MB", lambda r: r["load"]["ours"]["peak_rss_kb"] / 1024, None),
    ("hot page (most linked person), one request", "s", lambda r: r["hot_page"]["seconds"], None),
]
# Figures drawn on the plot (costs: time, space, memory).
PLOTTED = ["load time, `kg load` with the merge", "store on disk, ours", "start-up on the existing store",
           "fresh entity page p95, concurrency 4", "search p95, concurrency 4", "first search (index build)",
           "peak memory serving, ours (service tree)", "peak memory during the first download (service tree)",
           "peak memory, `kg dump` (CLI)", "hot page (most linked person), one request"]


def value(r: dict, get):
    try:
        v = get(r)
    except (KeyError, TypeError, ZeroDivisionError):
        return None
    return v if isinstance(v, (int, float)) and v > 0 else None


def exponent(points: list[tuple[float, float]]) -> float | None:
    """Slope of the least-squares line through (log n, log y)."""
    pts = [(math.log(n), math.log(y)) for n, y in points if y]
    if len(pts) < 2:
        return None
    mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def good_sizes(results: dict) -> list[tuple[int, dict]]:
    """Sizes with at least their load measured (a size still running, or
    stopped part-way, shows what it measured)."""
    return sorted((int(n), r) for n, r in results["sizes"].items() if "load" in r)


def growth_table(results: dict) -> list[str]:
    sizes = good_sizes(results)
    head = "| figure | " + " | ".join(f"{n:,} articles ({r['load']['quads']:,} quads)" for n, r in sizes) + " | growth exponent | target: first size missed |"
    rows = [head, "|---|" + "---|" * len(sizes) + "---|---|"]
    apart = {n for n, r in sizes if r.get("ours_only")}
    for name, unit, get, target in FIGURES:
        vals = [(n, value(r, get)) for n, r in sizes]
        if all(v is None for _, v in vals):
            continue
        # A size measured apart (our side only, its load watched from outside at a lower
        # priority, start-up probed with ASK) is shown but left out of the load and start-up slopes.
        odd = name.startswith(("load ", "start-up", "peak memory, `kg load`"))
        b = exponent([(n, v) for n, v in vals if v is not None and not (odd and n in apart)])
        digits = 2 if unit in ("x", "s") else (0 if unit in ("quads/s", "MB") else 1)
        miss = ""
        if target:
            ok, text = target
            missed = [n for n, v in vals if v is not None and not ok(v)]
            miss = f"{text}: " + (f"missed from {missed[0]:,}" if missed else "met at every size")
        cells = [_f(v, digits) + (" *" if odd and n in apart and v is not None else "") for n, v in vals]
        rows.append(f"| {name} ({unit}) | " + " | ".join(cells) + f" | {_f(b, 2)} | {miss} |")
    return rows


def breaks_first(results: dict) -> list[str]:
    """Per target figure: the first size that misses it, or where the fitted
    power law says it would (extrapolated from the sizes measured)."""
    sizes = good_sizes(results)
    out = []
    for name, unit, get, target in FIGURES:
        if not target:
            continue
        vals = [(n, value(r, get)) for n, r in sizes if value(r, get) is not None]
        if not vals:
            continue
        ok, text = target
        missed = [n for n, v in vals if not ok(v)]
        b = exponent(vals)
        if missed:
            out.append((missed[0], f"{name} ({text}): missed at {missed[0]:,} articles ({_f(dict(vals)[missed[0]], 2)} {unit})"))
            continue
        n_last, v_last = vals[-1]
        bound = float(text.split()[1].replace(",", "").rstrip("x"))
        if b and abs(b) > 0.05 and ((text.startswith("<") and b > 0) or (text.startswith(">") and b < 0)):
            cross = n_last * (bound / v_last) ** (1 / b)
            out.append((cross, f"{name} ({text}): met up to {n_last:,}; at exponent {b:.2f} it would cross near {cross:,.0f} articles"))
        else:
            out.append((math.inf, f"{name} ({text}): met up to {n_last:,}, not getting worse (exponent {_f(b, 2)})"))
    return [f"- {text}" for _, text in sorted(out, key=lambda x: x[0])]


def svg_plot(results: dict) -> str:
    """Log-log plot of each cost relative to its value at the smallest size."""
    sizes = good_sizes(results)
    series = []
    for name, _unit, get, _ in FIGURES:
        if name not in PLOTTED:
            continue
        vals = [(n, value(r, get)) for n, r in sizes]
        vals = [(n, v) for n, v in vals if v]
        if len(vals) >= 2:
            series.append((name, [(n, v / vals[0][1]) for n, v in vals], exponent(vals)))
    w, h, left, right, top, bottom = 1040, 520, 70, 440, 30, 50
    ns = [n for n, _ in sizes] or [1000, 100000]
    xmin = math.log10(min(ns))
    xmax = math.log10(max(ns)) if max(ns) > min(ns) else xmin + 1
    ys = [v for _, pts, _ in series for _, v in pts] + [1.0, max(ns) / min(ns)]
    ymin, ymax = math.floor(math.log10(min(ys)) * 2) / 2, math.ceil(math.log10(max(ys)) * 2) / 2
    if ymax - ymin < 0.5:
        ymax = ymin + 1
    X = lambda n: left + (math.log10(n) - xmin) / (xmax - xmin) * (w - left - right)  # noqa: E731
    Y = lambda v: top + (ymax - math.log10(v)) / (ymax - ymin) * (h - top - bottom)  # noqa: E731
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">How each cost grows with the corpus (log-log, relative to {min(ns):,} articles)</text>']
    for n in ns:
        out.append(f'<line x1="{X(n):.1f}" y1="{top}" x2="{X(n):.1f}" y2="{h - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{X(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n:,}</text>')
    e = ymin
    while e <= ymax + 1e-9:
        out.append(f'<line x1="{left}" y1="{Y(10 ** e):.1f}" x2="{w - right}" y2="{Y(10 ** e):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{Y(10 ** e) + 4:.1f}" text-anchor="end">{10 ** e:g}x</text>')
        e += 0.5
    out.append(f'<text x="{(left + w - right) / 2:.0f}" y="{h - 12}" text-anchor="middle">articles</text>')
    # Reference: linear growth (exponent 1).
    out.append(f'<line x1="{X(min(ns)):.1f}" y1="{Y(1):.1f}" x2="{X(max(ns)):.1f}" y2="{Y(max(ns) / min(ns)):.1f}" '
               'stroke="#000" stroke-dasharray="5,4"/>')
    out.append(f'<text x="{w - right + 10}" y="{top + 10}">- - - linear (exponent 1)</text>')
    for i, (name, pts, b) in enumerate(series):
        c = colors[i % len(colors)]
        path = " ".join(f"{X(n):.1f},{Y(v):.1f}" for n, v in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        out += [f'<circle cx="{X(n):.1f}" cy="{Y(v):.1f}" r="3" fill="{c}"/>' for n, v in pts]
        label = name.replace("`", "")
        out.append(f'<text x="{w - right + 10}" y="{top + 30 + i * 18}" fill="{c}">{label} ({_f(b, 2)})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def target_rows(results: dict) -> list[str]:
    sizes = {n: r for n, r in good_sizes(results) if not r.get("partial")}
    n = TARGET_SIZE if TARGET_SIZE in sizes else (max(sizes) if sizes else None)
    if n is None:
        return ["No size was measured to the end."]
    r = sizes[n]
    rows = [f"At {n:,} articles ({r['load']['quads']:,} quads), against Oxigraph in the same run "
            f"(load average {' '.join(r['load_average_start'])} at the start of this size, {' '.join(r.get('load_average_end', ['(not finished)']))} at its end):", "",
            "| target | measured | Oxigraph, same run | verdict |", "|---|---|---|---|"]
    fp = r["fresh_pages"]
    rows.append(f"| (a) fresh entity page p95 < 50 ms at concurrency 4 | p95 {_f(fp['p95_ms'])} ms, p50 {_f(fp['p50_ms'])} ms "
                f"({fp['ok']} pages, each once, {fp['errors']} errors) | (no pages) | "
                f"{'met' if fp['p95_ms'] is not None and fp['p95_ms'] < 50 and not fp['errors'] else 'missed'} |")
    fp2 = r.get("fresh_pages_2proc", {})
    if fp2.get("p95_ms") is not None:
        rows.append(f"| (a) the same pages, two service processes (gunicorn, one port) | p95 {_f(fp2['p95_ms'])} ms, p50 {_f(fp2['p50_ms'])} ms "
                    f"({fp2['ok']} pages, {fp2['errors']} errors) | (no pages) | {'met' if fp2['p95_ms'] < 50 and not fp2['errors'] else 'missed'} |")
    lo = r["load"]
    rows.append(f"| (b) `kg load` >= 100,000 quads/s with the merge | {_f(lo['ours']['rate'], 0)} quads/s ({_f(lo['ours']['load_s'])} s) | "
                f"`oxigraph load` {_f(lo['oxigraph']['rate'], 0)} quads/s ({_f(lo['oxigraph']['load_s'])} s; its merge {_f(lo['oxigraph']['merge_s'])} s more) | "
                f"{'met' if lo['ours']['rate'] >= 100_000 else 'missed'} |")
    dl, od = r["download_cold"], r["oxigraph_dump"]
    ratio = _dl_ratio(r)
    rows.append(f"| (c) first full N-Quads download >= 0.5x `oxigraph dump` | {_f(dl['mb_per_s'])} MB/s ({_f(dl['seconds'])} s), "
                f"peak {_f(dl['peak_rss_kb'] / 1024, 0)} MB: {_f(ratio, 2)}x | `oxigraph dump` {_f(od['mb_per_s'])} MB/s; "
                f"`GET /store` {_f(r['oxigraph_get_store']['mb_per_s'])} MB/s | {'met' if ratio and ratio >= 0.5 else 'missed'} on rate |")
    if "quads" in od:
        qr = value(r, _dl_quad_ratio)
        rows.append(f"| (c) the same, in quads per second (Oxigraph's store also holds the merged default graph: "
                    f"{od['quads']:,} quads against our {r['load']['quads']:,}) | {_f(r['load']['quads'] / dl['seconds'], 0)} quads/s: {_f(qr, 2)}x | "
                    f"{_f(od['quads'] / od['seconds'], 0)} quads/s | {'met' if qr and qr >= 0.5 else 'missed'} per quad |")
    if "kg_dump" in r:
        k = r["kg_dump"]
        rows.append(f"| (c) memory: `kg dump` peak | {_f(k['peak_rss_kb'] / 1024, 0)} MB for {k['bytes'] / 1e6:,.0f} MB written | "
                    f"`oxigraph dump` {_f(od['peak_rss_kb'] / 1024, 0)} MB | see the growth table |")
    for name in ("describe", "incoming", "person-talks"):
        a, b = _cheap(r, "ours", name), _cheap(r, "oxigraph", name)
        ok = a is not None and b is not None and a / b <= 1.5
        rows.append(f"| (d) `{name}` median <= 1.5x Oxigraph's | {_f(a, 2)} ms: {_f(a / b if a and b else None, 2)}x | {_f(b, 2)} ms | "
                    f"{'met' if ok else 'missed'} |")
    return rows


def safe_target_rows(results: dict) -> list[str]:
    try:
        return target_rows(results)
    except (KeyError, TypeError) as exc:
        return [f"The target size was not measured to the end (missing: {exc})."]


def render(results: dict) -> str:
    m = results["machine"]
    sizes = good_sizes(results)
    failed = [(int(n), r) for n, r in results["sizes"].items() if "failed" in r or r.get("partial")]
    lines = [
        "# Performance", "",
        "Generated by `make bench-sizes` (`python -m bench.run --sizes 1000,10000,100000`, `bench/scaling.py`; raw figures in "
        "`bench/results/*-scaling.json`, kept local) with the explanations of `bench/analysis.md`.", "",
        f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        "Oxigraph server (`oxigraph` CLI) of the same version.",
        f"- **Date / commit:** {m['date']}, commit `{m['commit']}`.",
        f"- **Load on the machine:** load average {' '.join(m['load_average'])} at the start, "
        f"{' '.join(m.get('load_average_end', ['?']))} at the end, on {m['cores']} cores, shared with other work. Absolute figures "
        "are noisy; ratios come from both servers measured in the same minutes (alternating where it matters), and medians are quoted. "
        + (results.get("note") or ""),
        "- **Data:** synthetic articles (seed 1, `bench/generator.py`, about 240 quads each) plus the real article graph; "
        "both stores hold the merge of the named graphs in their default graph, so both servers answer the same rows.",
        "- **Method:** fresh pages: a seeded sample of event, person and place pages not requested before in the run, each "
        "requested once by 4 keep-alive clients (after one first page, which builds the whole-dataset figures). Cheap "
        "queries: each of `describe`, `incoming`, `person-talks` on 60 sampled entities, one at a time, the servers "
        "alternating, median per query. Mix: the whole SPARQL mix once per server at concurrency 4. Download: the first "
        "`/downloads/dataset.nq` of a fresh service (made, with its gzip twin, before it is sent) against `oxigraph dump` of "
        "Oxigraph's store, run before and after the serving phase (mean time); `kg dump` (CLI) right after.", "",
        "## The four targets (issue 14)", "", *safe_target_rows(results), "",
        "## How it grows", "",
        f"![log-log plot of the costs]({PLOT})", "",
        *growth_table(results), "",
        "The growth exponent is the slope of the least-squares line through log(figure) against log(articles): "
        "1 is linear, 0 flat. The corpus grows linearly in quads with the articles. * measured apart (our side only: "
        "the load watched from outside, at `nice 10`, wall time including compaction; start-up probed with `ASK {}`, "
        "not `/healthz`) and left out of that row's exponent.", "",
        "### Where it breaks first", "", *breaks_first(results), "",
    ]
    partial = [(n, r) for n, r in sizes if r.get("ours_only")]
    if partial:
        lines += ["Measured on our side only (Oxigraph's load of the same data could not finish in the session; see "
                  "`bench/analysis.md`): " + ", ".join(f"{n:,} articles" for n, _ in partial) + ". Their load figures are "
                  "the `kg load` process watched from outside: wall time including the final compaction.", ""]
    if failed:
        lines += ["Sizes that did not finish (their figures above are those measured before it stopped): "
                  + "; ".join(f"{n:,}: {r.get('failed', 'still running or stopped part-way')}" for n, r in failed), ""]
    if sizes:
        lines += ["### Cheap page-shaped queries, per size (median ms, ours / Oxigraph)", "",
                  "| articles | " + " | ".join(f"`{n}`" for n in ("describe", "incoming", "person-talks")) + " |", "|---|---|---|---|"]
        for n, r in sizes:
            lines.append(f"| {n:,} | " + " | ".join(f"{_f(_cheap(r, 'ours', q), 2)} / {_f(_cheap(r, 'oxigraph', q), 2)}"
                                                    for q in ("describe", "incoming", "person-talks")) + " |")
        lines.append("")
        lines += ["### Per size: when measured, load on the machine", "",
                  "| articles | commit | started | load average start / end | loads reused from an earlier run |", "|---|---|---|---|---|"]
        for n, r in sizes:
            lines.append(f"| {n:,} | `{r.get('commit', '?')}` | {r['started']} | {' '.join(r['load_average_start'])} / "
                         f"{' '.join(r.get('load_average_end', ['(not finished)']))} | {'yes' if r['load'].get('reused') else 'no'} |")
        lines.append("")
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().strip(), ""]
    return "\n".join(lines)


def write_scaling_report(results: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(results))
    (target.parent / PLOT).write_text(svg_plot(results))


if __name__ == "__main__":
    write_scaling_report(json.loads(Path(sys.argv[1]).read_text()), Path(__file__).resolve().parent.parent / "docs" / "performance.md")
