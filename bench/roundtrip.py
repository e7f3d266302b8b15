"""The cost of one SPARQL round trip, per HTTP client, against Oxigraph server.

``python -m bench.roundtrip --query-url URL`` times the same small SELECT
(and ``ASK {}``) sent sequentially with: ``http.client`` over one keep-alive
connection (what ``kg.storage.remote.RemoteStore`` uses), ``urllib`` (a connection per
request), SPARQLWrapper, and rdflib's ``SPARQLStore``. Each answer is parsed
into Python terms, as a page would. Prints median and p95 per client in ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
import urllib.parse
import urllib.request

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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query-url", required=True)
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args(argv)
    for row in measure(args.query_url, args.n):
        print(f"{row['client']:40} {row['query']:7} median {row['median_ms']:.2f} ms  p95 {row['p95_ms']:.2f} ms")


if __name__ == "__main__":
    main()
