"""Over real HTTP, as a user with curl would: every dump fetched from a
running `kg serve` loads into rdflib as exactly the graph the store holds."""

from __future__ import annotations

import gzip
import urllib.request

import pytest
import rdflib

from kg.publish.dumps import catalog
from tests.conftest import LiveServer
from tests.fixtures.dumps.support import (
    FIXTURES, assert_dump_matches, assert_isomorphic, load_store, reference_dataset, union_graph,
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server on an on-disk store built from the fixtures; its files."""
    folder = tmp_path_factory.mktemp("live")
    store = load_store(*FIXTURES, location=folder / "store")
    reference = reference_dataset(store)
    files = catalog(store)
    del store  # the server opens the store read-only
    server = LiveServer(["--store", str(folder / "store")], env={"KG_DUMPS_DIR": str(folder / "dumps")})
    yield server, reference, files
    server.stop()


def get(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as resp:
        return resp.status, resp.headers, resp.read()


def test_every_dump_over_http_is_the_served_graph(served):
    server, reference, files = served
    for file in files:
        status, headers, body = get(f"{server.url}downloads/{file.name}")
        assert status == 200 and int(headers["Content-Length"]) == len(body)
        assert_dump_matches(file, body, reference)


def test_compressed_transfer_and_gz_files_over_http(served):
    server, reference, _ = served
    _, plain_headers, plain = get(f"{server.url}downloads/union.ttl")
    _, headers, body = get(f"{server.url}downloads/union.ttl", {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
    _, gz_headers, packed = get(f"{server.url}downloads/union.ttl.gz")
    assert gz_headers["Content-Type"] == "application/gzip" and gzip.decompress(packed) == plain
    g = rdflib.Graph().parse(f"{server.url}downloads/union.ttl", format="turtle")
    assert_isomorphic(union_graph(reference), g, "rdflib reading the URL itself")


def test_not_modified_over_http(served):
    server, _, _ = served
    _, headers, _ = get(f"{server.url}downloads/dataset.trig")
    with pytest.raises(urllib.error.HTTPError) as caught:
        get(f"{server.url}downloads/dataset.trig", {"If-None-Match": headers["ETag"]})
    assert caught.value.code == 304


def test_void_over_http_links_the_dumps(served):
    server, _, files = served
    status, headers, body = get(f"{server.url}.well-known/void", {"Accept": "*/*"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=body, format="turtle")
    dumps = {str(o) for o in g.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert f"{server.url}downloads/union.ttl" in dumps
    assert len(dumps) == 2 * len(files)
