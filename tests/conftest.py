"""Shared fixtures: paths, a fresh app per test, and a real server on a free
loopback port for the tests that must talk HTTP (SPARQLWrapper, a browser)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.servers import free_port, stop_process

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ARTIFACTS = REPO / "test-artifacts"


class LiveServer:
    """A `kg serve` subprocess on 127.0.0.1; ``url`` ends with a slash."""

    def __init__(self, args: list[str], env: dict | None = None, timeout: float = 60.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.log = open(REPO / "build" / f"server-{self.port}.log", "wb") if (REPO / "build").is_dir() else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kg serve exited with {self.proc.returncode}: {' '.join(cmd)}")
            try:
                with urllib.request.urlopen(self.url + "healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"kg serve did not answer /healthz within {timeout}s")

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def live_server():
    """The article service, as `make run` starts it, on a free port."""
    (REPO / "build").mkdir(exist_ok=True)
    server = LiveServer([])
    yield server
    server.stop()
