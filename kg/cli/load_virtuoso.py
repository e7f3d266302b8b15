"""``kg load --store URL --isql HOST:PORT``: into Virtuoso with its bulk loader
(``kg.storage.virtuoso.IsqlLoader``), then the merged default graph and the
catalog that make its answers equal the embedded store's."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from kg.model.errors import BuildError
from kg.model.formats import NQUADS
from kg.storage.rdffiles import holds_quads
from kg.storage.remote import RemoteStore, is_remote
from kg.storage.store import Store


def load_virtuoso(files, location: str, isql: str, source: str | None, graph: str | None) -> None:
    from kg.storage.virtuoso import IsqlLoader

    if not is_remote(location):
        raise BuildError("--isql loads into a Virtuoso: give its SPARQL endpoint as --store URL "
                         "(e.g. http://127.0.0.1:8890/sparql)", where=location)
    if ":" not in isql or not isql.rsplit(":", 1)[1].isdigit():
        raise BuildError(f"--isql wants HOST:PORT (Virtuoso's SQL port, 1111 by default), not {isql!r}")
    store = RemoteStore(location)
    if store.flavor() != "virtuoso":
        raise BuildError("--isql is for Virtuoso, and this endpoint is not one (its Server header says otherwise)",
                         where=location)
    loader = IsqlLoader(isql)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-load-") as scratch:
        todo: list[tuple[Path, str | None]] = []
        if source:
            # The store's dataset as N-Quads (its merge is left out: Virtuoso's is made here).
            copy = Path(scratch) / "from-store.nq"
            Path(scratch).chmod(0o755)
            with copy.open("wb") as out:
                Store.open(source, read_only=True).dump(out, NQUADS)
            todo.append((copy, None))
        todo += [(Path(path), None if holds_quads(path) else graph) for path in files]
        loader.load(todo)
    store.forget()
    elapsed = time.perf_counter() - started
    total = len(store)
    click.echo(f"loaded {len(todo)} file(s) into {location} with Virtuoso's bulk loader in {elapsed:.1f} s, "
               f"the merged default graph included; the dataset holds {total} quads", err=True)
