"""SHACL: the shapes file and the violations of a dataset, one line each.

Used by both the build pipeline and ``kg validate`` so that a violation is
reported the same way by both: ``file:line: <node> term: message`` when
the node comes from a mapping entry or a background file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pyshacl import validate as pyshacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from kg.model.namespaces import DIP, SH
from kg.model.vocab import parse_turtle

SHAPES_FILE = "shapes.ttl"


def load_shapes(ontology_dir) -> Graph:
    """The shapes graph of ``ontology_dir``."""
    return parse_turtle(Path(ontology_dir) / SHAPES_FILE)


def shacl_problems(dataset: Dataset, ontology_dir="ontology", where: Callable | None = None) -> list[str]:
    """SHACL violations of the union of all graphs, one line each.

    ``where(node)`` may return ``file:line`` for a focus node; a node it
    does not know is placed at ``graph``.
    """
    data = Graph()
    data.bind("dip", DIP)
    for triple in dataset.triples((None, None, None)):
        data.add(triple)
    conforms, results, _ = pyshacl_validate(data, shacl_graph=load_shapes(ontology_dir), inference="none", advanced=True)
    if conforms:
        return []
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        place = (where(focus) if where else None) or "graph"
        term = data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "node"
        problems.append(f"{place}: <{focus}> {term}: {message}")
    return sorted(problems)
