"""``kg draft``: a new article in, a draft of its mapping out."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import click

from kg.cli import main
from kg.model.errors import BuildError

MAX_BYTES = 500_000  # a news article is a few tens of kilobytes
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def read_article(path: Path) -> tuple[bytes, str]:
    """The file's bytes and text; unusable input is a BuildError (exit 2)."""
    if not path.is_file():
        raise BuildError("article file not found", where=str(path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BuildError(f"the article is {size:,} bytes; kg draft takes at most {MAX_BYTES:,} (one article, not a corpus)",
                         where=str(path))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError(f"the article is not UTF-8 ({exc.reason} at byte {exc.start})", where=str(path)) from exc
    if not text.strip():
        raise BuildError("the article is empty", where=str(path))
    bad = _CONTROL.search(text)
    if bad:
        raise BuildError(f"the article contains the control character U+{ord(bad.group()):04X} at offset {bad.start()}; "
                         "remove it (the text is copied verbatim into the graph)", where=str(path))
    from kg.model.text import sentences

    if not any(re.search(r"[^\W\d_]{2,}", text[s:e]) for s, e in sentences(text)):
        raise BuildError("the article has no sentences (no words found)", where=str(path))
    return raw, text


def parse_date(value: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
        raise BuildError(f"--date '{value}' is not a date of the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BuildError(f"--date '{value}' is not a calendar date ({exc})") from exc


@main.command()
@click.argument("article", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "published", required=True, help="Publication date, YYYY-MM-DD (resolves relative dates).")
@click.option("--slug", required=True, help="The article's slug: its folder, IRI and graph name.")
@click.option("--title", help="The article's title (rdfs:label); default: the slug.")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(path_type=Path),
              help="Folder with articles/ and background/ (known entities; where the draft goes).")
@click.option("--accept-all", is_flag=True, help="Write mapping.yaml with every proposal accepted (no markers).")
@click.option("--html", "html", is_flag=False, flag_value="", default=None, metavar="[FILE]",
              help="Also write the review page (default: review.html in the article folder).")
@click.option("--score", "gold", type=click.Path(dir_okay=False, path_type=Path), metavar="GOLD.yaml",
              help="Write nothing: score the draft against a curated mapping (precision and recall per kind).")
@click.option("--json", "as_json", is_flag=True, help="With --score: the scores as JSON.")
@click.option("--blind", is_flag=True, help="Leave the article's own folder (same slug) out of the known entities.")
def draft(article, published, slug, title, data_dir, accept_all, html, gold, as_json, blind):
    """Draft the mapping of a new article for review.

    \b
    Copies ARTICLE verbatim to DATA/articles/SLUG/article.txt and writes
    mapping.draft.yaml beside it: every proposal (entities, reusing the ids
    the graph knows; offices; quotes; positions; numbers; dates; events)
    is marked `proposed: {rule, confidence}` and every span is checked.
    Review it, delete each `proposed` line, rename it to mapping.yaml, then
    `kg validate` and `kg build`. Never overwrites anything: an existing
    SLUG folder is refused. Exit 2 on unusable input.

    \b
    kg draft new.txt --date 2025-03-14 --slug my-article --html
    kg draft new.txt --date 2025-03-14 --slug my-article --score gold.yaml
    """
    from kg.authoring.draft import draft_article
    from kg.authoring.draft.writer import write_mapping

    day = parse_date(published)
    if not SLUG.match(slug):
        raise BuildError(f"--slug '{slug}' is not a slug (lowercase letters, digits and hyphens)")
    raw, text = read_article(article)
    folder = data_dir / "articles" / slug
    if gold is None:
        if not data_dir.is_dir():
            raise BuildError("data folder not found", where=str(data_dir))
        if folder.exists():
            raise BuildError(f"an article '{slug}' exists already (kg draft never overwrites one; choose another slug)",
                             where=str(folder))
        if html and Path(html).exists():
            raise BuildError("the review page file exists already", where=html)
    result = draft_article(text, day, slug, title=title, data_dir=data_dir, exclude=slug if blind else None)
    mapping = write_mapping(result, accept_all=accept_all)
    if gold is not None:
        _score(gold, mapping, as_json)
        return
    page = None
    if html is not None:
        from kg.authoring.draft.review import render

        page = render(result)
    _write(folder, raw, mapping, accept_all, page, Path(html) if html else folder / "review.html")
    name = "mapping.yaml" if accept_all else "mapping.draft.yaml"
    click.echo(f"wrote {folder / 'article.txt'} and {folder / name}: {len(result.nodes)} proposals")
    if page is not None:
        click.echo(f"review page: {Path(html) if html else folder / 'review.html'}")


def _write(folder: Path, raw: bytes, mapping: str, accept_all: bool, page: str | None, page_path: Path) -> None:
    try:
        folder.mkdir(parents=True)
    except FileExistsError as exc:
        raise BuildError("the article folder appeared while drafting; nothing written", where=str(folder)) from exc
    except OSError as exc:
        raise BuildError(f"cannot create the article folder: {exc.strerror}", where=str(folder)) from exc
    try:
        (folder / "article.txt").write_bytes(raw)
        with open(folder / ("mapping.yaml" if accept_all else "mapping.draft.yaml"), "x", encoding="utf-8") as out:
            out.write(mapping)
        if page is not None:
            with open(page_path, "x", encoding="utf-8") as out:
                out.write(page)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise BuildError(f"cannot write the draft: {exc.strerror}", where=str(folder)) from exc


def _score(gold: Path, mapping: str, as_json: bool) -> None:
    import yaml

    from kg.authoring.draft.score import edit_lines, score, table, to_json
    from kg.authoring.mapping import load_yaml

    gold_doc = load_yaml(gold)
    if not isinstance(gold_doc, dict) or not isinstance(gold_doc.get("nodes"), list):
        raise BuildError("a mapping has an 'article' mapping and a 'nodes' list", where=str(gold))
    scores = score(gold_doc, yaml.safe_load(mapping))
    edits = edit_lines(mapping, gold.read_text(encoding="utf-8"))
    if as_json:
        click.echo(to_json({**scores, "curator edits": edits}))
        return
    click.echo(table(scores))
    click.echo(f"curator edits, draft -> gold: {edits['edit lines']} lines changed, added or deleted; "
               f"writing the gold from scratch: {edits['scratch lines']} lines (ratio {edits['ratio']:.2f})")
