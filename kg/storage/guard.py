"""Static checks on a SPARQL request before any engine sees it.

A small tokenizer (it knows strings, IRIs, comments, prefixed names,
variables and language tags, so ``"INSERT"`` in a string or ``ex:load`` in a
pattern are not mistaken for keywords) feeds a few checks:

* SPARQL Update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ...) and
  ``SERVICE`` are refused: the service is read-only and never connects out;
* the query's size, bracket nesting and expression length are bounded: a
  deeply nested query, or a chain of thousands of operators
  (``!!!...!true``, ``1+1+...+1``), overflows the engine's recursive parser
  and crashes it, so operators and function calls are counted too.
* ``FROM`` / ``FROM NAMED`` graphs are read (``QueryInfo``); a graph the
  dataset does not hold is simply empty (``unknown_graphs``), never fetched.

>>> check_query("PREFIX ex: <http://ex.org/> SELECT * FROM ex:g WHERE { ?s ?p 'insert' }").form
'SELECT'
>>> check_query("SELECT * FROM <http://ex.org/g> {}").default_graphs
['http://ex.org/g']
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph as ox

from kg.model.errors import BadQuery, Forbidden, PayloadTooLarge

MAX_QUERY_BYTES = 64 * 1024
MAX_NESTING = 64
# Operators and function calls in one query. pyoxigraph 0.5's parser crashed
# at 10,000 `!` in a row and at 8,000 `+` terms (measured); 1,000 leaves a
# wide margin and is far above what a hand-written query holds.
MAX_OPERATORS = 1000

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
OPENERS, CLOSERS = "{([", "})]"
# Punctuation that makes an expression or a property path longer by one node.
OPERATORS = frozenset("!+-*/|^&=<>")

_PN_CHARS = r"\w\u00B7-\uFFFF\-"
_PN_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL_CHAR = rf"(?:[{_PN_CHARS}:]|%[0-9A-Fa-f]{{2}}|{_PN_ESCAPE})"
_LOCAL_MID = rf"(?:[{_PN_CHARS}:.]|%[0-9A-Fa-f]{{2}}|{_PN_ESCAPE})"

TOKEN_PATTERN = (
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<var>[?$][\w\u00B7-\uFFFF]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[A-Za-z_\u00C0-\uFFFF][{_PN_CHARS}.]*)?:(?:{_LOCAL_CHAR}(?:{_LOCAL_MID}*{_LOCAL_CHAR})?)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]+)
  | (?P<punct>.)
    """
)


@functools.cache
def _token_re() -> re.Pattern:
    """The tokenizer's pattern, compiled on first use (compiling its Unicode
    classes takes tens of milliseconds, which ``kg serve`` start-up skips)."""
    return re.compile(TOKEN_PATTERN, re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    column: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


@dataclass
class QueryInfo:
    """What the checks learned: the query form and its dataset clause."""

    form: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    depth: int = 0


def tokenize(text: str) -> list[Token]:
    """Significant tokens (no whitespace or comments) with line and column.

    >>> [t.text for t in tokenize('ASK { ?s ?p "} # not a comment" } # comment')]
    ['ASK', '{', '?s', '?p', '"} # not a comment"', '}']
    """
    tokens: list[Token] = []
    line, line_start = 1, 0
    for match in _token_re().finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group(), line, match.start() - line_start + 1))
        newlines = match.group().count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + match.group().rindex("\n") + 1
    return tokens


def _where(token: Token) -> str:
    return f"line {token.line}, column {token.column}"


def _nesting(tokens: list[Token], limit: int) -> int:
    depth = deepest = 0
    for token in tokens:
        if token.kind != "punct":
            continue
        if token.text in OPENERS:
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                raise BadQuery(
                    f"Query nested more than {limit} levels deep (at {_where(token)}); "
                    "simplify it or split it into several queries.",
                    detail={"limit": limit},
                )
        elif token.text in CLOSERS:
            depth = max(depth - 1, 0)
    return deepest


def _operators(tokens: list[Token], limit: int) -> int:
    """Count operators and function calls; BadQuery past ``limit``.

    >>> _operators(tokenize("ASK { FILTER(!!(STR(?x) = 'a' && ?y > 1)) }"), 100)  # FILTER( and STR( are calls
    8
    """
    count = 0
    for i, token in enumerate(tokens):
        if token.kind == "punct":
            counted = token.text in OPERATORS
        else:  # a function call: a name or prefixed name followed by a bracket
            counted = token.kind in ("word", "pname") and i + 1 < len(tokens) and tokens[i + 1].text == "("
        if counted:
            count += 1
            if count > limit:
                raise BadQuery(
                    f"Query has more than {limit} operators and function calls (number {limit + 1} at {_where(token)}); "
                    "such long expressions crash the query engine. Shorten the expression, or use VALUES for long lists.",
                    detail={"limit": limit},
                )
    return count


def _refuse_forbidden(tokens: list[Token]) -> None:
    for token in tokens:
        if token.kind == "iri" and ")" in token.text:
            # ``FILTER(1<2)SERVICE?x#>``: what looks like an IRI here is a
            # less-than, a closing bracket and more query to the engine (an
            # operator ``<`` is always inside brackets). Check its inside too.
            _refuse_forbidden(tokenize(token.text[1:-1]))
        word = token.keyword
        if word in UPDATE_KEYWORDS:
            raise Forbidden(
                f"SPARQL Update is not accepted here ({word} at {_where(token)}): "
                "this endpoint is read-only, and nothing was changed.",
                detail={"refused": word},
            )
        if word == "SERVICE":
            raise Forbidden(
                f"SERVICE (federated query) is not allowed (at {_where(token)}): "
                "this endpoint never connects to other servers.",
                detail={"refused": "SERVICE"},
            )


def _unescape_local(local: str) -> str:
    return re.sub(r"\\(.)", r"\1", local)


def _iri_text(token: Token) -> str:
    """The IRI of an IRIREF token, its \\u / \\U escapes decoded."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _resolve(token: Token, prefixes: dict[str, str], base: str | None) -> str:
    if token.kind == "iri":
        iri = _iri_text(token)
        return urljoin(base, iri) if base else iri
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        raise BadQuery(f"Undeclared prefix {prefix!r} at {_where(token)}")
    return prefixes[prefix] + _unescape_local(local)


def _prologue_and_dataset(tokens: list[Token]) -> QueryInfo:
    """Read BASE / PREFIX declarations, the query form and FROM clauses."""
    prefixes: dict[str, str] = {}
    base: str | None = None
    info = QueryInfo(form=None)
    i = 0
    while i < len(tokens):
        word = tokens[i].keyword
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = urljoin(base, _iri_text(nxt)) if base else _iri_text(nxt)
            i += 2
        elif word == "PREFIX" and nxt is not None and nxt.kind == "pname" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            iri = _iri_text(tokens[i + 2])
            prefixes[nxt.text[:-1]] = urljoin(base, iri) if base else iri
            i += 3
        elif word in QUERY_FORMS and info.form is None:
            info.form = word
            i += 1
        elif word == "FROM" and nxt is not None:
            named = nxt.keyword == "NAMED"
            target = tokens[i + 2] if named and i + 2 < len(tokens) else nxt
            if target.kind not in ("iri", "pname"):
                raise BadQuery(f"FROM must name a graph IRI (at {_where(target)}).")
            (info.named_graphs if named else info.default_graphs).append(_resolve(target, prefixes, base))
            i += 3 if named else 2
        elif word == "WHERE" or (tokens[i].text == "{" and info.form is not None):
            break
        else:
            i += 1
    return info


def check_query(text: str, *, max_bytes: int = MAX_QUERY_BYTES, max_nesting: int = MAX_NESTING,
                max_operators: int = MAX_OPERATORS) -> QueryInfo:
    """Check a query before it runs; raise the error a client should see.

    Raises PayloadTooLarge (over ``max_bytes``), Forbidden (Update,
    SERVICE) or BadQuery (too deeply nested, too many operators, undeclared
    prefix in FROM).
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise PayloadTooLarge(f"Query of {size} bytes is over the limit of {max_bytes} bytes.", detail={"limit": max_bytes})
    if not text.strip():
        raise BadQuery("The query is empty.")
    tokens = tokenize(text)
    _refuse_forbidden(tokens)
    depth = _nesting(tokens, max_nesting)
    _operators(tokens, max_operators)
    info = _prologue_and_dataset(tokens)
    info.depth = depth
    return info


def check_graph_iris(iris: list[str], *, source: str) -> None:
    """BadQuery for a graph name that is not an absolute IRI.

    A well-formed IRI the dataset does not hold is fine: it names an empty
    graph (nothing is ever fetched). ``source`` names where it came from.

    >>> check_graph_iris(["http://ex.org/never-loaded"], source="default-graph-uri")
    >>> check_graph_iris(["http://[::1"], source="named-graph-uri")
    Traceback (most recent call last):
    kg.model.errors.BadQuery: named-graph-uri 'http://[::1' is not an absolute IRI.
    """
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise BadQuery(f"{source} {iri[:200]!r} is not an absolute IRI.", detail={"parameter": source}) from None
