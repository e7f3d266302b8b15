"""Every dump is exact (parses back, in rdflib, into what the store holds),
readable (prefixes, grouped and sorted subjects) and stable (same data, same
bytes; one changed fact, a few changed lines)."""

from __future__ import annotations

import difflib
import io
import os
import random
import re
import subprocess
import sys

import pyoxigraph as ox
import pytest

from kg.publish.dumps import DATASET, UNION, catalog, graph_scope, ordered_rows, write_dump
from kg.model.formats import JSONLD, NQUADS, NTRIPLES, TRIG, TURTLE
from kg.model.namespaces import prefixes
from kg.storage.store import Store
from tests.fixtures.dumps.support import (
    EDGE_CASES, FIXTURES, assert_isomorphic, assert_same_dataset, load_store,
    named_graph, parse, reference_dataset, union_graph,
)

ARTICLE = "https://kg.example.org/graph/article/riyadh-talks-2025-02-19"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dump(store, fmt, scope, **kw) -> bytes:
    out = io.BytesIO()
    write_dump(store, fmt, scope, out, **kw)
    return out.getvalue()


@pytest.fixture(scope="module", params=[p.name for p in FIXTURES])
def store(request):
    return load_store(*(p for p in FIXTURES if p.name == request.param))


@pytest.mark.parametrize("fmt", [TRIG, NQUADS], ids=lambda f: f.name)
def test_dataset_dump_round_trips(store, fmt):
    got = parse(dump(store, fmt, DATASET), fmt)
    assert_same_dataset(reference_dataset(store), got, f"dataset.{fmt.extension}")


@pytest.mark.parametrize("fmt", [TURTLE, NTRIPLES, JSONLD], ids=lambda f: f.name)
def test_union_dump_round_trips(store, fmt):
    expected = union_graph(reference_dataset(store))
    got = parse(dump(store, fmt, UNION), fmt)
    assert len(got) == len(expected) > 0
    assert_isomorphic(expected, got, f"union.{fmt.extension}")


@pytest.mark.parametrize("fmt", [TURTLE, NTRIPLES, JSONLD], ids=lambda f: f.name)
def test_each_graph_dump_round_trips(store, fmt):
    reference = reference_dataset(store)
    for iri in store.named_graphs():
        got = parse(dump(store, fmt, graph_scope(iri)), fmt)
        assert_isomorphic(named_graph(reference, iri), got, f"{iri} as {fmt.label}")


def test_catalogue_offers_every_required_file():
    store = load_store()
    names = {f.name: f for f in catalog(store)}
    for name in ("dataset.trig", "dataset.nq", "union.ttl", "union.nt", "ontology.ttl", "background.ttl",
                 "article-riyadh-talks-2025-02-19.ttl", "article-riyadh-talks-2025-02-19.jsonld",
                 "article-second-story.ttl", "article-second-story.jsonld"):
        assert name in names, name
    assert names["article-riyadh-talks-2025-02-19.jsonld"].graph == ARTICLE
    assert names["dataset.trig"].fmt is TRIG and names["union.nt"].fmt is NTRIPLES


def test_turtle_declares_prefixes_groups_and_sorts_subjects():
    text = dump(load_store(), TURTLE, UNION).decode()
    for prefix, ns in prefixes().items():
        assert f"@prefix {prefix}: <{ns}> .\n" in text
    heads = [line for line in text.split("\n\n")[1:] if line.strip()]
    subjects = [block.split("\n", 1)[0] for block in heads]
    assert len(subjects) == len(set(subjects)), "a subject appears in two blocks"
    iris = [s for s in subjects if s.startswith("<")]
    assert iris == sorted(iris)
    rubio = next(b for b in heads if b.startswith("<https://kg.example.org/id/person/marco-rubio>"))
    assert rubio.split("\n")[1] == "    a schema:Person ;", "rdf:type comes first, as 'a'"
    assert '"Марко Рубио"@ru' in rubio and "owl:sameAs wd:Q324546" in rubio


def test_trig_keeps_default_graph_and_named_graphs_apart():
    text = dump(load_store(), TRIG, DATASET).decode()
    body = text.split("\n\n", 1)[1]
    assert body.startswith("<https://kg.example.org/id/place/riyadh>\n    schema:containedInPlace"), "default graph first, unwrapped"
    assert f"<{ARTICLE}> {{\n" in text and "graph:ontology {\n" in text


def test_blank_nodes_get_labels_from_their_own_quads():
    text = dump(load_store(EDGE_CASES), NTRIPLES, UNION).decode()
    labels = set(re.findall(r"_:(\S+)", text))
    assert len(labels) == 10 and all(re.fullmatch(r"b[0-9a-f]{16}(x\d)?", label) for label in labels), labels
    twins = [label for label in labels if label.endswith(("x0", "x1"))]
    assert len(twins) == 4, "the twins and the two-node cycle are told apart by canonical order"


def test_changing_a_blank_nodes_fact_relabels_only_that_node():
    store = load_store()
    before = dump(store, NTRIPLES, UNION).decode()
    changed = _shuffled_copy(store, 4)
    old = next(q for q in changed.inner if isinstance(q.object, ox.Literal) and q.object.value == "held in Riyadh")
    changed.inner.remove(old)
    changed.inner.add(ox.Quad(old.subject, old.predicate, ox.Literal("held in Riyadh, Saudi Arabia"), old.graph_name))
    after = dump(changed, NTRIPLES, UNION).decode()
    gone, new = set(re.findall(r"_:(\S+)", before)) - set(re.findall(r"_:(\S+)", after)), set(re.findall(r"_:(\S+)", after)) - set(re.findall(r"_:(\S+)", before))
    assert len(gone) == len(new) == 1, "only the annotation is relabelled; its selector and target keep their labels"
    assert len(_changed_lines(before.encode(), after.encode())) == 8  # its 3 own triples and the one pointing to it, each way


def test_external_sort_gives_the_same_rows_as_sorting_in_memory(tmp_path):
    store = load_store(*FIXTURES)
    small_runs = list(ordered_rows(store, DATASET, chunk=7, tmpdir=str(tmp_path)))
    assert small_runs == list(ordered_rows(store, DATASET))
    assert len(small_runs) == len(store)
    assert list(tmp_path.iterdir()) == [], "spilled runs are removed"


def _shuffled_copy(store: Store, seed: int) -> Store:
    """The same data loaded in another order with other blank node ids."""
    out = io.BytesIO()
    store.dump(out, NQUADS)
    lines = out.getvalue().decode().splitlines()
    random.Random(seed).shuffle(lines)
    text = "\n".join(lines).replace("_:", f"_:other{seed}x") + "\n"
    copy = Store.in_memory()
    copy.load(text.encode(), NQUADS)
    return copy


@pytest.mark.parametrize("name", [f.name for f in catalog(load_store())])
def test_two_builds_give_byte_identical_files(name):
    first, second = load_store(*FIXTURES), _shuffled_copy(load_store(*FIXTURES), 7)
    file = next(f for f in catalog(first) if f.name == name)
    assert dump(first, file.fmt, file.scope) == dump(second, file.fmt, file.scope)


def test_another_process_writes_the_same_bytes(tmp_path):
    """A second build in a fresh process (other hash seed, other load order)."""
    location = tmp_path / "store"
    copy = _shuffled_copy(load_store(*FIXTURES), 3)
    disk = Store.open(location, read_only=False)
    disk.extend(copy.quads(None))
    disk.flush()
    del disk
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    for name in ("dataset.trig", "union.ttl", "article-riyadh-talks-2025-02-19.jsonld"):
        result = subprocess.run([sys.executable, "-m", "kg", "dump", "--store", str(location), name, "--quiet"],
                                cwd=REPO, env=env, capture_output=True, check=True)
        file = next(f for f in catalog(copy) if f.name == name)
        assert result.stdout == dump(load_store(*FIXTURES), file.fmt, file.scope), name


def _changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _with_changed_fact(store: Store) -> Store:
    copy = _shuffled_copy(store, 1)
    old = ox.Quad(ox.NamedNode("https://kg.example.org/id/place/riyadh"), ox.NamedNode("https://schema.org/name"),
                  ox.Literal("Riyadh"), ox.NamedNode("https://kg.example.org/graph/background"))
    assert old in copy.inner
    copy.inner.remove(old)
    copy.inner.add(ox.Quad(old.subject, old.predicate, ox.Literal("Ar-Riyāḍ"), old.graph_name))
    return copy


@pytest.mark.parametrize("fmt,scope", [(TURTLE, UNION), (NTRIPLES, UNION), (TRIG, DATASET), (NQUADS, DATASET)],
                         ids=["ttl", "nt", "trig", "nq"])
def test_one_changed_fact_is_a_two_line_diff(fmt, scope):
    store = load_store(*FIXTURES)
    changed = _changed_lines(dump(store, fmt, scope), dump(_with_changed_fact(store), fmt, scope))
    assert len(changed) == 2, changed
    assert '"Riyadh"' in changed[0] and changed[0].startswith("-")
    assert '"Ar-Riyāḍ"' in changed[1] and changed[1].startswith("+")


def test_one_added_fact_adds_a_line_or_two():
    store = load_store(*FIXTURES)
    more = _shuffled_copy(store, 2)
    more.inner.add(ox.Quad(ox.NamedNode("https://kg.example.org/id/person/sergey-lavrov"),
                           ox.NamedNode("https://schema.org/jobTitle"), ox.Literal("Foreign Minister")))
    changed = _changed_lines(dump(store, TURTLE, UNION), dump(more, TURTLE, UNION))
    assert 1 <= len(changed) <= 3, changed
    assert any('schema:jobTitle "Foreign Minister"' in line for line in changed)
    assert _changed_lines(dump(store, NTRIPLES, UNION), dump(more, NTRIPLES, UNION)) == [
        '+<https://kg.example.org/id/person/sergey-lavrov> <https://schema.org/jobTitle> "Foreign Minister" .'
    ]


def test_blank_nodes_used_once_are_nested_and_others_keep_labels():
    store = load_store(EDGE_CASES)
    turtle = dump(store, TURTLE, UNION).decode()
    nested = turtle.split("<https://kg.example.org/id/test/nested>\n", 1)[1].split("\n\n", 1)[0]
    assert nested == (
        "    schema:about [\n"
        "        schema:about [\n"
        "            schema:about [\n"
        '                schema:name "deep"\n'
        "            ]\n"
        "        ]\n"
        "    ] ."
    )
    labelled = set(re.findall(r"_:(\S+)", turtle))
    assert len(labelled) == 4, "the self-loop, the two-node cycle and the node used twice keep labels"
    trig = dump(store, TRIG, DATASET).decode()
    blocks = dict(re.findall(r"<https://kg.example.org/graph/article/(edge-cases(?:-2)?)> \{\n(.*?)\n\}", trig, re.S))
    first, second = blocks["edge-cases"], blocks["edge-cases-2"]
    cross = re.search(r'(_:\S+)\n\s+schema:name "one blank node in two graphs"', first).group(1)
    assert f"schema:about {cross} ." in second, "a node shared by two graphs keeps its label in TriG"


def test_a_failing_read_leaves_no_spilled_run(tmp_path):
    class Failing:
        def quads(self, graph=None):
            for i, quad in enumerate(load_store(*FIXTURES).quads(None)):
                if i == 20:
                    raise OSError("store went away")
                yield quad

    with pytest.raises(OSError, match="went away"):
        list(ordered_rows(Failing(), DATASET, chunk=5, tmpdir=str(tmp_path)))
    assert list(tmp_path.iterdir()) == []
