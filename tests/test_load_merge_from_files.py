"""The merged default graph made from the loaded files (``kg load``'s fast
path, ``Store._merge_source``) is exactly the one made by dumping every
named graph, for every shape of N-Quads line, TriG files, and later loads."""

from __future__ import annotations

import re

import pyoxigraph as ox

from kg.model.formats import NQUADS, TRIG
from kg.storage.store import Store

NQ = (
    '<http://ex.org/s> <http://ex.org/p> "a literal . with \\"quotes\\" and <spaces>" <http://ex.org/g1> .\n'
    '<http://ex.org/s> <http://ex.org/p> "chat"@fr <http://ex.org/g1> .\n'
    '<http://ex.org/s> <http://ex.org/p> "chat"@fr <http://ex.org/g2> .\n'  # the same triple in two graphs
    '<http://ex.org/s>\t<http://ex.org/n>\t"7"^^<http://www.w3.org/2001/XMLSchema#integer>\t<http://ex.org/g2>\t.\n'
    '# a comment line\n'
    '\n'
    '<http://ex.org/b1> <http://ex.org/p> <http://ex.org/o> <http://ex.org/g1>.\n'
    '<http://ex.org/s> <http://ex.org/q> <http://ex.org/b1> <http://ex.org/g2> .\n'
    '<http://ex.org/s#frag> <http://ex.org/p> "x y"^^<http://ex.org/dt> <http://ex.org/g3> .\n'
    '<http://ex.org/s> <http://ex.org/p> "ends with a quote \\"" <http://ex.org/g3> .\n'
)
NQ2 = (
    '<http://ex.org/t> <http://ex.org/p> "later" <http://ex.org/g4> .\n'
    '<http://ex.org/s> <http://ex.org/p> "chat"@fr <http://ex.org/g4> .\n'
)
TRIG_TEXT = '<http://ex.org/g5> { <http://ex.org/u> <http://ex.org/p> [ <http://ex.org/q> "anon" ] . }\n'


class CountingStore:
    """pyoxigraph's store, with its ``dump`` calls counted."""

    def __init__(self, inner):
        self._inner, self.dumps = inner, 0

    def dump(self, *args, **kw):
        self.dumps += 1
        return self._inner.dump(*args, **kw)

    def __len__(self):
        return len(self._inner)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def default_graph(store: Store) -> set[str]:
    """The default graph's triples; blank node labels (new on every load) as ``_:b``."""
    return {re.sub(r"_:\w+", "_:b", str(ox.Triple(q.subject, q.predicate, q.object)))
            for q in store.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def load(tmp_path, name: str, files: list, *, from_bytes: bool = False, store: Store | None = None) -> Store:
    store = store or Store.open(tmp_path / name, read_only=False)
    store.inner = CountingStore(store.inner) if not isinstance(store.inner, CountingStore) else store.inner
    with store.writing("test"):
        for path in files:
            store.load(path.read_bytes() if from_bytes else path, NQUADS if path.suffix == ".nq" else TRIG,
                       base_iri=path.resolve().as_uri())
        store.materialize_union()
    return store


def test_merge_read_from_nquads_files_equals_the_dump(tmp_path):
    (tmp_path / "a.nq").write_text(NQ)
    fast = load(tmp_path, "fast", [tmp_path / "a.nq"])
    slow = load(tmp_path, "slow", [tmp_path / "a.nq"], from_bytes=True)  # a stream: no file to read back
    assert fast.inner.dumps == 0 and slow.inner.dumps > 0
    assert default_graph(fast) == default_graph(slow)
    assert fast.merged_triples == slow.merged_triples == 7  # the triple in g1 and g2 counted once
    assert '<http://ex.org/s> <http://ex.org/p> "chat"@fr' in default_graph(fast)


def test_later_loads_add_to_the_merge_and_trig_graphs_are_dumped(tmp_path):
    (tmp_path / "a.nq").write_text(NQ)
    (tmp_path / "b.nq").write_text(NQ2)
    (tmp_path / "c.trig").write_text(TRIG_TEXT)
    fast = load(tmp_path, "fast", [tmp_path / "a.nq"])
    load(tmp_path, "fast", [tmp_path / "b.nq", tmp_path / "c.trig"], store=fast)
    assert fast.inner.dumps == 1  # only the TriG file's one graph
    slow = load(tmp_path, "slow", [tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.trig"], from_bytes=True)
    # The TriG file's anonymous blank node gets a fresh label on each parse:
    # compare the store's own default graph with the merge dumped from it.
    both = default_graph(fast)
    assert len(both) == len(default_graph(slow)) == fast.merged_triples == 10
    merged = {re.sub(r"_:\w+", "_:b", str(ox.Triple(q.subject, q.predicate, q.object))) for q in fast.inner.quads_for_pattern(None, None, None, None)
              if q.graph_name != ox.DefaultGraph()}
    assert both == merged


def test_a_store_with_unmerged_graphs_is_merged_whole(tmp_path):
    (tmp_path / "a.nq").write_text(NQ)
    (tmp_path / "b.nq").write_text(NQ2)
    store = Store.open(tmp_path / "s", read_only=False)
    store.inner.bulk_load(path=str(tmp_path / "a.nq"), format=ox.RdfFormat.N_QUADS)  # named graphs, no merge yet
    load(tmp_path, "s", [tmp_path / "b.nq"], store=store)
    assert store.inner.dumps > 0
    assert store.merged_triples == 8 and '<http://ex.org/s> <http://ex.org/q> <http://ex.org/b1>' in default_graph(store)


def test_a_line_it_cannot_read_for_sure_falls_back_to_the_dump(tmp_path):
    (tmp_path / "a.nq").write_text(NQ + '<http://ex.org/s> <http://ex.org/p> <http://ex.org/o> <http://ex.org/g9> . # trailing comment\n')
    store = load(tmp_path, "s", [tmp_path / "a.nq"])
    assert store.inner.dumps > 0
    assert "<http://ex.org/s> <http://ex.org/p> <http://ex.org/o>" in default_graph(store)
    assert store.merged_triples == 8


def test_blank_nodes_fall_back_to_the_dump_and_stay_one_node_per_file(tmp_path):
    """``_:b`` in two N-Quads files is two nodes; the dump keeps them apart."""
    line = '_:b <http://ex.org/p> "{}" <http://ex.org/g{}> .\n_:b <http://ex.org/q> <http://ex.org/o> <http://ex.org/g{}> .\n'
    (tmp_path / "a.nq").write_text(line.format("one", 1, 1))
    (tmp_path / "b.nq").write_text(line.format("two", 2, 2))
    store = load(tmp_path, "s", [tmp_path / "a.nq", tmp_path / "b.nq"])
    assert store.inner.dumps > 0
    assert store.merged_triples == 4
    nodes = {str(q.subject) for q in store.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert len(nodes) == 2
