"""`kg draft` as a curator runs it: files written (and never overwritten),
the draft refused by `kg validate` until reviewed, `--accept-all` output
that builds on every article, `--score`, and bad input (exit 2, a clear
message, nothing written)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from tests.conftest import FIXTURES, ONTOLOGY, REPO, SLUG, data_folder

REAL = REPO / "data" / "articles" / SLUG
SECOND = FIXTURES / "draft" / "madeup-istanbul-shipping-talks-2025-03-14"
THIRD = FIXTURES / "draft" / "madeup-eu-china-call-2025-04-09"
FOURTH = FIXTURES / "draft" / "madeup-geneva-ceasefire-talks-2025-05-22"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_draft_copies_verbatim_and_marks_every_proposal(tmp_path):
    data = data_folder(tmp_path / "data", REAL)
    result = run("draft", SECOND / "article.txt", "--date", "2025-03-14", "--slug", "new-article", "--data", data)
    assert result.exit_code == 0, result.output
    folder = data / "articles" / "new-article"
    assert sorted(p.name for p in folder.iterdir()) == ["article.txt", "mapping.draft.yaml"]
    assert (folder / "article.txt").read_bytes() == (SECOND / "article.txt").read_bytes()
    draft = (folder / "mapping.draft.yaml").read_text(encoding="utf-8")
    assert draft.count("  - id: ") == draft.count("    proposed: {rule: ")
    assert "  - id: person/marco-rubio\n    proposed: {rule: gazetteer, confidence: 0.95, reuse: true}" in draft
    assert re.search(r'evidence:\n      - \[\d+, \d+, "Olena Marchuk"\]', draft)
    # promoting it unreviewed: kg validate refuses every remaining marker
    (folder / "mapping.draft.yaml").rename(folder / "mapping.yaml")
    refused = run("validate", "--data", data, "--ontology", ONTOLOGY)
    assert refused.exit_code == 1
    assert "mapping.yaml:15: proposed: an unreviewed proposal of kg draft" in refused.output
    # the review done (every marker deleted): valid
    reviewed = "".join(line for line in draft.splitlines(keepends=True) if not line.startswith("    proposed: "))
    (folder / "mapping.yaml").write_text(reviewed, encoding="utf-8")
    valid = run("validate", "--data", data, "--ontology", ONTOLOGY)
    assert valid.exit_code == 0, valid.output


@pytest.mark.parametrize("article, day, others", [(REAL, "2025-02-19", [SECOND]), (SECOND, "2025-03-14", [REAL]),
                                                  (THIRD, "2025-04-09", [REAL, SECOND]),
                                                  (FOURTH, "2025-05-22", [REAL, SECOND, THIRD])],
                         ids=["real", "second", "third", "fourth"])
def test_accept_all_builds_without_edits(tmp_path, article, day, others):
    data = data_folder(tmp_path / "data", *others)
    result = run("draft", article / "article.txt", "--date", day, "--slug", "drafted", "--data", data, "--accept-all")
    assert result.exit_code == 0, result.output
    mapping = (data / "articles" / "drafted" / "mapping.yaml").read_text(encoding="utf-8")
    assert "proposed" not in mapping
    built = run("build", "--data", data, "--ontology", ONTOLOGY, "--store", tmp_path / "store")
    assert built.exit_code == 0, built.output
    assert re.search(r"built .*: \d+ quads in \d+ named graphs", built.output)


def test_never_overwrites_an_existing_article(tmp_path):
    data = data_folder(tmp_path / "data", REAL)
    before = snapshot(data)
    for extra in ([], ["--accept-all"]):
        result = run("draft", SECOND / "article.txt", "--date", "2025-03-14", "--slug", SLUG, "--data", data, *extra)
        assert result.exit_code == 2
        assert f"an article '{SLUG}' exists already" in result.output
    assert snapshot(data) == before


def test_score_prints_a_table_and_json_and_writes_nothing(tmp_path):
    data = data_folder(tmp_path / "data", REAL)
    before = snapshot(data)
    args = ["draft", REAL / "article.txt", "--date", "2025-02-19", "--slug", SLUG, "--data", data,
            "--score", REAL / "mapping.yaml"]
    table = run(*args)
    assert table.exit_code == 0, table.output
    header, *rows, edits = table.output.splitlines()
    assert re.fullmatch(r"curator edits, draft -> gold: \d+ lines changed, added or deleted; writing the gold from "
                        r"scratch: \d+ lines \(ratio \d\.\d\d\)", edits)
    assert header.split() == ["kind", "gold", "draft", "recall", "precision"]
    entities = next(r for r in rows if r.startswith("entities")).split()
    assert float(entities[3]) >= 0.95 and float(entities[4]) >= 0.90
    scores = json.loads(run(*args, "--json").output)
    assert scores["quotes with speaker"]["recall"] >= 0.9 and scores["dates"]["recall"] >= 0.9
    assert scores["curator edits"]["scratch lines"] > 1000 and 0 < scores["curator edits"]["edit lines"]
    blind = json.loads(run(*args, "--json", "--blind").output)
    assert blind["entities"]["recall"] < scores["entities"]["recall"]  # the article's own labels left out
    assert snapshot(data) == before


def test_html_review_page_is_written_and_escaped(tmp_path):
    data = data_folder(tmp_path / "data")
    article = tmp_path / "hostile.txt"
    article.write_text("<script>alert('x')</script> President Anna Berg said “<b>no</b>” & left.\n" + "word " * 5000,
                       encoding="utf-8")
    result = run("draft", article, "--date", "2025-03-14", "--slug", "hostile", "--data", data, "--html")
    assert result.exit_code == 0, result.output
    page = (data / "articles" / "hostile" / "review.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;no&lt;/b&gt;" in page and "<b>" not in page
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page)


def _bad_inputs(tmp_path: Path) -> dict:
    good = (SECOND / "article.txt").read_text(encoding="utf-8")
    files = {
        "empty": b"",
        "blank": b" \n\t\n",
        "latin1": "Caf\xe9 talks in Z\xfcrich.".encode("latin-1"),
        "digits": b"1234 5678.\n9 10 11",
        "control": ("Talks ended.\x07 Then more.").encode(),
        "huge": (good * 3000).encode(),  # about 5 MB
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_bytes(content)
    return paths


@pytest.mark.parametrize("case, message", [
    ("empty", "the article is empty"),
    ("blank", "the article is empty"),
    ("latin1", "the article is not UTF-8 (invalid continuation byte at byte 3)"),
    ("digits", "the article has no sentences"),
    ("control", "control character U+0007 at offset 12"),
    ("huge", "kg draft takes at most 500,000"),
    ("missing-file", "article file not found"),
    ("no-date", "Missing option '--date'"),
    ("bad-date", "--date '2025-02-30' is not a calendar date"),
    ("word-date", "--date 'yesterday' is not a date of the form YYYY-MM-DD"),
    ("bad-slug", "--slug 'Not A Slug' is not a slug"),
])
def test_bad_input_exit_2_and_nothing_written(tmp_path, case, message):
    data = data_folder(tmp_path / "data", REAL)
    before = snapshot(data)
    paths = _bad_inputs(tmp_path)
    article = paths.get(case, SECOND / "article.txt" if case != "missing-file" else tmp_path / "nope.txt")
    args = ["draft", article, "--slug", "x", "--data", data, "--date", "2025-03-14"]
    if case == "no-date":
        args = args[:-2]
    if case == "bad-date":
        args[-1] = "2025-02-30"
    if case == "word-date":
        args[-1] = "yesterday"
    if case == "bad-slug":
        args[3] = "Not A Slug"
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(data) == before


def test_very_long_lines_and_markup_are_drafted(tmp_path):
    data = data_folder(tmp_path / "data")
    article = tmp_path / "long.txt"
    article.write_text("Foreign Minister Anna Berg met officials in Oslo " + "and talked " * 20000 + ".",
                       encoding="utf-8")
    result = run("draft", article, "--date", "2025-03-14", "--slug", "long", "--data", data)
    assert result.exit_code == 0, result.output
    assert "person/anna-berg" in (data / "articles" / "long" / "mapping.draft.yaml").read_text(encoding="utf-8")


def test_a_draft_awaiting_review_is_named_by_the_build(tmp_path):
    data = data_folder(tmp_path / "data", REAL)
    assert run("draft", SECOND / "article.txt", "--date", "2025-03-14", "--slug", "pending", "--data", data).exit_code == 0
    result = run("validate", "--data", data, "--ontology", ONTOLOGY)
    assert result.exit_code == 2
    assert "pending: no mapping.yaml: a draft of kg draft awaits review (mapping.draft.yaml)" in result.output
