"""Read expected and actual results into one comparable form.

Solutions become a small RDF graph (one blank node per solution, one triple
per binding, an index when order matters) that is canonicalized, so two
results are equal exactly when their terms are identical (strict RDF term
equality: ``"01"^^xsd:integer`` is not ``"1"^^xsd:integer``) and their blank
nodes correspond one to one. Graph results are compared the same way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
VAR = "urn:conformance:var:"
INDEX = ox.NamedNode("urn:conformance:index")
SOLUTION = ox.NamedNode("urn:conformance:solution")
RDF_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML, ".srj": None}
RESULT_FORMATS = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON, ".tsv": ox.QueryResultsFormat.TSV}


@dataclass
class Result:
    """A comparable result: a boolean, a canonical set of quads, or CSV rows."""

    boolean: bool | None = None
    quads: frozenset | None = None
    rows: list | None = None

    def __eq__(self, other) -> bool:
        return isinstance(other, Result) and (self.boolean, self.quads, self.rows) == (other.boolean, other.quads, other.rows)

    def describe(self, limit: int = 12) -> str:
        if self.boolean is not None:
            return f"boolean {self.boolean}"
        if self.rows is not None:
            return "\n".join(",".join(r) for r in self.rows[:limit])
        return "\n".join(sorted(str(q) for q in self.quads)[:limit])


def _canonical(quads) -> frozenset:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(dataset)


XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                   "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
FLOAT_TYPES = {XSD + "double", XSD + "float"}


def by_value(term):
    """A literal in a canonical form of its value (for explaining failures only)."""
    if not isinstance(term, ox.Literal):
        return term
    dt = term.datatype.value
    try:
        if dt in INTEGER_TYPES:
            return ox.Literal(str(int(term.value.strip())), datatype=ox.NamedNode(XSD + "integer"))
        if dt == XSD + "decimal":
            return ox.Literal(repr(float(term.value)), datatype=ox.NamedNode(dt))
        if dt in FLOAT_TYPES:
            return ox.Literal(repr(float(term.value.replace("INF", "inf"))), datatype=ox.NamedNode(dt))
        if dt == XSD + "boolean":
            return ox.Literal(str(term.value.strip() in ("true", "1")).lower(), datatype=ox.NamedNode(dt))
    except ValueError:
        return term
    return term


def from_solutions(solutions: list[dict], *, ordered: bool, lax: bool = False, relax=None) -> Result:
    """Solutions (variable name -> term) as a canonical graph."""
    if relax:
        solutions = [{k: relax(v) for k, v in s.items()} for s in solutions]
    seen, quads = set(), []
    for i, solution in enumerate(solutions):
        key = tuple(sorted((k, str(v)) for k, v in solution.items()))
        if lax and key in seen:
            continue
        seen.add(key)
        node = ox.BlankNode()
        quads.append(ox.Quad(node, SOLUTION, ox.Literal("true")))
        if ordered:
            quads.append(ox.Quad(node, INDEX, ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
        for name, term in solution.items():
            quads.append(ox.Quad(node, ox.NamedNode(VAR + name), term))
    return Result(quads=_canonical(quads))


def from_graph(triples, relax=None) -> Result:
    relax = relax or (lambda term: term)
    return Result(quads=_canonical(ox.Quad(t.subject, t.predicate, relax(t.object)) for t in triples))


def parse_results(data: bytes, fmt: ox.QueryResultsFormat, *, ordered: bool, lax: bool = False, relax=None) -> Result:
    """SPARQL XML / JSON / TSV results."""
    parsed = ox.parse_query_results(data, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return Result(boolean=bool(parsed))
    names = [v.value for v in parsed.variables]
    solutions = [{n: s[n] for n in names if s[n] is not None} for s in parsed]
    return from_solutions(solutions, ordered=ordered, lax=lax, relax=relax)


def _result_set(graph: list[ox.Triple], *, ordered: bool, lax: bool, relax=None) -> Result:
    """The DAWG result-set vocabulary (``rs:ResultSet``) as solutions."""
    by_subject: dict = {}
    for t in graph:
        by_subject.setdefault(t.subject, []).append(t)
    sets = [t.subject for t in graph if t.predicate.value == RDF_TYPE and t.object == ox.NamedNode(RS + "ResultSet")]
    if not sets:
        return from_graph(graph, relax)
    props = lambda node, name: [t.object for t in by_subject.get(node, []) if t.predicate.value == RS + name]  # noqa: E731
    boolean = props(sets[0], "boolean")
    if boolean:
        return Result(boolean=boolean[0].value == "true")
    solutions = []
    for sol in props(sets[0], "solution"):
        index = props(sol, "index")
        values = {props(b, "variable")[0].value: props(b, "value")[0] for b in props(sol, "binding")}
        solutions.append((int(index[0].value) if index else 0, values))
    has_index = any(i for i, _ in solutions)
    solutions.sort(key=lambda pair: pair[0])
    return from_solutions([v for _, v in solutions], ordered=ordered and has_index, lax=lax, relax=relax)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def csv_rows(data: bytes, *, ordered: bool) -> Result:
    """CSV results as rows of text; blank node labels renamed in order of appearance."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    header = rows[0] if rows else []
    order = sorted(range(len(header)), key=lambda i: header[i])  # columns are named: compare by name
    labels: dict[str, str] = {}
    body = [[labels.setdefault(row[i], f"_:b{len(labels)}") if row[i].startswith("_:") else row[i] for i in order] for row in rows[1:]]
    return Result(rows=[[header[i] for i in order], *(body if ordered else sorted(body))])


def expected(path: Path, *, graph_query: bool, ordered: bool, lax: bool, base: str, relax=None) -> Result:
    """The expected result stored at ``path``."""
    data = path.read_bytes()
    suffix = path.suffix
    if suffix == ".csv":
        return csv_rows(data, ordered=ordered)
    if suffix in RESULT_FORMATS:
        return parse_results(data, RESULT_FORMATS[suffix], ordered=ordered, lax=lax, relax=relax)
    triples = [q.triple if hasattr(q, "triple") else q for q in ox.parse(data, RDF_FORMATS[suffix], base_iri=base)]
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in triples]
    if graph_query:
        return from_graph(triples, relax)
    return _result_set(triples, ordered=ordered, lax=lax, relax=relax)
