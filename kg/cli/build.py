"""Commands over the graph: build, validate, query, stats, span, ids."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from kg.model.errors import BadQuery, BuildError
from kg.model.formats import GRAPH_FORMATS, RESULT_FORMATS, TRIG, NQUADS
from kg.model.namespaces import prefixes
from kg.cli import main

DEFAULT_STORE = "build/store"
_data = click.option("--data", "data_dir", default="data", show_default=True, help="Folder with articles/ and background/.")
_onto = click.option("--ontology", "ontology_dir", default="ontology", show_default=True, help="Folder with diplomacy.ttl and shapes.ttl.")
_base = click.option("--base", default=None, help="Base IRI of the data (default: $KG_BASE or https://kg.example.org/).")
_store = click.option("--store", default=DEFAULT_STORE, show_default=True, help="On-disk store directory.")


@main.command()
@_store
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the dataset to this file (.trig or .nq).")
@click.option("--no-validate", is_flag=True, help="Skip SHACL (spans and terms are always checked).")
@_data
@_onto
@_base
def build(store, out, no_validate, data_dir, ontology_dir, base):
    """Compile articles, background and ontology into the store.

    The store is built in a new directory and swapped in only when the
    build and its validation succeed; a failed build leaves the previous
    store untouched. Exit 1 on invalid content, 2 on unusable input.
    """
    from kg.authoring.build import build_dataset, build_store

    fmt = _out_format(out) if out else None
    stats = build_store(store, data_dir=data_dir, ontology_dir=ontology_dir, base=base, validate=not no_validate)
    if out:
        data = build_dataset(data_dir, ontology_dir, base).serialize(format=fmt.rdflib, encoding="utf-8")
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise BuildError(f"cannot write the dataset file: {exc.strerror}", where=out) from exc
        click.echo(f"wrote {out}")
    click.echo(f"built {store}: {stats['quads']} quads in {len(stats['graphs'])} named graphs")


@main.command()
@_data
@_onto
@_base
def validate(data_dir, ontology_dir, base):
    """Check spans against the article text, ontology terms, references
    and the SHACL shapes. Exit 0 when valid, 1 when not (each problem
    listed with file, line or term), 2 on unusable input."""
    from kg.authoring.validate import validate as run

    report = run(data_dir, ontology_dir, base)
    if report.valid:
        click.echo(f"valid: {report.graphs} graphs, {report.triples} triples")
        return
    click.echo(f"invalid: {len(report.problems)} problem(s)", err=True)
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


@main.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, dir_okay=False), help="Read the query from a file.")
@click.option("-e", "--example", help="Run a competency query by name or number (see --list).")
@click.option("--list", "list_examples", is_flag=True, help="List the example queries.")
@click.option("--format", "fmt", default="table", show_default=True,
              help="table, or a result format (json, xml, csv, tsv) / graph format (ttl, nt, jsonld, ...).")
@_store
@click.option("--base", default=None, help="Base IRI used to shorten IRIs in tables.")
def query(sparql, query_file, example, list_examples, fmt, store, base):
    """Run a SPARQL query; the default graph is the union of all graphs.

    \b
    kg query 'SELECT ?p WHERE { ?p a dip:Person }'   (PREFIXes optional)
    kg query --example 14 --format csv
    """
    from kg.views.examples import find_example, list_examples as examples

    if list_examples:
        for ex in examples():
            click.echo(f"{ex.name:32} {ex.title}")
        return
    if example:
        sparql = find_example(example).sparql
    elif query_file:
        sparql = Path(query_file).read_text(encoding="utf-8")
    if not sparql:
        raise BadQuery("give a query, --file or --example")
    if UPDATE.match(_strip_prologue(sparql)):
        raise BadQuery("kg query runs read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE), not updates; "
                       "change the mapping or background files and run kg build")
    full, added = _with_prefixes(sparql, base)
    try:
        result = _open(store).query(full)
    except SyntaxError as exc:
        raise BadQuery(f"the query does not parse: {_user_position(str(exc), added)}") from exc
    _print_result(result, fmt, base)


@main.command()
@_store
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(store, as_json):
    """Quads per named graph and instances per class of the store."""
    from kg.authoring.build import store_stats

    data = store_stats(_open(store))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"quads: {data['quads']}")
    for name, count in data["graphs"].items():
        click.echo(f"  {count:6}  {name}")
    for label, count in data["instances"].items():
        click.echo(f"{label:>16}: {count}")


@main.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False))
@click.argument("phrases", nargs=-1)
@click.option("--nth", type=click.IntRange(min=1), help="Which occurrence (1 = the first) of each phrase.")
@click.option("--near", type=click.IntRange(min=0), metavar="OFFSET", help="The occurrence closest to this character offset.")
@click.option("--inside-words", is_flag=True, help="Also match inside longer words (by default \"Russia\" does not match \"Russian\").")
def span(article, phrases, nth, near, inside_words):
    """Print evidence spans of PHRASES in ARTICLE, as YAML to paste under a
    node's ``evidence:`` (code-point offsets, end exclusive):

    \b
      kg span data/articles/x/article.txt "Marco Rubio" "Sergey Lavrov" --near 300
      - [355, 366, "Marco Rubio"]
      - [396, 409, "Sergey Lavrov"]

    Phrases match whole words unless --inside-words is given. When a phrase
    occurs more than once, the first is printed (or the --nth, or the one
    nearest --near) and a comment lists the offsets of the others. A phrase
    that does not occur is an error (exit 2) naming it.
    """
    from kg.authoring.evidence import occurrences

    if nth and near is not None:
        raise BuildError("give --nth or --near, not both", where=article)
    if not phrases or not all(phrases):
        raise BuildError("give the exact words to find", where=article)
    try:
        content = Path(article).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError(f"not UTF-8 ({exc.reason} at byte {exc.start})", where=article) from exc
    missing = []
    for phrase in phrases:
        found = occurrences(content, phrase, whole_words=not inside_words)
        if nth and nth > len(found) or not found:
            missing.append(_why_missing(content, phrase, found, nth, inside_words))
            continue
        chosen = found[nth - 1] if nth else min(found, key=lambda o: abs(o[0] - near)) if near is not None else found[0]
        others = [str(o[0]) for o in found if o != chosen]
        note = f"  # also at {', '.join(others)}" if others else ""
        click.echo(f"- [{chosen[0]}, {chosen[1]}, {json.dumps(phrase, ensure_ascii=False)}]{note}")
    if missing:
        raise BuildError("; ".join(missing), where=article)


def _why_missing(content: str, phrase: str, found: list, nth: int | None, inside_words: bool) -> str:
    from kg.authoring.evidence import occurrences

    if found:
        return f"'{phrase}' occurs {len(found)} time(s), not {nth}"
    if not inside_words and occurrences(content, phrase, whole_words=False):
        return f"'{phrase}' occurs only inside longer words (add --inside-words to match there)"
    return f"'{phrase}' does not occur"


@main.command()
@click.argument("kind_and_words", nargs=-1, metavar="[KIND] [WORDS]...")
@_data
@_base
def ids(kind_and_words, data_dir, base):
    """List the ids a mapping can reuse, with their labels, classes and the
    articles (or background) that describe them.

    \b
      kg ids                  every id
      kg ids person           the persons
      kg ids person rubio     persons whose id, label or other names hold "rubio"
      kg ids saudi            any kind

    KIND is the part of an id before the slash (person, state, place,
    event, ...). Words ignore case and accents. When nothing matches, the
    closest ids are suggested; exit 1.
    """
    from kg.authoring.build import closest_ids
    from kg.authoring.ids import known_ids, matching

    every = known_ids(data_dir, base)
    kinds = {k.kind for k in every.values()}
    words = list(kind_and_words)
    kind = words.pop(0) if words and words[0] in kinds else None
    rows = matching(every, kind, tuple(words))
    if not rows:
        wanted = "/".join(filter(None, [kind, "-".join(words).lower()]))
        close = closest_ids(wanted, every) or [k.id for k in every.values() if all(w.lower()[:3] in k.text() for w in words)][:5]
        hint = f"; closest: {', '.join(close)}" if close else ""
        click.echo(f"no id matches {' '.join(kind_and_words) or 'anything'}{hint}", err=True)
        sys.exit(1)
    width = max(len(r.id) for r in rows)
    for r in rows:
        names = r.label + (f" (also {', '.join(r.alt)})" if r.alt else "")
        click.echo(f"{r.id:{width}}  {names}  [{', '.join(r.classes) or 'no class'}; {', '.join(r.sources)}]")


def _open(store):
    from kg.storage.store import Store

    try:
        return Store.open(store)
    except OSError as exc:
        raise BuildError(f"not a readable store ({exc}); run `kg build --store {store}`", where=str(store)) from exc


def _out_format(out: str):
    """The format of ``kg build --out`` from its extension, checked before building."""
    fmt = {".nq": NQUADS, ".trig": TRIG}.get(Path(out).suffix.lower())
    if fmt is None:
        raise BuildError("--out must end in .trig or .nq", where=out)
    if not Path(out).resolve().parent.is_dir():
        raise BuildError("--out: the folder does not exist", where=out)
    return fmt


UPDATE = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"\s*(#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)", re.IGNORECASE)


def _strip_prologue(sparql: str) -> str:
    """The query without its leading comments, PREFIX and BASE declarations."""
    rest, match = sparql, _PROLOGUE.match(sparql)
    while match and match.end() > 0:
        rest = rest[match.end():]
        match = _PROLOGUE.match(rest)
    return rest.lstrip()


def _with_prefixes(sparql: str, base: str | None) -> tuple[str, int]:
    """The query with the project's prefixes it does not declare itself,
    and how many lines were added in front."""
    declared = {line.split()[1].rstrip(":").lower() for line in sparql.splitlines() if line.strip().upper().startswith("PREFIX") and len(line.split()) > 1}
    missing = [f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base).items() if p not in declared]
    return "".join(missing) + sparql, len(missing)


def _user_position(message: str, added: int) -> str:
    """A parser message with its line number counted in the user's query."""
    return re.sub(r"error at (\d+):(\d+)", lambda m: f"error at line {int(m[1]) - added}, column {m[2]}", message, count=1)


def _print_result(result, fmt: str, base: str | None) -> None:
    if isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
        return
    if fmt != "table":
        formats = RESULT_FORMATS if isinstance(result, ox.QuerySolutions) else GRAPH_FORMATS
        chosen = next((f for f in formats if fmt in (f.name, f.extension)), None)
        if chosen is None or chosen.oxigraph is None:
            raise BadQuery(f"unknown format '{fmt}' for this result; use table or one of {', '.join(f.name for f in formats)}")
        kind = ox.QueryResultsFormat if isinstance(result, ox.QuerySolutions) else ox.RdfFormat
        sys.stdout.write(result.serialize(format=getattr(kind, chosen.oxigraph)).decode("utf-8"))
        return
    if isinstance(result, ox.QueryTriples):
        rows = [[t.subject, t.predicate, t.object] for t in result]
        columns = ["subject", "predicate", "object"]
    else:
        columns = [v.value for v in result.variables]
        rows = [[solution[c] for c in columns] for solution in result]
    click.echo(table(columns, [[short(v, base) for v in row] for row in rows]))


def short(term, base: str | None = None) -> str:
    """A term as a person reads it: prefixed name, literal value, or ''."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in sorted(prefixes(base).items(), key=lambda kv: -len(kv[1])):
            if term.value.startswith(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def table(columns: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with a header rule and a row count."""
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    line = lambda cells: " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(columns), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
