"""A store with three articles for the overview pages' tests: the real
article, the made-up Rubio visit and the made-up article in which Rubio
rejects the U.S.-Russia cooperation he supported (a change of stance)."""

from __future__ import annotations

import io
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from bench.generator import generate
from kg.model import formats as F
from kg.model.namespaces import ontology_graph
from kg.storage.store import Store

from kg.authoring.build import build_store
from kg.storage.store import open_store
from server import create_app

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXTRA_ARTICLES = (FIXTURES / "articles" / "madeup-rubio-visit-2025-03-01",
                  FIXTURES / "stances" / "madeup-rubio-doubts-2025-03-10")
ID = "https://kg.example.org/id/"


REAL_ARTICLE = "riyadh-talks-2025-02-19"


def three_article_data(tmp: Path) -> Path:
    """A data folder: the repository's background and real article plus the
    two made-up ones (other articles under data/articles are left out, so
    the tests' counts hold whatever else is added there)."""
    data = tmp / "data"
    shutil.copytree(REPO / "data", data, ignore=lambda d, names: [
        n for n in names if Path(d).name == "articles" and n != REAL_ARTICLE])
    for folder in EXTRA_ARTICLES:
        shutil.copytree(folder, data / "articles" / folder.name)
    return data


def three_article_store(tmp: Path):
    """The three-article store under ``tmp``, opened (built once per test process, copied)."""
    from tests.conftest import built_once

    def build(folder: Path) -> Path:
        build_store(folder / "store", data_dir=three_article_data(folder), ontology_dir=REPO / "ontology")
        return folder / "store"

    return open_store(built_once("three-articles", build, tmp / "store"))


@contextmanager
def live_three_articles(tmp: Path):
    """``kg serve`` (the real HTTP server) on the three-article store."""
    from tests.conftest import LiveServer

    build_store(tmp / "store", data_dir=three_article_data(tmp), ontology_dir=REPO / "ontology")
    server = LiveServer(["--store", str(tmp / "store")])
    try:
        yield server
    finally:
        server.stop()


def browser_page(browser, server):
    """A page that may only talk to ``server`` (any other host is refused
    and recorded in ``page.external``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block", accept_downloads=True)
    external: list[str] = []
    context.route("**/*", lambda route: (external.append(route.request.url), route.abort())
                  if not route.request.url.startswith(server.url) else route.continue_())
    page = context.new_page()
    page.set_default_timeout(20000)
    page.external = external
    return page


def screenshot(page, name: str, artifacts: Path, selector: str | None = None) -> None:
    """Into test-artifacts/, and into docs/screenshots/ with KG_UPDATE_SCREENSHOTS=1."""
    targets = [artifacts / f"browser-{name}.png"]
    if os.environ.get("KG_UPDATE_SCREENSHOTS"):
        (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
        targets.append(REPO / "docs" / "screenshots" / f"{name}.png")
    for target in targets:
        if selector:
            page.locator(selector).first.screenshot(path=str(target))
        else:
            page.screenshot(path=str(target), full_page=True)


class CountingStore:
    """A store that counts the queries asked and the rows returned."""

    def __init__(self, inner):
        self.inner, self.queries, self.rows = inner, 0, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __len__(self):
        return len(self.inner)

    def query(self, sparql, **kw):
        self.queries += 1
        result = self.inner.query(sparql, **kw)
        if not isinstance(result, ox.QuerySolutions):
            return result
        rows = list(result)
        self.rows += len(rows)
        return rows


def corpus_store(folder: Path, articles: int) -> Path:
    """A store on disk (``folder``) with ``articles`` synthetic articles
    (``bench.generator``) and the ontology."""
    data = io.BytesIO()
    generate(articles, data, seed=5)
    store = Store.open(folder, read_only=False)
    store.load(data.getvalue(), F.NQUADS)
    store.load((REPO / "ontology" / "diplomacy.ttl").read_bytes(), F.TURTLE, graph=str(ontology_graph()))
    store.materialize_union()
    del store
    return folder


CORPUS_SIZES = (12, 40)  # articles in the two corpora the paging tests compare


def two_corpora(root: Path) -> dict[int, Path]:
    """The paging tests' two synthetic corpora as stores under ``root``, by
    size (each built once per test process and copied)."""
    from tests.conftest import built_once

    def builder(n: int):
        return lambda folder: corpus_store(folder / "store", n)

    return {n: built_once(f"corpus-{n}", builder(n), root / f"n{n}") for n in CORPUS_SIZES}


def client_of(store):
    """A test client of the app serving ``store``."""
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()

