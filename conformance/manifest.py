"""Find the query-evaluation tests in the W3C manifests.

Every manifest reachable from ``sparql10/manifest.ttl`` and
``sparql11/manifest-all.ttl`` through ``mf:include`` is read; its
``mf:entries`` of type ``mf:QueryEvaluationTest`` or
``mf:CSVResultFormatTest`` become ``Case``s. Files are named by their
published URL (``SUITE_URL`` + path), as the README of the suite asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.collection import Collection

SUITE_URL = "https://w3c.github.io/rdf-tests/sparql/"
ROOTS = ("sparql10/manifest.ttl", "sparql11/manifest-all.ttl")
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
TEST_TYPES = (MF.QueryEvaluationTest, MF.CSVResultFormatTest)


@dataclass(frozen=True)
class Case:
    """One evaluation test: its files as local paths."""

    iri: str
    name: str
    manifest: str
    query: Path
    result: Path | None
    data: tuple[Path, ...] = field(default=())
    graph_data: tuple[Path, ...] = field(default=())
    lax: bool = False

    @property
    def short(self) -> str:
        """``sparql11/aggregates#agg01``-style identifier."""
        return f"{self.manifest}#{self.iri.rsplit('#', 1)[-1]}"


def url_of(path: Path, suite: Path) -> str:
    return SUITE_URL + path.resolve().relative_to(suite.resolve()).as_posix()


def path_of(url: str, suite: Path) -> Path | None:
    """The local file published at ``url``, if it is part of the suite."""
    if not url.startswith(SUITE_URL):
        return None
    path = suite / url[len(SUITE_URL):]
    return path if path.is_file() else None


def _list(graph: rdflib.Graph, node) -> list:
    return list(Collection(graph, node)) if node is not None else []


def _case(graph: rdflib.Graph, test, manifest: Path, suite: Path) -> Case | None:
    action = graph.value(test, MF.action)
    query = graph.value(action, QT.query) if action is not None else None
    if query is None:
        return None
    files = lambda prop: tuple(sorted(p for p in (path_of(str(o), suite) for o in graph.objects(action, prop)) if p))  # noqa: E731
    result = graph.value(test, MF.result)
    return Case(
        iri=str(test),
        name=str(graph.value(test, MF.name) or test),
        manifest=manifest.parent.as_posix(),
        query=path_of(str(query), suite),
        result=path_of(str(result), suite) if result is not None else None,
        data=files(QT.data),
        graph_data=files(QT.graphData),
        lax=graph.value(test, MF.resultCardinality) == MF.LaxCardinality,
    )


def discover(suite: Path) -> list[Case]:
    """Every evaluation test of the suite, in manifest order, without duplicates."""
    cases: list[Case] = []
    seen_manifests: set[Path] = set()
    seen_tests: set[str] = set()
    todo = [suite / root for root in ROOTS]
    while todo:
        manifest = todo.pop(0).resolve()
        if manifest in seen_manifests or not manifest.is_file():
            continue
        seen_manifests.add(manifest)
        graph = rdflib.Graph().parse(manifest, format="turtle", publicID=url_of(manifest, suite))
        me = rdflib.URIRef(url_of(manifest, suite))
        for included in _list(graph, graph.value(me, MF.include)):
            local = path_of(str(included), suite)
            if local:
                todo.append(local)
        for test in _list(graph, graph.value(me, MF.entries)):
            if str(test) in seen_tests or not any((test, rdflib.RDF.type, t) in graph for t in TEST_TYPES):
                continue
            case = _case(graph, test, manifest.relative_to(suite.resolve()), suite)
            if case and case.query:
                seen_tests.add(str(test))
                cases.append(case)
    return cases
