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
from kg.storage.interface import GraphStore
from kg.storage.rdffiles import check_files, load_file
from kg.storage.store import Store, StoreLock, clear_temp, open_store

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent


@dataclass
class State:
    store: GraphStore
    config: dict
    temp_dirs: list[str] = field(default_factory=list)
    # The served store directory's shared lock: `kg build`/`kg load` on it
    # are refused while it is held (one version of the data at a time).
    store_lock: StoreLock | None = None
    _engine: object | None = None
    _graphs: tuple[str, frozenset[str]] | None = None  # (version, graphs)
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
        """IRIs of the dataset's named graphs, listed once per store version."""
        version = self.store.version()
        if self._graphs is None or self._graphs[0] != version:
            self._graphs = (version, frozenset(self.store.named_graphs()))
        return self._graphs[1]

    def fingerprint(self) -> str:
        """A short tag of the served data's version (``store.version()``),
        distinct per app, for keys of cached answers."""
        where = self.store.location or "memory"
        return hashlib.sha256(f"{where}|{self.store.version()}|{id(self)}".encode()).hexdigest()[:16]

    def close(self) -> None:
        """Stop the workers and remove temporary stores. Safe to call twice."""
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
        for path in self.temp_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self.temp_dirs.clear()
        if self.store_lock is not None:
            self.store_lock.release()
            self.store_lock = None


def load_files(paths: list[str], target: str) -> None:
    """Load RDF files into a new on-disk store at ``target`` with the same
    loader as `kg load` (same formats, same messages)."""
    checked = check_files(paths)
    store = Store.open(target, read_only=False)
    with store.writing("kg serve --data"):
        for path, _ in checked:
            load_file(store, path)
        store.materialize_union()


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


def _open(config: dict, temp_dirs: list[str], locks: list[StoreLock]) -> GraphStore:
    union = config["UNION_DEFAULT_GRAPH"]
    if config.get("STORE_OBJECT") is not None:
        return config["STORE_OBJECT"]
    if config.get("STORE") and str(config["STORE"]).startswith(("http://", "https://")):
        return open_store(config["STORE"], union_default_graph=union, gsp_url=config.get("STORE_GSP") or None,
                          union_param=config.get("STORE_UNION_PARAM") or None, timeout=config["TIMEOUT"])
    if config.get("STORE"):
        _lock_served(str(config["STORE"]), locks)
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


def _lock_served(location: str, locks: list[StoreLock]) -> None:
    """Hold the store's lock shared while serving it, so that `kg build` and
    `kg load` refuse to write under the service (StoreBusy when one is
    writing it now); remove what an interrupted write left beside it."""
    if not Path(location).parent.is_dir():
        return  # Store.open says there is no store
    try:
        lock = StoreLock(location, exclusive=False, who="kg serve")
    except OSError as exc:  # a folder the service may not write in
        log.warning("cannot lock the store %s (%s): rebuilding it while it is served would not be refused",
                    location, exc.strerror or exc)
        return
    locks.append(lock)
    clear_temp(location)


def _store_on_disk(state: State) -> str | None:
    """A directory the workers can open read-only, copying an in-memory store."""
    store = state.store
    if store.location and Path(store.location).is_dir():
        return store.location
    if not isinstance(store, Store):  # a remote engine: queries go to it directly
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
    locks: list[StoreLock] = []
    try:
        store = _open(app.config, temp_dirs, locks)
    except BaseException:
        for path in temp_dirs:
            shutil.rmtree(path, ignore_errors=True)
        for lock in locks:
            lock.release()
        raise
    state = State(store=store, config=app.config, temp_dirs=temp_dirs, store_lock=locks[0] if locks else None)
    if state.store_lock is not None:
        log.info("Serving the store %s (version %s); `kg build` and `kg load` on it are refused while this service "
                 "runs: to update it, stop the service, rebuild, and start it again (or build into another "
                 "directory and start a service on that)", store.location, store.version())
    app.extensions["kg"] = state
    atexit.register(state.close)
    if app.config.get("START_ENGINE"):  # kg serve: workers start while the app is assembled
        state.start_engine()


def current_state() -> State:
    return current_app.extensions["kg"]
