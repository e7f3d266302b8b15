"""The curator's commands: ``kg span`` (several phrases, whole words,
``--near``, YAML to paste) and ``kg ids`` (ids to reuse, with labels,
across all articles and the background)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from kg.cli import main

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "data" / "articles" / "riyadh-talks-2025-02-19" / "article.txt"
FIXTURE = REPO / "tests" / "fixtures" / "articles" / "madeup-rubio-visit-2025-03-01"


def run(*args: str):
    """Invoke ``kg``; ``result.stdout`` is what a user would paste, ``result.output`` has the errors too."""
    return CliRunner().invoke(main, list(args))


def test_span_takes_several_phrases_and_prints_yaml_to_paste():
    result = run("span", str(ARTICLE), "Marco Rubio", "Sergey Lavrov", "unrealistic")
    assert result.exit_code == 0, result.output
    pasted = yaml.safe_load("evidence:\n" + "".join("  " + line + "\n" for line in result.stdout.splitlines()))
    assert pasted == {"evidence": [[355, 366, "Marco Rubio"], [396, 409, "Sergey Lavrov"], [3661, 3672, "unrealistic"]]}
    text = ARTICLE.read_text(encoding="utf-8")
    assert all(text[s:e] == exact for s, e, exact in pasted["evidence"])


def test_span_matches_whole_words_by_default():
    text = ARTICLE.read_text(encoding="utf-8")
    result = run("span", str(ARTICLE), "Russia")
    start, end, _ = yaml.safe_load(result.stdout)[0]
    assert text[end].isalnum() is False and text[start:end] == "Russia"
    others = [int(n) for n in result.stdout.split("# also at ")[1].split(",")]
    assert all(not text[n + 6].isalpha() for n in others)  # never inside "Russian"
    assert text.index("Russian") not in others
    inside = run("span", str(ARTICLE), "Russi")
    assert inside.exit_code == 2 and "'Russi' occurs only inside longer words (add --inside-words" in inside.output
    assert run("span", str(ARTICLE), "Russi", "--inside-words").exit_code == 0


def test_span_near_picks_the_closest_occurrence():
    result = run("span", str(ARTICLE), "Rubio", "--near", "3100")
    assert yaml.safe_load(result.stdout) == [[3177, 3182, "Rubio"]]
    assert "# also at 361, 1392" in result.stdout
    both = run("span", str(ARTICLE), "Rubio", "--near", "1", "--nth", "2")
    assert both.exit_code == 2 and "give --nth or --near, not both" in both.output


def test_span_names_each_phrase_that_is_missing():
    result = run("span", str(ARTICLE), "Marco Rubio", "not in the article", "Rubio", "--nth", "9")
    assert result.exit_code == 2
    assert "'not in the article' does not occur" in result.output
    assert "'Rubio' occurs 3 time(s), not 9" in result.output


def corpus(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "background", data / "background")
    shutil.copytree(REPO / "data" / "articles" / "riyadh-talks-2025-02-19", data / "articles" / "riyadh-talks-2025-02-19")
    shutil.copytree(FIXTURE, data / "articles" / FIXTURE.name)
    return data


def test_ids_lists_ids_with_labels_across_articles_and_background(tmp_path):
    data = corpus(tmp_path)
    result = run("ids", "person", "rubio", "--data", str(data))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("person/marco-rubio  Marco Rubio (also ") and "  [Person; " in lines[0]
    also = lines[0].split("(also ", 1)[1].split(")  [", 1)[0].split(", ")
    assert "Rubio" in also, also  # the article's other name for him (the background may give more)
    assert "riyadh-talks-2025-02-19" in lines[0] and FIXTURE.name in lines[0] and "background" in lines[0]


def test_ids_by_kind_and_by_words_ignoring_case_and_accents(tmp_path):
    data = corpus(tmp_path)
    states = run("ids", "state", "--data", str(data)).stdout.splitlines()
    assert {line.split()[0] for line in states} >= {"state/russia", "state/ukraine", "state/saudi-arabia"}
    assert all(line.startswith("state/") for line in states)
    kyiv = run("ids", "KYÏV", "--data", str(data)).stdout
    assert "state/ukraine" in kyiv  # an other name (skos:altLabel)


def test_ids_with_no_match_suggests_and_exits_1(tmp_path):
    result = run("ids", "person", "rubbio", "--data", str(corpus(tmp_path)))
    assert result.exit_code == 1
    assert "no id matches person rubbio; closest: person/marco-rubio" in result.output
