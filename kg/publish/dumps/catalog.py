"""The dump files of a store, and a cache that makes each once per version.

``catalog(store)`` lists the files a store offers: the whole dataset (TriG,
N-Quads), the union of its graphs (Turtle, N-Triples), and each named graph
(Turtle; JSON-LD too for an article graph). ``DumpCache`` writes a file
(and its ``.gz`` twin) the first time it is asked for, into a directory
keyed by the store's fingerprint, under a lock, through a temporary file
renamed into place: concurrent requests and processes never see a half
file, and serving is a plain file send.
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
# Seconds a remote store's fingerprint is trusted before it is computed again.
REMOTE_RECHECK = 60.0

# Version folders kept in the cache: the newest, and any used recently
# (another service may share the folder); older idle ones are removed.
KEEP_VERSIONS = 3
VERSION_STAMP = ".first-seen"
IDLE_BEFORE_REMOVAL = 3600.0
_VERSION = re.compile(r"[0-9a-f]{20}")
_ARTICLE = re.compile(r"/graph/article/([^/]+)$")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


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
    """Changes whenever the store's content may have changed.

    An on-disk store: its files' names, sizes and modification times (cheap,
    and a rebuild always changes them). In memory: a hash of every quad,
    independent of order.
    """
    h = hashlib.sha256(f"v{DUMP_VERSION}|{project_prefixes(base)}".encode())
    location = getattr(store, "location", None)
    if location and os.path.isdir(location):
        for entry in sorted(os.scandir(location), key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith(("LOG", "LOCK")):
                st = entry.stat()
                h.update(f"|{entry.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    else:
        total = count = 0
        for quad in store.quads(None):
            total += int.from_bytes(hashlib.sha256(str(quad).encode()).digest()[:16], "big")
            count += 1
        h.update(f"|{count}|{total % (1 << 128)}".encode())
    return h.hexdigest()[:20]


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
        self._remote: tuple[str, float] | None = None  # (fingerprint, when)
        self._touched = 0.0  # when this version's folder was last touched

    def files(self, folder: Path | None = None) -> list[DumpFile]:
        """The catalogue, listed once per store version (``folder``)."""
        folder = folder or self.directory()
        if self._files is None or self._files[0] != folder.name:
            self._files = (folder.name, catalog(self.store))
        return self._files[1]

    def _fingerprint(self) -> str:
        """The store's fingerprint; a remote store's is reused for
        ``REMOTE_RECHECK`` seconds (computing it reads every quad)."""
        location = str(getattr(self.store, "location", "") or "")
        if not location.startswith(("http://", "https://")):
            return fingerprint(self.store, self.base)
        now = time.monotonic()
        if self._remote is None or now - self._remote[1] > REMOTE_RECHECK:
            self._remote = (fingerprint(self.store, self.base), now)
        return self._remote[0]

    def directory(self) -> Path:
        """This store version's folder (made if missing).

        A folder in use is touched (at most once a minute); making a new
        one removes old version folders beyond the ``KEEP_VERSIONS`` newest
        that nobody touched for ``IDLE_BEFORE_REMOVAL`` seconds.
        """
        path = self.root / self._fingerprint()
        now = time.time()
        if path.is_dir():
            if now - self._touched > 60:
                os.utime(path)
                self._touched = now
            return path
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KGError(f"Downloads are unavailable: cannot write the dump cache {self.root} ({exc.strerror})") from exc
        self._touched = now
        self._prune(keep=path, now=now)
        return path

    def _prune(self, keep: Path, now: float) -> None:
        versions = []
        for entry in os.scandir(self.root):
            if entry.is_dir() and _VERSION.fullmatch(entry.name) and entry.path != str(keep):
                versions.append((entry.stat().st_mtime, entry.path))
        versions.sort(reverse=True)
        for mtime, old in versions[KEEP_VERSIONS - 1:]:
            if now - mtime > IDLE_BEFORE_REMOVAL:
                shutil.rmtree(old, ignore_errors=True)

    def ensure(self, file: DumpFile, *, folder: Path | None = None,
               on_read: Callable[[int], None] | None = None) -> DumpInfo:
        """The made file, making it (and its ``.gz``) first if needed.

        ``folder`` is ``directory()``, when the caller has it already.
        """
        folder = folder or self.directory()
        info = self.known(file, folder=folder)
        if info is None:
            record = folder / (file.name + ".json")
            with open(folder / f".{file.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                info = _read_record(record) or self._make(file, folder, record, on_read)
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

    def version_time(self, folder: Path | None = None) -> float:
        """When this store version was first seen (POSIX time), the same for
        every request and process: stamped once in its folder."""
        folder = folder or self.directory()
        stamp = folder / VERSION_STAMP
        try:
            return float(stamp.read_text())
        except (FileNotFoundError, ValueError):
            pass
        tmp = folder / f"{VERSION_STAMP}.{os.getpid()}.tmp"
        tmp.write_text(repr(time.time()))
        try:
            os.link(tmp, stamp)  # atomic, and the first stamp wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return float(stamp.read_text())

    def ensure_all(self) -> list[DumpInfo]:
        folder = self.directory()
        return [self.ensure(f, folder=folder) for f in self.files(folder)]

    def _make(self, file: DumpFile, folder: Path, record: Path, on_read) -> DumpInfo:
        info = make_file(self.store, file, folder, base=self.base, on_read=on_read)
        tmp = record.with_name(record.name + ".tmp")
        tmp.write_text(json.dumps(asdict(info), indent=1))
        os.replace(tmp, record)
        return info


def make_file(store, file: DumpFile, folder: str | Path, *, base: str | None = None,
              on_read: Callable[[int], None] | None = None) -> DumpInfo:
    """Write ``file`` and its ``.gz`` twin into ``folder`` in one pass.

    Both go through temporary files renamed into place, so a failure
    leaves no half-written file behind; sorted runs spill into ``folder``
    too (the place chosen to have room for dumps).
    """
    folder = Path(folder)
    target, gz_target = folder / file.name, folder / file.gz_name
    plain = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{file.name}.", delete=False)
    packed = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{file.gz_name}.", delete=False)
    try:
        with plain, packed:
            tee = _Tee(plain, packed)
            triples = write_dump(store, file.fmt, file.scope, tee, base=base, on_read=on_read, tmpdir=str(folder))
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
