"""The ids a curator can reuse: every entity id of every article's mapping
and of the background, with its label, other names, classes and where it
is described. Read from the files directly (no spans checked, no store), so
``kg ids`` answers in a moment even while a mapping is half written."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.authoring.mapping import ID_PATTERN, load_yaml
from kg.model.namespaces import base_iri, entity_ns
from kg.model.vocab import parse_turtle


@dataclass
class KnownId:
    """One reusable id and what the data says about it."""

    id: str
    label: str = ""
    alt: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # article slugs, or "background"

    @property
    def kind(self) -> str:
        return self.id.split("/", 1)[0]

    def text(self) -> str:
        return fold(" ".join([self.id, self.label, *self.alt]))


def fold(text: str) -> str:
    """Lower case without accents.

    >>> fold("Zelenskýy")
    'zelenskyy'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def known_ids(data_dir="data", base=None) -> dict[str, KnownId]:
    """Every id of ``data_dir``'s mappings and background, sorted by id."""
    found: dict[str, KnownId] = {}
    articles = Path(data_dir) / "articles"
    for mapping in sorted(articles.glob("*/mapping.yaml")) if articles.is_dir() else []:
        doc = load_yaml(mapping)
        nodes = doc.get("nodes") if isinstance(doc, dict) else None
        slug = mapping.parent.name
        for entry in nodes if isinstance(nodes, list) else []:
            if not isinstance(entry, dict) or not ID_PATTERN.match(str(entry.get("id", ""))):
                continue
            known = found.setdefault(str(entry["id"]), KnownId(str(entry["id"])))
            _add_names(known, entry.get("label"), entry.get("alt"), entry.get("a"))
            if slug not in known.sources:
                known.sources.append(slug)
    _background(Path(data_dir) / "background", found, base)
    return dict(sorted(found.items()))


def _add_names(known: KnownId, label, alt, classes) -> None:
    if label and not known.label:
        known.label = str(label)
    for value in alt if isinstance(alt, list) else [alt] if alt else []:
        if str(value) not in known.alt:
            known.alt.append(str(value))
    for value in classes if isinstance(classes, list) else [classes] if classes else []:
        if str(value) not in known.classes:
            known.classes.append(str(value))


def _background(folder: Path, found: dict[str, KnownId], base) -> None:
    ns = str(entity_ns(base))
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        parse_turtle(path, graph, base_iri(base))
    for node in set(graph.subjects()):
        if isinstance(node, URIRef) and str(node).startswith(ns) and ID_PATTERN.match(node[len(ns):]):
            known = found.setdefault(node[len(ns):], KnownId(node[len(ns):]))
            _add_names(known, graph.value(node, RDFS.label), [str(o) for o in graph.objects(node, SKOS.altLabel)],
                       [c.n3(graph.namespace_manager) for c in graph.objects(node, RDF.type)])
            known.sources.append("background")


def matching(ids: dict[str, KnownId], kind: str | None = None, words: tuple[str, ...] = ()) -> list[KnownId]:
    """The ids of ``kind`` (if given) whose id, label or other names hold
    every one of ``words`` (case and accents ignored)."""
    wanted = [fold(w) for w in words]
    return [k for k in ids.values() if (kind is None or k.kind == kind) and all(w in k.text() for w in wanted)]
