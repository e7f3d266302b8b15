"""Start and stop an Oxigraph server on loopback (tests and benchmarks).

``OxigraphServer(location).start()`` runs ``oxigraph serve`` (or
``serve-read-only``) on a free 127.0.0.1 port and waits until it answers a
query. The ``oxigraph`` executable comes from ``pip install oxigraph`` (the
test extras) and is looked up next to the running Python first.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen | None, grace: float = 10.0) -> None:
    """Stop a server process: SIGTERM, then SIGKILL after ``grace`` seconds.

    Shared by the test fixtures, the conformance runner and the benchmarks,
    so every server they start is stopped the same way (no orphans)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def answers_ok(url: str, timeout: float = 2.0) -> bool:
    """Does ``url`` answer 200 right now?"""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_ready(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``ready()`` until it is true; the process exiting first, or
    ``timeout`` seconds passing, stops it and raises ``RuntimeError``
    naming ``what`` (the one start-up wait of every server the tests,
    benchmarks and conformance runner start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        if ready():
            return
        time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError(f"{what} did not answer within {timeout:g} s")


def oxigraph_executable() -> str | None:
    """The ``oxigraph`` CLI of this environment, else one on ``PATH``."""
    local = Path(sys.executable).with_name("oxigraph")
    return str(local) if local.exists() else shutil.which("oxigraph")


class OxigraphServer:
    """An ``oxigraph serve`` process; ``query_url``, ``update_url``, ``gsp_url``."""

    def __init__(self, location: str | Path, *, read_only: bool = False, port: int | None = None,
                 union_default_graph: bool = False, log: str | Path | None = None):
        self.location = str(location)
        self.read_only = read_only
        self.port = port or free_port()
        self.union_default_graph = union_default_graph
        self.log = log
        self.proc: subprocess.Popen | None = None
        base = f"http://127.0.0.1:{self.port}"
        self.query_url, self.update_url, self.gsp_url = base + "/query", base + "/update", base + "/store"

    def command(self) -> list[str]:
        exe = oxigraph_executable()
        if exe is None:
            raise RuntimeError("the oxigraph CLI is missing: pip install 'oxigraph>=0.5.13,<0.6'")
        cmd = [exe, "serve-read-only" if self.read_only else "serve", "--location", self.location,
               "--bind", f"127.0.0.1:{self.port}"]
        return cmd + (["--union-default-graph"] if self.union_default_graph else [])

    def start(self, timeout: float = 30.0) -> "OxigraphServer":
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT)
        wait_until_ready(self.proc, self.answers, timeout, f"oxigraph ({' '.join(self.command())})")
        return self

    def answers(self) -> bool:
        return answers_ok(self.query_url + "?query=ASK%7B%7D")

    def stop(self) -> None:
        stop_process(self.proc)

    def __enter__(self) -> "OxigraphServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
