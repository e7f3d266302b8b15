"""Query-result caches: one SQLite file shared by several ``kg serve`` fronts,
or a bounded map in one front's memory.

Fronts behind a balancer (deploy/haproxy.cfg) answer the same popular queries
again and again; with ``result_cache = PATH`` (``KG_RESULT_CACHE``) each
front looks an answer up in the file before it runs the query, and stores
the answers it computed. The key is the normalized query (its tokens:
whitespace, comments and the layout of the text do not matter), the format,
the protocol's dataset (``default-graph-uri``/``named-graph-uri``), the row
cap and the store's version (``GraphStore.version()``): a reload of the
store changes the version, so a front never serves an answer of older data
(a remote engine's version is re-checked every 30 s). Entries also expire
after ``ttl`` seconds (5 minutes, as the Wikidata Query Service caches), and
only answers up to ``max_entry_bytes`` are kept.

SQLite in WAL mode lets every front read while one writes; a cache that
cannot be read or written (disk full, locked too long) is skipped, never an
error for the client.

A single front serving a read-only store (``GraphStore.frozen``: its
version cannot change while it is served) keeps answers in memory instead
(``MemoryResultCache``): up to ``MEMORY_MAX_BYTES`` in all, the least
recently used dropped first, keyed on the exact query text (a page or an
application repeats its text byte for byte, and a lookup then costs no
tokenizing), the format, the dataset, the row cap and the store's version.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

TTL = 300.0
MAX_ENTRY_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MEMORY_MAX_BYTES = 32 * 1024 * 1024
MEMORY_MAX_ENTRY_BYTES = 256 * 1024
_SCHEMA = """CREATE TABLE IF NOT EXISTS results (
  key TEXT PRIMARY KEY, body BLOB NOT NULL, rows INTEGER, created REAL NOT NULL, hits INTEGER NOT NULL DEFAULT 0)"""


def normalize(query: str) -> str:
    """The query's significant tokens joined by single spaces (keywords in
    upper case): two texts differing only in layout or comments are one key."""
    from kg.storage.guard import tokenize

    return " ".join(t.keyword or t.text for t in tokenize(query))


@dataclass
class Hit:
    body: bytes
    rows: int | None


class ResultCache:
    """``get(key)`` / ``put(key, body, rows)`` over a SQLite file."""

    def __init__(self, path: str | Path, *, ttl: float = TTL, max_entry_bytes: int = MAX_ENTRY_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES):
        self.path = str(path)
        self.ttl = ttl
        self.max_entry_bytes = max_entry_bytes
        self.max_total_bytes = max_total_bytes
        self._local = threading.local()
        self._puts = 0
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @staticmethod
    def key(query: str, fmt: str, default_graphs, named_graphs, max_rows: int, version: str) -> str:
        parts = [normalize(query), fmt, "|".join(default_graphs or ()), "|".join(named_graphs or ()), str(max_rows), version]
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def get(self, key: str) -> Hit | None:
        try:
            db = self._db()
            row = db.execute("SELECT body, rows, created FROM results WHERE key = ?", (key,)).fetchone()
            if row is None or time.time() - row[2] > self.ttl:
                return None
            db.execute("UPDATE results SET hits = hits + 1 WHERE key = ?", (key,))
            return Hit(bytes(row[0]), row[1])
        except sqlite3.Error:
            return None

    def put(self, key: str, body: bytes, rows: int | None) -> bool:
        if len(body) > self.max_entry_bytes:
            return False
        try:
            db = self._db()
            db.execute("INSERT OR REPLACE INTO results (key, body, rows, created) VALUES (?, ?, ?, ?)",
                       (key, body, rows, time.time()))
            self._puts += 1
            if self._puts % 100 == 1:
                self.prune()
            return True
        except sqlite3.Error:
            return False

    def prune(self) -> None:
        """Drop expired entries, then the oldest past ``max_total_bytes``."""
        db = self._db()
        db.execute("DELETE FROM results WHERE created < ?", (time.time() - self.ttl,))
        total = db.execute("SELECT COALESCE(SUM(LENGTH(body)), 0) FROM results").fetchone()[0]
        if total > self.max_total_bytes:
            db.execute("DELETE FROM results WHERE key IN (SELECT key FROM results ORDER BY created LIMIT "
                       "(SELECT COUNT(*) / 2 FROM results))")

    def stats(self) -> dict:
        db = self._db()
        count, hits = db.execute("SELECT COUNT(*), COALESCE(SUM(hits), 0) FROM results").fetchone()
        return {"entries": count, "hits": hits}


class MemoryResultCache:
    """``get(key)`` / ``put(key, body, rows)`` over a map in memory, bounded in bytes.

    >>> cache = MemoryResultCache(max_bytes=10, max_entry_bytes=6)
    >>> k1, k2 = (MemoryResultCache.key("ASK {}", "json", [], [], 100, f"v{i}") for i in (1, 2))
    >>> cache.put(k1, b"12345", 1), cache.put(k2, b"1234567", 1)  # the second is over the entry cap
    (True, False)
    >>> cache.get(k1).body, cache.get(k2)  # another store version: another key
    (b'12345', None)
    >>> cache.put(k2, b"abcdef", 1); cache.get(k1) is None  # over 10 bytes: the older one goes
    True
    True
    """

    def __init__(self, *, max_bytes: int = MEMORY_MAX_BYTES, max_entry_bytes: int = MEMORY_MAX_ENTRY_BYTES):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[tuple, Hit] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    @staticmethod
    def key(query: str, fmt: str, default_graphs, named_graphs, max_rows: int, version: str) -> tuple:
        return (query, fmt, tuple(default_graphs or ()), tuple(named_graphs or ()), max_rows, version)

    def get(self, key: tuple) -> Hit | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return hit

    def put(self, key: tuple, body: bytes, rows: int | None) -> bool:
        if len(body) > self.max_entry_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = Hit(body, rows)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)
        return True

    def stats(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "hits": self.hits, "bytes": self._bytes}


_CACHES: dict[str, ResultCache] = {}
_LOCK = threading.Lock()


def shared_cache(path: str | None) -> ResultCache | None:
    """The process's cache for ``path`` (None: no cache)."""
    if not path:
        return None
    with _LOCK:
        if path not in _CACHES:
            _CACHES[path] = ResultCache(path)
        return _CACHES[path]
