"""Class pages as tables: the instances of a class (its subclasses'
included), one row each, with the properties most used on them as columns,
counts, filters and paging; the same table as CSV and JSON.

A table is read in two steps: ``outline`` reads the columns (the
properties most used), the number of instances and every instance with its
label (aggregates and one query), enough to sort, filter by name and page;
``fill`` then reads the values of the rows shown (a query per column over
those rows alone). ``load`` reads the whole table (every row filled), for
the filters by value, their counts and the CSV. A class with more than
``MAX_KEPT`` instances keeps its first ``MAX_KEPT`` by IRI, and its page
says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from kg.model.namespaces import DIP
from kg.model.terms import sparql_iri, values_clause
from kg.views.labels import LABEL_PROPERTIES, Labels, best_labels

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


def _members(c: str) -> str:
    return f"?s a ?t . ?t <{RDFS.subClassOf}>* {c} . FILTER(isIRI(?s))"


def outline(store, iri: str) -> Table:
    """The table of class ``iri``: its columns, its number of instances and
    every instance kept with its label (sorted by label), no values yet."""
    c = sparql_iri(iri)
    members = _members(c)
    usage = [(row["p"].value, int(row["n"].value)) for row in store.query(
        f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {members} ?s ?p ?o }} GROUP BY ?p ORDER BY DESC(?n) ?p",
        union_default_graph=True)]
    props = [(p, n) for p, n in usage if p not in SKIPPED][:MAX_COLUMNS]
    total = int(next(iter(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {members} }}",
                                      union_default_graph=True)))["n"].value)
    cap = f" ORDER BY ?s LIMIT {MAX_KEPT}" if total > MAX_KEPT else ""
    branches = " UNION ".join(f"{{ ?s <{p}> ?l BIND(<{p}> AS ?p) }}" for p in LABEL_PROPERTIES)
    subjects: dict[str, None] = {}
    label_rows = []
    for row in store.query(f"SELECT DISTINCT ?s ?p ?l WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ {members} }}{cap} }} "
                           f"OPTIONAL {{ {branches} }} }}", union_default_graph=True):
        subjects[row["s"].value] = None
        if row["l"] is not None:
            label_rows.append((row["s"].value, row["p"].value, row["l"]))
    names = Labels(best_labels(sorted(label_rows, key=lambda r: (r[0], r[1], r[2].value, getattr(r[2], "language", None) or ""))))
    labels = Labels.load(store, {iri} | {p for p, _ in props})
    table = Table(iri, labels.label(iri), [(p, labels.label(p), n) for p, n in props], total=total)
    table.rows = sorted(((s, names.label(s), {}) for s in subjects), key=lambda r: (r[1].casefold(), r[0]))
    return table


def fill(store, table: Table, rows: list | None = None) -> list:
    """``rows`` of ``table`` (every row when None) with their values, one
    query per column (over those rows alone when given)."""
    rows = table.rows if rows is None else rows
    scope = values_clause("s", [s for s, _, _ in rows]) if rows is not table.rows else _members(sparql_iri(table.iri))
    values: dict[str, dict[str, list]] = {s: {} for s, _, _ in rows}
    for p, _, _ in table.columns:  # one query per column: far faster than one over VALUES of subjects and properties
        for row in store.query(f"SELECT DISTINCT ?s ?o WHERE {{ {scope} ?s <{p}> ?o }}", union_default_graph=True):
            found = values.get(row["s"].value)
            if found is not None:
                found.setdefault(p, []).append(row["o"])
    labels = Labels.load(store, {o.value for found in values.values() for objs in found.values() for o in objs if _is_iri(o)})
    filled = []
    for s, label, _ in rows:
        cells = {p: sorted((Cell(o.value, labels.label(o.value) if _is_iri(o) else o.value, _is_iri(o)) for o in objs),
                           key=lambda cell: cell.label.casefold()) for p, objs in values[s].items()}
        filled.append((s, label, cells))
    return filled


def load(store, iri: str) -> Table:
    """The whole table of class ``iri`` (instances sorted by label, every
    row with its values)."""
    table = outline(store, iri)
    table.rows = fill(store, table)
    return table


def _is_iri(term) -> bool:
    return isinstance(term, ox.NamedNode)
