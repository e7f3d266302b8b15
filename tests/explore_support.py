"""A store with three articles for the overview pages' tests: the real
article, the made-up Rubio visit and the made-up article in which Rubio
rejects the U.S.-Russia cooperation he supported (a change of stance)."""

from __future__ import annotations

import shutil
from pathlib import Path

from kg.authoring.build import build_store
from kg.storage.store import open_store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXTRA_ARTICLES = (FIXTURES / "articles" / "madeup-rubio-visit-2025-03-01",
                  FIXTURES / "stances" / "madeup-rubio-doubts-2025-03-10")
ID = "https://kg.example.org/id/"


def three_article_data(tmp: Path) -> Path:
    """A data folder: the repository's articles plus the two made-up ones."""
    data = tmp / "data"
    shutil.copytree(REPO / "data", data)
    for folder in EXTRA_ARTICLES:
        shutil.copytree(folder, data / "articles" / folder.name)
    return data


def three_article_store(tmp: Path):
    """Build the three-article store under ``tmp`` and open it."""
    build_store(tmp / "store", data_dir=three_article_data(tmp), ontology_dir=REPO / "ontology")
    return open_store(tmp / "store")
