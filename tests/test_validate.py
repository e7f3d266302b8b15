"""Validation and bad input: each problem is named with its file, line or
term; content problems are exit 1, unusable input exit 2.

The broken inputs are made from a small made-up article
(tests/fixtures/validation/small-talks-2025-02-20: one of each thing a test
breaks), not the 1,378-line real mapping; the real article is checked once,
in a data folder of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MADEUP, ONTOLOGY, SMALL, data_folder
from kg.authoring.build import build_dataset
from kg.model.errors import BuildError, ValidationFailed
from kg.authoring.validate import validate

SLUG = SMALL.name
TEXT = (SMALL / "article.txt").read_text(encoding="utf-8")


def small_data(tmp_path: Path, *more: Path) -> Path:
    """A data folder: the background, the small article and ``more``."""
    return data_folder(tmp_path / "data", SMALL, *more)


def broken(tmp_path: Path, old: str, new: str, file: str = f"articles/{SLUG}/mapping.yaml", count: int = 1) -> Path:
    """A copy of the small data folder with ``old`` replaced by ``new`` in one file."""
    data = small_data(tmp_path)
    path = data / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {file}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return data


def line_of(data: Path, needle: str, file: str = f"articles/{SLUG}/mapping.yaml") -> int:
    lines = (data / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def offsets(words: str) -> tuple[int, int]:
    start = TEXT.index(words)
    return start, start + len(words)


def test_the_article_graph_is_valid(article_only):
    report = validate(article_only, ONTOLOGY)
    assert report.problems == []
    assert report.valid and report.graphs == 3 and report.triples > 2000


def test_the_small_fixture_is_valid(tmp_path):
    report = validate(small_data(tmp_path), ONTOLOGY)
    assert report.problems == [] and report.valid and report.graphs == 3


def test_span_not_in_text_is_refused_and_named(tmp_path):
    a, b = offsets("unrealistic")
    data = broken(tmp_path, f'[{a}, {b}, "unrealistic"]', f'[{a}, {b}, "unrealistik"]')
    with pytest.raises(ValidationFailed) as info:
        build_dataset(data, ONTOLOGY)
    problems = info.value.problems
    assert len(problems) == 1
    line = line_of(data, "unrealistik")
    assert f"mapping.yaml:{line}: evidence: span does not match the article" in problems[0]
    assert f"text at [{a}, {b}) is 'unrealistic', not 'unrealistik'" in problems[0]


def test_shifted_offsets_say_where_the_text_really_is(tmp_path):
    a, b = offsets("very useful")
    data = broken(tmp_path, f'[{a}, {b}, "very useful"]', f'[{a + 1}, {b + 1}, "very useful"]')
    report = validate(data, ONTOLOGY)
    assert any(f"'very useful' occurs at [{a}, {b})" in p for p in report.problems)


def test_misspelt_ontology_terms_are_named(tmp_path):
    data = broken(tmp_path, "    holder: person/pete-hegseth", "    holdr: person/pete-hegseth")
    data_dir = broken(tmp_path / "b", "  - id: person/pete-hegseth\n    a: Person", "  - id: person/pete-hegseth\n    a: Persn")
    report = validate(data, ONTOLOGY)
    entry = line_of(data, "id: position/hegseth-nato-membership-unrealistic")
    assert f"{data}/articles/{SLUG}/mapping.yaml:{entry}: dip:holdr: not a term of the ontology (misspelt?)" in report.problems
    report = validate(data_dir, ONTOLOGY)
    assert any(re.search(r"mapping\.yaml:\d+: dip:Persn: not a term of the ontology", p) for p in report.problems)


def test_misspelt_concept_and_background_term_are_named(tmp_path):
    data = broken(tmp_path, "    stance: dip:Rejects\n", "    stance: dip:Rejcts\n")
    assert any("dip:Rejcts: not a term of the ontology" in p for p in validate(data, ONTOLOGY).problems)
    data = broken(tmp_path / "b", "dip:isoCode \"UA-71\"", "dip:isoCod \"UA-71\"", file="background/background.ttl")
    problems = validate(data, ONTOLOGY).problems
    assert any(p.endswith("background/background.ttl: dip:isoCod: not a term of the ontology (misspelt?)") for p in problems), problems


def test_shape_violation_names_node_term_and_line(tmp_path):
    old = "    holder: person/pete-hegseth\n    topic: topic/ukraine-nato-membership\n    stance: dip:Rejects\n"
    data = broken(tmp_path, old, old.replace("    stance: dip:Rejects\n", ""))
    report = validate(data, ONTOLOGY)
    assert not report.valid
    entry = line_of(data, "id: position/hegseth-nato-membership-unrealistic")
    expected = f"mapping.yaml:{entry}: <https://kg.example.org/id/position/hegseth-nato-membership-unrealistic> dip:stance: a position has exactly one stance"
    assert any(expected in p for p in report.problems), report.problems


def test_strike_without_place_or_reason_is_a_violation(tmp_path):
    data = broken(tmp_path, "    place: place/cherkasy-region\n", "")
    report = validate(data, ONTOLOGY)
    assert any("cherkasy-region-strikes> node: a strike needs a dip:place" in p for p in report.problems)


def test_negative_count_is_refused(tmp_path):
    data = broken(tmp_path, "    value: 176\n", "    value: -176\n")
    report = validate(data, ONTOLOGY)
    assert any("value: '-176' is not a valid xsd:nonNegativeInteger" in p for p in report.problems)


def test_reference_to_an_undescribed_node_is_named(tmp_path):
    data = broken(tmp_path, "    representedBy: person/sergey-lavrov\n", "    representedBy: person/sergei-lavrov\n")
    report = validate(data, ONTOLOGY)
    assert any("person/sergei-lavrov: refers to a node that no article or background describes" in p for p in report.problems)


def test_malformed_mapping_is_unusable_input_with_line(tmp_path):
    data = broken(tmp_path, "  - id: state/russia\n    a: State\n", "  - id: state/russia\n      a: State\n")
    with pytest.raises(BuildError) as info:
        validate(data, ONTOLOGY)
    assert info.value.exit_code == 2
    assert re.search(r"mapping\.yaml:\d+: malformed YAML", info.value.message)


def test_malformed_background_turtle_is_named(tmp_path):
    data = broken(tmp_path, "dip:isoCode \"UA-71\" ;", "dip:isoCode \"UA-71 ;", file="background/background.ttl")
    with pytest.raises(BuildError) as info:
        build_dataset(data, ONTOLOGY)
    assert "background.ttl: malformed Turtle" in info.value.message


def test_missing_article_text_is_named(tmp_path):
    data = small_data(tmp_path)
    (data / "articles" / SLUG / "article.txt").unlink()
    with pytest.raises(BuildError) as info:
        build_dataset(data, ONTOLOGY)
    assert info.value.message.endswith(f"{SLUG}/article.txt: article text missing (expected article.txt)")


def test_missing_ontology_is_named(tmp_path):
    with pytest.raises(BuildError) as info:
        build_dataset(small_data(tmp_path), tmp_path / "no-ontology")
    assert "diplomacy.ttl: file not found" in info.value.message


def test_articles_sharing_a_node_must_agree_on_its_label(tmp_path):
    data = small_data(tmp_path, MADEUP)
    mapping = data / "articles" / MADEUP.name / "mapping.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("label: Riyadh\n", "label: Riyadh city\n"), encoding="utf-8")
    report = validate(data, ONTOLOGY)
    assert any("place/riyadh> rdfs:label: needs exactly one English rdfs:label" in p for p in report.problems), report.problems


def test_a_dump_of_the_store_still_validates(tmp_path):
    """Oxigraph reads xsd:nonNegativeInteger back as xsd:integer; the shapes accept both."""
    import io

    from rdflib import Dataset

    from kg.authoring.build import build_store
    from kg.model.formats import NQUADS
    from kg.storage.store import Store
    from kg.authoring.validate import shacl_problems

    build_store(tmp_path / "store", data_dir=small_data(tmp_path), ontology_dir=ONTOLOGY)
    out = io.BytesIO()
    Store.open(tmp_path / "store").dump(out, NQUADS)
    assert b"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>" not in out.getvalue()
    dumped = Dataset()
    dumped.parse(data=out.getvalue(), format="nquads")
    assert shacl_problems(dumped, ONTOLOGY) == []


def test_dateline_place_must_be_a_described_node(tmp_path):
    data = broken(tmp_path, "  datelinePlace: place/washington\n", "  datelinePlace: place/washingtn\n")
    report = validate(data, ONTOLOGY)
    assert not report.valid
    assert any(re.search(r"mapping\.yaml:\d+: .*place/washingtn: refers to a node that no article or background describes", p)
               for p in report.problems)


def test_shape_violation_in_the_background_names_its_file(tmp_path):
    data = small_data(tmp_path)
    extra = data / "background" / "extra.ttl"
    extra.write_text("@prefix dip: <https://kg.example.org/ontology/> .\n<id/quantity/x> a dip:Quantity .\n", encoding="utf-8")
    report = validate(data, ONTOLOGY)
    mine = [p for p in report.problems if "/id/quantity/x>" in p]
    assert mine and all(p.startswith(f"{extra}: ") for p in mine)
    assert any("a quantity keeps the article's phrase" in p for p in mine)
