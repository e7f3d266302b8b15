"""Class pages as tables: the instances of a class (its subclasses'
included), one row each, with the properties most used on them as columns,
counts, filters and paging; the same table as CSV and JSON.

The whole table of a class is read once per store version (a query per column)
and kept; filtering, sorting and paging are done on the kept table. A class
with more than ``MAX_KEPT`` instances keeps its first ``MAX_KEPT`` by IRI,
and its page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from kg.model.namespaces import DIP
from kg.model.terms import sparql_iri
from kg.views.labels import Labels

MAX_COLUMNS = 6
SKIPPED = {str(RDF.type), str(RDFS.label), str(DIP.evidence)}
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_KEPT = 20_000  # instances a table holds (the first by IRI when a class has more)


@dataclass
class Cell:
    """One value: an IRI (with its label) or a literal's text."""

    text: str
    label: str
    is_iri: bool


@dataclass
class Table:
    """Every instance of a class with its main properties."""

    iri: str
    label: str
    columns: list  # (property IRI, label, instances having it)
    rows: list = field(default_factory=list)  # (instance IRI, label, {property: [Cell]})
    total: int = 0  # instances of the class (more than ``rows`` past MAX_KEPT)

    def filtered(self, q: str = "", prop: str = "", value: str = "") -> list:
        """Rows whose label contains ``q`` (any case) and, when ``prop`` is
        given, with ``value`` (an IRI, a label or a literal; empty: any) in
        that column."""
        needle = q.casefold()
        out = []
        for row in self.rows:
            if needle and needle not in row[1].casefold():
                continue
            if prop:
                cells = row[2].get(prop, [])
                if not cells or (value and not any(value in (c.text, c.label) for c in cells)):
                    continue
            out.append(row)
        return out

    def counts(self, rows, prop: str) -> list[tuple[str, str, int]]:
        """(value, label, rows) of one column among ``rows``, most first."""
        seen: dict[tuple, int] = {}
        for row in rows:
            for c in {(c.text, c.label) for c in row[2].get(prop, [])}:
                seen[c] = seen.get(c, 0) + 1
        return sorted(((t, lab, n) for (t, lab), n in seen.items()), key=lambda t: (-t[2], t[1].casefold()))


def exists(store, iri: str) -> bool:
    """True when ``iri`` is a declared class or has instances."""
    s = sparql_iri(iri)
    return bool(store.query(f"ASK {{ {{ {s} a <{OWL.Class}> }} UNION {{ {s} a <{RDFS.Class}> }} UNION {{ ?x a {s} }} }}",
                            union_default_graph=True))


def load(store, iri: str) -> Table:
    """The table of class ``iri`` (instances sorted by label)."""
    c = sparql_iri(iri)
    members = f"?s a ?t . ?t <{RDFS.subClassOf}>* {c} . FILTER(isIRI(?s))"
    usage = [(row["p"].value, int(row["n"].value)) for row in store.query(
        f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {members} ?s ?p ?o }} GROUP BY ?p ORDER BY DESC(?n) ?p",
        union_default_graph=True)]
    props = [(p, n) for p, n in usage if p not in SKIPPED][:MAX_COLUMNS]
    total = int(next(iter(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {members} }}",
                                      union_default_graph=True)))["n"].value)
    cap = f" ORDER BY ?s LIMIT {MAX_KEPT}" if total > MAX_KEPT else ""
    rows: dict[str, dict[str, list]] = {}
    for row in store.query(f"SELECT DISTINCT ?s WHERE {{ {members} }}{cap}", union_default_graph=True):
        rows[row["s"].value] = {}
    for p, _ in props:  # one query per column: far faster than one over VALUES of subjects and properties
        for row in store.query(f"SELECT DISTINCT ?s ?o WHERE {{ {members} ?s <{p}> ?o }}", union_default_graph=True):
            values = rows.get(row["s"].value)
            if values is not None:
                values.setdefault(p, []).append(row["o"])
    iris = set(rows) | {iri} | {p for p, _ in props} | {
        o.value for values in rows.values() for objs in values.values() for o in objs if _is_iri(o)}
    labels = Labels.load(store, iris)
    table = Table(iri, labels.label(iri), [(p, labels.label(p), n) for p, n in props], total=total)
    for s, values in rows.items():
        cells = {p: sorted((Cell(o.value, labels.label(o.value) if _is_iri(o) else o.value, _is_iri(o)) for o in objs),
                           key=lambda cell: cell.label.casefold()) for p, objs in values.items()}
        table.rows.append((s, labels.label(s), cells))
    table.rows.sort(key=lambda r: (r[1].casefold(), r[0]))
    return table


def _is_iri(term) -> bool:
    return isinstance(term, ox.NamedNode)
