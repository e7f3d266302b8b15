"""A supervised pool of query worker processes with a real time budget per query.

Each worker (``kg.storage.engine.worker``) opens the on-disk store read-only and runs
one query at a time. The parent waits for the answer until the query's
deadline; past it, the worker is killed with SIGKILL (its CPU is released at
once). Results are complete before the parent answers, so a timeout or a
row cap is always a clean error status, never a truncated 200.

One supervisor thread keeps the pool at strength: it notices a worker that
died while idle (any signal, the out-of-memory killer) within a tick
(``TICK``, 50 ms) and starts a replacement at once, as it does for a worker
killed at its deadline or crashed while busy; ``health()`` says "degraded",
and why, while the pool is below strength. A worker acknowledges each
request before running it, so a query handed to a worker that was already
dead is retried once on another; a query that a worker crashed *while
running* is answered 503 (running it again could crash the next one). The
acknowledgement is a counter in a page of memory the two processes share
(``Acks``), not a message: a message would wake the parent while the
worker starts the query, which measured as half of a cheap query's round
trip on a busy machine.

Workers go to waiting queries by fair shares (``kg.storage.engine.fair``):
the query of the client with the least query time in the last minute goes
first; a client that used more than ``HEAVY`` seconds may not take the last
idle worker (one is kept for everyone else); and when a light client has
waited ``PATIENCE`` with every worker busy, the longest-running query (past
``PREEMPT_AFTER``) of the client with the most query time is stopped (503
with Retry-After) so the light one runs. Clients are opaque names (the web
layer passes addresses); ``client=None`` is not counted and never stopped.

Workers are started from the supervisor thread: Linux's PR_SET_PDEATHSIG
fires when the *thread* that forked a child exits, so the children must not
belong to a short-lived request thread.
"""

from __future__ import annotations

import logging
import math
import os
import select
import signal
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
from kg.storage.engine.acks import Acks
from kg.storage.engine.fair import Usage

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
START_TIMEOUT = 60.0
TICK = 0.05            # how often the supervisor looks at the workers
RESTART_BACKOFF = 1.0  # pause after a worker failed to start (a broken store)
HEAVY = 1.0            # query seconds in the last minute past which a client is heavy
PATIENCE = 0.2         # how long a light client waits before a heavy query is stopped
PREEMPT_AFTER = 1.0    # a query younger than this is never stopped for another client


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
    """One worker process, the two pipe ends the parent holds, and its ``Acks``."""

    def __init__(self, store_path: str, spool_dir: str, union: bool, memory_mb: int = 0):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.acks = Acks()
        self.sent = 0  # requests written to the worker
        cmd = [sys.executable, "-m", "kg.storage.engine.worker", store_path, str(os.getpid()),
               str(to_child_r), str(from_child_w), spool_dir, "1" if union else "0", str(memory_mb), str(self.acks.fd)]
        self.proc = subprocess.Popen(cmd, pass_fds=(to_child_r, from_child_w, self.acks.fd), close_fds=True)
        os.close(to_child_r)
        os.close(from_child_w)
        os.close(self.acks.fd)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)
        self.spool_dir = spool_dir
        # One poll object for the worker's life: ``Connection.poll`` builds a
        # selector on every call, a measurable part of a cheap query.
        self._replies = select.poll()
        self._replies.register(from_child_r, select.POLLIN)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def took_last(self) -> bool:
        """Did the worker read the last request sent to it (it was running it)?"""
        return self.acks.read() >= self.sent

    def wait_reply(self, timeout: float) -> bool:
        """Is a reply (or the end of the pipe) there within ``timeout`` seconds?"""
        return bool(self._replies.poll(max(math.ceil(timeout * 1000), 0)))

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
        self.acks.close()
        try:
            for name in os.listdir(self.spool_dir):
                if name.startswith(f"{self.pid}-"):
                    os.unlink(os.path.join(self.spool_dir, name))
        except FileNotFoundError:  # the pool was closed meanwhile
            pass


def _error_from_reply(name: str, message: str, detail: dict) -> KGError:
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, KGError) and cls is not errors.BuildError:
        return cls(message, detail=detail)
    err = KGError(f"The query engine failed: {message}", detail=detail)
    return err



def unavailable(message: str, detail: dict, *, retry_after: int) -> EngineUnavailable:
    """A 503 with Retry-After (the web error handler sends ``headers``)."""
    err = EngineUnavailable(message, detail=detail)
    err.headers = {"Retry-After": str(retry_after)}
    return err


def describe_exit(code: int | None) -> str:
    """A worker's exit status in words.

    >>> describe_exit(-9)
    'killed by SIGKILL (kill -9, the out-of-memory killer, or its time budget)'
    >>> describe_exit(-6), describe_exit(3)
    ('aborted by SIGABRT (it ran out of memory or hit an engine assertion)', 'exit status 3')
    """
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = {signal.SIGKILL: " (kill -9, the out-of-memory killer, or its time budget)",
               signal.SIGABRT: " (it ran out of memory or hit an engine assertion)", signal.SIGSEGV: " (an engine crash)"}.get(-code, "")
        verb = "aborted" if -code == signal.SIGABRT else "killed"
        return f"{verb} by {name}{why}"
    return f"exit status {code}"


@dataclass(eq=False)
class Job:
    """A query on a worker: whose, since when, and why it was stopped if it was."""

    client: str | None
    started: float
    preempted: str | None = None


@dataclass(eq=False)
class Waiter:
    """A query waiting for a worker; the dispatcher hands it one."""

    client: str | None
    arrived: float
    worker: Worker | None = None


class _NotStarted(Exception):
    """The worker died before it acknowledged the request: safe to retry."""


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
        self.usage = Usage()
        self._cond = threading.Condition()
        self._idle: list[Worker] = []
        self._dead: list[Worker] = []  # found dead by a request thread; the supervisor reaps them
        self._busy: dict[Worker, Job] = {}
        self._starting: dict[Worker, float] = {}
        self._waiters: list[Waiter] = []
        self._closed = False
        self._ever_ready = False
        self._ready = threading.Event()  # set once the first worker is ready, or the first start failed
        self._lost: str | None = None    # why the pool is below strength
        self._next_start = 0.0
        self._next_forget = 0.0
        self._supervisor = threading.Thread(target=self._supervise, name="kg-engine-supervisor", daemon=True)
        self._supervisor.start()

    # -- accounting (callers hold self._cond) ---------------------------------
    def _used(self, client: str | None, now: float) -> float:
        """Query seconds ``client`` used in the last minute, running queries included."""
        if client is None:
            return 0.0
        running = sum(now - job.started for job in self._busy.values() if job.client == client)
        return self.usage.spent(client, now) + running

    def _may_take(self, waiter: Waiter, now: float) -> bool:
        """A heavy client may not take the last idle worker (one is kept for the others)."""
        return len(self._idle) > 1 or self.size < 2 or self._used(waiter.client, now) < HEAVY

    def _dispatch(self) -> None:
        """Hand idle workers to waiting queries, lightest client first.

        It does not ask the system whether each idle worker is alive (a
        ``waitpid`` per worker per query): the supervisor looks every tick,
        and a query handed to a worker that died meanwhile finds its pipe
        closed before the worker acknowledged it, and is retried
        (``_cull_dead_idle`` then clears every dead idle worker at once)."""
        now = time.monotonic()
        while self._idle and self._waiters:
            order = sorted(self._waiters, key=lambda w: (self._used(w.client, now), w.arrived))
            chosen = next((w for w in order if self._may_take(w, now)), None)
            if chosen is None:
                break
            chosen.worker = self._idle.pop()
            self._busy[chosen.worker] = Job(chosen.client, now)
            self._waiters.remove(chosen)
        self._cond.notify_all()

    def _cull_dead_idle(self) -> None:
        """Move idle workers that died (any signal, the out-of-memory killer)
        to the dead list, which the supervisor reaps and replaces."""
        for worker in [w for w in self._idle if w.proc.poll() is not None]:
            self._idle.remove(worker)
            self._note_loss(worker, f"died while idle ({describe_exit(worker.proc.returncode)})")
            self._dead.append(worker)

    def _note_loss(self, worker: Worker, why: str) -> None:
        self._lost = f"query worker {worker.pid} {why}; a replacement is starting"
        log.warning("%s (%d of %d workers ready)", self._lost, len(self._idle) + len(self._busy), self.size)

    # -- supervisor thread ----------------------------------------------------
    def _supervise(self) -> None:
        while True:
            gone: list[Worker] = []
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                self._cull_dead_idle()
                gone += self._dead
                self._dead = []
                gone += self._check_starting(now)
                self._preempt(now)
                self._dispatch()
                if now >= self._next_forget:  # clients with nothing left in the window
                    self.usage.forget_idle(now)
                    self._next_forget = now + 10.0
                missing = self.size - len(self._idle) - len(self._busy) - len(self._starting)
                if now < self._next_start:
                    missing = 0
            for worker in gone:
                worker.kill()
            started = [Worker(self.store_path, self.spool_dir, self.union, self.memory_mb) for _ in range(max(missing, 0))]
            with self._cond:
                now = time.monotonic()
                for worker in started:
                    self._starting[worker] = now
                if self._closed:
                    gone = started
                else:
                    gone = []
                    self._cond.wait(TICK)
            for worker in gone:
                worker.kill()

    def _check_starting(self, now: float) -> list[Worker]:
        """Move workers that said "ready" to the idle list; return those that failed."""
        failed = []
        for worker, since in list(self._starting.items()):
            ready = False
            try:
                if worker.inbox.poll(0):
                    ready = worker.inbox.recv()[0] == "ready"
                elif worker.proc.poll() is None and now - since < START_TIMEOUT:
                    continue
            except (EOFError, OSError):
                pass
            del self._starting[worker]
            if ready:
                self._idle.append(worker)
                self._ever_ready = True
                if len(self._idle) + len(self._busy) >= self.size:
                    if self._lost:
                        log.info("query workers back at full strength (%d)", self.size)
                    self._lost = None
            else:
                try:
                    worker.proc.wait(0.5)  # it closed its pipe: it is exiting
                except subprocess.TimeoutExpired:
                    pass
                self._lost = f"query worker {worker.pid} did not start ({describe_exit(worker.proc.returncode)})"
                log.error("%s; retrying in %g s", self._lost, RESTART_BACKOFF)
                self._next_start = now + RESTART_BACKOFF
                failed.append(worker)
            if ready or not self._starting:  # up, or every first try failed
                self._ready.set()
        return failed

    def _preempt(self, now: float) -> None:
        """Stop the heaviest client's longest query when a light client waits in vain."""
        if self._idle or self._starting or not self._waiters or any(j.preempted for j in self._busy.values()):
            return
        light = [w for w in self._waiters if now - w.arrived >= PATIENCE and self._used(w.client, now) < HEAVY]
        if not light:
            return
        waiter = min(light, key=lambda w: (self._used(w.client, now), w.arrived))
        floor = self._used(waiter.client, now)
        candidates = [(self._used(job.client, now), now - job.started, worker, job) for worker, job in self._busy.items()
                      if job.client is not None and job.client != waiter.client
                      and now - job.started >= PREEMPT_AFTER and self._used(job.client, now) > floor]
        if not candidates:
            return
        used, running, worker, job = max(candidates, key=lambda c: (c[0], c[1]))
        job.preempted = (f"The query was stopped after {running:.1f} s so that other clients' queries could run: "
                         f"this client used {used:.1f} s of query time in the last minute, more than the clients waiting. "
                         "Try again shortly, or make the query cheaper.")
        log.warning("stopping a query of %s after %.1f s (%.1f s used in the last minute): another client waited %.2f s",
                    job.client, running, used, now - waiter.arrived)
        worker.proc.kill()  # the thread running it sees the pipe close and answers

    # -- public API -----------------------------------------------------------
    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Block until the first worker is up; False if none ever started."""
        self._ready.wait(timeout)
        return self._ever_ready and not self._closed

    def alive(self) -> int:
        """Workers ready to run a query (idle or busy)."""
        with self._cond:
            return sum(1 for w in (*self._idle, *self._busy) if w.proc.poll() is None)

    def pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in (*self._idle, *self._busy, *self._starting)]

    def health(self) -> dict:
        """``{"status": "ok" | "degraded", "workers", "size", "reason"?}``."""
        with self._cond:
            dead = [w for w in (*self._idle, *self._busy) if w.proc.poll() is not None]
            ready = len(self._idle) + len(self._busy) - len(dead)
            body = {"status": "ok", "workers": ready, "size": self.size}
            if ready < self.size:
                body["status"] = "degraded"
                if dead:  # the supervisor replaces it within a tick
                    body["reason"] = f"query worker {dead[0].pid} died {'while idle' if dead[0] in self._idle else 'while running a query'} " \
                                     f"({describe_exit(dead[0].proc.returncode)}); a replacement is starting"
                else:
                    body["reason"] = self._lost or f"{len(self._starting)} query workers starting"
            return body

    def used(self, client: str | None) -> float:
        """Query seconds ``client`` used in the last minute, running queries included."""
        with self._cond:
            return self._used(client, time.monotonic())

    def run(self, request: dict, budget: float, client: str | None = None) -> Answer:
        """Run ``request`` within ``budget`` seconds (queueing included) for ``client``.

        Raises QueryTimeout when the budget runs out (the worker is killed),
        EngineUnavailable when no worker frees up in time, one crashes, or the
        query is stopped for other clients, and the worker's own typed error
        (BadQuery, ResultTooLarge, ...).
        """
        if self._closed:
            raise EngineUnavailable("The query engine is shutting down.")
        deadline = time.monotonic() + budget
        for attempt in (1, 2):
            worker = self._acquire(client, deadline, budget)
            try:
                return self._run_on(worker, request, deadline, budget)
            except _NotStarted as exc:
                if attempt == 2:
                    raise unavailable(f"Two query workers stopped before they could run this query ({exc}); try again shortly.",
                                      {"exit_status": worker.proc.returncode}, retry_after=1) from None
                log.warning("retrying a query on another worker: %s", exc)
                with self._cond:  # whatever killed it may have killed the other idle ones too
                    self._cull_dead_idle()
                    self._cond.notify_all()
        raise AssertionError("unreachable")

    def _acquire(self, client: str | None, deadline: float, budget: float) -> Worker:
        with self._cond:
            waiter = Waiter(client, time.monotonic())
            self._waiters.append(waiter)
            self._dispatch()
            while waiter.worker is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    self._waiters.remove(waiter)
                    raise unavailable(f"All {self.size} query workers stayed busy for the whole time budget ({budget:g} s); "
                                      "try again shortly.", {"budget": budget}, retry_after=1)
                self._cond.wait(min(remaining, 0.5))
            return waiter.worker

    def _lose(self, worker: Worker, why: str) -> Job | None:
        """Take a busy worker out of the pool (the supervisor replaces it) and reap it."""
        with self._cond:
            job = self._busy.pop(worker, None)
            if why:
                self._note_loss(worker, why)
            self._cond.notify_all()
        worker.kill()
        return job

    def _finish(self, worker: Worker, job: Job | None) -> None:
        if job is not None:
            self.usage.charge(job.client, time.monotonic() - job.started)

    def _run_on(self, worker: Worker, request: dict, deadline: float, budget: float) -> Answer:
        job = self._busy.get(worker)
        try:
            worker.sent += 1
            worker.outbox.send(request)
            if not worker.wait_reply(deadline - time.monotonic()):
                self._finish(worker, self._lose(worker, ""))
                raise QueryTimeout(
                    f"The query ran past its time budget of {budget:g} s and was stopped. "
                    "Make it more selective, add a LIMIT, or ask for a larger budget if the service allows it.",
                    detail={"budget": budget},
                )
            reply = worker.inbox.recv()
        except (EOFError, OSError):
            worker.proc.wait()
            code = worker.proc.returncode
            started = worker.took_last()
            if job is not None and job.preempted:
                self._finish(worker, self._lose(worker, "was stopped for another client"))
                raise unavailable(job.preempted, {"stopped": "fair share"}, retry_after=5) from None
            self._finish(worker, self._lose(worker, f"died {'while running a query' if started else 'while idle'} ({describe_exit(code)})"))
            if not started:
                raise _NotStarted(f"worker {worker.pid} {describe_exit(code)}") from None
            raise EngineUnavailable(
                f"The query engine stopped while running this query ({describe_exit(code)}); a fresh worker is starting. "
                "The query may need more memory or be too complex for the engine.",
                detail={"exit_status": code},
            ) from None
        with self._cond:
            self._busy.pop(worker, None)
            if not self._closed:
                self._idle.append(worker)
            self._dispatch()
        self._finish(worker, job)
        if reply[0] == "error":
            raise _error_from_reply(*reply[1:])
        return Answer(**reply[1])

    def close(self) -> None:
        """Kill every worker (no orphans) and remove the spool directory."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._supervisor.join(timeout=5)
        with self._cond:
            workers = [*self._idle, *self._busy, *self._starting, *self._dead]
            self._idle.clear()
            self._busy.clear()
            self._starting.clear()
            self._dead.clear()
        for worker in workers:
            worker.kill()
        shutil.rmtree(self.spool_dir, ignore_errors=True)
