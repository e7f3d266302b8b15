"""The services under test, started as a user would: ``kg serve``, the same
app under gunicorn with several worker processes, and ``oxigraph
serve-read-only``; each on a free loopback port, stopped after use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kg.storage.store import MERGE_MARKER

from .servers import free_port, oxigraph_executable, stop_process

REPO = Path(__file__).resolve().parent.parent


class Service:
    """A server process; ``url`` ends with a slash; ``ready_path`` is polled."""

    def __init__(self, cmd: list[str], port: int, ready_path: str, *, env: dict | None = None, log: Path | None = None):
        self.cmd, self.port, self.ready_path = cmd, port, ready_path
        self.url = f"http://127.0.0.1:{port}/"
        self.env = {**os.environ, **(env or {})}
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.startup_s: float | None = None

    def start(self, timeout: float = 300.0) -> "Service":
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{' '.join(self.cmd)} exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5) as response:
                    if response.status == 200:
                        self.startup_s = time.perf_counter() - started
                        return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{' '.join(self.cmd)} not ready within {timeout}s")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        stop_process(self.proc, 20)

    def __enter__(self) -> "Service":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# A ready probe that does not count the store (``/healthz`` counts its quads: minutes at 24M quads).
ASK_READY = "sparql?query=ASK%7B%7D"


def kg_serve(store: Path, *, log: Path | None = None, env: dict | None = None, ready_path: str = "healthz") -> Service:
    port = free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port)]
    return Service(cmd, port, ready_path, env=env, log=log)


def kg_gunicorn(store: Path, processes: int, *, log: Path | None = None, env: dict | None = None) -> Service:
    """Several service processes behind one port (gunicorn pre-fork, threads
    per process); each opens the store read-only with one query worker."""
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [gunicorn, "--workers", str(processes), "--worker-class", "gthread", "--threads", "8",
           "--bind", f"127.0.0.1:{port}", "--timeout", "120", "server:create_app()"]
    return Service(cmd, port, "healthz", env={"KG_STORE": str(store), "KG_WORKERS": "1", **(env or {})}, log=log)


def oxigraph_serve(location: Path, *, log: Path | None = None, timeout_s: int = 10) -> Service:
    """Oxigraph server with our default-graph semantics and our time budget
    (``kg serve``'s default query timeout is 10 s).

    A store whose default graph holds the materialized merge of its named
    graphs (``kg.storage.store.MERGE_MARKER``) is served as it is: that graph is the
    union, each triple once, exactly what ``kg serve`` answers from. Only
    otherwise is Oxigraph's own union mode used (it repeats a triple once
    per graph that states it)."""
    port = free_port()
    cmd = [oxigraph_executable(), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
           "--timeout-s", str(timeout_s)]
    if not (Path(location) / MERGE_MARKER).exists():
        cmd.append("--union-default-graph")
    return Service(cmd, port, "query?query=ASK%7B%7D", log=log)


def has_gunicorn() -> bool:
    return Path(sys.executable).with_name("gunicorn").exists()
