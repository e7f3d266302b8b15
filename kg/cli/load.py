"""``kg load``: bulk-load RDF files (or an existing store) into a store,
embedded or remote, with a progress bar and the load rate at the end."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import click
from tqdm import tqdm

from ..errors import BuildError
from ..formats import DATASET_FORMATS, GRAPH_FORMATS, NQUADS, by_extension
from ..remote import RemoteStore, is_remote
from ..store import Store, open_store
from . import main


class ProgressReader:
    """A binary file that advances a progress bar as it is read."""

    def __init__(self, raw, bar: tqdm):
        self.raw, self.bar = raw, bar

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.bar.update(len(chunk))
        return chunk

    def readinto(self, buffer) -> int:
        count = self.raw.readinto(buffer)
        self.bar.update(count or 0)
        return count


def format_of(path: Path):
    """The RDF format of a file from its extension, or a BuildError."""
    suffix = path.name.rsplit(".", 1)[-1] if "." in path.name else ""
    fmt = by_extension(suffix, GRAPH_FORMATS) or by_extension("ttl" if suffix == "turtle" else suffix, DATASET_FORMATS)
    if fmt is None or fmt.oxigraph is None:
        raise BuildError(f"cannot tell the RDF format from the extension {suffix!r} (use .nq, .trig, .ttl, .nt, .rdf, .jsonld)", where=str(path))
    return fmt


def open_target(location: str, gsp: str | None, update: str | None):
    """The store to load into; a directory is created when missing."""
    if is_remote(location):
        if not gsp and not update:
            raise BuildError("a remote store needs --gsp URL (Graph Store Protocol) or --update URL to be loaded", where=location)
        return RemoteStore(location, gsp_url=gsp, update_url=update)
    return open_store(location, read_only=False)


def load_file(store, path: Path, graph: str | None, quiet: bool) -> None:
    fmt = format_of(path)
    with path.open("rb") as raw, tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name,
                                      disable=quiet, file=sys.stderr) as bar:
        try:
            store.load(ProgressReader(raw, bar), fmt, graph=graph)
        except BuildError as exc:
            raise BuildError(exc.message, where=str(path)) from exc


def copy_store(store, source: str, quiet: bool) -> None:
    """Stream an existing embedded store into ``store`` as N-Quads (through a
    pipe, so nothing is held whole in memory)."""
    origin = Store.open(source, read_only=True)
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def produce():
        try:
            with os.fdopen(write_end, "wb") as out:
                origin.dump(out, NQUADS)
        except BaseException as exc:  # reported by the consumer below
            failure.append(exc)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    with os.fdopen(read_end, "rb") as raw, tqdm(unit="B", unit_scale=True, desc=source, disable=quiet, file=sys.stderr) as bar:
        store.load(ProgressReader(raw, bar), NQUADS)
    thread.join()
    if failure:
        raise BuildError(f"reading the source store failed: {failure[0]}", where=source)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--store", "location", required=True, help="Target: a store directory, or a SPARQL endpoint URL.")
@click.option("--gsp", default=None, help="Graph Store Protocol URL of a remote store (e.g. http://host:7878/store).")
@click.option("--update", default=None, help="SPARQL Update URL of a remote store (used when there is no --gsp).")
@click.option("--from", "source", default=None, type=click.Path(exists=True, file_okay=False),
              help="Copy an existing store directory (e.g. one made by `kg build`) into the target.")
@click.option("--graph", default=None, help="Named graph for triple files (default: the default graph).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def load(files, location, gsp, update, source, graph, quiet):
    """Bulk-load RDF into a store: files (.nq .trig .ttl .nt .rdf .jsonld)
    and/or an existing store, into a directory or a remote SPARQL engine.

    \b
    Examples:
      python -m bench.generator --articles 10000 --output build/synthetic.nq
      kg load --store build/store build/synthetic.nq
      kg load --store http://127.0.0.1:7878/query --gsp http://127.0.0.1:7878/store --from build/store
    """
    if not files and not source:
        raise BuildError("nothing to load: give RDF files and/or --from STORE")
    for path in files:  # refuse an unknown format before loading anything
        format_of(path)
    store = open_target(location, gsp, update)
    before = len(store)
    started = time.perf_counter()
    if source:
        copy_store(store, source, quiet)
    for path in files:
        load_file(store, path, graph, quiet)
    store.flush()
    elapsed = time.perf_counter() - started
    added = len(store) - before
    click.echo(f"loaded {added} quads into {location} in {elapsed:.1f} s ({added / max(elapsed, 1e-9):,.0f} quads/s)", err=True)
