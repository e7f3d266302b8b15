"""Named SPARQL queries: the competency questions in ``queries/cq/``.

Each file ``NN-short-name.rq`` starts with ``#`` comment lines: the first is
the title (``# title: ...``), the next ``# question: ...`` (continued on
further ``#`` lines); then PREFIX declarations and the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.model.errors import NotFound

QUERY_DIR = Path(__file__).resolve().parents[2] / "queries" / "cq"
MORE_DIR = QUERY_DIR.parent / "examples"  # worked examples beyond the competency questions


@dataclass(frozen=True)
class Example:
    """One named query: file stem, title, the question it answers, SPARQL."""

    name: str
    title: str
    question: str
    sparql: str


def parse_example(path: Path) -> Example:
    """Read one ``.rq`` file and its leading comment header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if ":" in body and body.split(":", 1)[0].strip() in ("title", "question"):
            key, value = (part.strip() for part in body.split(":", 1))
            fields[key] = value
        elif key and body:
            fields[key] += " " + body
    return Example(path.stem, fields.get("title", path.stem), fields.get("question", ""), text)


def list_examples(directory: Path = QUERY_DIR) -> list[Example]:
    """Every query file in ``directory``, sorted by name."""
    return [parse_example(p) for p in sorted(Path(directory).glob("*.rq"))]


def all_examples() -> list[Example]:
    """The competency questions, then the worked examples (``queries/examples/``)."""
    return list_examples() + list_examples(MORE_DIR)


def find_example(name: str, directory: Path = QUERY_DIR) -> Example:
    """An example by full name or by its number prefix (``"07"`` or ``"7"``)."""
    for example in all_examples() if directory == QUERY_DIR else list_examples(directory):
        number = example.name.split("-", 1)[0]
        if name in (example.name, number) or (name.isdigit() and number.isdigit() and int(name) == int(number)):
            return example
    raise NotFound(f"no example query named '{name}' in {directory}")
