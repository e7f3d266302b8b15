"""Query time spent per client over the last minute.

The pool charges each finished query's time on a worker to its client
(an address); ``spent`` sums what a client used within the window, kept in
one-second buckets so a client costs at most 60 entries however many
queries it sends. ``retry_after`` says when enough of it will have aged out.
Nothing here knows about HTTP or processes.

>>> usage = Usage(window=60.0)
>>> usage.charge("a", 2.5, now=100.0); usage.charge("a", 1.0, now=130.0)
>>> usage.spent("a", now=131.0), usage.spent("b", now=131.0)
(3.5, 0.0)
>>> usage.retry_after("a", 3.0, now=131.0)  # the 2.5 s of t=100 age out at t=160
29.0
>>> usage.spent("a", now=161.0)
1.0
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class Usage:
    """Seconds of query time per client within a sliding window."""

    def __init__(self, window: float = 60.0):
        self.window = window
        self._buckets: dict[str, deque[list[float]]] = {}  # client -> [[second, seconds], ...]
        self._lock = threading.Lock()

    def _prune(self, client: str, now: float) -> deque | None:
        buckets = self._buckets.get(client)
        if buckets is None:
            return None
        while buckets and buckets[0][0] <= now - self.window:
            buckets.popleft()
        if not buckets:
            del self._buckets[client]
            return None
        return buckets

    def charge(self, client: str | None, seconds: float, now: float | None = None) -> None:
        """Add ``seconds`` of query time to ``client`` (None: not counted)."""
        if client is None or seconds <= 0:
            return
        now = time.monotonic() if now is None else now
        second = math.floor(now)
        with self._lock:
            buckets = self._prune(client, now) or self._buckets.setdefault(client, deque())
            if buckets and buckets[-1][0] == second:
                buckets[-1][1] += seconds
            else:
                buckets.append([second, seconds])

    def spent(self, client: str | None, now: float | None = None) -> float:
        """Seconds ``client`` used within the window (finished queries only)."""
        if client is None:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            buckets = self._prune(client, now)
            return sum(b[1] for b in buckets) if buckets else 0.0

    def retry_after(self, client: str, limit: float, now: float | None = None) -> float:
        """Seconds until ``client`` has used less than ``limit`` again (at least 1)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            buckets = list(self._prune(client, now) or ())
        total, wait = sum(b[1] for b in buckets), 1.0
        for second, seconds in buckets:
            if total < limit:
                break
            total -= seconds
            wait = second + self.window - now
        return float(max(1, math.ceil(wait)))

    def forget_idle(self, now: float | None = None) -> None:
        """Drop clients with nothing left in the window (bounded memory)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for client in list(self._buckets):
                self._prune(client, now)
