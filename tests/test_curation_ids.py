"""Curators protected from silent mistakes: a misspelt id, a node without a
class, one id given two different classes. Each is refused by the build,
named with its file and line, with the closest existing ids suggested; the
previous store is left untouched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.authoring.build import closest_ids, compile_all
from kg.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "articles" / "madeup-rubio-visit-2025-03-01"
TEXT = "MADE-UP TEST FIXTURE, not news. Marco Rubio met Sergey Lavrov in Riyadh."
HEADER = """article:
  slug: {slug}
  title: "Made-up: a meeting"
  datePublished: 2025-03-02
  madeUp: true
nodes:
"""
MEETING = """  - id: event/madeup-meeting
    a: Meeting
    label: A made-up meeting
    evidence:
      - [32, 72, "Marco Rubio met Sergey Lavrov in Riyadh."]
"""


def corpus(tmp_path: Path, nodes: str, slug: str = "madeup-second-meeting-2025-03-02") -> Path:
    """A data folder: the real background, the made-up fixture article and
    one more made-up article whose nodes are ``nodes``."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "background", data / "background")
    shutil.copytree(FIXTURE, data / "articles" / FIXTURE.name)
    folder = data / "articles" / slug
    folder.mkdir(parents=True)
    (folder / "article.txt").write_text(TEXT, encoding="utf-8")
    (folder / "mapping.yaml").write_text(HEADER.format(slug=slug) + MEETING + nodes, encoding="utf-8")
    return data


def problems(data: Path) -> list[str]:
    return [str(p) for p in compile_all(data, REPO / "ontology").problems]


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


MISSPELT = """  - id: person/marco-rubbio
    evidence:
      - [32, 43, "Marco Rubio"]
"""


def test_a_misspelt_reused_id_is_refused_with_its_line_and_the_closest_id(tmp_path):
    data = corpus(tmp_path, MISSPELT)
    mapping = data / "articles" / "madeup-second-meeting-2025-03-02" / "mapping.yaml"
    found = problems(data)
    assert len(found) == 1, found
    line = line_of(mapping, "person/marco-rubbio")
    assert found[0].startswith(f"{mapping}:{line}: person/marco-rubbio: has no class")
    assert "did you mean person/marco-rubio (Marco Rubio)?" in found[0]


def test_kg_build_fails_naming_the_misspelt_id_and_keeps_the_previous_store(tmp_path):
    good = corpus(tmp_path / "good", "")
    store = tmp_path / "store"
    runner = CliRunner()
    first = runner.invoke(main, ["build", "--store", str(store), "--data", str(good), "--ontology", str(REPO / "ontology")])
    assert first.exit_code == 0, first.output
    before = sorted((p.name, p.stat().st_size) for p in store.iterdir())
    bad = corpus(tmp_path / "bad", MISSPELT)
    result = runner.invoke(main, ["build", "--store", str(store), "--data", str(bad), "--ontology", str(REPO / "ontology")])
    assert result.exit_code == 1
    assert "person/marco-rubbio: has no class" in result.output
    assert "did you mean person/marco-rubio" in result.output
    assert sorted((p.name, p.stat().st_size) for p in store.iterdir()) == before


def test_a_new_node_without_a_class_is_reported_on_itself_not_on_who_uses_it(tmp_path):
    nodes = """  - id: person/new-envoy
    label: A new envoy
    evidence:
      - [48, 61, "Sergey Lavrov"]

  - id: participation/madeup-meeting-envoy
    a: Participation
    label: The envoy at the meeting
    inEvent: event/madeup-meeting
    participant: person/new-envoy
    role: dip:Negotiator
    evidence:
      - [32, 72, "Marco Rubio met Sergey Lavrov in Riyadh."]
"""
    data = corpus(tmp_path, nodes)
    mapping = data / "articles" / "madeup-second-meeting-2025-03-02" / "mapping.yaml"
    found = problems(data)
    assert found == [f"{mapping}:{line_of(mapping, 'id: person/new-envoy')}: person/new-envoy: has no class (a:) "
                     "and no other article or the background describes it"]


def test_a_node_reused_without_a_class_is_fine(tmp_path):
    data = corpus(tmp_path, MISSPELT.replace("marco-rubbio", "marco-rubio"))
    assert problems(data) == []


def test_a_reference_to_a_misspelt_id_suggests_the_closest(tmp_path):
    nodes = """  - id: participation/madeup-meeting-rubio
    a: Participation
    label: Rubio at the meeting
    inEvent: event/madeup-meeting
    participant: person/marco-rubbio
    role: dip:Negotiator
    evidence:
      - [32, 72, "Marco Rubio met Sergey Lavrov in Riyadh."]
"""
    found = problems(corpus(tmp_path, nodes))
    assert len(found) == 1 and re.search(r"mapping\.yaml:\d+: person/marco-rubbio: refers to a node", found[0])
    assert "did you mean person/marco-rubio (Marco Rubio)?" in found[0]


def test_one_id_with_conflicting_classes_in_two_articles_is_refused(tmp_path):
    nodes = """  - id: place/riyadh
    a: Person
    label: Riyadh
    evidence:
      - [65, 71, "Riyadh"]
"""
    data = corpus(tmp_path, nodes)
    fixture = data / "articles" / FIXTURE.name / "mapping.yaml"
    mine = data / "articles" / "madeup-second-meeting-2025-03-02" / "mapping.yaml"
    found = problems(data)
    assert len(found) == 1, found
    assert found[0] == (f"{mine}:{line_of(mine, 'id: place/riyadh')}: place/riyadh: is a Person here but a Settlement "
                        f"at {fixture}:{line_of(fixture, 'id: place/riyadh')}: two different things share this id")


def test_a_duplicate_id_in_one_mapping_names_both_lines(tmp_path):
    data = corpus(tmp_path, MEETING.replace("a: Meeting", "a: Visit"))
    mine = data / "articles" / "madeup-second-meeting-2025-03-02" / "mapping.yaml"
    found = problems(data)
    lines = [n for n, line in enumerate(mine.read_text(encoding="utf-8").splitlines(), 1) if "id: event/madeup-meeting" in line]
    assert f"{mine}:{lines[1]}: id: duplicate node id 'event/madeup-meeting' (first at line {lines[0]})" in found
    assert any("is a Visit here but a Meeting" in p for p in found)


def test_a_subclass_is_not_a_conflict(tmp_path):
    data = corpus(tmp_path, "")
    mapping = data / "articles" / FIXTURE.name / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text + MEETING.replace("a: Meeting", "a: Talks").replace("[32, 72, \"Marco Rubio met Sergey Lavrov in Riyadh.\"]",
                                                                                   "[32, 59, \"Marco Rubio visited Riyadh.\"]"), encoding="utf-8")
    assert problems(data) == []


@pytest.mark.parametrize("wanted, expected", [
    ("person/marco-rubbio", ["person/marco-rubio"]),
    ("person/sergei-lavrov", ["person/sergey-lavrov"]),
    ("person/nobody-at-all", []),
])
def test_closest_ids(wanted, expected):
    assert closest_ids(wanted, ["person/marco-rubio", "person/sergey-lavrov", "state/russia"])[:1] == expected


def test_build_and_validate_report_a_shape_violation_the_same_way_with_file_and_line(tmp_path):
    nodes = """  - id: position/madeup-rubio-stanceless
    a: Position
    label: Rubio on nothing in particular
    holder: person/marco-rubio
    topic: event/madeup-meeting
    evidence:
      - [32, 72, "Marco Rubio met Sergey Lavrov in Riyadh."]
"""
    data = corpus(tmp_path, nodes)
    mine = data / "articles" / "madeup-second-meeting-2025-03-02" / "mapping.yaml"
    args = ["--data", str(data), "--ontology", str(REPO / "ontology")]
    built = CliRunner().invoke(main, ["build", "--store", str(tmp_path / "store"), *args])
    checked = CliRunner().invoke(main, ["validate", *args])
    assert built.exit_code == 1 and checked.exit_code == 1
    expected = (f"  - {mine}:{line_of(mine, 'id: position/madeup-rubio-stanceless')}: "
                "<https://kg.example.org/id/position/madeup-rubio-stanceless> dip:stance: a position has exactly one stance")
    assert expected in built.output.splitlines()
    assert expected in checked.output.splitlines()
    assert not (tmp_path / "store").exists()
