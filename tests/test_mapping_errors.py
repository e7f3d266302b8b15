"""Mapping files with impossible values or bytes: named with file and line,
never a traceback (not even one logged by rdflib)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.model.errors import BuildError
from kg.authoring.validate import validate

REPO = Path(__file__).resolve().parent.parent
SLUG = "riyadh-talks-2025-02-19"


def data_with(tmp_path: Path, old: str, new: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    mapping = data / "articles" / SLUG / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    assert old in text
    mapping.write_text(text.replace(old, new, 1), encoding="utf-8")
    return data


def kg_validate(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "validate", "--data", str(data)],
                          cwd=REPO, capture_output=True, text=True)


def test_impossible_unquoted_date_names_its_line(tmp_path):
    data = data_with(tmp_path, "    latestEnd: 2025-02-19\n", "    latestEnd: 2025-02-30\n")
    with pytest.raises(BuildError) as info:
        validate(data, REPO / "ontology")
    assert re.search(r"mapping\.yaml:\d+: malformed YAML: '2025-02-30' is not a valid date", info.value.message)
    done = kg_validate(data)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_impossible_quoted_date_is_a_problem_without_a_traceback(tmp_path):
    data = data_with(tmp_path, "    latestEnd: 2025-02-19\n", '    latestEnd: "2025-02-30"\n')
    done = kg_validate(data)
    assert done.returncode == 1
    assert re.search(r"mapping\.yaml:\d+: latestEnd: '2025-02-30' is not a valid xsd:date", done.stderr)
    assert "Traceback" not in done.stderr


def test_impossible_publication_date_is_named(tmp_path):
    data = data_with(tmp_path, "  datePublished: 2025-02-19\n", '  datePublished: "2025-02-29"\n')
    done = kg_validate(data)
    assert done.returncode == 1
    assert "datePublished '2025-02-29' is not a calendar date (YYYY-MM-DD)" in done.stderr
    assert "Traceback" not in done.stderr


def test_mapping_that_is_not_utf8_is_named(tmp_path):
    data = data_with(tmp_path, "nodes:\n", "nodes:\n")
    mapping = data / "articles" / SLUG / "mapping.yaml"
    mapping.write_bytes(mapping.read_bytes() + b"\xff\xfe")
    with pytest.raises(BuildError) as info:
        validate(data, REPO / "ontology")
    assert info.value.message.endswith("mapping.yaml: not UTF-8 (invalid start byte at byte %d)" % (mapping.stat().st_size - 2))
    assert "Traceback" not in kg_validate(data).stderr


def test_a_slug_that_cannot_be_an_iri_is_refused_before_anything_is_built(tmp_path):
    data = data_with(tmp_path, f"  slug: {SLUG}\n", "  slug: Bad Slug!\n")
    done = kg_validate(data)
    assert done.returncode == 2
    assert re.search(r"mapping\.yaml:\d+: 'Bad Slug!' is not a slug", done.stderr)
    assert "does not look like a valid URI" not in done.stderr


def test_an_article_folder_whose_name_is_not_a_slug_is_named(tmp_path):
    data = data_with(tmp_path, "nodes:\n", "nodes:\n")
    (data / "articles" / SLUG).rename(data / "articles" / "My Article")
    with pytest.raises(BuildError) as info:
        validate(data, REPO / "ontology")
    assert "My Article/mapping.yaml:" in info.value.message and "'My Article' is not a slug" in info.value.message
