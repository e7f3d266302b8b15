"""`kg dump`: the files of the downloads page from the shell."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from kg.publish.dumps import DumpCache, catalog
from kg.model.formats import TURTLE
from tests.fixtures.dumps.support import FIXTURES, assert_isomorphic, load_store, named_graph, parse, reference_dataset

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY = "https://kg.example.org/graph/ontology"


@pytest.fixture(scope="module")
def location(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store"
    load_store(*FIXTURES, location=path)
    return path


@pytest.fixture(scope="module")
def made(location, tmp_path_factory) -> dict:
    """What the service would serve for the same store."""
    from kg.storage.store import Store

    cache = DumpCache(Store.open(location), tmp_path_factory.mktemp("cache"))
    return {i.name: i for i in cache.ensure_all()}


def kg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "dump", *args], cwd=REPO, capture_output=True, check=check)


def test_named_file_to_stdout_is_the_served_file(location, made):
    for name in ("union.ttl", "dataset.trig", "article-edge-cases.jsonld"):
        out = kg("--store", str(location), name).stdout
        assert out == Path(made[name].path).read_bytes(), name


def test_gz_name_and_output_file(location, made, tmp_path):
    target = tmp_path / "dataset.nq.gz"
    result = kg("--store", str(location), "dataset.nq.gz", "-o", str(target))
    assert gzip.decompress(target.read_bytes()) == Path(made["dataset.nq"].path).read_bytes()
    assert b"wrote 87 triples" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["dataset.nq.gz"], "no temporary file left"


def test_format_and_graph_options(location):
    out = kg("--store", str(location), "-f", "ttl", "--graph", ONTOLOGY).stdout
    assert_isomorphic(named_graph(reference_dataset(load_store(*FIXTURES)), ONTOLOGY), parse(out, TURTLE), "ontology")
    assert out.startswith(b"@prefix dip: <https://kg.example.org/ontology/> .")


def test_list_names_every_file(location):
    listed = [line.split("\t")[0] for line in kg("--store", str(location), "--list").stdout.decode().splitlines()]
    assert listed == [f.name for f in catalog(load_store(*FIXTURES))]


def test_all_writes_every_file_and_its_gz(location, made, tmp_path):
    kg("--store", str(location), "--all", str(tmp_path / "out"), "--quiet")
    for name, info in made.items():
        assert (tmp_path / "out" / name).read_bytes() == Path(info.path).read_bytes()
        assert (tmp_path / "out" / (name + ".gz")).read_bytes() == Path(info.gz_path).read_bytes()


@pytest.mark.parametrize("args,message", [
    (["nope.ttl"], "No download called 'nope.ttl'"),
    (["-f", "rdf"], "Unknown format 'rdf'"),
    (["-f", "nt", "--graph", "https://nowhere.example/g"], "no named graph"),
    (["-f", "ttl", "--graph", ONTOLOGY, "--union"], "exclude each other"),
    (["union.ttl", "-f", "nt"], "not both"),
    (["union.ttl", "-o", "/nonexistent-dir/union.ttl"], "cannot write /nonexistent-dir/union.ttl"),
    (["--all", "/proc/no-such-dir"], "cannot write into /proc/no-such-dir"),
])
def test_bad_input_is_a_clear_message_and_exit_code(location, args, message):
    result = kg("--store", str(location), *args, check=False)
    assert result.returncode == 2 and result.stdout == b""
    assert message in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_missing_store_is_reported(tmp_path):
    result = kg("--store", str(tmp_path / "absent"), "union.ttl", check=False)
    assert result.returncode == 2 and "No store at" in result.stderr.decode()


def test_cache_fills_the_service_cache(location, tmp_path):
    """Files made by `kg dump --cache` are the ones the service then sends."""
    from server import create_app
    from kg.storage.store import Store

    result = kg("--store", str(location), "--cache", str(tmp_path), "--quiet")
    assert b"cache ready in" in result.stderr
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    made = (folder / "union.ttl").read_bytes()
    mtime = (folder / "union.ttl").stat().st_mtime_ns
    app = create_app({"STORE_OBJECT": Store.open(location), "DUMPS_DIR": str(tmp_path)})
    assert app.test_client().get("/downloads/union.ttl").data == made
    assert (folder / "union.ttl").stat().st_mtime_ns == mtime, "served from the cache, not made again"


def test_progress_bar_on_large_datasets_only(location, monkeypatch):
    from click.testing import CliRunner

    import kg.cli.dump
    from kg.cli import main

    runner = CliRunner()
    quiet = runner.invoke(main, ["dump", "--store", str(location), "union.nt"])
    assert quiet.exit_code == 0 and "quads" not in quiet.stderr, "below the threshold: no bar"
    monkeypatch.setattr(kg.cli.dump, "PROGRESS_FROM", 10)
    shown = runner.invoke(main, ["dump", "--store", str(location), "union.nt"])
    assert "union.nt: 100%" in shown.stderr and "87.0/87.0 [" in shown.stderr
    assert shown.stdout == quiet.stdout, "the bar goes to stderr, the dump to stdout"
    hidden = runner.invoke(main, ["dump", "--store", str(location), "union.nt", "--quiet"])
    assert "quads" not in hidden.stderr
