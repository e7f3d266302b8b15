"""What the app serves: the store and the query engine, per app.

Kept on ``app.extensions["kg"]``; views read it with ``current_state()``.
The store comes from, in order: ``STORE_OBJECT`` (tests hand a ready
``Store``), ``STORE`` (an on-disk store or a SPARQL endpoint URL), ``DATA``
(RDF files loaded into a temporary on-disk store), or else the article graph
built with ``kg.authoring.build.build_store`` into a temporary directory.

User queries go through ``state.engine`` (worker processes with time limits;
started on first use, or at once by ``kg serve``); pages may query
``state.store`` directly with their own bounded queries.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from flask import Flask, current_app

from kg.model.errors import BuildError, EngineUnavailable
from kg.model.formats import ALL_FORMATS, GRAPH_FORMATS, JSONLD, NQUADS, RDFXML, by_extension
from kg.storage.store import Store, open_store

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent
# File extensions that name a format by another name.
_EXTRA_EXTENSIONS = {"owl": RDFXML, "xml": RDFXML, "json": JSONLD, "nquads": NQUADS, "ntriples": GRAPH_FORMATS[1], "turtle": GRAPH_FORMATS[0]}


@dataclass
class State:
    store: Store
    config: dict
    temp_dirs: list[str] = field(default_factory=list)
    _engine: object | None = None
    _graphs: frozenset[str] | None = None
    _fingerprint: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def engine(self):
        """The query engine, started on first use; waits until it can answer."""
        engine = self.start_engine()
        if not engine.wait_ready():
            raise EngineUnavailable("No query worker is running; see the service log.")
        return engine

    def start_engine(self):
        """Start the query engine without waiting for its workers."""
        with self._lock:
            if self._engine is None:
                self._engine = _start_engine(self)
            return self._engine

    def engine_started(self) -> bool:
        return self._engine is not None

    def graphs(self) -> frozenset[str]:
        """IRIs of the dataset's named graphs (the store does not change)."""
        if self._graphs is None:
            self._graphs = frozenset(self.store.named_graphs())
        return self._graphs

    def fingerprint(self) -> str:
        """A short tag that changes when the served data may have changed.

        A local store does not change while served (it is read-only), so its
        tag is computed once; a remote engine's is recomputed from its size.
        """
        if self._fingerprint is not None:
            return self._fingerprint
        where = self.store.location or f"memory-{id(self.store)}"
        tag = hashlib.sha256(f"{where}|{len(self.store)}|{id(self)}".encode()).hexdigest()[:16]
        if isinstance(getattr(self.store, "inner", None), ox.Store):
            self._fingerprint = tag
        return tag

    def close(self) -> None:
        """Stop the workers and remove temporary stores. Safe to call twice."""
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
        for path in self.temp_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self.temp_dirs.clear()


def _format_of(path: Path):
    ext = path.suffix.lstrip(".").lower()
    fmt = by_extension(ext, ALL_FORMATS) or _EXTRA_EXTENSIONS.get(ext)
    if fmt is None or fmt not in GRAPH_FORMATS:
        raise BuildError(
            "unknown RDF format; use .ttl, .nt, .nq, .trig, .rdf/.owl or .jsonld", where=str(path)
        )
    return fmt


def load_files(paths: list[str], target: str) -> None:
    """Load RDF files into a new on-disk store at ``target``; BuildError names a bad file."""
    store = Store.open(target, read_only=False)
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise BuildError("no such file", where=name)
        try:
            store.load(path, _format_of(path), base_iri=path.resolve().as_uri())
        except (OSError, ValueError) as exc:
            raise BuildError(str(exc), where=name) from exc
    store.materialize_union()
    store.flush()


def build_article(target: str) -> None:
    """Build the article graph into ``target`` (needs ``kg.authoring.build.build_store``)."""
    try:
        from kg.authoring.build import build_store
    except ImportError as exc:
        raise BuildError(
            "the article graph builder (kg.authoring.build.build_store) is not available yet; "
            "serve a built store with --store DIR or RDF files with --data FILE"
        ) from exc
    build_store(target, data_dir=str(REPO / "data"), ontology_dir=str(REPO / "ontology"))


def _open(config: dict, temp_dirs: list[str]) -> Store:
    union = config["UNION_DEFAULT_GRAPH"]
    if config.get("STORE_OBJECT") is not None:
        return config["STORE_OBJECT"]
    if config.get("STORE") and str(config["STORE"]).startswith(("http://", "https://")):
        return open_store(config["STORE"], union_default_graph=union, gsp_url=config.get("STORE_GSP") or None,
                          union_param=config.get("STORE_UNION_PARAM") or None, timeout=config["TIMEOUT"])
    if config.get("STORE"):
        try:
            return open_store(config["STORE"], union_default_graph=union)
        except OSError as exc:  # a directory that is not a store, unreadable files
            raise BuildError(f"cannot open it as a store ({exc}); build one with `kg build --store DIR`",
                             where=str(config["STORE"])) from exc
    temp = tempfile.mkdtemp(prefix="kg-serve-")
    temp_dirs.append(temp)
    target = str(Path(temp) / "store")
    data = config.get("DATA")
    files = data.split() if isinstance(data, str) else list(data or [])
    if files:
        load_files(files, target)
    else:
        build_article(target)
    return Store.open(target, read_only=True, union_default_graph=union)


def _store_on_disk(state: State) -> str | None:
    """A directory the workers can open read-only, copying an in-memory store."""
    store = state.store
    if store.location and Path(store.location).is_dir():
        return store.location
    if not isinstance(getattr(store, "inner", None), ox.Store):
        return None
    temp = tempfile.mkdtemp(prefix="kg-serve-")
    state.temp_dirs.append(temp)
    copy = ox.Store(temp)
    copy.bulk_extend(store.inner.quads_for_pattern(None, None, None, None))
    copy.flush()
    del copy
    return temp


def _start_engine(state: State):
    from kg.storage.engine import QueryEngine
    from kg.storage.engine.direct import DirectEngine

    path = _store_on_disk(state)
    if path is None:
        return DirectEngine(state.store)
    return QueryEngine(path, size=state.config["WORKERS"], union_default_graph=state.store.union_default_graph,
                       memory_mb=state.config["WORKER_MEMORY_MB"])


def init_state(app: Flask) -> None:
    temp_dirs: list[str] = []
    try:
        store = _open(app.config, temp_dirs)
    except BaseException:
        for path in temp_dirs:
            shutil.rmtree(path, ignore_errors=True)
        raise
    state = State(store=store, config=app.config, temp_dirs=temp_dirs)
    app.extensions["kg"] = state
    atexit.register(state.close)
    if app.config.get("START_ENGINE"):  # kg serve: workers start while the app is assembled
        state.start_engine()


def current_state() -> State:
    return current_app.extensions["kg"]
