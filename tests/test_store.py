"""The store's union default graph is an RDF merge: a triple stated in two
graphs is one triple (pyoxigraph 0.5's own union counts it once per graph)."""

import io

import pyoxigraph as ox
import pytest

from kg.model.formats import NQUADS, NTRIPLES, TRIG
from kg.storage.store import MERGE_MARKER, Store

SHARED = """
<urn:g1> { <urn:rubio> <urn:label> "Marco Rubio" . <urn:rubio> <urn:count> 10 . <urn:a> <urn:p> <urn:b> . }
<urn:g2> { <urn:rubio> <urn:label> "Marco Rubio" . <urn:rubio> <urn:count> 10 . <urn:c> <urn:p> <urn:d> . }
"""


def _count(store: Store, query: str, **kw) -> int:
    return int(next(iter(store.query(query, **kw)))["n"].value)


@pytest.fixture
def merged(tmp_path):
    store = Store.open(tmp_path / "store", read_only=False)
    store.load(SHARED.encode(), TRIG)
    assert store.materialize_union() == 4
    store.flush()
    del store
    return Store.open(tmp_path / "store", read_only=True)


def test_unmerged_pyoxigraph_union_double_counts(tmp_path):
    """The upstream behaviour the merge exists to avoid (fails when fixed)."""
    store = Store.in_memory()
    store.load(SHARED.encode(), TRIG)
    assert _count(store, "SELECT (COUNT(*) AS ?n) { <urn:rubio> ?p ?o }") == 4


def test_union_counts_each_triple_once(merged):
    assert merged.merged_triples == 4
    assert _count(merged, "SELECT (COUNT(*) AS ?n) { <urn:rubio> ?p ?o }") == 2
    assert _count(merged, "SELECT (SUM(?c) AS ?n) { ?s <urn:count> ?c }") == 10
    assert _count(merged, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == 4


def test_graph_still_selects_each_graph(merged):
    assert _count(merged, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { <urn:rubio> ?p ?o } }") == 4
    assert _count(merged, "SELECT (COUNT(*) AS ?n) { GRAPH <urn:g2> { ?s ?p ?o } }") == 3
    assert merged.named_graphs() == ["urn:g1", "urn:g2"]


def test_the_merge_is_invisible_to_dataset_readers(merged):
    assert len(merged) == 6
    assert all(q.graph_name != ox.DefaultGraph() for q in merged.quads())
    assert sum(1 for _ in merged.quads()) == 6
    out = io.BytesIO()
    merged.dump(out, NQUADS)
    assert out.getvalue().count(b"\n") == 6 and b"<urn:g1>" in out.getvalue()
    out = io.BytesIO()
    merged.dump(out, NTRIPLES)  # the store's own default graph: empty
    assert out.getvalue() == b""


def test_standard_semantics_see_the_empty_own_default_graph(merged):
    assert _count(merged, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", union_default_graph=False) == 0


def test_a_store_with_its_own_default_graph_is_left_alone(tmp_path):
    store = Store.open(tmp_path / "s", read_only=False)
    store.load(b"<urn:x> <urn:y> <urn:z> .", NTRIPLES)
    store.load(SHARED.encode(), TRIG)
    assert store.materialize_union() is None
    assert not (tmp_path / "s" / MERGE_MARKER).exists()
    assert _count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", union_default_graph=False) == 1


def test_materializing_again_brings_the_merge_up_to_date(tmp_path):
    store = Store.open(tmp_path / "s", read_only=False)
    store.load(SHARED.encode(), TRIG)
    store.materialize_union()
    store.load(b"<urn:new> <urn:p> <urn:o> <urn:g3> .", NQUADS)
    assert store.materialize_union() == 5
    assert _count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == 5
    assert len(store) == 7


def test_two_built_articles_count_a_shared_entity_once(tmp_path):
    """Rubio's label is stated by both articles' graphs; the union has it once.
    The two-article store of the provenance tests (the real article and the
    made-up Rubio visit), built once per test run and copied."""
    from test_build import ID

    from tests.provenance_support import build_two_articles

    store = Store.open(build_two_articles(tmp_path))
    rubio = ID["person/marco-rubio"]
    label = f"SELECT (COUNT(*) AS ?n) {{ <{rubio}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    assert _count(store, label) == 1
    assert _count(store, label.replace("{ <", "{ GRAPH ?g { <").replace("?l }", "?l } }")) >= 2


def test_a_query_naming_its_dataset_keeps_it_under_standard_semantics(merged):
    """FROM chooses the default graph even where the merge is hidden."""
    query = "SELECT (COUNT(*) AS ?n) FROM <urn:g2> { ?s ?p ?o }"
    assert _count(merged, query, union_default_graph=False) == 3
    assert _count(merged, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o } # FROM <urn:g2>", union_default_graph=False) == 0


def test_kg_load_refuses_triples_into_a_merged_default_graph(tmp_path):
    """Triples loaded into the default graph of a merged store would vanish
    behind the merge; `kg load` refuses them before loading anything."""
    import subprocess
    import sys

    dataset, triples = tmp_path / "d.trig", tmp_path / "t.nt"
    dataset.write_text(SHARED)
    triples.write_text("<urn:x> <urn:y> <urn:z> .\n")
    target = str(tmp_path / "store")

    def load(*args):
        return subprocess.run([sys.executable, "-m", "kg", "load", "--quiet", "--store", target, *args], capture_output=True, text=True)

    assert load(str(dataset)).returncode == 0
    refused = load(str(triples))
    assert refused.returncode == 2 and "--graph" in refused.stderr and "Traceback" not in refused.stderr
    assert load(str(triples), "--graph", "urn:g3").returncode == 0
    store = Store.open(target)
    assert len(store) == 7 and "urn:g3" in store.named_graphs()
    assert _count(store, "SELECT (COUNT(*) AS ?n) { <urn:x> ?p ?o }") == 1
