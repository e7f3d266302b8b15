"""Search over labels and alternative names: case- and accent-insensitive,
whole-name, prefix, word and substring matches, ranked.

The names index is one query over the store, kept while the store's size
does not change, so a search costs a scan of a few thousand names in Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rdflib.namespace import RDFS, SKOS

from .namespaces import DIP, SDO
from .pagecache import cached

NAME_PROPERTIES = {str(RDFS.label): "label", str(SKOS.prefLabel): "label", str(SDO.name): "label",
                   str(SKOS.altLabel): "alias", str(SDO.alternateName): "alias"}
MAX_RESULTS = 50
MAX_QUERY = 200

# Score per kind of match; an alias scores a little less than the label, and
# a node standing for a fact (a quote, a participation) less than a thing.
SCORES = {"exact": 100, "prefix": 80, "word": 60, "word-prefix": 50, "substring": 20}
ALIAS_PENALTY = 5
FACT_PENALTY = 40
FACT_CLASSES = {str(DIP[c]) for c in ("Participation", "OfficeHolding", "Position", "Quotation", "Quantity", "TextSpan", "Sentence")}


def normalize(text: str) -> str:
    """Lower-case, accents and punctuation removed, spaces collapsed.

    >>> normalize("  Zelens'kyj, Volodýmyr ")
    'zelenskyj volodymyr'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['\u2019\u02B9\u02BC]", "", plain)
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass
class Hit:
    iri: str
    label: str
    matched: str
    kind: str
    score: int
    types: list = field(default_factory=list)


def match_kind(query: str, name: str) -> str | None:
    """How normalized ``query`` matches normalized ``name`` (best first).

    >>> match_kind("lav", "sergey lavrov")
    'word-prefix'
    >>> match_kind("sergey lavrov", "sergey lavrov")
    'exact'
    """
    if not query:
        return None
    if name == query:
        return "exact"
    if name.startswith(query):
        return "prefix"
    words = name.split()
    qwords = query.split()
    if all(q in words for q in qwords):
        return "word"
    if all(any(w.startswith(q) for w in words) for q in qwords):
        return "word-prefix"
    if query in name:
        return "substring"
    return None


class NameIndex:
    """Every (entity, name) pair of the store, normalized once."""

    def __init__(self, rows):
        self.names = rows  # (iri, name, normalized, is_alias)
        self.labels: dict[str, str] = {}
        self.types: dict[str, set] = {}

    @classmethod
    def load(cls, store) -> "NameIndex":
        """Two scans: every name of every IRI, then every typed IRI."""
        props = ", ".join(f"<{p}>" for p in NAME_PROPERTIES)
        names = f"SELECT DISTINCT ?s ?p ?n WHERE {{ ?s ?p ?n FILTER(?p IN ({props}) && isIRI(?s)) }}"
        rows, labels = set(), {}
        for row in store.query(names, union_default_graph=True):
            s, p, name = row["s"].value, row["p"].value, row["n"].value
            alias = NAME_PROPERTIES[p] == "alias"
            rows.add((s, name, normalize(name), alias))
            if not alias and (s not in labels or getattr(row["n"], "language", None) in ("en", None)):
                labels[s] = name
        types: dict[str, set] = {}
        for row in store.query("SELECT DISTINCT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s)) }", union_default_graph=True):
            if row["s"].value in labels:
                types.setdefault(row["s"].value, set()).add(row["t"].value)
        index = cls(sorted(rows))
        index.labels, index.types = labels, types
        return index

    def search(self, q: str, limit: int = MAX_RESULTS) -> list[Hit]:
        """Ranked hits for ``q``: best score per entity, then shorter names."""
        query = normalize(q[:MAX_QUERY])
        best: dict[str, Hit] = {}
        for iri, name, norm, alias in self.names:
            kind = match_kind(query, norm)
            if kind is None:
                continue
            score = SCORES[kind] - (ALIAS_PENALTY if alias else 0) - (FACT_PENALTY if self.types.get(iri, set()) & FACT_CLASSES else 0)
            current = best.get(iri)
            if current is None or (score, -len(name)) > (current.score, -len(current.matched)):
                best[iri] = Hit(iri, self.labels.get(iri, name), name, kind, score, sorted(self.types.get(iri, ())))
        hits = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label.lower(), h.iri))
        return hits[:limit]


def search(store, q: str, limit: int = MAX_RESULTS) -> list[Hit]:
    """Search ``store``; the index is rebuilt when the store's size changes."""
    return cached(store, "names", lambda: NameIndex.load(store)).search(q, limit)
