"""The ontology as the compiler sees it: which terms exist, and the range
of each property (which decides how a mapping value becomes RDF)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.model.errors import BuildError
from kg.model.namespaces import DIP

ONTOLOGY_FILES = ("diplomacy.ttl",)
LITERAL_RANGES = {XSD.string, XSD.date, XSD.gYear, XSD.nonNegativeInteger, XSD.boolean, XSD.integer, XSD.duration, RDF.langString}


def parse_turtle(path: Path, graph: Graph | None = None, base: str | None = None) -> Graph:
    """Parse a Turtle file; a missing or malformed file is a BuildError naming it.

    Relative IRIs resolve against ``base`` (the data base IRI) when given.
    """
    graph = Graph() if graph is None else graph
    if not path.is_file():
        raise BuildError("file not found", where=str(path))
    try:
        graph.parse(path, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises several unrelated types for bad syntax
        raise BuildError(f"malformed Turtle: {exc}", where=str(path)) from exc
    return graph


def load_ontology(ontology_dir: str | Path) -> Graph:
    """The ontology graph (``diplomacy.ttl``; shapes are kept apart)."""
    graph = Graph()
    for name in ONTOLOGY_FILES:
        parse_turtle(Path(ontology_dir) / name, graph)
    return graph


@dataclass
class Vocabulary:
    """Classes and properties of the ``dip:`` namespace, and property ranges."""

    classes: set[URIRef] = field(default_factory=set)
    properties: dict[URIRef, URIRef | None] = field(default_factory=dict)
    individuals: set[URIRef] = field(default_factory=set)

    @classmethod
    def from_graph(cls, graph: Graph) -> "Vocabulary":
        vocab = cls()
        vocab.classes = {s for s in graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)}
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property):
            for prop in graph.subjects(RDF.type, kind):
                vocab.properties[prop] = graph.value(prop, RDFS.range)
        vocab.individuals = {
            s for s, o in graph.subject_objects(RDF.type) if o in vocab.classes and str(s).startswith(str(DIP))
        }
        return vocab

    def knows(self, term: URIRef) -> bool:
        """True for a declared class, property or named individual of ``dip:``."""
        return term in self.classes or term in self.properties or term in self.individuals

    def is_literal(self, prop: URIRef) -> bool:
        """True when values of ``prop`` are literals (a datatype range)."""
        return self.properties.get(prop) in LITERAL_RANGES
