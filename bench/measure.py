"""Measuring tools: a closed-loop HTTP load generator, latency percentiles,
memory of a process tree, and timed child processes.

``run_cell(url, requests, concurrency, ...)`` keeps ``concurrency`` clients
busy (each with one keep-alive connection), each sending the next request of
the shared sequence as soon as its previous answer is read in full, until
the time or request budget is spent. Every count is bounded.
"""

from __future__ import annotations

import http.client
import itertools
import os
import statistics
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Request:
    """One HTTP request of a workload; ``name`` groups it in reports."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class Cell:
    """What one (target, workload, concurrency) run measured."""

    ok: int = 0
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    latencies_ms: list = field(default_factory=list)
    wall_s: float = 0.0
    bytes: int = 0
    by_name: dict = field(default_factory=dict)  # name -> [latencies of 2xx], errors counted as None

    @property
    def throughput(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float | None:
        values = sorted(self.latencies_ms)
        if not values:
            return None
        return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]

    def summary(self) -> dict:
        names = {name: {"n": len(v), "errors": sum(x is None for x in v),
                        "median_ms": _r(statistics.median([x for x in v if x is not None])) if any(x is not None for x in v) else None}
                 for name, v in sorted(self.by_name.items())}
        return {"ok": self.ok, "errors": self.errors, "statuses": self.statuses, "wall_s": round(self.wall_s, 2),
                "throughput": round(self.throughput, 2), "p50_ms": _r(self.percentile(50)),
                "p95_ms": _r(self.percentile(95)), "p99_ms": _r(self.percentile(99)), "bytes": self.bytes, "by_name": names}


def _r(value):
    return None if value is None else round(value, 2)


def _send(conn: http.client.HTTPConnection, req: Request) -> tuple[int, int]:
    conn.request(req.method, req.path, body=req.body, headers=req.headers)
    response = conn.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    return response.status, size


def run_cell(base_url: str, requests: list[Request], concurrency: int, *, duration: float = 8.0,
             max_requests: int = 5000, timeout: float = 60.0) -> Cell:
    """Closed-loop load: ``concurrency`` clients over ``requests`` (cycled)."""
    parts = urllib.parse.urlsplit(base_url)
    prefix = parts.path.rstrip("/")
    counter = itertools.count()
    cell, lock = Cell(), threading.Lock()
    deadline = time.perf_counter() + duration

    def client():
        conn = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        while time.perf_counter() < deadline:
            i = next(counter)
            if i >= max_requests:
                break
            req = requests[i % len(requests)]
            started = time.perf_counter()
            try:
                status, size = _send(conn, Request(req.name, req.method, prefix + req.path, req.body, req.headers))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.netloc, timeout=timeout)
                status, size = 0, 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                cell.statuses[status] = cell.statuses.get(status, 0) + 1
                good = 200 <= status < 300
                cell.by_name.setdefault(req.name, []).append(elapsed if good else None)
                if good:
                    cell.ok += 1
                    cell.latencies_ms.append(elapsed)
                    cell.bytes += size
                else:
                    cell.errors += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + timeout + 5)
    cell.wall_s = time.perf_counter() - started
    return cell


# -- memory -------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
        todo += _children(current)
    return total


class PeakMemory(threading.Thread):
    """Samples the RSS of a process tree every ``interval`` s; ``peak_kb``."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.done.wait(self.interval)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak_kb

    def __enter__(self) -> "PeakMemory":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Timed:
    seconds: float
    peak_rss_kb: int
    returncode: int
    stderr: str


def timed_run(cmd: list[str], *, cwd=None, env=None, timeout: float = 3600) -> Timed:
    """Run a command to completion: wall time, its own peak RSS (wait4), exit code."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reader = threading.Thread(target=lambda: setattr(proc, "err_text", proc.stderr.read()), daemon=True)
    reader.start()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.05)
    reader.join(5)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return Timed(seconds, usage.ru_maxrss, code, getattr(proc, "err_text", b"").decode("utf-8", "replace"))


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
