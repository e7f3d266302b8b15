"""The real article graph (built by kg.authoring.build) through every dump file: the
same promises as on the fixtures, on the data users actually download."""

from __future__ import annotations

import io
import urllib.request

import pytest

from kg.authoring.build import build_store
from kg.publish.dumps import catalog, write_dump
from kg.storage.store import Store
from tests.conftest import REPO
from tests.conftest import article_store as built_article
from tests.fixtures.dumps.support import assert_dump_matches, reference_dataset


@pytest.fixture(scope="module")
def article_store(tmp_path_factory) -> Store:
    """The store `kg build` makes of the article alone (whatever else is under data/articles/)."""
    return Store.open(built_article(tmp_path_factory.mktemp("article") / "store"))


def test_every_file_of_the_article_graph_round_trips(article_store):
    reference = reference_dataset(article_store)
    files = catalog(article_store)
    assert {f.role for f in files} == {"dataset", "union", "ontology", "background", "article"}
    for file in files:
        out = io.BytesIO()
        write_dump(article_store, file.fmt, file.scope, out)
        assert_dump_matches(file, out.getvalue(), reference)


def test_the_article_service_serves_the_article_graph(live_server, tmp_path):
    """`make run`'s service: its dumps are the graph kg.authoring.build makes of data/."""
    build_store(str(tmp_path / "store"), data_dir=str(REPO / "data"), ontology_dir=str(REPO / "ontology"))
    served = Store.open(tmp_path / "store")
    reference = reference_dataset(served)
    for name in ("dataset.nq", "union.ttl", "article-riyadh-talks-2025-02-19.jsonld"):
        file = next(f for f in catalog(served) if f.name == name)
        with urllib.request.urlopen(f"{live_server.url}downloads/{name}", timeout=120) as resp:
            assert_dump_matches(file, resp.read(), reference)


def test_two_builds_of_the_article_give_byte_identical_files(article_store, article_only, tmp_path):
    """`kg build` twice, into two stores: every file, and its .gz, the same bytes."""
    from kg.publish.dumps import make_file

    again = tmp_path / "again"
    build_store(str(again), data_dir=str(article_only), ontology_dir=str(REPO / "ontology"))
    second = Store.open(again)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for file in catalog(article_store):
        a = make_file(article_store, file, tmp_path / "a")
        b = make_file(second, file, tmp_path / "b")
        assert (a.sha256, a.gz_sha256, a.triples) == (b.sha256, b.gz_sha256, b.triples), file.name
