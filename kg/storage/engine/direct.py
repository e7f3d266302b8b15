"""Run queries in the calling thread: for stores that are not on local disk.

A remote store (``kg.storage.remote.RemoteStore``) enforces its own limits over
HTTP, so it needs no worker process; this engine gives it the same
``run(request, budget)`` interface as the worker pool and the same result
writers (row cap included).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from contextlib import nullcontext

from kg.storage.store import Store
from kg.storage.engine.fair import Usage
from kg.storage.engine.pool import Answer
from kg.storage.engine.worker import Spool, run


class DirectEngine:
    """Answers requests with ``store.query`` in the request's own thread."""

    size = 0

    def __init__(self, store: Store):
        self.store = store
        self.spool_dir = tempfile.mkdtemp(prefix="kg-spool-")
        self._counter = 0
        self._lock = threading.Lock()
        self.usage = Usage()

    def wait_ready(self, timeout: float = 0) -> bool:
        return True

    def alive(self) -> int:
        return 0

    def pids(self) -> list[int]:
        return []

    def health(self) -> dict:
        return {"status": "ok", "workers": 0, "size": 0}

    def used(self, client: str | None) -> float:
        return self.usage.spent(client)

    def run(self, request: dict, budget: float, client: str | None = None) -> Answer:
        """Run one request (see ``QueryEngine.run``); the remote store keeps its own timeout."""
        with self._lock:
            self._counter += 1
            name = f"direct-{self._counter}.out"
        spool = Spool(self.spool_dir, name)
        # A remote store's HTTP timeout is the query's time budget.
        limit = self.store.budget(budget) if hasattr(self.store, "budget") else nullcontext()
        started = time.monotonic()
        try:
            with limit:
                return Answer(**run(self.store, request, spool))
        except BaseException:
            spool.discard()
            raise
        finally:
            self.usage.charge(client, time.monotonic() - started)

    def close(self) -> None:
        shutil.rmtree(self.spool_dir, ignore_errors=True)
