"""Small helpers over RDF terms shared by the page, search and timeline code.

Conversions between pyoxigraph and rdflib terms, safe SPARQL IRI syntax,
local names, and typed-literal values in Python.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kg.model.errors import BadRequest

_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def check_iri(iri: str) -> str:
    """``iri`` unchanged when it is an absolute IRI usable in SPARQL.

    >>> check_iri("http://ex.org/a")
    'http://ex.org/a'
    """
    if not iri or _BAD_IRI.search(iri) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise BadRequest(f"Not an absolute IRI: {iri!r}")
    return iri


def sparql_iri(iri: str) -> str:
    """``<iri>`` for a SPARQL query, refusing characters that would break out.

    >>> sparql_iri("http://ex.org/a")
    '<http://ex.org/a>'
    """
    return f"<{check_iri(iri)}>"


def quotable(iri: str) -> bool:
    """True when ``<iri>`` cannot break out of a SPARQL IRI reference.

    >>> quotable("http://ex.org/a"), quotable("http://ex.org/a> }")
    (True, False)
    """
    return bool(iri) and not _BAD_IRI.search(iri)


def values_clause(var: str, iris) -> str:
    """``VALUES ?var { <a> <b> }`` over the IRIs that are safe to quote."""
    safe = [f"<{i}>" for i in iris if i and not _BAD_IRI.search(i)]
    return f"VALUES ?{var} {{ {' '.join(safe)} }}"


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or the last ``/``).

    >>> local_name("https://kg.example.org/ontology/hasActor")
    'hasActor'
    """
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return tail or iri


def humanize(iri: str) -> str:
    """A readable fallback label from an IRI's local name.

    >>> humanize("https://kg.example.org/ontology/numberInjured")
    'number injured'
    >>> humanize("http://ex.org/id/person/sergey-lavrov")
    'sergey lavrov'
    """
    name = local_name(iri)
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    name = re.sub(r"[_-]+", " ", name)
    return name.lower() if any(c.islower() for c in name) else name


def to_rdflib(term):
    """A pyoxigraph term as the equivalent rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value if term.datatype else None
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype) if datatype else None)
    raise TypeError(f"unsupported term {term!r}")


def literal_value(lexical: str, datatype: str | None):
    """A Python value for a typed literal (date, int, decimal), else ``None``.

    >>> literal_value("2025-02-19", "http://www.w3.org/2001/XMLSchema#date")
    datetime.date(2025, 2, 19)
    >>> literal_value("176", "http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
    176
    """
    if not datatype or not datatype.startswith(str(XSD)):
        return None
    kind = datatype[len(str(XSD)):]
    try:
        if kind == "date":
            return dt.date.fromisoformat(lexical[:10])
        if kind == "dateTime":
            return dt.datetime.fromisoformat(lexical.replace("Z", "+00:00"))
        if kind in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger", "unsignedInt"):
            return int(lexical)
        if kind in ("decimal", "double", "float"):
            return Decimal(lexical)
        if kind == "boolean":
            return lexical.strip() in ("true", "1")
    except (ValueError, InvalidOperation):
        return None
    return None
