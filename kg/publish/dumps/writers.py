"""Streaming writers: ordered rows (see ``order``) to bytes.

Each writer takes the sorted rows of one scope and a binary stream, writes
as it reads (one subject in memory at a time, plus, for Turtle and TriG,
the blank-node rows that ``order`` keeps anyway) and returns the number of
triples (or quads) written. Output depends only on the rows, so it is
byte-stable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import chain, groupby
from typing import BinaryIO

from kg.publish.dumps.nesting import Nesting
from kg.publish.dumps.order import RDF_TYPE, SEP, Row, fields
from kg.publish.dumps.terms import RDF_LANGSTRING, Compactor, split_literal, unescape

_FLUSH_AT = 1 << 16


class _Sink:
    """Buffered UTF-8 text output to a binary stream."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.out.write("".join(self.parts).encode("utf-8"))
            self.parts, self.size = [], 0


def write_nquads(rows: Iterable[Row], out: BinaryIO, prefixes: dict | None = None) -> int:
    """N-Quads: one quad a line; default-graph quads carry no graph term."""
    n, lines = 0, []
    for row in rows:  # ``fields`` inlined: this loop runs once per quad of the dataset
        g, s, p, o = row.split(SEP)
        lines.append(f"{s} {p or RDF_TYPE} {o} {g} .\n" if g else f"{s} {p or RDF_TYPE} {o} .\n")
        if len(lines) >= 4096:
            n += len(lines)
            out.write("".join(lines).encode("utf-8"))
            lines.clear()
    n += len(lines)
    out.write("".join(lines).encode("utf-8"))
    return n


def write_ntriples(rows: Iterable[Row], out: BinaryIO, prefixes: dict | None = None) -> int:
    """N-Triples: one triple a line (graph names are dropped)."""
    sink, n = _Sink(out), 0
    for row in rows:
        _, s, p, o = fields(row)
        sink.write(f"{s} {p} {o} .\n")
        n += 1
    sink.flush()
    return n


def _prefix_lines(compactor: Compactor) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in compactor.prefixes.items()) + "\n"


def _pairs_lines(pairs: list[tuple[str, str]], c: Compactor, indent: str, inner) -> list[str]:
    """Predicate-object lines, separators included except after the last.

    ``inner(term)`` gives the pairs of a blank node written inline as
    ``[ ... ]``, or None to write ``term`` itself.
    """
    lines: list[str] = []
    groups = [(p, [o for _, o in objs]) for p, objs in groupby(pairs, key=lambda po: po[0])]
    for i, (p, objects) in enumerate(groups):
        verb = "a" if p == RDF_TYPE else c.iri(p)
        for j, o in enumerate(objects):
            base = indent if j == 0 else indent + "    "
            head = f"{indent}{verb} " if j == 0 else base
            last = i == len(groups) - 1 and j == len(objects) - 1
            sep = "" if last else (" ," if j < len(objects) - 1 else " ;")
            nested = inner(o)
            if nested is None:
                lines.append(head + c.term(o) + sep)
            elif not nested:
                lines.append(head + "[]" + sep)
            else:
                lines.append(head + "[")
                lines += _pairs_lines(nested, c, base + "    ", inner)
                lines.append(base + "]" + sep)
    return lines


def _subject_block(subject: str, pairs: list[tuple[str, str]], c: Compactor, indent: str, inner) -> str:
    """One subject, its predicates and objects, one object a line."""
    lines = [indent + c.term(subject), *_pairs_lines(pairs, c, indent + "    ", inner)]
    return "\n".join(lines) + " .\n"


def _write_subjects(rows: Iterable[list[str]], sink: _Sink, c: Compactor, indent: str, nesting: Nesting) -> int:
    n, first = 0, True
    for (graph, subject), group in groupby(rows, key=lambda r: (r[0], r[1])):
        pairs = [(r[2], r[3]) for r in group]
        n += len(pairs)
        if nesting.is_inline(graph, subject):
            continue  # written inside the one triple that uses it
        block = _subject_block(subject, pairs, c, indent, lambda term: nesting.inner(graph, term))
        sink.write(("" if first else "\n") + block)
        first = False
    return n


def _nesting(rows) -> tuple[Iterable[Row], Nesting]:
    """Start the rows (so that their blank-node rows are known) and nest."""
    it = iter(rows)
    head = next(it, None)
    nesting = Nesting(getattr(rows, "blank", []))
    return (chain([head], it) if head is not None else ()), nesting


def write_turtle(rows: Iterable[Row], out: BinaryIO, prefixes: dict) -> int:
    """Turtle: every prefix declared, subjects grouped, one object a line,
    blank nodes used once written inline."""
    c = Compactor(prefixes)
    sink = _Sink(out)
    sink.write(_prefix_lines(c))
    rows, nesting = _nesting(rows)
    n = _write_subjects(map(fields, rows), sink, c, "", nesting)
    sink.flush()
    return n


def write_trig(rows: Iterable[Row], out: BinaryIO, prefixes: dict) -> int:
    """TriG: default-graph triples first, then each named graph in braces."""
    c = Compactor(prefixes)
    sink = _Sink(out)
    sink.write(_prefix_lines(c))
    rows, nesting = _nesting(rows)
    n = 0
    for graph, group in groupby(map(fields, rows), key=lambda r: r[0]):
        if graph:
            sink.write(f"{c.iri(graph)} {{\n")
            n += _write_subjects(group, sink, c, "    ", nesting)
            sink.write("}\n\n")
        else:
            n += _write_subjects(group, sink, c, "", nesting)
            sink.write("\n")
    sink.flush()
    return n


def _jsonld_value(term: str, c: Compactor) -> dict | str:
    """A node reference, a plain string, or an explicit value object."""
    if not term.startswith('"'):
        return {"@id": term[1:-1] if term.startswith("<") else term}
    lexical, language, datatype = split_literal(term)
    if not language and not datatype:
        return unescape(lexical)
    value: dict = {"@value": unescape(lexical)}
    if language:
        value["@language"] = language
    elif datatype != RDF_LANGSTRING:
        value["@type"] = _jsonld_iri(datatype, c)
    return value


def _one_or_many(values: list):
    return values[0] if len(values) == 1 else values


def _jsonld_iri(iri: str, c: Compactor) -> str:
    short = c.prefixed(iri)
    return short if short and not short.partition(":")[2].startswith("/") else iri


def _jsonld_node(subject: str, rows: list[list[str]], c: Compactor) -> dict:
    node: dict = {"@id": subject[1:-1] if subject.startswith("<") else subject}
    for p, group in groupby(rows, key=lambda r: r[2]):
        objects = [r[3] for r in group]
        if p == RDF_TYPE:
            kinds = [o for o in objects if not o.startswith('"')]
            if kinds:
                node["@type"] = _one_or_many([_jsonld_iri(o[1:-1], c) if o.startswith("<") else o for o in kinds])
            literals = [o for o in objects if o.startswith('"')]
            if literals:
                node["rdf:type"] = _one_or_many([_jsonld_value(o, c) for o in literals])
            continue
        node[_jsonld_iri(p[1:-1], c)] = _one_or_many([_jsonld_value(o, c) for o in objects])
    return node


def write_jsonld(rows: Iterable[Row], out: BinaryIO, prefixes: dict) -> int:
    """JSON-LD: a flattened ``@graph`` of nodes sorted by ``@id``.

    The context declares prefixes only (no type coercion), so a JSON string
    is exactly a plain literal and every other literal carries ``@type`` or
    ``@language``: nothing is lost in a round trip."""
    context = dict(prefixes)
    context.setdefault("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
    c = Compactor(context)
    sink, n = _Sink(out), 0
    sink.write('{\n  "@context": ' + json.dumps(context, indent=2, ensure_ascii=False).replace("\n", "\n  "))
    sink.write(',\n  "@graph": [')
    first = True
    for subject, group in groupby(map(fields, rows), key=lambda r: r[1]):
        block = list(group)
        text = json.dumps(_jsonld_node(subject, block, c), indent=2, ensure_ascii=False)
        sink.write(("\n    " if first else ",\n    ") + text.replace("\n", "\n    "))
        n += len(block)
        first = False
    sink.write("\n  ]\n}\n")
    sink.flush()
    return n


WRITERS = {
    "nq": write_nquads,
    "nt": write_ntriples,
    "ttl": write_turtle,
    "trig": write_trig,
    "jsonld": write_jsonld,
}

