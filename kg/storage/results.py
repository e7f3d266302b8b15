"""Write query results in every offered format, counting as they go.

SELECT solutions are written row by row (SPARQL JSON, XML, CSV, TSV) so a
row cap is enforced while writing and a result over the cap is refused,
never truncated. Graphs (CONSTRUCT / DESCRIBE) go through pyoxigraph's
serializers behind a counting iterator. ``table`` gives rows of plain
cells for the HTML results page.

Everything writes to a binary file object; nothing here knows about HTTP.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.model.errors import BadRequest, NotAcceptable, ResultTooLarge

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
GRAPH_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "rdf": "RDF_XML", "trig": "TRIG", "nq": "N_QUADS"}


def _too_many(limit: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"The result has more than {limit} rows, the limit of this endpoint. "
        "Add a LIMIT (and OFFSET to page through it), or download the dataset.",
        detail={"limit": limit},
    )


# Characters XML 1.0 cannot carry at all, not even as a character reference
# (U+0000) or only in XML 1.1 (the other C0 controls but tab, LF, CR), and
# U+FFFE / U+FFFF. A result holding one is refused in XML (406, naming the
# formats that can carry it), never sent as a 200 that is not well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """``text`` unchanged, or NotAcceptable if XML 1.0 cannot carry it.

    >>> _xml_safe("tab\\tis fine")
    'tab\\tis fine'
    >>> _xml_safe("nul\\x00")
    Traceback (most recent call last):
    kg.model.errors.NotAcceptable: The result holds U+0000, a character XML 1.0 cannot carry; ask for it as JSON (application/sparql-results+json for solutions, application/ld+json or text/turtle for graphs).
    """
    bad = _NOT_XML.search(text)
    if bad is None:
        return text
    raise NotAcceptable(
        f"The result holds U+{ord(bad.group()):04X}, a character XML 1.0 cannot carry; ask for it as JSON "
        "(application/sparql-results+json for solutions, application/ld+json or text/turtle for graphs).",
        detail={"character": f"U+{ord(bad.group()):04X}", "offered": ["application/sparql-results+json", "text/csv",
                                                                       "application/ld+json", "text/turtle"]},
    )


def _xml_safe_term(term) -> None:
    """NotAcceptable if a term of a graph (RDF/XML) holds such a character."""
    kind = type(term)
    if kind is _TRIPLE:
        for part in (term.subject, term.predicate, term.object):
            _xml_safe_term(part)
    elif kind is not _BN:
        _xml_safe(term.value)


# -- terms ------------------------------------------------------------------
# Writers dispatch on ``type(term)`` and build strings directly: measured on
# 100,000 rows this is 2.5 times faster than building dicts for json.dumps.
_NN, _BN, _LIT, _TRIPLE = ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple
_dumps = json.JSONEncoder(ensure_ascii=False).encode
BATCH = 1000  # rows joined per write


def _literal_parts(term: ox.Literal) -> tuple[str | None, str | None]:
    """(language, datatype) as the result formats write them."""
    if term.language:
        return term.language, None
    datatype = term.datatype.value
    return None, None if datatype == XSD_STRING else datatype


def json_text(term) -> str:
    """A term as a SPARQL 1.1 JSON results binding (JSON text)."""
    kind = type(term)
    if kind is _NN:
        return '{"type":"uri","value":' + _dumps(term.value) + "}"
    if kind is _LIT:
        language, datatype = _literal_parts(term)
        if language:
            return '{"type":"literal","value":' + _dumps(term.value) + ',"xml:lang":' + _dumps(language) + "}"
        if datatype:
            return '{"type":"literal","value":' + _dumps(term.value) + ',"datatype":' + _dumps(datatype) + "}"
        return '{"type":"literal","value":' + _dumps(term.value) + "}"
    if kind is _BN:
        return '{"type":"bnode","value":' + _dumps(term.value) + "}"
    return ('{"type":"triple","value":{"subject":' + json_text(term.subject) + ',"predicate":' + json_text(term.predicate)
            + ',"object":' + json_text(term.object) + "}}")


def xml_term(term) -> str:
    """A term as the content of a SPARQL XML ``<binding>``."""
    kind = type(term)
    if kind is _NN:
        return f"<uri>{escape(term.value)}</uri>"
    if kind is _LIT:
        language, datatype = _literal_parts(term)
        value = escape(_xml_safe(term.value))
        if language:
            return f"<literal xml:lang={quoteattr(language)}>{value}</literal>"
        if datatype:
            return f"<literal datatype={quoteattr(datatype)}>{value}</literal>"
        return f"<literal>{value}</literal>"
    if kind is _BN:
        return f"<bnode>{escape(term.value)}</bnode>"
    return (f"<triple><subject>{xml_term(term.subject)}</subject><predicate>{xml_term(term.predicate)}"
            f"</predicate><object>{xml_term(term.object)}</object></triple>")


def csv_term(term) -> str:
    """A term in SPARQL CSV: IRIs and literals as plain text, quoted if needed."""
    if term is None:
        return ""
    kind = type(term)
    if kind is _BN:
        text = f"_:{term.value}"
    elif kind is _TRIPLE:
        text = str(term)
    else:
        text = term.value
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def tsv_term(term) -> str:
    """A term in SPARQL TSV: N-Triples syntax, tabs and newlines escaped."""
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# -- SELECT -------------------------------------------------------------------
def _rows(solutions: Iterable, max_rows: int) -> Iterator[tuple]:
    """Each solution as a tuple of terms (None: unbound) in variable order."""
    for count, solution in enumerate(solutions, start=1):
        if count > max_rows:
            raise _too_many(max_rows)
        yield tuple(solution)


def _batched(lines: Iterator[str], out: IO[bytes], sep: str = "") -> int:
    """Write lines in batches; return how many."""
    count, batch = 0, []
    for line in lines:
        batch.append(line)
        count += 1
        if len(batch) >= BATCH:
            out.write((sep.join(batch) + sep).encode())
            batch.clear()
    if batch:
        out.write((sep.join(batch) + sep).encode())
    return count


def write_solutions(solutions, out: IO[bytes], fmt: str, *, max_rows: int) -> int:
    """Write SELECT solutions in ``fmt`` (json, xml, csv, tsv); return the row count.

    Raises ResultTooLarge as soon as row ``max_rows + 1`` appears.
    """
    names = [v.value for v in solutions.variables]
    rows = _rows(solutions, max_rows)
    writer = {"json": _write_json, "xml": _write_xml, "csv": _write_csv, "tsv": _write_tsv}.get(fmt)
    if writer is None:
        raise BadRequest(f"No solution format {fmt!r}")
    return writer(names, rows, out)


def _write_json(names: list[str], rows: Iterator[tuple], out: IO[bytes]) -> int:
    keys = [_dumps(n) + ":" for n in names]
    out.write(b'{"head":{"vars":' + _dumps(names).encode() + b'},"results":{"bindings":[\n')
    lines = ("{" + ",".join(k + json_text(t) for k, t in zip(keys, row) if t is not None) + "}" for row in rows)
    first = next(lines, None)
    count = 0
    if first is not None:
        out.write(first.encode())
        count = 1 + _batched((",\n" + line for line in lines), out)
    out.write(b"\n]}}\n")
    return count


def _write_xml(names: list[str], rows: Iterator[tuple], out: IO[bytes]) -> int:
    head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    out.write(f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>{head}</head><results>\n'.encode())
    opens = [f"<binding name={quoteattr(n)}>" for n in names]
    lines = ("<result>" + "".join(o + xml_term(t) + "</binding>" for o, t in zip(opens, row) if t is not None) + "</result>" for row in rows)
    count = _batched(lines, out, "\n")
    out.write(b"</results></sparql>\n")
    return count


def _write_csv(names: list[str], rows: Iterator[tuple], out: IO[bytes]) -> int:
    out.write((",".join(names) + "\r\n").encode())
    return _batched((",".join(csv_term(t) for t in row) for row in rows), out, "\r\n")


def _write_tsv(names: list[str], rows: Iterator[tuple], out: IO[bytes]) -> int:
    out.write(("\t".join("?" + n for n in names) + "\n").encode())
    return _batched(("\t".join(tsv_term(t) for t in row) for row in rows), out, "\n")


# -- ASK ----------------------------------------------------------------------
def write_boolean(value: bool, out: IO[bytes], fmt: str) -> None:
    """Write an ASK answer in ``fmt`` (json, xml, csv, tsv)."""
    word = "true" if value else "false"
    if fmt == "json":
        out.write(b'{"head":{},"boolean":' + word.encode() + b"}\n")
    elif fmt == "xml":
        out.write(f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>{word}</boolean></sparql>\n'.encode())
    elif fmt == "csv":
        out.write(f"_askResult\r\n{word}\r\n".encode())
    elif fmt == "tsv":
        out.write(f"?_askResult\n{word}\n".encode())
    else:
        raise BadRequest(f"No boolean format {fmt!r}")


# -- CONSTRUCT / DESCRIBE -----------------------------------------------------
def _counted(triples: Iterable, max_rows: int, as_quads: bool, counter: list[int], xml: bool = False) -> Iterator:
    for triple in triples:
        counter[0] += 1
        if counter[0] > max_rows:
            raise _too_many(max_rows)
        if xml:
            _xml_safe_term(triple.object)
        yield ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()) if as_quads else triple


def write_triples(triples, out: IO[bytes], fmt: str, *, max_rows: int, prefixes: dict[str, str] | None = None) -> int:
    """Serialize CONSTRUCT / DESCRIBE triples in ``fmt``; return the triple count."""
    rdf_format = getattr(ox.RdfFormat, GRAPH_FORMATS[fmt])
    counter = [0]
    stream = _counted(triples, max_rows, rdf_format.supports_datasets, counter, xml=fmt == "rdf")
    kwargs = {"prefixes": prefixes} if prefixes and fmt in ("ttl", "trig") else {}
    ox.serialize(stream, out, rdf_format, **kwargs)
    return counter[0]


# -- HTML table ---------------------------------------------------------------
# The HTML table is read by people: a cell shows at most TABLE_MAX_CELL
# characters and the table at most TABLE_MAX_CHARS in all (the full result
# is a download away), so a huge result costs the server no memory or time.
TABLE_MAX_CELL = 1000
TABLE_MAX_CHARS = 2_000_000


def cell(term, max_chars: int = TABLE_MAX_CELL) -> dict | None:
    """A term as a plain dict for templates (kind, value, language, datatype);
    a value over ``max_chars`` is cut, ``cut`` then holds its full length."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        out = {"kind": "iri", "value": term.value}
    elif isinstance(term, ox.BlankNode):
        out = {"kind": "bnode", "value": term.value}
    elif isinstance(term, ox.Triple):
        out = {"kind": "triple", "value": str(term)}
    else:
        language, datatype = _literal_parts(term)
        out = {"kind": "literal", "value": term.value, "language": language, "datatype": datatype}
    if len(out["value"]) > max_chars:
        out["cut"], out["value"] = len(out["value"]), out["value"][:max_chars]
    return out


def table(result, *, max_rows: int, max_cell: int = TABLE_MAX_CELL, max_chars: int = TABLE_MAX_CHARS) -> dict:
    """Any query result as ``{"kind", "columns", "rows", "boolean"}`` of plain cells.

    Cells are cut at ``max_cell`` characters; rows stop once ``max_chars``
    characters are held (``partial`` is then True). More than ``max_rows``
    rows is refused, as in every other format.
    """
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "boolean", "columns": [], "rows": [], "boolean": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        kind, names = "solutions", [v.value for v in result.variables]
        terms = _rows(result, max_rows)
    else:
        kind, names = "graph", ["subject", "predicate", "object"]
        terms = ((t.subject, t.predicate, t.object) for t in _counted(result, max_rows, False, [0]))
    rows, held, partial = [], 0, False
    for row in terms:
        cells = [cell(t, max_cell) for t in row]
        held += sum(len(c["value"]) for c in cells if c)
        if held > max_chars:
            partial = True
            break
        rows.append(cells)
    return {"kind": kind, "columns": names, "rows": rows, "boolean": None, "partial": partial,
            "max_cell": max_cell, "max_chars": max_chars}
