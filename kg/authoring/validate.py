"""Validation: evidence and vocabulary checks of the build, then SHACL.

``validate()`` returns a report instead of raising for problems in the
graph, so that ``kg validate`` can list them all: exit 0 when valid, 1 when
not; unusable input (missing file, bad syntax) still raises BuildError (2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from kg.authoring.build import compile_all
from kg.model.namespaces import DIP, SH
from kg.model.vocab import parse_turtle

SHAPES_FILE = "shapes.ttl"


@dataclass
class Report:
    """The outcome of a validation: ``valid`` and every problem as text."""

    problems: list[str] = field(default_factory=list)
    graphs: int = 0
    triples: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems


def load_shapes(ontology_dir) -> Graph:
    return parse_turtle(Path(ontology_dir) / SHAPES_FILE)


def shacl_problems(dataset: Dataset, ontology_dir="ontology", where=None) -> list[str]:
    """SHACL violations of the union of all graphs, one line each.

    ``where(node)`` may return ``file:line`` for a focus node.
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


def validate(data_dir="data", ontology_dir="ontology", base=None) -> Report:
    """Compile and check everything; see the module docstring for outcomes."""
    build = compile_all(data_dir, ontology_dir, base)
    report = Report([str(p) for p in build.problems])
    report.problems += shacl_problems(build.dataset, ontology_dir, build.where)
    report.graphs = len([g for g in build.dataset.graphs() if len(g)])
    report.triples = len(build.dataset)
    return report
