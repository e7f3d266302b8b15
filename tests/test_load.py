"""``kg load``: files or a store into a store directory or a remote engine;
exact contents, a rate at the end, clear errors and no half-written store."""

from __future__ import annotations

import io
import subprocess
import sys

import pyoxigraph as ox
import pytest

from bench.generator import generate
from bench.servers import OxigraphServer, oxigraph_executable
from kg.model.errors import BuildError
from kg.model.formats import NQUADS
from kg.storage.remote import RemoteStore
from kg.storage.store import Store


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "load", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "synthetic.nq"
    with path.open("wb") as out:
        generate(15, out, seed=5)
    return path


def quad_set(quads) -> set[str]:
    return {str(q) for q in quads}


def stored(path) -> set[str]:
    """The quads of a file as Oxigraph stores them (it writes derived integer
    types such as xsd:nonNegativeInteger as xsd:integer)."""
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return quad_set(store)


def test_load_into_a_directory_keeps_every_quad(tmp_path, corpus):
    result = kg("--store", str(tmp_path / "store"), "--quiet", str(corpus))
    assert result.returncode == 0, result.stderr
    want = stored(corpus)
    store = Store.open(tmp_path / "store")
    assert quad_set(store.quads()) == want
    assert f"loaded {len(want)} quads into" in result.stderr and "quads/s)" in result.stderr


def test_progress_bar_goes_to_stderr(tmp_path, corpus):
    result = kg("--store", str(tmp_path / "store"), str(corpus))
    assert result.returncode == 0
    assert f"{corpus.name}: 100%" in result.stderr


def test_turtle_goes_into_the_named_graph_given(tmp_path):
    data = tmp_path / "one.ttl"
    data.write_text("<http://ex.org/a> <http://ex.org/b> 'c' .\n")
    assert kg("--store", str(tmp_path / "store"), "--graph", "http://ex.org/g", "--quiet", str(data)).returncode == 0
    [quad] = list(Store.open(tmp_path / "store").quads())
    assert quad.graph_name == ox.NamedNode("http://ex.org/g")


def test_unknown_extension_and_bad_syntax_are_clear_errors(tmp_path):
    odd = tmp_path / "data.xyz"
    odd.write_text("whatever")
    result = kg("--store", str(tmp_path / "store"), str(odd))
    assert result.returncode == 2
    assert "cannot tell the RDF format" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .\n<http://ex.org/a> <oops\n")
    result = kg("--store", str(tmp_path / "store2"), "--quiet", str(bad))
    assert result.returncode == 2
    assert "bad.nq" in result.stderr and "Traceback" not in result.stderr
    assert len(Store.open(tmp_path / "store2")) == 0


def test_a_remote_target_needs_a_write_url(tmp_path, corpus):
    result = kg("--store", "http://127.0.0.1:9/query", str(corpus))
    assert result.returncode == 2
    assert "needs --gsp URL" in result.stderr


def test_nothing_to_load_is_an_error(tmp_path):
    result = kg("--store", str(tmp_path / "store"))
    assert result.returncode == 2 and "nothing to load" in result.stderr


@pytest.mark.skipif(oxigraph_executable() is None, reason="needs the oxigraph CLI (test extras)")
@pytest.mark.parametrize("via", ["--gsp", "--update"])
def test_push_a_built_store_into_oxigraph_server(tmp_path, corpus, via):
    assert kg("--store", str(tmp_path / "built"), "--quiet", str(corpus)).returncode == 0
    with OxigraphServer(tmp_path / "remote") as server:
        url = server.gsp_url if via == "--gsp" else server.update_url
        result = kg("--store", server.query_url, via, url, "--from", str(tmp_path / "built"), "--quiet")
        assert result.returncode == 0, result.stderr
        got = io.BytesIO()
        RemoteStore(server.query_url, gsp_url=server.gsp_url).dump(got, NQUADS)
    want = stored(corpus)
    assert quad_set(ox.parse(got.getvalue(), ox.RdfFormat.N_QUADS)) == want


OWL = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:owl="http://www.w3.org/2002/07/owl#">
  <owl:Class rdf:about="http://ex.org/Thing"><rdfs:label>Thing</rdfs:label></owl:Class>
  <owl:Class rdf:about="#Local"/>
</rdf:RDF>
"""


def test_one_loader_for_kg_load_and_kg_serve_data(tmp_path):
    """`kg load x.owl` loads what `kg serve --data x.owl` serves (it used to
    exit 2), relative IRIs resolve against the file the same way, and an
    unknown extension gets the same message from both commands."""
    from kg.storage.rdffiles import format_of, load_file
    from server.state import load_files

    owl = tmp_path / "onto.owl"
    owl.write_text(OWL)
    result = kg("--store", str(tmp_path / "store"), "--graph", "http://ex.org/g", "--quiet", str(owl))
    assert result.returncode == 0, result.stderr
    loaded = quad_set(Store.open(tmp_path / "store").quads())
    assert f"<{owl.resolve().as_uri()}#Local>" in " ".join(loaded), "relative IRIs resolve against the file"
    load_files([str(owl)], str(tmp_path / "served"))
    served = {s.replace(" <http://ex.org/g>", "") for s in loaded}
    assert quad_set(Store.open(tmp_path / "served").quads()) == served
    assert format_of("x.OWL").name == format_of("x.rdf").name == "rdf"

    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    by_load = kg("--store", str(tmp_path / "s3"), str(odd))
    by_serve = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", "0", "--data", str(odd)],
                              capture_output=True, text=True, timeout=120)
    assert by_load.returncode == by_serve.returncode == 2
    line = f"error: {odd}: unknown RDF format: cannot tell the RDF format from the extension 'txt'"
    assert by_load.stderr.splitlines()[-1].startswith(line) and by_serve.stderr.splitlines()[-1].startswith(line)
    assert by_load.stderr.splitlines()[-1] == by_serve.stderr.splitlines()[-1]
    with pytest.raises(BuildError, match="missing.ttl: no such file"):
        load_file(Store.in_memory(), tmp_path / "missing.ttl")
