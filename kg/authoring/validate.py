"""Validation: evidence and vocabulary checks of the build, then SHACL.

``validate()`` returns a report instead of raising for problems in the
graph, so that ``kg validate`` can list them all: exit 0 when valid, 1 when
not; unusable input (missing file, bad syntax) still raises BuildError (2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.authoring.build import compile_all
from kg.authoring.shapes import SHAPES_FILE, load_shapes, shacl_problems

__all__ = ["Report", "validate", "load_shapes", "shacl_problems", "SHAPES_FILE"]


@dataclass
class Report:
    """The outcome of a validation: ``valid`` and every problem as text."""

    problems: list[str] = field(default_factory=list)
    graphs: int = 0
    triples: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems


def validate(data_dir="data", ontology_dir="ontology", base=None) -> Report:
    """Compile and check everything; see the module docstring for outcomes."""
    build = compile_all(data_dir, ontology_dir, base)
    report = Report([str(p) for p in build.problems])
    report.problems += shacl_problems(build.dataset, ontology_dir, build.where)
    report.graphs = len([g for g in build.dataset.graphs() if len(g)])
    report.triples = len(build.dataset)
    return report
