"""A pool of query worker processes with a real time budget per query.

Each worker (``kg.storage.engine.worker``) opens the on-disk store read-only and runs
one query at a time. The parent waits for the answer until the query's
deadline; past it, the worker is killed with SIGKILL (its CPU is released at
once) and a fresh one is started in the background. A worker that crashes
(the engine segfaults on some inputs) is replaced the same way, and the
client gets an error, not a hung connection. Results are complete before
the parent answers, so a timeout or a row cap is always a clean error
status, never a truncated 200.

Workers are started from one long-lived supervisor thread: Linux's
PR_SET_PDEATHSIG fires when the *thread* that forked a child exits, so the
children must not belong to a short-lived request thread.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

from kg.model import errors
from kg.model.errors import EngineUnavailable, KGError, QueryTimeout

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
START_TIMEOUT = 60.0


@dataclass
class Answer:
    """A finished result: bytes inline, or a spooled file streamed then deleted."""

    inline: bytes | None = None
    path: str | None = None
    rows: int | None = None
    table: dict | None = None

    def chunks(self) -> Iterator[bytes]:
        """The result's bytes in chunks; a spooled file is deleted afterwards."""
        if self.inline is not None:
            yield self.inline
            return
        if self.path is None:
            return
        try:
            with open(self.path, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk
        finally:
            self.discard()

    def discard(self) -> None:
        if self.path:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


class Worker:
    """One worker process and the two pipe ends the parent holds."""

    def __init__(self, store_path: str, spool_dir: str, union: bool, memory_mb: int = 0):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        cmd = [sys.executable, "-m", "kg.storage.engine.worker", store_path, str(os.getpid()),
               str(to_child_r), str(from_child_w), spool_dir, "1" if union else "0", str(memory_mb)]
        self.proc = subprocess.Popen(cmd, pass_fds=(to_child_r, from_child_w), close_fds=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)
        self.spool_dir = spool_dir

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.inbox.poll(timeout) and self.inbox.recv()[0] == "ready"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        """Stop the process now and reap it; remove its spooled files."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for conn in (self.outbox, self.inbox):
            conn.close()
        for name in os.listdir(self.spool_dir):
            if name.startswith(f"{self.pid}-"):
                os.unlink(os.path.join(self.spool_dir, name))


def _error_from_reply(name: str, message: str, detail: dict) -> KGError:
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, KGError) and cls is not errors.BuildError:
        return cls(message, detail=detail)
    err = KGError(f"The query engine failed: {message}", detail=detail)
    return err


class QueryEngine:
    """Runs queries on ``size`` worker processes over the store at ``store_path``.

    ``union_default_graph`` is the default-graph semantics of the workers'
    store; each request may override it. ``memory_mb`` caps each worker's
    address space (0: no cap).
    """

    def __init__(self, store_path: str, *, size: int = 2, union_default_graph: bool = True, memory_mb: int = 0):
        self.store_path = store_path
        self.size = max(1, size)
        self.union = union_default_graph
        self.memory_mb = memory_mb
        self.spool_dir = tempfile.mkdtemp(prefix="kg-spool-")
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._spawn_requests: queue.Queue[int | None] = queue.Queue()
        self._workers: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._ready = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="kg-engine-supervisor", daemon=True)
        self._supervisor.start()
        self._spawn_requests.put(self.size)

    # -- supervisor thread ----------------------------------------------------
    def _supervise(self) -> None:
        while True:
            count = self._spawn_requests.get()
            if count is None or self._closed:
                return
            started = [self._start_one() for _ in range(count)]
            for worker in started:
                if worker.wait_ready(START_TIMEOUT) and not self._closed:
                    self._idle.put(worker)
                    self._ready.set()  # one worker can answer: the service is up
                else:
                    log.error("query worker %s did not start", worker.pid)
                    self._forget(worker)
            self._ready.set()

    def _start_one(self) -> Worker:
        worker = Worker(self.store_path, self.spool_dir, self.union, self.memory_mb)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _forget(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)

    def _replace(self, worker: Worker) -> None:
        self._forget(worker)
        if not self._closed:
            self._spawn_requests.put(1)

    # -- public API -----------------------------------------------------------
    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Block until the first batch of workers is up; False if none is alive."""
        return self._ready.wait(timeout) and self.alive() > 0

    def alive(self) -> int:
        with self._lock:
            return sum(1 for w in self._workers if w.proc.poll() is None)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers]

    def run(self, request: dict, budget: float) -> Answer:
        """Run ``request`` within ``budget`` seconds (queueing included).

        Raises QueryTimeout when the budget runs out (the worker is killed),
        EngineUnavailable when no worker frees up in time or one crashes,
        and the worker's own typed error (BadQuery, ResultTooLarge, ...).
        """
        if self._closed:
            raise EngineUnavailable("The query engine is shutting down.")
        deadline = time.monotonic() + budget
        try:
            worker = self._idle.get(timeout=max(budget, 0.001))
        except queue.Empty:
            busy = EngineUnavailable(
                f"All {self.size} query workers stayed busy for the whole time budget ({budget:g} s); try again shortly.",
                detail={"budget": budget},
            )
            busy.headers = {"Retry-After": "1"}  # the web error handler sends these
            raise busy from None
        return self._run_on(worker, request, deadline, budget)

    def _run_on(self, worker: Worker, request: dict, deadline: float, budget: float) -> Answer:
        try:
            worker.outbox.send(request)
            if not worker.inbox.poll(max(deadline - time.monotonic(), 0)):
                self._replace(worker)
                raise QueryTimeout(
                    f"The query ran past its time budget of {budget:g} s and was stopped. "
                    "Make it more selective, add a LIMIT, or ask for a larger budget if the service allows it.",
                    detail={"budget": budget},
                )
            reply = worker.inbox.recv()
        except (EOFError, OSError):
            self._replace(worker)
            code = worker.proc.returncode
            why = {-6: "it ran out of memory or aborted", -11: "it crashed", -9: "it was killed"}.get(code, f"exit status {code}")
            raise EngineUnavailable(
                f"The query engine stopped while running this query ({why}); a fresh worker has been started. "
                "The query may need more memory or be too complex for the engine.",
                detail={"exit_status": code},
            ) from None
        self._idle.put(worker)
        if reply[0] == "error":
            raise _error_from_reply(*reply[1:])
        return Answer(**reply[1])

    def close(self) -> None:
        """Kill every worker (no orphans) and remove the spool directory."""
        self._closed = True
        self._spawn_requests.put(None)
        self._supervisor.join(timeout=5)
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.kill()
        shutil.rmtree(self.spool_dir, ignore_errors=True)
