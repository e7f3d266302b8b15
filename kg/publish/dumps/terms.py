"""Render N-Triples terms for Turtle and JSON-LD: prefixed names, bare
numbers, unescaped literal values.

Terms arrive as pyoxigraph prints them (N-Triples syntax), so every
function here is a pure function of a string.

>>> c = Compactor({"ex": "http://ex.org/"})
>>> c.iri("<http://ex.org/a>"), c.iri("<http://ex.org/a/b>")
('ex:a', '<http://ex.org/a/b>')
>>> c.term('"7"^^<http://www.w3.org/2001/XMLSchema#integer>')
'7'
>>> split_literal('"a\\\\"b"@en')
('a\\\\"b', 'en', None)
"""

from __future__ import annotations

import re

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# A conservative PN_LOCAL: ASCII letters, digits, '_', '-', '.' inside.
_LOCAL = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$")
_BARE = {
    XSD + "integer": re.compile(r"^-?(?:0|[1-9][0-9]*)$"),
    XSD + "boolean": re.compile(r"^(?:true|false)$"),
}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unescape(text: str) -> str:
    """Undo N-Triples string escapes (``\\n``, ``\\u00e9`` ...)."""

    def one(m: re.Match) -> str:
        code = m.group(1) or m.group(2)
        return chr(int(code, 16)) if code else _SIMPLE[m.group(3)]

    return _ESCAPE.sub(one, text) if "\\" in text else text


def split_literal(term: str) -> tuple[str, str | None, str | None]:
    """``(escaped lexical form, language, datatype IRI)`` of a literal."""
    close = term.rindex('"')
    lexical, rest = term[1:close], term[close + 1:]
    if rest.startswith("@"):
        return lexical, rest[1:], None
    if rest.startswith("^^<"):
        return lexical, None, rest[3:-1]
    return lexical, None, None


class Compactor:
    """Shortens IRIs with the declared prefixes (longest namespace wins)."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = dict(prefixes)
        self._by_length = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self._cache: dict[str, str | None] = {}

    def prefixed(self, iri: str) -> str | None:
        """``prefix:local`` for a bare IRI, or None if no prefix fits."""
        if iri in self._cache:
            return self._cache[iri]
        found = None
        for prefix, ns in self._by_length:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                found = f"{prefix}:{iri[len(ns):]}"
                break
        if len(self._cache) < 100_000:
            self._cache[iri] = found
        return found

    def iri(self, term: str) -> str:
        """Turtle form of an ``<iri>`` term."""
        return self.prefixed(term[1:-1]) or term

    def term(self, term: str) -> str:
        """Turtle form of any N-Triples term."""
        if term.startswith("<"):
            return self.iri(term)
        if term.startswith('"'):
            lexical, _, datatype = split_literal(term)
            if datatype is None:
                return term
            bare = _BARE.get(datatype)
            if bare and bare.match(lexical):
                return lexical
            short = self.prefixed(datatype)
            return f'"{lexical}"^^{short}' if short else term
        return term
