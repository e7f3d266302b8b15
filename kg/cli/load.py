"""``kg load``: bulk-load RDF files (or an existing store) into a store,
embedded or remote, with a progress bar and the load rate at the end."""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import click
from tqdm import tqdm

from kg.model.errors import BuildError
from kg.model.formats import NQUADS
from kg.storage.rdffiles import check_files, holds_quads, load_file as load_rdf_file
from kg.storage.remote import RemoteStore, is_remote
from kg.storage.store import Store, StoreLock, clear_temp, open_store
from kg.cli import main


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


def open_target(location: str, gsp: str | None, update: str | None):
    """The store to load into; a directory is created when missing."""
    if is_remote(location):
        if not gsp and not update:
            raise BuildError("a remote store needs --gsp URL (Graph Store Protocol) or --update URL to be loaded", where=location)
        return RemoteStore(location, gsp_url=gsp, update_url=update)
    return open_store(location, read_only=False)


def _bytes_read() -> int | None:
    """Bytes this process has read so far (Linux ``/proc/self/io``), else None."""
    try:
        with open("/proc/self/io") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))
    except (OSError, StopIteration, ValueError):
        return None


class ReadWatcher(threading.Thread):
    """Advances a progress bar from the bytes the process reads, for loads
    that read the file natively (pyoxigraph's bulk loader on a path)."""

    def __init__(self, bar: tqdm, total: int):
        super().__init__(daemon=True)
        self.bar, self.total, self.done = bar, total, threading.Event()
        self.start_bytes = _bytes_read() or 0

    def run(self) -> None:
        while not self.done.wait(0.25):
            now = _bytes_read()
            if now is not None:
                self.bar.n = min(self.total, now - self.start_bytes)
                self.bar.refresh()

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.bar.n = self.total
        self.bar.refresh()


def load_file(store, path: Path, graph: str | None, quiet: bool) -> None:
    """Load one file; the embedded store reads the path itself (its parallel
    bulk loader is more than twice as fast as feeding it from Python)."""
    size = path.stat().st_size
    with tqdm(total=size, unit="B", unit_scale=True, desc=path.name, disable=quiet, file=sys.stderr) as bar:
        if isinstance(store, Store) and _bytes_read() is not None:
            watcher = ReadWatcher(bar, size)
            watcher.start()
            try:
                load_rdf_file(store, path, graph=graph)
            finally:
                watcher.stop()
        else:
            with path.open("rb") as raw:
                load_rdf_file(store, path, graph=graph, stream=ProgressReader(raw, bar))


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
@click.option("--isql", default=None, metavar="HOST:PORT",
              help="Virtuoso's SQL port: load with its bulk loader (files readable by the Virtuoso server; "
                   "KG_VIRTUOSO_USER/KG_VIRTUOSO_PASSWORD, default dba/dba).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def load(files, location, gsp, update, source, graph, isql, quiet):
    """Bulk-load RDF into a store: files (.nq .trig .ttl .nt .rdf/.owl
    .jsonld) and/or an existing store, into a directory or a remote SPARQL
    engine.

    A store directory is locked while it is loaded (a `kg serve` serving it
    makes this exit 2) and marked incomplete until the load has finished:
    if it is interrupted, `kg serve` refuses the store until the same load
    is run again, which repairs it.

    \b
    Examples:
      python -m bench.generator --articles 10000 --output build/synthetic.nq
      kg load --store build/store build/synthetic.nq
      kg load --store http://127.0.0.1:7878/query --gsp http://127.0.0.1:7878/store --from build/store
      kg load --store http://127.0.0.1:8890/sparql --isql 127.0.0.1:1111 --from build/store
    """
    if not files and not source:
        raise BuildError("nothing to load: give RDF files and/or --from STORE")
    check_files(files)  # refuse an unknown format before loading anything
    # A store directory is locked before it is opened: a served store is never touched.
    lock = None if is_remote(location) else StoreLock(location, exclusive=True, who="kg load")
    try:
        if lock is not None:
            clear_temp(location)  # what an interrupted build or load left (a store it had moved aside included)
        if isql:
            from kg.cli.load_virtuoso import load_virtuoso

            load_virtuoso(files, location, isql, source, graph)
        else:
            _load(files, location, gsp, update, source, graph, quiet, lock)
    except KeyboardInterrupt:
        click.echo(f"error: interrupted: {location} is left incomplete (`kg serve` refuses it); "
                   "run the same `kg load` again to repair it", err=True)
        sys.exit(130)
    finally:
        if lock is not None:
            lock.release()


def _load(files, location, gsp, update, source, graph, quiet, lock) -> None:
    store = open_target(location, gsp, update)
    if isinstance(store, Store) and store.merged_triples is not None and not graph and any(
        not holds_quads(path) for path in files
    ):
        raise BuildError(
            "this store's default graph holds the merge of its named graphs; "
            "load triple files into a named graph with --graph IRI", where=location
        )
    before = len(store)
    started = time.perf_counter()
    with store.writing("kg load", lock=lock) if isinstance(store, Store) else nullcontext():
        if source:
            copy_store(store, source, quiet)
        for path in files:
            load_file(store, path, graph, quiet)
        if isinstance(store, Store):
            store.materialize_union()  # the union default graph as an RDF merge
        elapsed = time.perf_counter() - started
        if not isinstance(store, Store):
            store.flush()
    # the embedded store flushes and compacts itself (for fast reads) as writing() ends
    compacted = time.perf_counter() - started - elapsed
    added = len(store) - before
    click.echo(f"loaded {added} quads into {location} in {elapsed:.1f} s ({added / max(elapsed, 1e-9):,.0f} quads/s); "
               f"flushed and compacted in {compacted:.1f} s", err=True)
