"""The one RDF file loader: ``kg load``, ``kg serve --data`` and the build.

The format comes from the file's extension (the same table for every
command), a relative IRI in a file resolves against the file's own
``file:`` URI, and every failure is a ``BuildError`` naming the file.

>>> format_of("ontology.owl").name
'rdf'
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from kg.model.errors import BuildError
from kg.model.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Format

# Extension (lower case, no dot) -> format.
EXTENSIONS: dict[str, Format] = {
    "ttl": TURTLE, "turtle": TURTLE,
    "nt": NTRIPLES, "ntriples": NTRIPLES,
    "nq": NQUADS, "nquads": NQUADS,
    "trig": TRIG,
    "rdf": RDFXML, "owl": RDFXML, "xml": RDFXML,
    "jsonld": JSONLD, "json": JSONLD,
}
DATASET_EXTENSIONS = ("nq", "nquads", "trig")
HINT = "use .ttl, .nt, .nq, .trig, .rdf/.owl/.xml or .jsonld"


def format_of(path: str | Path) -> Format:
    """The RDF format a file's extension names, else a BuildError."""
    name = Path(path).name
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise BuildError(f"unknown RDF format: cannot tell the RDF format from the extension {suffix!r}; {HINT}",
                         where=str(path))
    return fmt


def holds_quads(path: str | Path) -> bool:
    """Does the file's format carry named graphs (N-Quads, TriG)?"""
    return format_of(path) in (NQUADS, TRIG)


def check_files(paths) -> list[tuple[Path, Format]]:
    """Each path with its format; a missing file or an unknown extension is
    refused before anything is loaded."""
    checked = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise BuildError("no such file", where=str(name))
        checked.append((path, format_of(path)))
    return checked


def load_file(store, path: str | Path, *, graph: str | None = None, stream: IO[bytes] | None = None) -> None:
    """Load one RDF file into ``store`` (``graph``: the named graph for a
    triple file). ``stream``, when given, is the file's content to read
    instead of the path (e.g. through a progress bar)."""
    path = Path(path)
    fmt = format_of(path)
    if stream is None and not path.is_file():
        raise BuildError("no such file", where=str(path))
    base = path.resolve().as_uri()
    try:
        store.load(stream if stream is not None else path, fmt, graph=graph, base_iri=base)
    except BuildError as exc:
        message = exc.message
        for prefix in (f"{path}: ", f"{path.resolve()}: "):
            message = message.removeprefix(prefix)
        raise BuildError(message, where=str(path)) from exc
    except (OSError, ValueError) as exc:
        raise BuildError(str(exc), where=str(path)) from exc
