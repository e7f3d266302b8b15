"""Human labels for IRIs: from the data and the ontology, else from the IRI.

One query fetches the labels of every IRI a page shows (properties, types,
linked things). English wins over other languages; a plain literal over a
tagged one in another language; the local name is the last resort.

A store that cannot change (``kg.storage.pagecache.frozen``) keeps the
label rows of each IRI once fetched (at most ``LABELS_KEPT`` IRIs): the
properties, types, places and states most pages link to are asked for once.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.model.namespaces import NIF, SDO
from kg.model.terms import humanize, values_clause
from kg.storage.pagecache import cached, frozen

# Property -> rank (lower wins) for choosing a label; a text span is
# labelled with its words (cut to SPAN_LABEL characters).
LABEL_PROPERTIES = {str(SKOS.prefLabel): 0, str(RDFS.label): 1, str(SDO.name): 2, str(DCTERMS.title): 3, str(NIF.anchorOf): 4}
SPAN_LABEL = 90
LABELS_KEPT = 200_000  # IRIs whose label rows a frozen store keeps

# Labels for well-known vocabulary terms, used when the store has none.
BUILTIN = {
    str(RDF.type): "type",
    str(RDFS.label): "label",
    str(RDFS.comment): "description",
    str(RDFS.seeAlso): "see also",
    str(SKOS.altLabel): "also known as",
    str(SKOS.prefLabel): "preferred name",
    str(SKOS.definition): "definition",
    str(SKOS.exactMatch): "same as",
    str(SKOS.closeMatch): "close to",
    "http://www.w3.org/2002/07/owl#sameAs": "same as",
    str(RDFS.domain): "domain",
    str(RDFS.range): "range",
    str(RDFS.subClassOf): "subclass of",
    str(RDFS.subPropertyOf): "subproperty of",
}


def _lang_rank(lang: str | None) -> int:
    if lang in ("en", "en-gb", "en-us"):
        return 0
    if not lang:
        return 1
    return 2


def label_rows(store, iris: Iterable[str]) -> list[tuple[str, str, object]]:
    """``(iri, label property, pyoxigraph literal)`` for every label of ``iris``."""
    iris = sorted({i for i in iris if i})
    if not iris:
        return []
    if not frozen(store):
        return _query_rows(store, iris)
    kept: dict = cached(store, "label-rows", dict)
    known = {i: rows for i in iris if (rows := kept.get(i)) is not None}
    missing = [i for i in iris if i not in known]
    if missing:
        found: dict[str, list] = {i: [] for i in missing}
        for row in _query_rows(store, missing):
            found[row[0]].append(row)
        if len(kept) + len(found) > LABELS_KEPT:
            kept.clear()
        kept.update(found)
        known.update(found)
    return [row for i in iris for row in known[i]]


def _query_rows(store, iris: list[str]) -> list[tuple[str, str, object]]:
    # One branch per property: each is a lookup of (subject, property),
    # not a read of every statement of the subject (thousands for a hub).
    branches = " UNION ".join(f"{{ ?s <{p}> ?l BIND(<{p}> AS ?p) }}" for p in LABEL_PROPERTIES)
    query = f"SELECT DISTINCT ?s ?p ?l WHERE {{ {values_clause('s', iris)} {branches} }}"
    return [(row["s"].value, row["p"].value, row["l"]) for row in store.query(query, union_default_graph=True)]


def best_labels(rows) -> dict[str, str]:
    """IRI -> the preferred label among ``label_rows`` output."""
    best: dict[str, tuple[tuple[int, int], str]] = {}
    for s, p, lit in rows:
        rank = (_lang_rank(getattr(lit, "language", None)), LABEL_PROPERTIES.get(p, 9))
        if s not in best or rank < best[s][0]:
            text = lit.value
            if p == str(NIF.anchorOf):
                text = "\u201c" + (text if len(text) <= SPAN_LABEL else text[:SPAN_LABEL].rsplit(" ", 1)[0] + "\u2026") + "\u201d"
            best[s] = (rank, text)
    return {s: label for s, (_, label) in best.items()}


def fetch_labels(store, iris: Iterable[str]) -> dict[str, str]:
    """IRI -> best label found in the store (IRIs without one are absent)."""
    return best_labels(label_rows(store, iris))


class Labels(dict):
    """A label lookup that never fails: store label, builtin, then local name."""

    def label(self, iri: str) -> str:
        """The label to show for ``iri``."""
        return self.get(iri) or BUILTIN.get(iri) or humanize(iri)

    @classmethod
    def load(cls, store, iris: Iterable[str]) -> "Labels":
        """Labels for ``iris`` in one query."""
        return cls(fetch_labels(store, iris))
