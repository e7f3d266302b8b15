"""The canonical order of a dump: stable blank-node labels, sorted quads.

Every writer consumes the same stream of rows: a quad's graph, subject,
predicate and object in N-Triples syntax joined by ``SEP`` (NUL, which
N-Triples always escapes; ``graph`` is ``""`` for the default graph, and
``rdf:type`` is written ``""`` so that it sorts first). Sorted as plain
strings, rows come by graph, then subject, then predicate, then object.
Two stores holding the same data give the same stream, so every dump is
byte-identical from one build to the next. ``fields(row)`` splits a row.

Blank nodes are told apart by RDF canonicalization (RDFC-1.0) computed
over the quads that mention a blank node only (all the algorithm looks at,
so memory stays bounded by the blank-node part of the graph), then
labelled by a hash of their own quads (``stable_labels``) so that one
changed fact does not relabel the other blank nodes.

Sorting is external: runs of ``chunk`` quads are sorted in memory, spilled
to temporary files and merged, so memory does not grow with the dataset.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# Sort key of rdf:type: before every other predicate (all start with "<").
_TYPE_KEY = ""
SEP = "\x00"

Row = str

DEFAULT_CHUNK = 200_000


@dataclass(frozen=True)
class Scope:
    """What a dump holds.

    ``kind`` is ``"dataset"`` (every quad, graphs kept), ``"union"`` (the
    merge of every graph as one set of triples) or ``"graph"`` (the triples
    of the named graph ``graph``).
    """

    kind: str
    graph: str | None = None

    @property
    def keeps_graphs(self) -> bool:
        return self.kind == "dataset"


DATASET = Scope("dataset")
UNION = Scope("union")


def graph_scope(iri: str) -> Scope:
    return Scope("graph", iri)


def fields(row: Row) -> list[str]:
    """``[graph, subject, predicate, object]`` of a row (rdf:type restored)."""
    parts = row.split(SEP)
    if not parts[2]:
        parts[2] = RDF_TYPE
    return parts


def _source(store, scope: Scope) -> Iterator[ox.Quad]:
    if scope.kind == "graph":
        return store.quads(scope.graph)
    return store.quads(None)


def _runs(rows: Iterable[Row], chunk: int, tmpdir: str | None, paths: list[str]) -> list[Row]:
    """The sorted in-memory tail; sorted spilled runs are added to ``paths``."""
    buffer: list[Row] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            paths.append(_spill(buffer, tmpdir))
            buffer = []
    buffer.sort()
    return buffer


def _spill(buffer: list[Row], tmpdir: str | None) -> str:
    buffer.sort()
    fd, path = tempfile.mkstemp(prefix=".kg-sort-", suffix=".run", dir=tmpdir)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        # N-Triples terms never hold a raw line break: one row a line.
        fh.writelines(row + "\n" for row in buffer)
    return path


def _read_run(path: str) -> Iterator[Row]:
    with open(path, encoding="utf-8", newline="\n") as fh:
        for line in fh:
            yield line[:-1]


def _term(term, labels: dict[str, str]) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + labels[term.value]
    return "" if isinstance(term, ox.DefaultGraph) else str(term)


def stable_labels(blank: ox.Dataset) -> dict[str, str]:
    """Canonical blank node id -> a label that depends on its own quads only.

    ``blank`` must be canonicalized. A node's label is a hash of the quads
    that mention it, itself written ``_:a`` and other blank nodes ``_:z``
    (RDFC-1.0's first-degree hash), so changing one fact relabels only the
    nodes that fact mentions. Nodes with equal hashes (symmetric ones) share
    it with a suffix in canonical order.
    """
    mentions: dict[str, list[ox.Quad]] = {}
    for quad in blank:
        for term in (quad.subject, quad.object, quad.graph_name):
            if isinstance(term, ox.BlankNode):
                mentions.setdefault(term.value, []).append(quad)
    by_hash: dict[str, list[str]] = {}
    for node, quads in mentions.items():
        lines = sorted(
            " ".join("_:a" if isinstance(t, ox.BlankNode) and t.value == node else "_:z" if isinstance(t, ox.BlankNode)
                     else str(t) for t in (q.subject, q.predicate, q.object, q.graph_name))
            for q in set(quads)
        )
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
        by_hash.setdefault(digest, []).append(node)
    labels = {}
    for digest, nodes in by_hash.items():
        nodes.sort(key=lambda v: int(v.removeprefix("c14n")) if v.startswith("c14n") else v)
        for k, node in enumerate(nodes):
            labels[node] = f"b{digest}" if len(nodes) == 1 else f"b{digest}x{k}"
    return labels


def _blank_rows(blank: ox.Dataset, keep: bool) -> Iterator[Row]:
    blank.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    labels = stable_labels(blank)
    for q in blank:
        p = str(q.predicate)
        graph = _term(q.graph_name, labels) if keep else ""
        yield SEP.join((graph, _term(q.subject, labels), _TYPE_KEY if p == RDF_TYPE else p, _term(q.object, labels)))


class OrderedRows:
    """The scope's quads as sorted, de-duplicated rows (see module doc).

    Iterate it once. Once the first row is out, ``blank`` holds the sorted
    rows that mention a blank node (they are in the stream too): writers
    use them to nest blank nodes.
    """

    def __init__(self, store, scope: Scope, chunk: int, tmpdir: str | None, on_read):
        self.store, self.scope, self.chunk, self.tmpdir, self.on_read = store, scope, chunk, tmpdir, on_read
        self.blank: list[Row] = []

    def _plain(self, blank: ox.Dataset) -> Iterator[Row]:
        keep = self.scope.keeps_graphs
        n = 0
        default, blank_node = ox.DefaultGraph, ox.BlankNode
        for n, quad in enumerate(_source(self.store, self.scope), 1):
            if self.on_read and n % 10_000 == 0:
                self.on_read(n)
            # Each term written once (as ``_row`` does); a blank node's starts with "_".
            s, o, g = str(quad.subject), str(quad.object), quad.graph_name
            if s[0] == "_" or o[0] == "_" or isinstance(g, blank_node):
                blank.add(ox.Quad(quad.subject, quad.predicate, quad.object, g if keep else ox.DefaultGraph()))
                continue
            p = str(quad.predicate)
            yield SEP.join(("" if not keep or isinstance(g, default) else str(g), s, _TYPE_KEY if p == RDF_TYPE else p, o))
        if self.on_read:
            self.on_read(n)

    def __iter__(self) -> Iterator[Row]:
        blank = ox.Dataset()
        paths: list[str] = []
        try:
            tail = _runs(self._plain(blank), self.chunk, self.tmpdir, paths)
            if len(blank):
                self.blank = sorted(_blank_rows(blank, self.scope.keeps_graphs))
            previous = None
            for row in heapq.merge(tail, self.blank, *(_read_run(p) for p in paths)):
                if row != previous:
                    yield row
                    previous = row
        finally:
            for path in paths:
                os.unlink(path)


def ordered_rows(store, scope: Scope, *, chunk: int = DEFAULT_CHUNK, tmpdir: str | None = None,
                 on_read: Callable[[int], None] | None = None) -> OrderedRows:
    """The scope's rows in canonical order (an ``OrderedRows``).

    ``store`` is a ``kg.storage.store.Store`` (anything with ``quads(graph)``);
    ``on_read(n)`` is told every so often how many quads were read.
    """
    return OrderedRows(store, scope, chunk, tmpdir, on_read)
