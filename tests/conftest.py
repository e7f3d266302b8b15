"""Shared fixtures: paths, a fresh app per test, and a real server on a free
loopback port for the tests that must talk HTTP (SPARQLWrapper, a browser)."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.servers import answers_ok, free_port, stop_process, wait_until_ready
from tests.fixtures.stores import built_once, share_builds_in

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ARTIFACTS = REPO / "test-artifacts"
ONTOLOGY = REPO / "ontology"
SLUG = "riyadh-talks-2025-02-19"  # the real article the tests check answers of
FIXTURES = REPO / "tests" / "fixtures"
SMALL = FIXTURES / "validation" / "small-talks-2025-02-20"  # a made-up article small enough to validate fast
MADEUP = FIXTURES / "articles" / "madeup-rubio-visit-2025-03-01"


def data_folder(dest: Path, *articles: Path) -> Path:
    """A data folder at ``dest`` holding the background and only ``articles``
    (article folders): tests read the graphs they mean, whatever else
    curators add under data/articles/."""
    shutil.copytree(REPO / "data" / "background", dest / "background")
    for article in articles:
        shutil.copytree(article, dest / "articles" / article.name)
    return dest


def article_data(dest: Path) -> Path:
    """A data folder with the real article alone (its own graph, the
    ontology and the background when built)."""
    return data_folder(dest, REPO / "data" / "articles" / SLUG)


def article_store(dest: Path) -> Path:
    """A store of the real article alone at ``dest`` (a copy of one `kg build`
    per test process), for tests that need a built store, not a build."""
    from kg.authoring.build import build_store

    def build(folder: Path) -> Path:
        build_store(folder / "store", data_dir=article_data(folder / "data"), ontology_dir=ONTOLOGY)
        return folder / "store"

    return built_once("article-only", build, dest)


class LiveServer:
    """A `kg serve` subprocess on 127.0.0.1; ``url`` ends with a slash."""

    def __init__(self, args: list[str], env: dict | None = None, timeout: float = 60.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.log = open(REPO / "build" / f"server-{self.port}.log", "wb") if (REPO / "build").is_dir() else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until_ready(self.proc, lambda: answers_ok(self.url + "healthz"), timeout, f"kg serve ({' '.join(cmd)})")

    def stop(self) -> None:
        stop_process(self.proc)


def needs(reason: str | None, what: str) -> None:
    """Skip the test with ``reason`` (what is missing and how to install it);
    under CI (``CI=true``) fail instead, since CI must run ``what``."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run {what}: {reason}", pytrace=False)
    pytest.skip(reason)


def count_engine_runs(app, monkeypatch) -> list[str]:
    """The queries ``app`` hands its query engine from now on (the list grows)."""
    engine = app.extensions["kg"].engine
    runs: list[str] = []
    original = engine.run

    def counted(request, budget, client=None):
        runs.append(request["query"])
        return original(request, budget, client=client)

    monkeypatch.setattr(engine, "run", counted)
    return runs


@pytest.fixture(scope="session", autouse=True)
def _builds_shared_by_workers(tmp_path_factory):
    """Under pytest-xdist, the workers share built_once's stores: a worker's
    base temporary folder is popen-gwN inside the run's own."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        share_builds_in(tmp_path_factory.getbasetemp().parent / "built-once")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def article_only(tmp_path_factory) -> Path:
    """A data folder with the real article alone (read-only: copy it to change it)."""
    return article_data(tmp_path_factory.mktemp("article-only") / "data")


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


# -- markers -------------------------------------------------------------------
# A test that starts a process is marked ``live`` without each module having
# to say so: its function, one of its fixtures or a module function they call
# starts a server (ours, Oxigraph's), a `kg` command in a process of its own
# or the query engine's worker processes. `make test-fast` leaves out ``live``
# and ``browser`` tests; `make test` runs them all.
LIVE_SIGNS = ("LiveServer(", "live_server", "Popen(", "OxigraphServer", "oxigraph_server", "start_server", "serve_process",
              '"serve"', "'serve'", "subprocess.run(", "subprocess.check_output(", "subprocess.call(",
              "sys.executable", "QueryEngine(")


def _source(func) -> str:
    """The source of ``func`` (empty when it has none), read once per function."""
    if func not in _SOURCE:
        try:
            _SOURCE[func] = inspect.getsource(func)
        except (OSError, TypeError):
            _SOURCE[func] = ""
    return _SOURCE[func]


_SOURCE: dict = {}


def _module_functions(module) -> dict:
    """The functions a test module defines itself, by name."""
    return {name: f for name, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__}


def _sources(item, functions) -> list[str]:
    """Source of the test, of its fixtures and of the module's functions they call."""
    funcs = [getattr(item, "function", None), *(d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs)]
    texts = [t for t in (_source(f) for f in funcs if f is not None) if t]
    texts += [_source(f) for name, f in functions.items() if any(name + "(" in t for t in texts)]
    return texts


def pytest_collection_modifyitems(config, items):
    by_module: dict = {}
    for item in items:
        if item.get_closest_marker("live") is not None:
            continue
        module = getattr(item, "module", None)
        if module is not None and module not in by_module:
            by_module[module] = _module_functions(module)
        if any(s in src for src in _sources(item, by_module.get(module, {})) for s in LIVE_SIGNS):
            item.add_marker(pytest.mark.live)


# -- a real browser -------------------------------------------------------------
# Debian's Chromium, driven by Playwright, for the tests marked ``browser``:
# one per test module, started with the flags this machine's closed network needs.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Debian's chromium is missing: run `make browser` (CI installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
