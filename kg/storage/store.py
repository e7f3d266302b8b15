"""Open the dataset: one interface over the embedded Oxigraph store.

Every consumer (build, CLI, pages, dumps, query workers) goes through
``Store`` so that a remote SPARQL engine can stand in later
(``open_store("http://...")``). Results are pyoxigraph objects
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``, terms): a remote store
parses its answers into the same types with ``pyoxigraph.parse_query_results``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from contextlib import contextmanager
from typing import IO

import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid

import pyoxigraph as ox

from kg.model.errors import BuildError, NotFound
from kg.model.formats import Format

# A store whose default graph holds the materialized merge of its named
# graphs carries this file in its directory (see ``materialize_union``).
MERGE_MARKER = "kg-merged-default-graph.json"
# The store's generation: a new id written by every finished build or load.
GENERATION_FILE = "kg-generation.json"
# Present while a write is under way or after one was interrupted: such a
# store is refused for reading until the next `kg load` completes.
INCOMPLETE_MARKER = "kg-incomplete.json"


class StoreIncomplete(BuildError):
    """An on-disk store whose last write did not finish."""


class StoreBusy(BuildError):
    """A store another process is writing, or serving while one would write."""


def lock_path(location: str | Path) -> Path:
    """The lock file of an on-disk store: beside it, so it outlives a swap."""
    path = Path(location)
    return path.parent / f".{path.name}.kg-lock"


def temp_folder(location: str | Path) -> Path:
    """The one folder where writes to a store keep their temporary files
    (beside the store); removed when the next writer or server starts."""
    path = Path(location)
    return path.parent / f".{path.name}.kg-tmp"


def clear_temp(location: str | Path) -> None:
    """Remove what an interrupted write left in ``temp_folder``; call it
    only holding the store's lock. A build killed between the two renames
    of its swap left no store at ``location`` and the previous one in the
    temp folder: that one is put back first."""
    folder = temp_folder(location)
    previous = folder / "old"
    if not Path(location).exists() and (previous / "CURRENT").is_file():
        os.replace(previous, location)
    shutil.rmtree(folder, ignore_errors=True)


class StoreLock:
    """An advisory lock on an on-disk store (``flock`` on ``lock_path``).

    Readers that must not be written under (``kg serve``) hold it shared;
    writers (``kg build --store``, ``kg load``) hold it exclusive. Neither
    waits: a conflict is a ``StoreBusy`` saying who holds the store. The
    kernel drops the lock when its process dies, however it dies.
    """

    def __init__(self, location: str | Path, *, exclusive: bool, who: str):
        self.location = Path(location)
        self.path = lock_path(location)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.exclusive = exclusive
        for _ in range(20):  # the file may be removed by a holder releasing it meanwhile
            self._fh = open(self.path, "a+")
            try:
                fcntl.flock(self._fh, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            except BlockingIOError:
                self._fh.seek(0)
                holder = self._fh.read().strip()
                self._fh.close()
                raise StoreBusy(self._busy(exclusive, holder), where=str(location)) from None
            if self._same_file():
                break
            self._fh.close()
        else:
            raise StoreBusy("its lock file keeps changing; try again", where=str(location))
        self._fh.seek(0)
        self._fh.truncate()  # a name left by a writer that was killed
        if exclusive:
            self._fh.write(f"{who} (pid {os.getpid()})\n")
        self._fh.flush()

    def _same_file(self) -> bool:
        """Is the locked file still the one at ``path`` (not removed by its
        last holder between our open and our lock)?"""
        try:
            return os.fstat(self._fh.fileno()).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    @staticmethod
    def _busy(exclusive: bool, holder: str) -> str:
        if not exclusive:
            return (f"is being written by {holder or 'another process'}; serve it when that has finished")
        if holder:  # an exclusive holder wrote its name; shared holders leave it
            return (f"is being written by {holder} or served by `kg serve`; wait for it, or stop the service first "
                    "(or build into another directory and serve that)")
        return ("is being served by a running `kg serve` (or read by another command); stop the service "
                "first, or build into another directory and serve that")

    def release(self) -> None:
        """Unlock; the last holder removes the lock file (holding the lock,
        so a process that opened it meanwhile sees it gone and retries)."""
        if self._fh.closed:
            return
        try:
            if not self.exclusive:
                fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # only if no one else holds it
            self.path.unlink(missing_ok=True)
        except (BlockingIOError, OSError):
            pass  # still held by another service, or a folder we may not write in
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()

    def __enter__(self) -> "StoreLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Store:
    """The embedded store: pyoxigraph in memory or on disk.

    ``union_default_graph`` is the default for ``query``: when true, the
    default graph of a query is the union of all graphs (the article service's
    behaviour); when false, it is the store's own default graph (standard
    SPARQL dataset semantics).

    The union is an RDF merge: a triple stated in two article graphs is one
    triple of the default graph. pyoxigraph 0.5's ``use_default_graph_as_union``
    instead yields it once per graph (oxigraph issue #1919, fixed upstream
    after 0.5.13), which doubles ``COUNT``/``SUM`` and multiplies join rows.
    So stores built here hold the merge materialized in their default graph
    (``materialize_union``): union queries read that graph, and everything
    else (``quads``, ``dump``, ``len``) hides it, so the dataset is unchanged
    for its users.
    """

    # An on-disk store opened read-only: its contents never change while open.
    read_only = False

    def __init__(self, inner: ox.Store, *, location: str | None = None, union_default_graph: bool = True):
        self.inner = inner
        self.location = location
        self.union_default_graph = union_default_graph
        # Triples of the materialized merge in the default graph, or None.
        self.merged_triples: int | None = None
        # What an unfinished write left (its INCOMPLETE_MARKER), or None.
        self.incomplete: dict | None = None
        self._generation = f"m{uuid.uuid4().hex[:16]}"  # in memory: this object's
        self._writes = 0
        self._writing: str | None = None  # who is writing, inside ``writing()``
        # Inside ``writing()``: the files loaded since the merge was last up to
        # date (None for data whose triples cannot be read back from a file),
        # or None when the merge was not up to date when the write began.
        self._since_merge: list[Path | None] | None = None
        if location:
            folder = Path(location)
            marker = folder / MERGE_MARKER
            if marker.is_file():
                self.merged_triples = int(json.loads(marker.read_text())["merged_triples"])
            self.incomplete = _read_json(folder / INCOMPLETE_MARKER)
            if self.incomplete is not None and self.merged_triples is None and (
                    self.incomplete.get("merged_triples") is not None or self.incomplete.get("merging")):
                # The write removed the marker of a merge it was redoing.
                self.merged_triples = int(self.incomplete.get("merged_triples") or 0)
            self._generation = _generation_of(folder)

    # -- identity ----------------------------------------------------------
    @property
    def frozen(self) -> bool:
        """An on-disk store opened read-only: its contents cannot change."""
        return self.read_only and self.location is not None

    def version(self) -> str:
        """Changes whenever the data does (see ``GraphStore.version``).

        Opened read-only: the generation the last build or load wrote (read
        once). Writable: that, the writes made through this object and the
        quad count (so a write straight to ``inner`` is seen too).
        """
        if self.frozen:
            return self._generation
        return f"{self._generation}.{self._writes}.{len(self.inner)}"

    # -- opening -----------------------------------------------------------
    @classmethod
    def in_memory(cls, **kw) -> "Store":
        return cls(ox.Store(), **kw)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = True, **kw) -> "Store":
        """Open an on-disk store; ``read_only`` lets many processes share it."""
        path = Path(path)
        if read_only:
            if not path.exists():
                raise NotFound(f"No store at {path}. Run `kg build --store {path}` first.")
            refuse_incomplete(path)
            inner = ox.Store.read_only(str(path))
        else:
            path.mkdir(parents=True, exist_ok=True)
            inner = ox.Store(str(path))
        store = cls(inner, location=str(path), **kw)
        store.read_only = read_only
        return store

    # -- reading -----------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ):
        """Run a SPARQL query; ``default_graphs``/``named_graphs`` are IRIs.

        Given ``default_graphs`` (the protocol's ``default-graph-uri``), the
        default graph is their merge and ``union_default_graph`` is ignored;
        an empty list is an empty default graph. ``named_graphs=[]`` leaves
        no named graph; ``None`` (either) keeps the store's own.
        """
        kwargs: dict = {}
        union = self.union_default_graph if union_default_graph is None else union_default_graph
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif union and self.merged_triples is None:
            kwargs["use_default_graph_as_union"] = True
        elif not union and self.merged_triples is not None and not _names_its_dataset(sparql):
            # The store's own default graph was empty before the merge (a
            # query's own FROM clauses must still choose its dataset).
            kwargs["default_graph"] = []
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if base_iri:
            kwargs["base_iri"] = base_iri
        return self.inner.query(sparql, **kwargs)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Quads of one named graph, or of the whole dataset (``None``)."""
        if graph:
            return self.inner.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        if self.merged_triples is None:
            return self.inner.quads_for_pattern(None, None, None, None)
        # Graph by graph: the merge in the default graph is never read (a
        # third faster than reading every quad and leaving the merge out).
        return (q for g in self.inner.named_graphs() for q in self.inner.quads_for_pattern(None, None, None, g))

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.inner.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        """Quads of the dataset (the materialized merge not counted)."""
        return len(self.inner) - (self.merged_triples or 0)

    def dump(self, output: IO[bytes], fmt: Format, graph: str | None = None) -> None:
        """Serialize the dataset (or one named graph) in ``fmt``."""
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        if graph is None and self.merged_triples is not None:
            if rdf_format.supports_datasets:
                ox.serialize(self.quads(), output, rdf_format)
            # else: the store's own default graph, empty before the merge.
        elif graph is None and not rdf_format.supports_datasets:
            self.inner.dump(output, rdf_format, from_graph=ox.DefaultGraph())
        elif graph is None:
            self.inner.dump(output, rdf_format)
        else:
            self.inner.dump(output, rdf_format, from_graph=ox.NamedNode(graph))

    # -- writing -----------------------------------------------------------
    def load(self, data: bytes | str | Path | IO[bytes], fmt: Format, *, graph: str | None = None, base_iri: str | None = None) -> None:
        """Bulk-load RDF; raises BuildError naming the input when it is bad."""
        rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
        kwargs: dict = {"format": rdf_format}
        if graph:
            kwargs["to_graph"] = ox.NamedNode(graph)
        if base_iri:
            kwargs["base_iri"] = base_iri
        where = str(data) if isinstance(data, (str, Path)) and Path(str(data)).exists() else None
        self._writes += 1
        if self._since_merge is not None:
            self._since_merge.append(Path(where) if where and not graph and rdf_format.supports_datasets else None)
        try:
            if where:
                self.inner.bulk_load(path=str(data), **kwargs)
            else:
                self.inner.bulk_load(data, **kwargs)
        except SyntaxError as exc:
            raise BuildError(str(exc), where=where) from exc

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        self._writes += 1
        if self._since_merge is not None:
            self._since_merge.append(None)
        self.inner.extend(quads)

    def materialize_union(self) -> int | None:
        """Write the RDF merge of the named graphs into the default graph.

        Done after loading, on a writable store whose own default graph is
        empty (returns None and changes nothing otherwise); done again after
        more named graphs are loaded, it brings the merge up to date. The
        storage is a set, so a triple in several graphs is stored once. The
        named graphs are written out as N-Triples to a temporary file and
        bulk-loaded (in Rust: about 4x faster than copying quads through
        Python, and memory stays bounded); the marker file is written last,
        so a store interrupted half-way is never taken as merged.

        Inside ``writing()``, when the merge was up to date (or the store
        empty) as the write began and only quad files were loaded since, the
        N-Triples are read from those files instead (``_merge_source``): an
        N-Quads line loses its graph name, about 4x cheaper than dumping
        every graph again; anything unexpected falls back to the dump.
        """
        default = ox.DefaultGraph()
        has_own_default = next(iter(self.inner.quads_for_pattern(None, None, None, default)), None) is not None
        if self.merged_triples is None and has_own_default:
            return None
        if self._writing:
            self._mark_incomplete(merging=True)
        folder = temp_folder(self.location) if self.location else None
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
        self._writes += 1
        sources, self._since_merge = self._since_merge, None
        with tempfile.NamedTemporaryFile(suffix=".nt", dir=folder, delete=False) as fh:
            if not (sources and None not in sources and self._merge_source(sources, fh)):
                fh.seek(0)
                fh.truncate()
                for name in self.inner.named_graphs():
                    self.inner.dump(fh, ox.RdfFormat.N_TRIPLES, from_graph=name)
        try:
            self.inner.bulk_load(path=fh.name, format=ox.RdfFormat.N_TRIPLES, to_graph=default)
        finally:
            os.unlink(fh.name)
        count = int(next(iter(self.inner.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)
        self.merged_triples = count
        if self._writing:
            self._since_merge = []  # up to date: later loads of this write add to it
        if self.location and not self._writing:  # inside ``writing()`` it is written at the end
            self.inner.flush()
            _write_json(Path(self.location) / MERGE_MARKER, {"merged_triples": count})
        return count

    def _merge_source(self, sources: list[Path], out: IO[bytes]) -> bool:
        """Write to ``out`` the triples of the quad files ``sources`` as
        N-Triples (duplicates left to the loader); False when unsure."""
        graphs: set[ox.NamedNode] = set()
        for path in sources:
            if path.suffix.lower() in (".nq", ".nquads"):
                if not _nquads_as_ntriples(path, out):
                    return False
                continue
            from kg.storage.rdffiles import format_of  # TriG: its graphs, dumped from the store

            fmt = getattr(ox.RdfFormat, format_of(path).oxigraph)
            for quad in ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()):
                if not isinstance(quad.graph_name, ox.NamedNode):
                    return False
                graphs.add(quad.graph_name)
        for name in sorted(graphs, key=lambda g: g.value):
            self.inner.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=name)
        return True

    def flush(self) -> None:
        self.inner.flush()
        self.inner.optimize()

    # -- writing safely ----------------------------------------------------
    @contextmanager
    def writing(self, who: str, *, lock: "StoreLock | None" = None):
        """Write to an on-disk store so that an interruption is visible.

        Takes the store's lock (``StoreBusy`` when it is served or written
        by another process), removes what an earlier interrupted write left
        in ``temp_folder``, and writes ``INCOMPLETE_MARKER`` (removing the
        merge marker, which then no longer describes the data) before the
        body runs. When the body finishes, the data is flushed, then a new
        generation and the merge marker are written, and the incomplete
        marker is removed last. ``lock``: the store's exclusive lock, when
        the caller took it already (before opening the store); it is then
        left for the caller to release. A body that fails without having changed
        the store (same quad count) leaves it complete; any other
        interruption leaves it incomplete: ``Store.open(read_only=True)``
        and so ``kg serve`` refuse it until the next write finishes.
        """
        if not self.location:
            yield self
            return
        folder = Path(self.location)
        owned = lock is None
        lock = lock or StoreLock(folder, exclusive=True, who=who)
        try:
            clear_temp(folder)
            before = len(self.inner)
            self._writing = who
            self._since_merge = [] if self.merged_triples is not None or before == 0 else None
            self._mark_incomplete(merging=False)
            (folder / MERGE_MARKER).unlink(missing_ok=True)
            try:
                yield self
            except BaseException:
                if isinstance(sys.exc_info()[1], Exception) and len(self.inner) == before:
                    self._finish()  # nothing was written: the store is as it was
                raise
            self.flush()
            self._finish(new_generation=True)
        finally:
            self._writing = None
            self._since_merge = None
            clear_temp(folder)
            if owned:
                lock.release()

    def _mark_incomplete(self, *, merging: bool) -> None:
        _write_json(Path(self.location) / INCOMPLETE_MARKER, {
            "by": self._writing, "pid": os.getpid(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "merged_triples": self.merged_triples, "merging": merging})

    def _finish(self, *, new_generation: bool = False) -> None:
        folder = Path(self.location)
        if new_generation:
            self._generation = "g" + uuid.uuid4().hex[:20]
            _write_json(folder / GENERATION_FILE, {"generation": self._generation, "written": time.time()})
        if self.merged_triples is not None:
            _write_json(folder / MERGE_MARKER, {"merged_triples": self.merged_triples})
        (folder / INCOMPLETE_MARKER).unlink(missing_ok=True)
        _sync_dir(folder)
        self.incomplete = None


def _nquads_as_ntriples(path: Path, out: IO[bytes]) -> bool:
    """Each statement of an N-Quads file (one the store has just loaded, so
    valid) without its graph name, as N-Triples (a default-graph triple is
    kept as it is); False at a line this cannot read with certainty (a
    comment after the statement) or one with a blank node (its label belongs
    to its file, and the loader gives it a new one). IRIs and blank node labels hold no ``"`` and
    no space, so the last term is the graph name exactly when the object is
    a literal before it, or there are four terms."""
    batch: list[bytes] = []
    with open(path, "rb") as fh:
        for line in fh:
            s = line.strip()
            if not s or s[:1] == b"#":
                continue
            if s[-1:] != b"." or b"_:" in s:  # blank nodes: labels are scoped to their file
                return False
            body = s[:-1].rstrip()
            if body[-1:] == b'"':
                batch.append(body)
            else:
                parts = body.rsplit(None, 1)
                if len(parts) != 2:
                    return False
                head, last = parts
                if b'"' in last:
                    batch.append(body)
                elif b'"' in head:
                    batch.append(head)
                else:
                    terms = len(body.split())
                    if terms not in (3, 4):
                        return False
                    batch.append(body if terms == 3 else head)
            if len(batch) >= 65536:
                out.write(b" .\n".join(batch) + b" .\n")
                batch.clear()
    if batch:
        out.write(b" .\n".join(batch) + b" .\n")
    return True


def refuse_incomplete(location: str | Path) -> None:
    """``StoreIncomplete`` when the store at ``location`` carries the marker
    of a write that has not finished (or was interrupted)."""
    info = _read_json(Path(location) / INCOMPLETE_MARKER)
    if info is None:
        return
    by = info.get("by") or "a write"
    raise StoreIncomplete(
        f"is incomplete: {by} (pid {info.get('pid')}, started {info.get('started')}) did not finish; "
        f"it is refused until a load completes: run that `kg load --store {location} ...` again to repair it "
        f"(or rebuild it with `kg build --store {location}`)", where=str(location))


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json(path: Path, value: dict) -> None:
    """Write a small file atomically and durably (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        fh.write(json.dumps(value) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _generation_of(folder: Path) -> str:
    """The generation id a build or load wrote; for a store made before
    generations existed, a digest of its files' names, sizes and times."""
    recorded = _read_json(folder / GENERATION_FILE)
    if recorded and isinstance(recorded.get("generation"), str):
        return recorded["generation"]
    h = hashlib.sha256()
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        entries = []
    for entry in entries:
        if entry.is_file() and not entry.name.startswith(("LOG", "LOCK")):
            st = entry.stat()
            h.update(f"|{entry.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return "d" + h.hexdigest()[:20]


def _names_its_dataset(sparql: str) -> bool:
    """Does the query have FROM / FROM NAMED clauses (outside strings, IRIs
    and comments)?"""
    from kg.storage.guard import tokenize

    return any(token.keyword == "FROM" for token in tokenize(sparql))


def open_store(location: str | Path | None = None, **kw) -> Store:
    """Open a store by location: a directory (on disk), ``None`` (memory), or
    the URL of a SPARQL endpoint (a ``kg.storage.remote.RemoteStore``; ``kw`` may add
    ``gsp_url``, ``update_url`` and ``timeout``)."""
    if location is None:
        return Store.in_memory(**kw)
    text = str(location)
    if text.startswith(("http://", "https://")):
        from kg.storage.remote import RemoteStore

        return RemoteStore(text, **kw)
    return Store.open(text, **kw)
