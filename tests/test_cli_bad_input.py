"""Bad input to the kg commands as a user types it: a clear one-line
message naming the file or the place in the query, exit code 2, no
traceback, and nothing the user already had is lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from tests.conftest import SMALL, data_folder

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> list[str]:
    """--data and --ontology for the builds here: the background and the small
    made-up article, which is all that replacing or refusing a store needs."""
    data = data_folder(tmp_path_factory.mktemp("bad-data") / "data", SMALL)
    return ["--data", str(data), "--ontology", str(REPO / "ontology")]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def store(tmp_path_factory, graph) -> Path:
    path = tmp_path_factory.mktemp("bad") / "store"
    result = run("build", "--store", str(path), "--no-validate", *graph)
    assert result.exit_code == 0, result.output
    return path


def test_build_refuses_to_replace_a_file(tmp_path, graph):
    precious = tmp_path / "README.md"
    precious.write_text("# my notes\n", encoding="utf-8")
    result = run("build", "--store", str(precious), "--no-validate", *graph)
    assert result.exit_code == 2
    assert f"error: {precious}: exists and is not a store directory" in result.output
    assert precious.read_text(encoding="utf-8") == "# my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_build_refuses_to_replace_a_folder_that_is_not_a_store(tmp_path, graph):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("build", "--store", str(folder), "--no-validate", *graph)
    assert result.exit_code == 2
    assert "does not hold a store; refusing to replace it" in result.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_build_replaces_an_earlier_store_and_an_empty_folder(store, tmp_path, graph):
    again = run("build", "--store", str(store), "--no-validate", *graph)
    assert again.exit_code == 0, again.output
    empty = tmp_path / "empty"
    empty.mkdir()
    fresh = run("build", "--store", str(empty), "--no-validate", *graph)
    assert fresh.exit_code == 0, fresh.output
    assert (empty / "CURRENT").is_file()


def test_out_file_is_checked_before_the_store_is_touched(store, tmp_path, graph):
    before = run("stats", "--store", str(store), "--json").output
    missing = run("build", "--store", str(store), "--out", str(tmp_path / "no" / "x.trig"), *graph)
    assert missing.exit_code == 2
    assert "x.trig: --out: the folder does not exist" in missing.output
    unknown = run("build", "--store", str(store), "--out", str(tmp_path / "x.ttl"), *graph)
    assert unknown.exit_code == 2
    assert "--out must end in .trig or .nq" in unknown.output
    assert not (tmp_path / "x.ttl").exists()
    assert run("stats", "--store", str(store), "--json").output == before


def test_query_on_something_that_is_not_a_store(tmp_path):
    not_a_store = tmp_path / "file.txt"
    not_a_store.write_text("x", encoding="utf-8")
    result = run("query", "--store", str(not_a_store), "ASK { ?s ?p ?o }")
    assert result.exit_code == 2
    assert f"error: {not_a_store}: not a readable store" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_update_is_refused_with_a_reason(store):
    result = run("query", "--store", str(store), "PREFIX x: <http://x/>\n# note\ninsert data { <a:b> <a:c> <a:d> }")
    assert result.exit_code == 2
    assert "kg query runs read-only queries" in result.output and "not updates" in result.output


def test_parse_error_names_the_line_of_the_users_query(store):
    result = run("query", "--store", str(store), "SELECT * WHERE {\n  ?s ?p ?o\n  FILTER(}")
    assert result.exit_code == 2
    assert "the query does not parse: error at line 3, column" in result.output


def test_unknown_format_lists_the_known_ones(store):
    result = run("query", "--store", str(store), "--format", "yaml", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert result.exit_code == 2
    assert "unknown format 'yaml'" in result.output and "json, xml, csv, tsv" in result.output


def test_real_process_never_prints_a_traceback(tmp_path):
    not_a_store = tmp_path / "file.txt"
    not_a_store.write_text("x", encoding="utf-8")
    cases = [
        ["query", "--store", str(not_a_store), "ASK { ?s ?p ?o }"],
        ["build", "--store", str(not_a_store), "--no-validate"],
        ["build", "--store", str(tmp_path / "s"), "--out", str(tmp_path / "no" / "x.nq")],
    ]
    for args in cases:
        done = subprocess.run([sys.executable, "-m", "kg", *args], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")
    assert not_a_store.read_text(encoding="utf-8") == "x"


def test_span_refuses_nonsense_instead_of_printing_a_wrong_span(tmp_path):
    article = REPO / "data" / "articles" / "riyadh-talks-2025-02-19" / "article.txt"
    zeroth = run("span", str(article), "Rubio", "--nth", "0")
    assert zeroth.exit_code == 2 and "[-1" not in zeroth.output
    empty = run("span", str(article), "")
    assert empty.exit_code == 2 and "give the exact words to find" in empty.output
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe")
    undecodable = run("span", str(binary), "x")
    assert undecodable.exit_code == 2 and "bin.txt: not UTF-8 (invalid start byte at byte 0)" in undecodable.output
    second = run("span", str(article), "Rubio", "--nth", "2")
    assert second.output.strip() == '- [1392, 1397, "Rubio"]  # also at 361, 3177'


@pytest.mark.parametrize("base", ["not a url", "http://x y/", "https://kg.example.org/?q=1", "urn:x:"])
def test_an_unusable_base_iri_is_refused(base, graph):
    result = run("validate", "--base", base, *graph)
    assert result.exit_code == 2
    assert "base IRI (--base or KG_BASE): " in result.output and "is not an absolute http(s) IRI" in result.output


def test_a_base_with_port_and_path_is_fine(tmp_path):
    data = _small_corpus(tmp_path)  # one article, whatever data/articles/ holds
    result = run("validate", "--base", "https://kg.example.org:8443/data", "--data", str(data),
                 "--ontology", str(REPO / "ontology"))
    assert result.exit_code == 0 and result.output.startswith("valid: 3 graphs"), result.output


FIXTURE = REPO / "tests" / "fixtures" / "articles" / "madeup-rubio-visit-2025-03-01"


def _small_corpus(root: Path) -> Path:
    """The background and the made-up fixture article: quick to build."""
    import shutil

    data = root / "data"
    shutil.copytree(REPO / "data" / "background", data / "background")
    shutil.copytree(FIXTURE, data / "articles" / FIXTURE.name)
    return data


def _break_mapping(data: Path, old: str, new: str) -> Path:
    mapping = data / "articles" / FIXTURE.name / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    assert old in text
    mapping.write_text(text.replace(old, new, 1), encoding="utf-8")
    return mapping


BAD_ARTICLES = {
    "misspelt id": (("    participant: state/saudi-arabia\n", "    participant: state/saudi-arabai\n"), 1,
                    r"mapping\.yaml:\d+: state/saudi-arabai: refers to a node that no article or background describes; "
                    r"did you mean state/saudi-arabia \(Saudi Arabia\)\?"),
    "duplicate id, other class": (("  - id: place/riyadh\n    a: Settlement\n", "  - id: state/saudi-arabia\n    a: Settlement\n"), 1,
                                  r"mapping\.yaml:\d+: id: duplicate node id 'state/saudi-arabia' \(first at line \d+\)"),
    "impossible date": (("  datePublished: 2025-03-01\n", '  datePublished: "2025-02-30"\n'), 1,
                        r"mapping\.yaml:\d+: datePublished: datePublished '2025-02-30' is not a calendar date"),
    "unquoted impossible date": (("  datePublished: 2025-03-01\n", "  datePublished: 2025-02-30\n"), 2,
                                 r"mapping\.yaml:\d+: malformed YAML: '2025-02-30' is not a valid date"),
    "url not http": (("  dateline: Nowhere\n", "  dateline: Nowhere\n  url: ftp://example.org/a\n"), 1,
                     r"mapping\.yaml:\d+: url: url 'ftp://example.org/a' is not an http\(s\) URL"),
    "url not a url": (("  dateline: Nowhere\n", "  dateline: Nowhere\n  url: javascript:alert(1)\n"), 1,
                      r"mapping\.yaml:\d+: url: url 'javascript:alert\(1\)' is not an http\(s\) URL"),
    "no text": (None, 2, r"article\.txt: article text missing \(expected article\.txt\)"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARTICLES))
def test_bad_article_input_is_named_with_file_and_line_and_the_store_is_kept(tmp_path, case):
    import re

    data = _small_corpus(tmp_path)
    store = tmp_path / "store"
    args = ["--store", str(store), "--data", str(data), "--ontology", str(REPO / "ontology")]
    assert run("build", *args).exit_code == 0
    before = run("stats", "--store", str(store), "--json").output
    change, code, message = BAD_ARTICLES[case]
    if change is None:
        (data / "articles" / FIXTURE.name / "article.txt").unlink()
    else:
        _break_mapping(data, *change)
    done = subprocess.run([sys.executable, "-m", "kg", "build", *args], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == code, done.stderr
    assert re.search(message, done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert run("stats", "--store", str(store), "--json").output == before
    assert not [p.name for p in tmp_path.iterdir() if ".new-" in p.name]  # no half-built store left behind


def test_article_metadata_outlet_url_and_author_reach_the_article_node(tmp_path):
    from rdflib import Literal, URIRef

    from kg.authoring.build import build_dataset
    from kg.model.namespaces import SDO, entity_ns

    data = _small_corpus(tmp_path)
    _break_mapping(data, "  dateline: Nowhere\n", "  dateline: Nowhere\n  publisher: The Made-up Times\n"
                   "  url: https://example.org/news/rubio-visit\n  author: [Jane Doe, John Roe]\n")
    dataset = build_dataset(data, REPO / "ontology")
    article = entity_ns()["article/" + FIXTURE.name]
    assert set(dataset.objects(article, SDO.publisher)) == {Literal("The Made-up Times")}
    assert set(dataset.objects(article, SDO.url)) == {URIRef("https://example.org/news/rubio-visit")}
    assert set(dataset.objects(article, SDO.author)) == {Literal("Jane Doe"), Literal("John Roe")}
