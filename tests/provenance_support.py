"""A two-article test corpus for the provenance and citation tests: the real
article and a copy of the made-up Rubio visit that gives its outlet, URL and
authors, and says of the Riyadh talks something of its own (a note and a
status), so that notes and statuses of two articles can be told apart."""

from __future__ import annotations

import shutil
from pathlib import Path

from kg.authoring.build import build_store
from kg.storage.store import open_store
from tests.conftest import MADEUP, REPO, SLUG, built_once, data_folder

ID = "https://kg.example.org/id/"
REAL = ID + "article/" + SLUG
OTHER = ID + "article/" + MADEUP.name
RUBIO = ID + "person/marco-rubio"
TALKS = ID + "event/riyadh-talks"
PUBLISHER, URL, AUTHORS = "Example Gazette", "https://example.org/news/rubio-visit", ("Jane Doe", "John Roe")
EXTRA_SENTENCE = " He recalled the Riyadh talks, which had been put off once."
TALKS_NOTE = "The made-up article says the talks had been put off once."


def madeup_with_metadata(dest: Path) -> Path:
    """The made-up article, with publisher, url and author, and a sentence on the talks."""
    folder = dest / MADEUP.name
    shutil.copytree(MADEUP, folder)
    text = (folder / "article.txt").read_text(encoding="utf-8").rstrip("\n") + EXTRA_SENTENCE
    (folder / "article.txt").write_text(text, encoding="utf-8")
    start = text.index("the Riyadh talks")
    end = start + len("the Riyadh talks")
    mapping = (folder / "mapping.yaml").read_text(encoding="utf-8")
    meta = f"  publisher: {PUBLISHER}\n  url: {URL}\n  author: [{', '.join(AUTHORS)}]\n"
    mapping = mapping.replace("  madeUp: true\n", "  madeUp: true\n" + meta, 1)
    mapping += f"""
  - id: event/riyadh-talks
    a: Talks
    label: Russia–United States talks in Riyadh
    comment: {TALKS_NOTE}
    status: dip:Rescheduled
    evidence:
      - [{start}, {end}, "the Riyadh talks"]
"""
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return folder


def build_two_articles(tmp: Path) -> Path:
    """The two-article store under ``tmp``; its folder (for ``kg serve --store``).
    Built once per test process; each caller gets its own copy."""
    return built_once("two-articles", _build_two_articles, tmp / "store")


def _build_two_articles(tmp: Path) -> Path:
    data = data_folder(tmp / "data", REPO / "data" / "articles" / SLUG, madeup_with_metadata(tmp / "src"))
    build_store(tmp / "store", data_dir=data, ontology_dir=REPO / "ontology")
    return tmp / "store"


def two_article_store(tmp: Path):
    """Build and open the two-article store under ``tmp``."""
    return open_store(build_two_articles(tmp))
