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
from collections.abc import Iterable, Iterator
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .errors import BadRequest, ResultTooLarge

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
SOLUTION_FORMATS = ("json", "xml", "csv", "tsv", "table")
GRAPH_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "rdf": "RDF_XML", "trig": "TRIG", "nq": "N_QUADS"}


def _too_many(limit: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"The result has more than {limit} rows, the limit of this endpoint. "
        "Add a LIMIT (and OFFSET to page through it), or download the dataset.",
        detail={"limit": limit},
    )


# -- terms ------------------------------------------------------------------
def _literal_parts(term: ox.Literal) -> tuple[str | None, str | None]:
    """(language, datatype) as the result formats write them."""
    if term.language:
        return term.language, None
    datatype = term.datatype.value
    return None, None if datatype == XSD_STRING else datatype


def json_term(term) -> dict:
    """A term as a SPARQL 1.1 JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": json_term(term.subject), "predicate": json_term(term.predicate), "object": json_term(term.object)}}
    language, datatype = _literal_parts(term)
    out = {"type": "literal", "value": term.value}
    if language:
        out["xml:lang"] = language
        direction = getattr(term, "direction", None)
        if direction is not None:
            out["its:dir"] = str(direction.value if hasattr(direction, "value") else direction).lower()
    elif datatype:
        out["datatype"] = datatype
    return out


def xml_term(term) -> str:
    """A term as the content of a SPARQL XML ``<binding>``."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{xml_term(term.subject)}</subject><predicate>{xml_term(term.predicate)}"
                f"</predicate><object>{xml_term(term.object)}</object></triple>")
    language, datatype = _literal_parts(term)
    if language:
        return f"<literal xml:lang={quoteattr(language)}>{escape(term.value)}</literal>"
    if datatype:
        return f"<literal datatype={quoteattr(datatype)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def csv_term(term) -> str:
    """A term in SPARQL CSV: IRIs and literals as plain text, quoted if needed."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.Triple):
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
def _rows(solutions: Iterable, names: list[str], max_rows: int) -> Iterator[list]:
    for count, solution in enumerate(solutions, start=1):
        if count > max_rows:
            raise _too_many(max_rows)
        yield [solution[name] for name in names]


def write_solutions(solutions, out: IO[bytes], fmt: str, *, max_rows: int) -> int:
    """Write SELECT solutions in ``fmt`` (json, xml, csv, tsv); return the row count.

    Raises ResultTooLarge as soon as row ``max_rows + 1`` appears.
    """
    names = [v.value for v in solutions.variables]
    rows = _rows(solutions, names, max_rows)
    writer = {"json": _write_json, "xml": _write_xml, "csv": _write_csv, "tsv": _write_tsv}.get(fmt)
    if writer is None:
        raise BadRequest(f"No solution format {fmt!r}")
    return writer(names, rows, out)


def _write_json(names: list[str], rows: Iterator[list], out: IO[bytes]) -> int:
    out.write(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
    count = 0
    for row in rows:
        binding = {name: json_term(term) for name, term in zip(names, row) if term is not None}
        out.write((b"," if count else b"\n") + json.dumps(binding, ensure_ascii=False).encode())
        count += 1
    out.write(b"\n]}}\n")
    return count


def _write_xml(names: list[str], rows: Iterator[list], out: IO[bytes]) -> int:
    head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    out.write(f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>{head}</head><results>\n'.encode())
    count = 0
    for row in rows:
        cells = "".join(f"<binding name={quoteattr(n)}>{xml_term(t)}</binding>" for n, t in zip(names, row) if t is not None)
        out.write(f"<result>{cells}</result>\n".encode())
        count += 1
    out.write(b"</results></sparql>\n")
    return count


def _write_csv(names: list[str], rows: Iterator[list], out: IO[bytes]) -> int:
    out.write((",".join(names) + "\r\n").encode())
    count = 0
    for row in rows:
        out.write((",".join(csv_term(t) for t in row) + "\r\n").encode())
        count += 1
    return count


def _write_tsv(names: list[str], rows: Iterator[list], out: IO[bytes]) -> int:
    out.write(("\t".join("?" + n for n in names) + "\n").encode())
    count = 0
    for row in rows:
        out.write(("\t".join(tsv_term(t) for t in row) + "\n").encode())
        count += 1
    return count


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
def _counted(triples: Iterable, max_rows: int, as_quads: bool, counter: list[int]) -> Iterator:
    for triple in triples:
        counter[0] += 1
        if counter[0] > max_rows:
            raise _too_many(max_rows)
        yield ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()) if as_quads else triple


def write_triples(triples, out: IO[bytes], fmt: str, *, max_rows: int, prefixes: dict[str, str] | None = None) -> int:
    """Serialize CONSTRUCT / DESCRIBE triples in ``fmt``; return the triple count."""
    rdf_format = getattr(ox.RdfFormat, GRAPH_FORMATS[fmt])
    counter = [0]
    stream = _counted(triples, max_rows, rdf_format.supports_datasets, counter)
    kwargs = {"prefixes": prefixes} if prefixes and fmt in ("ttl", "trig") else {}
    ox.serialize(stream, out, rdf_format, **kwargs)
    return counter[0]


# -- HTML table ---------------------------------------------------------------
def cell(term) -> dict | None:
    """A term as a plain dict for templates (kind, value, language, datatype)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"kind": "iri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"kind": "triple", "value": str(term)}
    language, datatype = _literal_parts(term)
    return {"kind": "literal", "value": term.value, "language": language, "datatype": datatype}


def table(result, *, max_rows: int) -> dict:
    """Any query result as ``{"kind", "columns", "rows", "boolean"}`` of plain cells."""
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "boolean", "columns": [], "rows": [], "boolean": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [[cell(t) for t in row] for row in _rows(result, names, max_rows)]
        return {"kind": "solutions", "columns": names, "rows": rows, "boolean": None}
    rows = []
    for count, t in enumerate(result, start=1):
        if count > max_rows:
            raise _too_many(max_rows)
        rows.append([cell(t.subject), cell(t.predicate), cell(t.object)])
    return {"kind": "graph", "columns": ["subject", "predicate", "object"], "rows": rows, "boolean": None}
