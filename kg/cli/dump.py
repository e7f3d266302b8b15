"""``kg dump``: the download files, from the command line.

The same bytes the service offers under ``/downloads/<name>``: a name from
the catalogue (``kg dump --list``), or a format and a graph; to stdout or
to a file (written through a temporary file, never left half-written);
gzip-compressed for ``.gz`` names or ``--gzip``; or every file at once
with ``--all DIR``.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from kg.publish.dumps import DATASET, UNION, DumpCache, catalog, find, graph_scope, make_file, write_dump
from kg.model.errors import BadRequest
from kg.model.formats import DATASET_FORMATS, GRAPH_FORMATS, by_name
from kg.storage.store import open_store
from kg.cli import main

# Below this many quads a dump takes a blink: no progress bar.
PROGRESS_FROM = 100_000
_DUMP_FORMATS = tuple(f for f in GRAPH_FORMATS if f.name in ("ttl", "nt", "jsonld", "trig", "nq"))


@contextmanager
def _progress(store, scope, label: str, quiet: bool):
    """A callback ``on_read(n)`` that drives a tqdm bar on stderr.

    Only whole-dataset and union dumps of large stores get a bar: a named
    graph holds one article and takes a blink.
    """
    if quiet or scope.kind == "graph":
        yield None
        return
    total = len(store)  # counts the store: seconds at millions of quads, so only here
    bar = tqdm(total=total, unit=" quads", unit_scale=True, desc=label, file=sys.stderr,
               disable=total < PROGRESS_FROM)
    seen = [0]

    def on_read(n: int) -> None:
        bar.update(n - seen[0])
        seen[0] = n

    try:
        yield on_read
    finally:
        bar.close()


@contextmanager
def _output(path: str, compress: bool):
    """A binary stream to stdout (``-``) or to ``path`` via a temp file."""
    if path == "-":
        raw = sys.stdout.buffer
        stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if compress else raw
        yield stream
        if compress:
            stream.close()
        raw.flush()
        return
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise BadRequest(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as raw:
            stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if compress else raw
            yield stream
            if compress:
                stream.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def _choose(store, name: str | None, fmt_name: str | None, graph: str | None, union: bool):
    """(format, scope, gzip?) from a catalogue name or from the options."""
    if name:
        if fmt_name or graph or union:
            raise BadRequest("give a file NAME or --format/--graph/--union, not both")
        file, gz = find(catalog(store), name)
        return file.fmt, file.scope, gz
    fmt = by_name(fmt_name or "trig", _DUMP_FORMATS)
    if graph and union:
        raise BadRequest("--graph and --union exclude each other")
    if graph:
        if graph not in store.named_graphs():
            raise BadRequest(f"no named graph {graph!r} in the store; it has: " + ", ".join(store.named_graphs()))
        scope = graph_scope(graph)
    else:
        scope = DATASET if fmt in DATASET_FORMATS and not union else UNION
    if scope is DATASET and fmt not in DATASET_FORMATS:
        raise BadRequest(f"{fmt.label} holds one graph: add --union or --graph IRI")
    return fmt, scope, False


@main.command()
@click.argument("name", required=False)
@click.option("--store", "location", default="build/store", show_default=True, help="Store directory built by `kg build`.")
@click.option("-f", "--format", "fmt_name", default=None, help="trig, nq, ttl, nt or jsonld (instead of NAME).")
@click.option("--graph", default=None, help="Dump only this named graph (IRI).")
@click.option("--union", is_flag=True, help="Dump the union of all graphs as one graph.")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - is stdout.")
@click.option("--gzip", "compress", is_flag=True, help="Compress with gzip (implied by a .gz NAME).")
@click.option("--all", "all_dir", default=None, type=click.Path(file_okay=False), help="Write every catalogue file and its .gz into this directory.")
@click.option("--cache", "cache_dir", default=None, type=click.Path(file_okay=False),
              help="Make every file into the service's dump cache (its DUMPS_DIR), so first downloads are instant.")
@click.option("--list", "list_only", is_flag=True, help="List the catalogue's file names and exit.")
@click.option("--base", default=None, help="Base IRI of the data (for the declared prefixes).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def dump(name, location, fmt_name, graph, union, output, compress, all_dir, cache_dir, list_only, base, quiet):
    """Write the dataset's download files: deterministic, exact dumps.

    NAME is a file of the downloads page (see --list), e.g. union.ttl,
    dataset.nq.gz or article-SLUG.jsonld. Without NAME, --format chooses
    the syntax (default TriG: the whole dataset with its graphs).

    \b
    Examples:
      kg dump --list
      kg dump union.ttl > union.ttl
      kg dump dataset.nq.gz -o build/dataset.nq.gz
      kg dump -f ttl --graph https://kg.example.org/graph/ontology
      kg dump --all build/downloads
      kg dump --cache "$KG_DUMPS_DIR"      (before `kg serve`)
    """
    store = open_store(location)
    if list_only:
        for file in catalog(store):
            click.echo(f"{file.name}\t{file.fmt.media_type}\t{file.title}")
        return
    if all_dir:
        _dump_all(store, Path(all_dir), base, quiet)
        return
    if cache_dir:
        _fill_cache(store, Path(cache_dir), base, quiet)
        return
    fmt, scope, gz = _choose(store, name, fmt_name, graph, union)
    label = name or f"{fmt.label} {scope.graph or scope.kind}"
    with _progress(store, scope, label, quiet) as on_read, _output(output, gz or compress) as out:
        try:
            count = write_dump(store, fmt, scope, out, base=base, on_read=on_read)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
            return
    if output != "-":
        click.echo(f"wrote {count} triples to {output}", err=True)


def _folder(path: Path) -> Path:
    """``path`` as a directory we can write into, or a BadRequest."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadRequest(f"cannot write into {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK):
        raise BadRequest(f"cannot write into {path}: permission denied")
    return path


def _fill_cache(store, root: Path, base: str | None, quiet: bool) -> None:
    cache = DumpCache(store, _folder(root), base=base)
    folder = cache.directory()
    for file in cache.files():
        with _progress(store, file.scope, file.name, quiet) as on_read:
            info = cache.ensure(file, folder=folder, on_read=on_read)
        click.echo(f"{info.name}\t{info.triples} triples\t{info.size} bytes\t{info.gz_size} gzipped", err=True)
    click.echo(f"cache ready in {folder}", err=True)


def _dump_all(store, folder: Path, base: str | None, quiet: bool) -> None:
    _folder(folder)
    for file in catalog(store):
        with _progress(store, file.scope, file.name, quiet) as on_read:
            info = make_file(store, file, folder, base=base, on_read=on_read)
        click.echo(f"{info.name}\t{info.triples} triples\t{info.size} bytes\t{info.gz_size} gzipped", err=True)
