"""The kg commands build, validate, query, stats and span, with their exit
codes: 0 ok, 1 invalid content, 2 unusable input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SMALL, article_data, data_folder
from kg.cli import main

REPO = Path(__file__).resolve().parent.parent
SLUG = "riyadh-talks-2025-02-19"
ARTICLE = REPO / "data" / "articles" / SLUG / "article.txt"


def run(*args: str):
    return CliRunner().invoke(main, [*args, "--ontology", str(REPO / "ontology")] if args[0] in ("build", "validate") else list(args))


@pytest.fixture(scope="module")
def store(tmp_path_factory, article_only) -> Path:
    """A store built from the article alone (other articles change nothing here),
    with the dataset file `--out` writes beside it (one build serves both)."""
    path = tmp_path_factory.mktemp("cli") / "store"
    result = run("build", "--store", str(path), "--data", str(article_only), "--out", str(path.parent / "dataset.trig"))
    assert result.exit_code == 0, result.output
    assert "quads in 3 named graphs" in result.output
    return path


def test_validate_reports_valid(article_only):
    result = run("validate", "--data", str(article_only))
    assert result.exit_code == 0
    assert result.output.startswith("valid: 3 graphs,")


def test_validate_lists_problems_and_exits_1(tmp_path):
    data = data_folder(tmp_path / "data", SMALL)  # a small made-up article: validation in a fraction of the time
    mapping = data / "articles" / SMALL.name / "mapping.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace('"very useful"]', '"very usefull"]', 1), encoding="utf-8")
    result = run("validate", "--data", str(data))
    assert result.exit_code == 1
    assert result.output.startswith("invalid: ")
    assert "not 'very usefull'" in result.output


def test_unusable_input_exits_2_with_the_file(tmp_path):
    result = run("validate", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "error: " in result.output and "nowhere/articles: no articles folder" in result.output


def test_failed_build_keeps_the_previous_store(store, tmp_path):
    before = run("stats", "--store", str(store), "--json")
    data = article_data(tmp_path / "data")
    (data / "articles" / SLUG / "mapping.yaml").write_text("article: [unclosed\n", encoding="utf-8")
    result = run("build", "--store", str(store), "--data", str(data))
    assert result.exit_code == 2
    assert re.search(r"mapping\.yaml:\d+: malformed YAML", result.output)
    after = run("stats", "--store", str(store), "--json")
    assert json.loads(after.output) == json.loads(before.output)


def test_stats_counts_graphs_and_classes(store):
    result = run("stats", "--store", str(store), "--json")
    data = json.loads(result.output)
    assert data["instances"]["persons"] == 10
    assert data["instances"]["quotations"] == 5
    assert data["instances"]["articles"] == 1
    assert set(data["graphs"]) == {
        "https://kg.example.org/graph/ontology",
        "https://kg.example.org/graph/background",
        f"https://kg.example.org/graph/article/{SLUG}",
    }
    text = run("stats", "--store", str(store)).output
    assert "persons: 10" in text


def test_query_prints_a_table_with_names(store):
    result = run("query", "--store", str(store),
                 "SELECT ?name WHERE { ?h dip:officeHolder/rdfs:label ?name ; dip:office/rdfs:label 'Foreign Minister of Russia'@en }")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].strip() == "name"
    assert lines[2].strip() == "Sergey Lavrov"
    assert lines[-1] == "(1 row)"


def test_query_formats_and_examples(store):
    csv = run("query", "--store", str(store), "--example", "03", "--format", "csv")
    assert csv.exit_code == 0
    assert csv.output.splitlines()[1].startswith("restoring diplomatic staffing in embassies,575,617")
    listing = run("query", "--list")
    assert "17-facts-not-in-article" in listing.output
    ttl = run("query", "--store", str(store), "--format", "ttl",
              "CONSTRUCT { ?q dip:quoteText ?t } WHERE { ?q dip:speaker/rdfs:label 'Mike Waltz'@en ; dip:quoteText ?t }")
    assert "there’s going to be a discussion of security guarantees." in ttl.output


def test_bad_query_exits_2(store):
    result = run("query", "--store", str(store), "SELECT ?x WHERE {")
    assert result.exit_code == 2
    assert result.output.startswith("error:")


def test_span_prints_offsets_for_a_mapping():
    result = run("span", str(ARTICLE), "unrealistic")
    assert json.loads(result.output.removeprefix("- ")) == [3661, 3672, "unrealistic"]
    missing = run("span", str(ARTICLE), "not in the article")
    assert missing.exit_code == 2


def test_real_process_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "kg", "validate"], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "kg", "validate", "--data", str(tmp_path)], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "no articles folder" in bad.stderr


def test_build_can_also_write_the_dataset_file(store):
    out = store.parent / "dataset.trig"  # written by the module's build (`--out`), exit code asserted there
    from rdflib import Dataset

    dataset = Dataset()
    dataset.parse(out, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert f"https://kg.example.org/graph/article/{SLUG}" in names
    # quads, not len(dataset): rdflib counts a triple stated in two graphs once
    quads = sum(len(g) for g in dataset.graphs())
    assert quads == json.loads(run("stats", "--store", str(store), "--json").output)["quads"]
