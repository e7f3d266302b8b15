"""Help for queries typed on the query page: the project's prefixes
declared for the reader, and the engine's syntax errors made readable.

Pure functions over text; the query page (``server.sparql_page``) uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.storage.guard import tokenize

_POSITION = re.compile(r"error at (\d+):(\d+)")
_PNAME_BEFORE = re.compile(r"([A-Za-z_][\w.\-]*)?:[^\s{}()<>,;]*$")


def declare_prefixes(query: str, known: dict[str, str]) -> tuple[str, list[str]]:
    """The query with a ``PREFIX`` line in front for each project prefix it
    uses without declaring (the rule of ``kg query``), and those prefixes.

    The added declarations take one line, so an engine position on line
    ``n`` is line ``n - 1`` of what the reader typed.

    >>> full, added = declare_prefixes("PREFIX dip: <x:> SELECT * { ?s a dip:A ; rdfs:label ?l }",
    ...                                {"dip": "d:", "rdfs": "r:", "owl": "o:"})
    >>> added, full.splitlines()[0]
    (['rdfs'], 'PREFIX rdfs: <r:>')
    >>> declare_prefixes("SELECT * { ?s ?p 'dip:x' }", {"dip": "d:"})
    ("SELECT * { ?s ?p 'dip:x' }", [])
    """
    try:
        tokens = tokenize(query)
    except Exception:  # noqa: BLE001 - the tokenizer never fails on text; the engine will say what is wrong
        return query, []
    declared, used = set(), []
    for i, token in enumerate(tokens):
        if token.keyword == "PREFIX" and i + 1 < len(tokens) and tokens[i + 1].kind == "pname":
            declared.add(tokens[i + 1].text.split(":", 1)[0])
        elif token.kind == "pname":
            name = token.text.split(":", 1)[0]
            if name not in used:
                used.append(name)
    added = [p for p in used if p in known and p not in declared]
    if not added:
        return query, []
    line = " ".join(f"PREFIX {p}: <{known[p]}>" for p in added)
    return line + "\n" + query, added


@dataclass(frozen=True)
class QueryError:
    """An error as the page shows it: one line of text, and where it is."""

    message: str
    line: int | None = None
    column: int | None = None
    source_line: str | None = None  # the query's line holding the error


def _alternatives(expected: str) -> list[str]:
    """Keywords and punctuation of the engine's "expected one of" list;
    character classes (``['A' ..= 'Z' | ...]``) are dropped."""
    items, depth, current = [], 0, ""
    for ch in expected:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    words = []
    for item in items:
        if not item or item.startswith("[") or "\\" in item:
            continue
        words.append(item.strip('"'))
    return words


def readable_error(message: str, detail: dict, query: str, added_lines: int) -> QueryError:
    """One readable line for an error, with its line and column in ``query``.

    ``message`` and ``detail`` are the engine's (or the guard's); positions
    are moved back by ``added_lines`` (the prefixes declared for the reader).

    >>> e = readable_error("SPARQL syntax error: error at 3:3: expected one of OPTIONAL, [_]", {}, "SELECT *\\nWHERE { ?s ?p }", 1)
    >>> e.line, e.column, e.message
    (2, 3, 'Syntax error at or just before line 2, column 3 near “ERE { ?s ?p”: expected OPTIONAL.')
    """
    lines = query.splitlines() or [""]
    match = _POSITION.search(message)
    if match:
        found = locate(query)
        if found is not None:
            line, column, says = found
            return QueryError(f"Syntax error at line {line}, column {column}: {says}", line, column, _line(lines, line))
    if not match:
        where = re.search(r"line (\d+), column (\d+)", message)
        if where and detail.get("line") is None:
            return QueryError(message, int(where[1]), int(where[2]), _line(lines, int(where[1])))
        return QueryError(message)
    line = int(match[1]) - added_lines
    if line < 1:
        return QueryError("Syntax error in the declared prefixes: " + message.split(": ", 2)[-1][:200])
    text = _line(lines, line)
    column = int(match[2])
    expected = message[match.end():].strip().lstrip(":").strip()
    expected = expected.removeprefix("expected one of").removeprefix("expected").strip()
    where = f"line {line}, column {column}"
    if "Prefix not found" in expected:
        pname = _PNAME_BEFORE.search((text or "")[: column - 1].rstrip())
        name = f"“{pname[1] or ''}:”" if pname else "a prefix"
        return QueryError(f"Syntax error at {where}: {name} is not declared; add a PREFIX line for it.", line, column, text)
    words = _alternatives(expected)
    found = (text or "")[column - 1: column + 11].strip()
    if not query[_offset(lines, line, column):].strip():
        return QueryError(f"Syntax error: the parser read to the end of the query ({where}) without making sense of it; "
                          "look before this point for a missing or extra term, “.”, “;” or bracket.", line, column, text)
    says = f"Syntax error at or just before {where}"
    says += f" near “{found}”" if found else " at the end of the line" if text is not None else ""
    if words:
        shown = ", ".join(words[:6]) + (" …" if len(words) > 6 else "")
        says += f": expected {shown}."
    else:
        says += ": the query is not complete or not valid SPARQL here."
    return QueryError(says, line, column, text)


def _line(lines: list[str], number: int) -> str | None:
    return lines[number - 1] if 1 <= number <= len(lines) else None


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


PAIRS = {")": "(", "]": "[", "}": "{"}
OPERATORS = {"=", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/"}
QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


def locate(query: str) -> tuple[int, int, str] | None:
    r"""A syntax mistake found by reading the tokens, placed where it is.

    The engine's parser reports where it gave up, often the end of the
    query; these checks point at the cause for the common mistakes: an
    unclosed or stray bracket, an operator with no right operand, a query
    form misspelt.

    >>> locate("SELECT * WHERE {\n  FILTER(?x = 1\n}")
    (2, 9, '“(” is never closed (“}” at line 3, column 1 comes first).')
    >>> locate("SELECT * { ?s ?p ?o FILTER(?s = ) }")
    (1, 31, '“=” has nothing on its right.')
    >>> locate("SELECT * { ?s ?p ?o } LIMT 5")
    (1, 23, 'expected GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET or VALUES after the pattern, found “LIMT”.')
    >>> locate("SELEC * { ?s ?p ?o }")
    (1, 1, 'expected SELECT, CONSTRUCT, DESCRIBE or ASK, found “SELEC”.')
    """
    try:
        tokens = tokenize(query)
    except Exception:  # noqa: BLE001 - the tokenizer never fails on text
        return None
    i = 0
    while i < len(tokens) and tokens[i].keyword in ("PREFIX", "BASE"):
        i += 3 if tokens[i].keyword == "PREFIX" else 2
    if i < len(tokens) and tokens[i].kind == "word" and tokens[i].keyword not in QUERY_FORMS:
        t = tokens[i]
        return t.line, t.column, f"expected SELECT, CONSTRUCT, DESCRIBE or ASK, found “{t.text}”."
    stack = []
    for n, t in enumerate(tokens):
        unknown = _unknown_word(tokens, n, stack)
        if unknown is not None:
            return unknown
        text = t.text if t.kind == "punct" else None
        nxt = tokens[n + 1] if n + 1 < len(tokens) else None
        if text in ("(", "[", "{"):
            stack.append(t)
        elif text in PAIRS:
            if not stack:
                return t.line, t.column, f"“{text}” closes nothing."
            if stack[-1].text != PAIRS[text]:
                o = stack[-1]
                return o.line, o.column, f"“{o.text}” is never closed (“{text}” at line {t.line}, column {t.column} comes first)."
            stack.pop()
        elif text in ("=", "!", "<", ">", "&", "|"):
            op, after = text, nxt
            if nxt is not None and nxt.kind == "punct" and (text + nxt.text) in OPERATORS and nxt.column == t.column + 1:
                op, after = text + nxt.text, tokens[n + 2] if n + 2 < len(tokens) else None
            prev = tokens[n - 1] if n else None
            if prev is not None and prev.kind == "punct" and (prev.text + text) in OPERATORS and prev.column == t.column - 1:
                continue  # the second character of an operator, checked with the first
            if op in OPERATORS and after is not None and after.text in (")", "}", "]", ","):
                return t.line, t.column, f"“{op}” has nothing on its right."
    if stack:
        t = stack[-1]
        return t.line, t.column, f"“{t.text}” is never closed."
    return _extra_term(tokens)


TERM_KINDS = ("var", "iri", "pname", "string", "number")
# Every bare word SPARQL 1.1 (and the engine's SPARQL 1.2 / RDF-star
# additions) gives a meaning to; anything else is a misspelling.
KEYWORDS = frozenset("""
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED GRAPH OPTIONAL UNION MINUS FILTER BIND VALUES SERVICE
    SILENT EXISTS NOT IN AS DISTINCT REDUCED ORDER BY ASC DESC LIMIT OFFSET GROUP HAVING UNDEF A TRUE FALSE LATERAL
    COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS
    CEIL FLOOR ROUND CONCAT SUBSTR STRLEN REPLACE UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE
    STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE
    IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE
    LANGDIR STRLANGDIR HASLANG HASLANGDIR ADJUST VERSION
    INSERT DELETE DATA LOAD CLEAR CREATE DROP COPY MOVE ADD WITH USING DEFAULT ALL INTO TO
""".split())
MODIFIERS = ("GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET or VALUES")


def _unknown_word(tokens, n: int, stack: list) -> tuple[int, int, str] | None:
    """A bare word that is no SPARQL keyword (``FILTR``, ``LIMT``), placed."""
    t = tokens[n]
    if t.kind != "word" or t.keyword in KEYWORDS:
        return None
    prev = tokens[n - 1] if n else None
    if prev is not None and prev.line == t.line and prev.column + len(prev.text) == t.column:
        return None  # glued to what precedes it (the exponent of 1.5e10, a tokenizer split): not a word
    if not stack and any(x.text == "}" for x in tokens[:n]):
        return t.line, t.column, f"expected {MODIFIERS} after the pattern, found “{t.text}”."
    return t.line, t.column, f"“{t.text}” is not a SPARQL keyword or function."


def _extra_term(tokens) -> tuple[int, int, str] | None:
    """A fourth term in a triple pattern (``?s ?p ?o ?x``): a ``.`` or ``;``
    is missing before it. Only plain patterns are followed; anything else
    (keywords, brackets, VALUES blocks) stops the count rather than guess."""
    count, on, parens, values, merge = 0, False, 0, 0, False
    for t in tokens:
        text = t.text if t.kind == "punct" else ""
        if values:
            values += {"{": 1, "}": -1}.get(text, 0)
            continue
        if text == "(":
            parens += 1
        elif text == ")":
            parens = max(0, parens - 1)
        if parens or text in ("(", ")"):
            continue
        if t.keyword == "VALUES":
            values, on = -1, False  # the block that follows is data
            continue
        if values == -1 and text == "{":
            values = 1
            continue
        if text in ("{", "}", ".", "[", "]"):
            count, on = (1 if text == "]" else 0), True
        elif text == ";":
            count = 1
        elif text == ",":
            count = 2
        elif text in ("/", "|", "^"):
            merge = True
        elif t.kind == "word" and t.keyword not in ("A", "TRUE", "FALSE"):
            on = False
        elif on and (t.kind in TERM_KINDS or t.keyword in ("A", "TRUE", "FALSE")):
            if merge:
                merge = False
                continue
            count += 1
            if count == 4:
                return t.line, t.column, f"“{t.text}” is a fourth term in a triple pattern: a “.” or “;” is missing before it."
    return None
