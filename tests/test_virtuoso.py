"""Virtuoso (Debian's virtuoso-opensource-7) as a second engine: `kg load
--store URL --isql HOST:PORT` fills it with its bulk loader, its union
default graph answers the competency questions with the embedded store's
rows, and `kg serve --store URL` over it runs the pages, dumps, limits and
the guard. A real Virtuoso runs on loopback; where it is not installed the
module is skipped with the reason (`make virtuoso` installs it), except in
CI (CI=true), where a missing Virtuoso fails."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pyoxigraph as ox
import pytest

from bench.virtuoso import VirtuosoServer, missing_reason
from conftest import REPO, LiveServer, needs
from kg.model.errors import BadQuery
from kg.model.formats import NQUADS
from kg.storage.remote import RemoteStore
from kg.storage.store import Store
from kg.views.examples import list_examples

pytestmark = pytest.mark.live  # starts Virtuoso / HAProxy and `kg serve` processes

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "int", "long", "decimal")}
# Where Virtuoso 7.2.5 answers differently from the SPARQL standard (and
# from the embedded store), whatever the dataset: the question, the column,
# and why. The test checks every other column exactly, and that the
# deviation is still there (so a fixed Virtuoso shows up).
KNOWN_DEVIATIONS = {
    "08": ("relations", "inside OPTIONAL { ?talks a dip:Talks . {..} UNION {..} }, Virtuoso drops the branches "
                        "that do not mention ?talks (NATO loses \"subject of positions on the talks' issues\")"),
}


def _canonical(quads) -> set[str]:
    """Quads as compared: Virtuoso keeps an xsd:dateTime as a value and
    writes its time zone +00:00 back as Z (the same instant)."""
    return {re.sub(r'\+00:00"\^\^<http://www\.w3\.org/2001/XMLSchema#dateTime>',
                   'Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>', str(q)) for q in quads}


@pytest.fixture(scope="module")
def article_nq(article_only, tmp_path_factory):
    from kg.authoring.build import build_dataset

    path = tmp_path_factory.mktemp("virtuoso-data") / "article.nq"
    path.write_bytes(build_dataset(article_only, REPO / "ontology").serialize(format="nquads").encode())
    return path


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, article_nq):
    needs(missing_reason(), "the Virtuoso tests")
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        done = subprocess.run([sys.executable, "-m", "kg", "load", "--store", server.query_url, "--isql", server.isql,
                               str(article_nq)], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        server.load_message = done.stderr
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def embedded(article_nq) -> Store:
    store = Store.in_memory()
    store.load(article_nq.read_bytes(), NQUADS)
    store.materialize_union()
    return store


@pytest.fixture(scope="module")
def remote(virtuoso) -> RemoteStore:
    return RemoteStore(virtuoso.query_url, union_param=None)


def _term(term, concat: str | None):
    """A term as compared: numbers and booleans by value (Oxigraph stores
    xsd:nonNegativeInteger as xsd:integer, Virtuoso writes true as "1"),
    a GROUP_CONCAT by its pieces (their order is not defined; an empty one
    is "" or unbound)."""
    if term is None:
        return ("concat", ()) if concat is not None else None
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMERIC:
            return ("number", float(term.value))
        if term.datatype.value == XSD + "boolean":
            return ("boolean", term.value in ("true", "1"))
        if concat is not None:
            return ("concat", tuple(sorted(p for p in term.value.split(concat) if p))) if term.value else ("concat", ())
    return str(term)


def _separators(sparql: str, virtuoso: bool) -> dict[str, str]:
    """GROUP_CONCAT column -> separator. Virtuoso 7.2.5 narrows a separator
    to Latin-1 ('…' becomes '?'), which is what it then writes."""
    found = {}
    for sep, name in re.findall(r'GROUP_CONCAT\([^;)]*(?:;\s*separator\s*=\s*"([^"]*)")?\)\s+AS\s+\?(\w+)', sparql, re.I):
        sep = sep or " "
        found[name] = sep.encode("latin-1", "replace").decode("latin-1") if virtuoso else sep
    return found


def _rows(result, separators, skip=()) -> Counter:
    names = [v.value for v in result.variables if v.value not in skip]
    return Counter(tuple(_term(row[n], separators.get(n)) for n in names) for row in result)


def test_kg_load_fills_virtuoso_with_the_same_dataset(virtuoso, remote, embedded, article_nq):
    assert "bulk loader" in virtuoso.load_message and f"holds {len(embedded)} quads" in virtuoso.load_message
    assert len(remote) == len(embedded) > 2000
    assert remote.named_graphs() == embedded.named_graphs()
    # Virtuoso's own graphs (virtrdf#, ldp#) and the merge are not part of the
    # dataset; its quads are the file's (Oxigraph, for its part, writes
    # xsd:nonNegativeInteger back as xsd:integer).
    assert _canonical(remote.quads()) == _canonical(ox.parse(path=str(article_nq), format=ox.RdfFormat.N_QUADS))


@pytest.mark.parametrize("example", list_examples(), ids=lambda e: e.name[:2])
def test_competency_answers_have_the_same_rows_on_both_engines(example, remote, embedded):
    known = KNOWN_DEVIATIONS.get(example.name[:2])
    skip = {known[0]} if known else set()
    want = embedded.query(example.sparql)
    got = remote.query(example.sparql)
    assert [v.value for v in got.variables] == [v.value for v in want.variables]
    want_rows = _rows(embedded.query(example.sparql), _separators(example.sparql, False), skip)
    got_rows = _rows(got, _separators(example.sparql, True), skip)
    assert got_rows == want_rows and sum(want_rows.values()) > 0
    if known:  # still deviating: the day it is fixed, this says so
        assert _rows(remote.query(example.sparql), _separators(example.sparql, True)) != \
            _rows(embedded.query(example.sparql), _separators(example.sparql, False))


def test_default_graph_is_the_deduplicated_merge_and_graph_ranges_over_the_dataset(remote, embedded):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert _rows(remote.query(count), {}) == _rows(embedded.query(count), {})
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _rows(remote.query(graphs), {}) == _rows(embedded.query(graphs), {})
    # Without the union, the default graph is the store's own: empty here.
    assert _rows(remote.query(count, union_default_graph=False), {}) == _rows(embedded.query(count, union_default_graph=False), {})
    # A triple held by two named graphs is one triple of the merge.
    label = "SELECT ?l WHERE { <https://kg.example.org/ontology/Talks> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    assert _rows(remote.query(label), {}) == _rows(embedded.query(label), {})


@pytest.mark.parametrize("query", [
    "define input:default-graph-uri <http://www.openlinksw.com/schemas/virtrdf#> SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } OPTION (QUIETCAST)",
    "SELECT (bif:getenv('HOME') AS ?x) WHERE { }",
])
def test_virtuoso_extensions_are_refused_as_not_sparql(remote, query):
    with pytest.raises(BadQuery):
        remote.query(query)


def test_ask_is_a_boolean(remote, embedded):
    for query in ("ASK { ?s ?p ?o }", "ASK { <http://ex.org/x> ?p ?o }",
                  "ASK { GRAPH ?g { <https://kg.example.org/id/person/marco-rubio> ?p ?o } }"):
        assert bool(remote.query(query)) is bool(embedded.query(query)), query


def test_version_changes_only_with_a_load(remote):
    assert remote.version() == remote.version() and remote.version().startswith("v")


# -- kg serve --store URL over Virtuoso -----------------------------------------------

@pytest.fixture(scope="module")
def served(virtuoso, tmp_path_factory):
    (REPO / "build").mkdir(exist_ok=True)
    server = LiveServer(["--store", virtuoso.query_url, "--max-rows", "500"],
                        env={"KG_DUMPS_DIR": str(tmp_path_factory.mktemp("dumps-virtuoso"))})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reference(article_nq, tmp_path_factory):
    server = LiveServer(["--data", str(article_nq), "--max-rows", "500"],
                        env={"KG_DUMPS_DIR": str(tmp_path_factory.mktemp("dumps-embedded"))})
    yield server
    server.stop()


def get(url: str, accept: str = "*/*") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def sparql(base: str, query: str) -> tuple[int, bytes]:
    status, _, body = get(base + "sparql?" + urllib.parse.urlencode({"query": query}), "application/sparql-results+json")
    return status, body


def _bindings(body: bytes) -> Counter:
    rows = json.loads(body)["results"]["bindings"]
    return Counter(json.dumps({k: v["value"] for k, v in row.items()}, sort_keys=True) for row in rows)


def test_endpoint_answers_like_the_embedded_service(served, reference):
    query = next(e for e in list_examples() if e.name.startswith("02")).sparql
    (s1, b1), (s2, b2) = sparql(served.url, query), sparql(reference.url, query)
    assert s1 == s2 == 200
    assert _bindings(b1) == _bindings(b2) and len(_bindings(b1)) >= 3


def test_pages_and_twins_match_the_embedded_service(served, reference):
    path = "id/person/marco-rubio"
    status, headers, body = get(served.url + path + ".html", "text/html")
    assert status == 200 and "<title>Marco Rubio" in body.decode()
    (s1, _, t1), (s2, _, t2) = get(served.url + path + ".ttl"), get(reference.url + path + ".ttl")
    assert s1 == s2 == 200
    one, two = ox.Dataset(ox.parse(t1, ox.RdfFormat.TURTLE)), ox.Dataset(ox.parse(t2, ox.RdfFormat.TURTLE))
    for graph in (one, two):
        graph.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert set(map(str, one)) == set(map(str, two)) and len(one) > 5
    for page in ("search.json?q=talks", "timeline.json"):
        (s1, _, b1), (s2, _, b2) = get(served.url + page, "application/json"), get(reference.url + page, "application/json")
        assert s1 == s2 == 200 and _unpicked(json.loads(b1)) == _unpicked(json.loads(b2)) and json.loads(b1), page


def _unpicked(answer: dict) -> dict:
    """The timeline shows one status of an event that has several (postponed,
    scheduled, ...), the first row the engine returns: not compared."""
    for event in answer.get("events", ()):
        event.pop("status", None)
    return answer


def test_every_page_answers_as_on_the_embedded_service(served, reference):
    """A bounded crawl from the home page: each page has the embedded
    service's status over Virtuoso, and none is a 5xx."""
    seen, todo, differ = set(), ["/"], []
    while todo and len(seen) < 150:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        (s1, _, _), (s2, _, body) = get(served.url + path.lstrip("/"), "text/html"), get(reference.url + path.lstrip("/"), "text/html")
        if s1 != s2 or s1 >= 500:
            differ.append((path, s1, s2))
        todo += [link for link in re.findall(r'href="(/[^"#?]*)"', body.decode("utf-8", "replace"))
                 if link not in seen and not link.startswith(("/static", "/downloads"))]
    assert len(seen) >= 50 and differ == []


def test_dataset_dump_holds_the_same_quads(served, reference, article_nq):
    (s1, _, b1), (s2, _, b2) = get(served.url + "downloads/dataset.nq"), get(reference.url + "downloads/dataset.nq")
    assert s1 == s2 == 200
    got, want = list(ox.parse(b1, ox.RdfFormat.N_QUADS)), list(ox.parse(b2, ox.RdfFormat.N_QUADS))
    assert len(got) == len(want) == len(set(got))
    assert _canonical(got) == _canonical(ox.parse(path=str(article_nq), format=ox.RdfFormat.N_QUADS))


def test_guard_and_limits_hold_over_virtuoso(served, virtuoso):
    for query in ("INSERT DATA { <http://ex.org/x> <http://ex.org/y> <http://ex.org/z> }",
                  "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "define get:soft \"replace\" SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }"):
        status, body = sparql(served.url, query)
        assert status in (400, 403), (query, body)
    # Nothing reached the engine: it holds no such triple.
    assert bool(RemoteStore(virtuoso.query_url).query("ASK { <http://ex.org/x> ?p ?o }")) is False
    status, body = sparql(served.url, "ASK { <https://kg.example.org/id/person/marco-rubio> ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, body = sparql(served.url, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 422 and b"500" in body


def test_kg_load_isql_refuses_an_engine_that_is_not_virtuoso(reference, article_nq):
    done = subprocess.run([sys.executable, "-m", "kg", "load", "--store", reference.url + "sparql", "--isql",
                           "127.0.0.1:9", str(article_nq)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "not one" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "kg", "load", "--store", reference.url + "sparql", "--isql",
                           "nonsense", str(article_nq)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "HOST:PORT" in done.stderr and "Traceback" not in done.stderr


def test_kg_load_from_a_store_directory_and_again(tmp_path, article_nq):
    """`--from DIR` (a store built here) into a fresh Virtuoso; loading the
    same data again adds no quad but changes the version (the result cache
    and the dumps key on it)."""
    needs(missing_reason(), "the Virtuoso tests")
    done = subprocess.run([sys.executable, "-m", "kg", "load", "--quiet", "--store", str(tmp_path / "store"), str(article_nq)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    server = VirtuosoServer(tmp_path / "virtuoso").start()
    try:
        command = [sys.executable, "-m", "kg", "load", "--store", server.query_url, "--isql", server.isql,
                   "--from", str(tmp_path / "store")]
        assert subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300).returncode == 0
        first = RemoteStore(server.query_url)
        count, version = len(first), first.version()
        assert count == len(Store.open(str(tmp_path / "store"), read_only=True)) > 2000
        assert subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300).returncode == 0
        again = RemoteStore(server.query_url)
        assert len(again) == count and again.version() != version
    finally:
        server.stop()
