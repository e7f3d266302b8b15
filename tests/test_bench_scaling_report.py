"""``bench/scaling_report.py``: growth exponents, where a target breaks
first, the log-log plot and the page, from made-up results (no benchmark
is run here)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from bench.scaling_report import breaks_first, exponent, growth_table, render, svg_plot, target_rows


def size(n: int, *, page_p95: float, load_rate: float, dl_s: float, partial: bool = False) -> dict:
    cheap = [{"by_name": {q: {"median_ms": 1.8} for q in ("describe", "incoming", "person-talks")}}]
    cheap_ox = [{"by_name": {q: {"median_ms": 0.5} for q in ("describe", "incoming", "person-talks")}}]
    r = {
        "articles": n, "commit": "abc1234", "started": "2026-12-02 01:00 UTC", "load_average_start": ["1", "1", "1"],
        "load_average_end": ["1", "1", "1"],
        "load": {"quads": 240 * n, "ours": {"load_s": 240 * n / load_rate, "rate": load_rate, "peak_rss_kb": n * 150},
                 "oxigraph": {"load_s": 1.0, "rate": 2 * load_rate, "merge_s": 2.0}, "disk_bytes": {"ours": n * 1e5, "oxigraph": n * 1e5}},
        "startup": {"ours_s": 1.0 + n / 5000},
        "first_page": {"seconds": 0.1},
        "fresh_pages": {"p50_ms": page_p95 / 2, "p95_ms": page_p95, "ok": 200, "errors": 0},
        "search": {"first_s": n / 1000, "p95_ms": 20.0},
        "mix": {"ours": {"throughput": 100.0}, "oxigraph": {"throughput": 100.0}},
        "cheap": {"ours": cheap, "oxigraph": cheap_ox},
        "download_cold": {"seconds": dl_s, "mb_per_s": 0.023 * n / dl_s, "peak_rss_kb": 300_000},
        "oxigraph_dump": {"seconds": dl_s / 2, "mb_per_s": 0.046 * n / dl_s, "quads": 480 * n, "peak_rss_kb": 50_000},
        "oxigraph_get_store": {"mb_per_s": 10.0},
        "memory_serving": {"ours_peak_rss_kb": 250_000, "oxigraph_peak_rss_kb": 40_000},
        "hot_page": {"seconds": 0.1},
    }
    if partial:
        r["partial"] = True
        for key in ("fresh_pages", "search", "mix", "cheap", "download_cold", "oxigraph_dump"):
            del r[key]
    return r


def results(**sizes) -> dict:
    machine = {"cpu": "test", "cores": 2, "memory_gb": 1, "python": "3", "pyoxigraph": "0.5", "commit": "abc1234",
               "date": "2026-12-02 01:00 UTC", "load_average": ["1", "1", "1"]}
    return {"machine": machine, "note": "", "sizes": {str(n): r for n, r in sizes.items()}}


def test_exponent_is_the_log_log_slope():
    assert math.isclose(exponent([(1000, 2.0), (10000, 20.0), (100000, 200.0)]), 1.0)
    assert math.isclose(exponent([(1000, 5.0), (10000, 5.0)]), 0.0, abs_tol=1e-12)
    assert exponent([(1000, 5.0)]) is None


def test_growth_table_targets_and_where_it_breaks():
    r = results(**{"1000": size(1000, page_p95=30, load_rate=120_000, dl_s=4),
                   "10000": size(10000, page_p95=45, load_rate=90_000, dl_s=40)})
    table = "\n".join(growth_table(r))
    assert "| load rate, `kg load` (quads/s) | 120,000 | 90,000 |" in table
    assert ">= 100,000: missed from 10,000" in table
    assert "< 50 ms: met at every size" in table
    broken = "\n".join(breaks_first(r))
    # The page p95 grows (30 -> 45 ms, exponent 0.18) and is extrapolated past 50 ms.
    assert "fresh entity page p95, concurrency 4 (< 50 ms): met up to 10,000; at exponent 0.18 it would cross near" in broken
    assert broken.index("load rate") < broken.index("fresh entity page p95")  # the earlier break is listed first
    rows = "\n".join(target_rows(r))
    assert "At 10,000 articles (2,400,000 quads)" in rows
    assert "| (d) `describe` median <= 1.5x Oxigraph's | 1.80 ms: 3.60x | 0.50 ms | missed |" in rows
    assert "0.50x | `oxigraph dump`" in rows  # first download against oxigraph dump, per byte


def test_plot_is_well_formed_svg_with_one_line_per_cost():
    r = results(**{"1000": size(1000, page_p95=30, load_rate=100_000, dl_s=4),
                   "10000": size(10000, page_p95=40, load_rate=100_000, dl_s=40),
                   "100000": size(100000, page_p95=60, load_rate=100_000, dl_s=400)})
    root = ET.fromstring(svg_plot(r))
    lines = [e for e in root if e.tag.endswith("polyline")]
    assert len(lines) >= 5
    assert all(len(e.get("points").split()) == 3 for e in lines)


def test_a_size_stopped_part_way_is_shown_and_named():
    r = results(**{"1000": size(1000, page_p95=30, load_rate=100_000, dl_s=4),
                   "100000": size(100000, page_p95=30, load_rate=80_000, dl_s=4, partial=True)})
    page = render(r)
    assert "100,000 articles (24,000,000 quads)" in page
    assert "Sizes that did not finish" in page and "100,000: still running or stopped part-way" in page
    assert "At 1,000 articles" in page  # the targets are read from the complete size
