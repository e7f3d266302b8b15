"""Run the W3C query-evaluation tests against ``kg serve`` over HTTP.

For each distinct dataset (default-graph files, named-graph files, and the
files a query names in FROM / FROM NAMED), one N-Quads file is written and
served with ``kg serve --data FILE.nq --no-union-default-graph``; every test
on that dataset is then asked over the SPARQL protocol and its answer
compared with the expected result (``conformance.compare``). Prints one line
per failure and ends with ``N passed, M failed``.

``--engine oxigraph`` runs Oxigraph server (``oxigraph serve-read-only`` over
the same N-Quads, loaded with ``oxigraph load``) through the same harness;
``--engine both`` runs the two in the same run and prints a comparison,
over all tests and over the tests that need neither an entailment regime
nor SERVICE (the subset independent harnesses use).

    python -m conformance.run [--engine kg|oxigraph|both] [--only SUBSTRING] [--jobs 2] [--report FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from bench.servers import OxigraphServer, answers_ok, free_port, oxigraph_executable, stop_process, wait_until_ready
from kg.model.errors import KGError
from kg.storage.guard import check_query

from . import compare
from .manifest import Case, discover, path_of, url_of

REPO = Path(__file__).resolve().parent.parent
SUITE = Path(os.environ.get("KG_W3C_TESTS") or REPO.parent / "shared" / "w3c-sparql-tests")
PARSERS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML, ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def query_text(case: Case, suite: Path) -> str:
    """The query with its own URL as base, as if read from its published place."""
    return f"BASE <{url_of(case.query, suite)}>\n" + case.query.read_text(encoding="utf-8")


def dataset_of(case: Case, suite: Path) -> tuple:
    """(default-graph files, named-graph files) the test needs in the store."""
    named = set(case.graph_data)
    try:
        info = check_query(query_text(case, suite), max_bytes=10**7, max_nesting=10**4)
        for iri in (*info.default_graphs, *info.named_graphs):
            local = path_of(iri, suite)
            if local:
                named.add(local)
    except KGError:
        pass
    return tuple(case.data), tuple(sorted(named))


def write_nquads(dataset: tuple, target: Path, suite: Path) -> None:
    default, named = dataset
    quads = []
    for files, to_named in ((default, False), (named, True)):
        for path in files:
            url = url_of(path, suite)
            graph = ox.NamedNode(url) if to_named else ox.DefaultGraph()
            for q in ox.parse(path=str(path), format=PARSERS[path.suffix], base_iri=url, rename_blank_nodes=True):
                quads.append(ox.Quad(q.subject, q.predicate, q.object, graph))
    ox.serialize(quads, str(target), ox.RdfFormat.N_QUADS)


class Server:
    """``kg serve`` on a free loopback port for one dataset."""

    def __init__(self, nquads: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(nquads),
               "--no-union-default-graph", "--workers", "1", "--timeout", "10"]
        self.log = log.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(self.proc, lambda: answers_ok(self.url + "healthz"), 60, f"kg serve (see {log})")
        except RuntimeError:
            self.log.close()
            raise

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


class OxigraphPeer:
    """Oxigraph server, read-only, over the same N-Quads (default graph not a union)."""

    ACCEPT = {"json": "application/sparql-results+json", "tsv": "text/tab-separated-values",
              "csv": "text/csv", "nt": "application/n-triples"}

    def __init__(self, nquads: Path, log: Path):
        location = nquads.with_suffix(".oxigraph")
        subprocess.run([oxigraph_executable(), "load", "--location", str(location), "--file", str(nquads)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.server = OxigraphServer(location, read_only=True, log=log).start(timeout=60)
        self.endpoint = self.server.query_url

    def stop(self) -> None:
        self.server.stop()


ENGINES = {"kg": Server, "oxigraph": OxigraphPeer}


def ask(server, query: str, fmt: str) -> tuple[int, bytes]:
    """POST the query as a form; kg takes ``format=``, any endpoint takes Accept."""
    fields = {"query": query, "format": fmt} if isinstance(server, Server) else {"query": query}
    body = urllib.parse.urlencode(fields).encode()
    accept = "application/json" if isinstance(server, Server) else OxigraphPeer.ACCEPT[fmt]
    req = urllib.request.Request(server.endpoint, data=body, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def run_case(case: Case, server: Server, suite: Path) -> str | None:
    """None when the test passes, else why it fails."""
    if case.result is None:
        return "no expected result file"
    text = query_text(case, suite)
    try:
        form = check_query(text, max_bytes=10**7, max_nesting=10**4).form
    except KGError:
        form = None
    graph_query = form in ("CONSTRUCT", "DESCRIBE")
    ordered = bool(ORDER_BY.search(text))
    suffix = case.result.suffix
    fmt = "nt" if graph_query else {".csv": "csv", ".tsv": "tsv"}.get(suffix, "json")
    status, body = ask(server, text, fmt)
    if status != 200:
        try:
            message = json.loads(body).get("message", "")
        except ValueError:
            message = body[:200].decode(errors="replace")
        return f"HTTP {status}: {message}"
    if _results(case, suite, body, fmt, graph_query, ordered, strict=True):
        return None
    if _results(case, suite, body, fmt, graph_query, ordered, strict=False):
        return "different result: equal only when literals are compared by value (lexical form or derived datatype changed)"
    if ordered and _results(case, suite, body, fmt, graph_query, False, strict=True):
        return "different result: same solutions in another order"
    return "different result"


def _results(case: Case, suite: Path, body: bytes, fmt: str, graph_query: bool, ordered: bool, *, strict: bool) -> bool:
    """Are the answer and the expected result equal (strictly, or by literal value)?"""
    relax = None if strict else compare.by_value
    want = compare.expected(case.result, graph_query=graph_query, ordered=ordered, lax=case.lax, base=url_of(case.result, suite), relax=relax)
    if fmt == "csv":
        got = compare.csv_rows(body, ordered=ordered)
    elif graph_query:
        got = compare.from_graph(ox.parse(body, ox.RdfFormat.N_TRIPLES), relax=relax)
    else:
        got = compare.parse_results(body, ox.QueryResultsFormat.TSV if fmt == "tsv" else ox.QueryResultsFormat.JSON, ordered=ordered, lax=case.lax, relax=relax)
    return got == want


def run_group(dataset: tuple, cases: list[Case], suite: Path, workdir: Path, index: int,
              engine: str = "kg") -> list[tuple[Case, str | None]]:
    nquads = workdir / f"{engine}-dataset-{index}.nq"
    try:
        write_nquads(dataset, nquads, suite)
    except (SyntaxError, OSError, ValueError) as exc:
        return [(case, f"test data not loadable: {exc}") for case in cases]
    try:
        server = ENGINES[engine](nquads, workdir / f"{engine}-server-{index}.log")
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        return [(case, f"{engine} did not start on this dataset: {exc}") for case in cases]
    try:
        outcomes = []
        for case in cases:
            try:
                outcomes.append((case, run_case(case, server, suite)))
            except (SyntaxError, ValueError, OSError) as exc:
                outcomes.append((case, f"{type(exc).__name__}: {exc}"))
        return outcomes
    finally:
        server.stop()


def needs_entailment_or_service(case: Case) -> bool:
    """Tests outside simple entailment, or that federate: independent
    harnesses leave these out (77 of the 589)."""
    return case.short.startswith(("sparql11/entailment", "sparql11/service"))


def run_engine(engine: str, groups: dict, suite: Path, jobs: int) -> list[tuple[Case, str | None]]:
    with tempfile.TemporaryDirectory(prefix=f"kg-conformance-{engine}-") as tmp, ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(run_group, ds, group, suite, Path(tmp), i, engine) for i, (ds, group) in enumerate(groups.items())]
        return [item for f in futures for item in f.result()]


def tally(outcomes: list[tuple[Case, str | None]]) -> dict:
    core = [(c, r) for c, r in outcomes if not needs_entailment_or_service(c)]
    return {"passed": sum(r is None for _, r in outcomes), "total": len(outcomes),
            "core_passed": sum(r is None for _, r in core), "core_total": len(core)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, default=SUITE, help="the w3c-sparql-tests folder")
    parser.add_argument("--engine", choices=("kg", "oxigraph", "both"), default="kg",
                        help="which endpoint to test; both runs kg serve and Oxigraph server in one run")
    parser.add_argument("--only", default="", help="run tests whose id contains this text")
    parser.add_argument("--jobs", type=int, default=2, help="servers run at the same time")
    parser.add_argument("--report", type=Path, help="write every failure of kg serve (id, reason) as JSON here")
    args = parser.parse_args(argv)
    suite = args.suite
    if not suite.is_dir():
        print(f"conformance: no W3C suite at {suite} (give --suite or set KG_W3C_TESTS)", file=sys.stderr)
        return 2
    engines = ("kg", "oxigraph") if args.engine == "both" else (args.engine,)
    if "oxigraph" in engines and oxigraph_executable() is None:
        print("conformance: the oxigraph CLI is missing (pip install -e '.[test]')", file=sys.stderr)
        return 2
    cases = [c for c in discover(suite) if args.only in c.short]
    groups: dict[tuple, list[Case]] = defaultdict(list)
    for case in cases:
        groups[dataset_of(case, suite)].append(case)
    results = {}
    for engine in engines:
        started = time.monotonic()
        outcomes = run_engine(engine, groups, suite, args.jobs)
        results[engine] = tally(outcomes)
        failures = [(case, reason) for case, reason in outcomes if reason]
        for case, reason in failures:
            print(f"FAIL [{engine}] {case.short}: {reason}")
        if args.report and engine == "kg":
            args.report.write_text(json.dumps([{"test": c.short, "name": c.name, "reason": r} for c, r in failures], indent=1))
        print(f"{engine}: {len(groups)} datasets, {time.monotonic() - started:.0f} s", file=sys.stderr)
    if len(engines) > 1:
        print("engine    all tests        without entailment and SERVICE")
        for engine, r in results.items():
            print(f"{engine:9} {r['passed']:>4} of {r['total']:<4}     {r['core_passed']:>4} of {r['core_total']}")
    first = results[engines[0]]
    print(f"{first['passed']} passed, {first['total'] - first['passed']} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
