"""The dump files of a store, and a cache that makes each once per version.

``catalog(store)`` lists the files a store offers: the whole dataset (TriG,
N-Quads), the union of its graphs (Turtle, N-Triples), and each named graph
(Turtle; JSON-LD too for an article graph). ``DumpCache`` writes a file
(and its ``.gz`` twin) the first time it is asked for, into a directory
keyed by the store's version (``store.version()``), under a lock, through
temporary files (in the folder's ``.tmp/<file>/``) renamed into place:
concurrent requests and processes never see a half file, a request that
finds the file being made need not wait for it (``DumpInProgress``), and
serving is a plain file send. What a process killed while making a file
left is removed by the next cache that finds the file's lock free. A disk
fault is a ``DumpsUnavailable`` (503) that names no server path.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import BinaryIO

from kg.model.errors import KGError, NotFound
from kg.model.formats import JSONLD, NQUADS, NTRIPLES, TRIG, TURTLE, Format
from kg.model.namespaces import prefixes as project_prefixes
from kg.publish.dumps.order import DATASET, UNION, Scope, graph_scope, ordered_rows
from kg.publish.dumps.writers import WRITERS

# Bump when the writers' output changes: old cached files are then ignored.
DUMP_VERSION = "3"
DOWNLOAD_PREFIX = "diplomacy-kg-"
GZIP = "application/gzip"
# In a version folder: temporary files, one sub-folder per file being made,
# and a stamp naming the store the version belongs to.
TEMP_DIR = ".tmp"
STORE_STAMP = ".store"
# Seconds a client is told to wait for a file being made.
RETRY_MAKING = 5

# Version folders kept in the cache: the newest, and any used recently
# (another service may share the folder); older idle ones are removed.
KEEP_VERSIONS = 3
VERSION_STAMP = ".first-seen"
IDLE_BEFORE_REMOVAL = 3600.0
_VERSION = re.compile(r"[0-9a-f]{20}")
_ARTICLE = re.compile(r"/graph/article/([^/]+)$")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


class DumpsUnavailable(KGError):
    """The dump cache cannot be written (a full, read-only or missing disk)."""

    status = 503
    title = "Downloads unavailable"

    def __init__(self, message: str, *, retry_after: int = 60):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class DumpInProgress(DumpsUnavailable):
    """The file is being made by another request; come back shortly."""

    title = "Download being prepared"


def _unavailable(exc: OSError) -> DumpsUnavailable:
    """The error a client sees for a disk fault: the reason, never a path."""
    reason = exc.strerror or (exc.args[0] if exc.args and isinstance(exc.args[0], str) and exc.filename is None else "input/output error")
    return DumpsUnavailable(f"Downloads are unavailable for now: the server cannot write its dump files ({reason}). "
                            "Try again later; the SPARQL endpoint and the pages still answer.")


@dataclass(frozen=True)
class DumpFile:
    """One downloadable file: its name, format and what it holds.

    ``role`` is ``dataset``, ``union``, ``ontology``, ``background``,
    ``article`` or ``graph``; ``graph`` is the named graph's IRI, if any.
    """

    name: str
    title: str
    fmt: Format
    scope: Scope
    role: str
    graph: str | None = None

    @property
    def gz_name(self) -> str:
        return self.name + ".gz"

    @property
    def download_name(self) -> str:
        return DOWNLOAD_PREFIX + self.name


def _slug(text: str) -> str:
    """A file-name-safe slug; a short hash keeps distinct inputs distinct."""
    safe = _UNSAFE.sub("-", text.lower()).strip("-.") or "graph"
    if safe != text:
        safe += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return safe


def graph_files(iri: str) -> list[DumpFile]:
    """The files offered for one named graph, by what its IRI says it is."""
    scope = graph_scope(iri)
    if iri.endswith("/graph/ontology"):
        return [DumpFile("ontology.ttl", "The ontology", TURTLE, scope, "ontology", iri)]
    if iri.endswith("/graph/background"):
        return [DumpFile("background.ttl", "Background knowledge", TURTLE, scope, "background", iri)]
    match = _ARTICLE.search(iri)
    if match:
        slug = _slug(match.group(1))
        title = f"Article graph {match.group(1)}"
        return [
            DumpFile(f"article-{slug}.ttl", title, TURTLE, scope, "article", iri),
            DumpFile(f"article-{slug}.jsonld", title, JSONLD, scope, "article", iri),
        ]
    tail = iri.rsplit("/graph/", 1)[-1] if "/graph/" in iri else iri
    return [DumpFile(f"graph-{_slug(tail)}.ttl", f"Graph {iri}", TURTLE, scope, "graph", iri)]


_ROLE_ORDER = {"ontology": 0, "background": 1, "article": 2, "graph": 3}


def catalog(store) -> list[DumpFile]:
    """Every file the store offers, in the order the downloads page lists them."""
    files = [
        DumpFile("dataset.trig", "Whole dataset, with its named graphs", TRIG, DATASET, "dataset"),
        DumpFile("dataset.nq", "Whole dataset, with its named graphs", NQUADS, DATASET, "dataset"),
        DumpFile("union.ttl", "Union of all graphs", TURTLE, UNION, "union"),
        DumpFile("union.nt", "Union of all graphs", NTRIPLES, UNION, "union"),
    ]
    per_graph = [f for iri in store.named_graphs() for f in graph_files(iri)]
    per_graph.sort(key=lambda f: (_ROLE_ORDER[f.role], f.graph, f.fmt is not TURTLE))
    return files + per_graph


def find(files: list[DumpFile], name: str) -> tuple[DumpFile, bool]:
    """The file called ``name`` (or its ``.gz`` twin) and whether gzip was asked."""
    gz = name.endswith(".gz")
    base = name[:-3] if gz else name
    for f in files:
        if f.name == base:
            return f, gz
    raise NotFound(
        f"No download called {name!r}. Offered: " + ", ".join(f.name for f in files),
        detail={"offered": [f.name for f in files]},
    )


def write_dump(store, fmt: Format, scope: Scope, out: BinaryIO, *, base: str | None = None,
               prefixes: dict[str, str] | None = None, on_read: Callable[[int], None] | None = None,
               tmpdir: str | None = None) -> int:
    """Serialize ``scope`` of ``store`` in ``fmt`` to ``out``; the triple count.

    Turtle, TriG and JSON-LD declare ``prefixes`` (default: the project's);
    sorted runs spill into ``tmpdir`` (default: the system's).
    """
    writer = WRITERS.get(fmt.name)
    if writer is None:
        raise NotFound(f"Dumps are not offered in {fmt.label}")
    rows = ordered_rows(store, scope, on_read=on_read, tmpdir=tmpdir)
    return writer(rows, out, prefixes or project_prefixes(base))


def fingerprint(store, base: str | None = None) -> str:
    """The name of a store version's folder: changes with ``store.version()``
    (a rebuild or load writes a new generation), the writers' output
    (``DUMP_VERSION``) and the prefixes."""
    h = hashlib.sha256(f"v{DUMP_VERSION}|{project_prefixes(base)}|{store.version()}".encode())
    return h.hexdigest()[:20]


def _store_stamp(store) -> str | None:
    """Which store a version folder belongs to (None: a store in memory)."""
    return hashlib.sha256(str(store.location).encode()).hexdigest()[:20] if store.location else None


def sweep(root: str | Path) -> None:
    """Remove temporary files a killed process left in any version folder
    under ``root``: those of files whose lock nobody holds."""
    try:
        folders = [e.path for e in os.scandir(root) if e.is_dir() and _VERSION.fullmatch(e.name)]
    except OSError:
        return
    for folder in folders:
        try:
            names = os.listdir(Path(folder) / TEMP_DIR)
        except OSError:
            continue
        for name in names:
            _clear_leftovers(Path(folder), name)


def _clear_leftovers(folder: Path, name: str) -> None:
    try:
        with open(folder / f".{name}.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # being made right now
            shutil.rmtree(folder / TEMP_DIR / name, ignore_errors=True)
    except OSError:
        pass


@dataclass(frozen=True)
class DumpInfo:
    """A file made by the cache: its path, size, digest and triple count."""

    name: str
    triples: int
    size: int
    sha256: str
    gz_size: int
    gz_sha256: str
    path: str
    gz_path: str
    modified: float


class _Hashing:
    """A binary stream that hashes and counts what it passes on."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


class _Tee:
    """Writes a file and, at once, its deterministic gzip twin."""

    def __init__(self, plain: BinaryIO, packed: BinaryIO):
        self.plain = _Hashing(plain)
        self.packed = _Hashing(packed)
        # No file name and a zero time in the header: same bytes every build.
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.packed, mtime=0, compresslevel=6)

    def write(self, data: bytes) -> int:
        self.plain.write(data)
        self.gz.write(data)
        return len(data)

    def close(self) -> None:
        self.gz.close()


class DumpCache:
    """Makes dump files on demand, once per store version.

    ``root`` holds one directory per store fingerprint; in it each file,
    its ``.gz`` twin and a ``.json`` record of sizes, digests and counts
    (written last: its presence means the files are complete).
    """

    def __init__(self, store, root: str | Path, *, base: str | None = None):
        self.store = store
        self.root = Path(root)
        self.base = base
        self._known: dict[str, DumpInfo] = {}  # record path -> made file
        self._files: tuple[str, list[DumpFile]] | None = None  # (fingerprint, catalogue)
        self._touched = 0.0  # when this version's folder was last touched

    def files(self, folder: Path | None = None) -> list[DumpFile]:
        """The catalogue, listed once per store version (``folder``)."""
        folder = folder or self.directory()
        if self._files is None or self._files[0] != folder.name:
            self._files = (folder.name, catalog(self.store))
        return self._files[1]

    def directory(self) -> Path:
        """This store version's folder (made if missing).

        A folder in use is touched (at most once a minute). Making a new
        one removes at once the folders of earlier versions of the same
        store (their files are stale), and other stores' version folders
        beyond the ``KEEP_VERSIONS`` newest that nobody touched for
        ``IDLE_BEFORE_REMOVAL`` seconds.
        """
        path = self.root / fingerprint(self.store, self.base)
        now = time.time()
        try:
            if path.is_dir():
                if now - self._touched > 60:
                    os.utime(path)
                    self._touched = now
                return path
            path.mkdir(parents=True, exist_ok=True)
            # the version is first seen now: stamped with the folder's own
            # clock, so no file made in it can look older than the version
            self.version_time(path, when=path.stat().st_mtime)
            stamp = _store_stamp(self.store)
            if stamp:
                (path / STORE_STAMP).write_text(stamp)
            self._touched = now
            self._prune(keep=path, now=now, stamp=stamp)
        except OSError as exc:
            raise _unavailable(exc) from exc
        return path

    def _prune(self, keep: Path, now: float, stamp: str | None) -> None:
        versions = []
        for entry in os.scandir(self.root):
            if entry.is_dir() and _VERSION.fullmatch(entry.name) and entry.path != str(keep):
                if stamp and _read_text(Path(entry.path) / STORE_STAMP) == stamp:
                    shutil.rmtree(entry.path, ignore_errors=True)  # an earlier version of this store
                    continue
                versions.append((entry.stat().st_mtime, entry.path))
        versions.sort(reverse=True)
        for mtime, old in versions[KEEP_VERSIONS - 1:]:
            if now - mtime > IDLE_BEFORE_REMOVAL:
                shutil.rmtree(old, ignore_errors=True)

    def ensure(self, file: DumpFile, *, folder: Path | None = None,
               on_read: Callable[[int], None] | None = None, wait: bool = True) -> DumpInfo:
        """The made file, making it (and its ``.gz``) first if needed.

        ``folder`` is ``directory()``, when the caller has it already. When
        another thread or process is making the file, wait for it, or with
        ``wait=False`` raise ``DumpInProgress`` at once (a web request then
        holds no thread while the file is made).
        """
        folder = folder or self.directory()
        info = self.known(file, folder=folder)
        if info is None:
            record = folder / (file.name + ".json")
            try:
                with open(folder / f".{file.name}.lock", "a") as lock:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        if not wait:
                            raise DumpInProgress(f"{file.name} is being prepared; try again in a few seconds.",
                                                 retry_after=RETRY_MAKING) from None
                        fcntl.flock(lock, fcntl.LOCK_EX)
                    info = _read_record(record) or self._make(file, folder, record, on_read)
            except OSError as exc:
                raise _unavailable(exc) from exc
            self._remember(record, info)
        return info

    def known(self, file: DumpFile, *, folder: Path | None = None) -> DumpInfo | None:
        """The made file if it exists already, else None; never makes it."""
        folder = folder or self.directory()
        record = folder / (file.name + ".json")
        info = self._known.get(str(record))
        if info and os.path.exists(info.path) and os.path.exists(info.gz_path):
            return info
        info = _read_record(record)
        if info is not None:
            self._remember(record, info)
        return info

    def _remember(self, record: Path, info: DumpInfo) -> None:
        if len(self._known) > 100_000:
            self._known.clear()
        self._known[str(record)] = info

    def version_time(self, folder: Path | None = None, when: float | None = None) -> float:
        """When this store version was first seen (POSIX time), the same for
        every request and process: stamped once in its folder (with ``when``,
        default now, by whoever stamps first)."""
        folder = folder or self.directory()
        stamp = folder / VERSION_STAMP
        try:
            return float(stamp.read_text())
        except (FileNotFoundError, ValueError):
            pass
        except OSError as exc:
            raise _unavailable(exc) from exc
        # one name per process and thread: two threads may stamp a new folder at once
        tmp = folder / f"{VERSION_STAMP}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            tmp.write_text(repr(time.time() if when is None else when))
            try:
                os.link(tmp, stamp)  # atomic, and the first stamp wins
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            return float(stamp.read_text())
        except OSError as exc:
            raise _unavailable(exc) from exc

    def ensure_all(self) -> list[DumpInfo]:
        folder = self.directory()
        return [self.ensure(f, folder=folder) for f in self.files(folder)]

    def _make(self, file: DumpFile, folder: Path, record: Path, on_read) -> DumpInfo:
        """Make the file (holding its lock) with its temporary files in
        ``.tmp/<name>/``, which is removed afterwards, failed or not."""
        scratch = folder / TEMP_DIR / file.name
        shutil.rmtree(scratch, ignore_errors=True)  # left by a process killed while making it
        scratch.mkdir(parents=True)
        try:
            info = make_file(self.store, file, folder, base=self.base, on_read=on_read, tmpdir=scratch)
            tmp = scratch / (record.name + ".tmp")
            tmp.write_text(json.dumps(asdict(info), indent=1))
            os.replace(tmp, record)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                scratch.parent.rmdir()
            except OSError:
                pass  # another file is being made
        return info


def make_file(store, file: DumpFile, folder: str | Path, *, base: str | None = None,
              on_read: Callable[[int], None] | None = None, tmpdir: str | Path | None = None) -> DumpInfo:
    """Write ``file`` and its ``.gz`` twin into ``folder`` in one pass.

    Both go through temporary files renamed into place, so a failure
    leaves no half-written file behind; they and the sorted runs that
    spill go into ``tmpdir`` (default ``folder``: the place chosen to have
    room for dumps; it must be on the same file system).
    """
    folder = Path(folder)
    scratch = Path(tmpdir) if tmpdir else folder
    target, gz_target = folder / file.name, folder / file.gz_name
    plain = tempfile.NamedTemporaryFile(dir=scratch, prefix=f".{file.name}.", delete=False)
    packed = tempfile.NamedTemporaryFile(dir=scratch, prefix=f".{file.gz_name}.", delete=False)
    try:
        with plain, packed:
            tee = _Tee(plain, packed)
            triples = write_dump(store, file.fmt, file.scope, tee, base=base, on_read=on_read, tmpdir=str(scratch))
            tee.close()
        for made in (plain.name, packed.name):
            os.chmod(made, 0o644)
        os.replace(plain.name, target)
        os.replace(packed.name, gz_target)
    except BaseException:
        for leftover in (plain.name, packed.name):
            if os.path.exists(leftover):
                os.unlink(leftover)
        raise
    return DumpInfo(
        name=file.name, triples=triples,
        size=tee.plain.size, sha256=tee.plain.digest.hexdigest(),
        gz_size=tee.packed.size, gz_sha256=tee.packed.digest.hexdigest(),
        path=str(target), gz_path=str(gz_target), modified=target.stat().st_mtime,
    )


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _read_record(path: Path) -> DumpInfo | None:
    try:
        info = DumpInfo(**json.loads(path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    folder = path.parent
    info = replace(info, path=str(folder / info.name), gz_path=str(folder / (info.name + ".gz")))
    if not (os.path.exists(info.path) and os.path.exists(info.gz_path)):
        return None
    return info
