"""Article text: span offsets checked against the text, and the sentence rule.

Offsets are Python ``str`` (Unicode code point) offsets into the article
text exactly as stored (the file may begin with a space; nothing is
stripped); ``start`` is inclusive, ``end`` exclusive. A span's IRI is
``{article IRI}#char={start},{end}`` (RFC 5147 style).

>>> text = " date 2025-02-19 Washington, US - In a stunning shift."
>>> locate(text, "Washington")
(17, 27)
>>> check_span(text, 17, 27, "Washington") is None
True
>>> check_span(text, 0, 5, "date")
"text at [0, 5) is ' date', not 'date' ('date' occurs at [1, 5))"
"""

from __future__ import annotations

import re

from rdflib import URIRef

# Abbreviations whose final dot does not end a sentence.
_ABBREVIATIONS = ("U.S.", "U.K.", "Mr.", "Mrs.", "Dr.", "St.")
_BOUNDARY = re.compile(r"[.!?][”’\"]?(?=\s+[“\"A-Z0-9])")


def span_iri(article: URIRef, start: int, end: int) -> URIRef:
    """The IRI of a span: the article IRI with an RFC 5147 fragment."""
    return URIRef(f"{article}#char={start},{end}")


def locate(text: str, exact: str, occurrence: int = 1) -> tuple[int, int] | None:
    """Offsets of the ``occurrence``-th (1-based) appearance of ``exact``;
    ``None`` when there is none (or ``exact`` is empty, ``occurrence`` < 1)."""
    if not exact or occurrence < 1:
        return None
    start = -1
    for _ in range(occurrence):
        start = text.find(exact, start + 1)
        if start < 0:
            return None
    return start, start + len(exact)


def check_span(text: str, start: object, end: object, exact: object) -> str | None:
    """Why the span does not match the text, or ``None`` when it does."""
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(exact, str)):
        return "a span is [start, end, \"exact text\"] with integer offsets"
    if not 0 <= start < end <= len(text):
        return f"offsets [{start}, {end}) are outside the article (length {len(text)})"
    found = text[start:end]
    if found == exact:
        return None
    hint = locate(text, exact)
    where = f"'{exact}' occurs at [{hint[0]}, {hint[1]})" if hint else f"'{exact}' is not in the article"
    return f"text at [{start}, {end}) is '{found}', not '{exact}' ({where})"


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (and heading) offsets: split at line breaks and sentence ends."""
    result: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for mark in _BOUNDARY.finditer(line.group()):
            cut = line.start() + mark.end()
            if text[:cut].endswith(_ABBREVIATIONS):
                continue
            result.append(_trim(text, start, cut))
            start = cut
        result.append(_trim(text, start, line.end()))
    return [s for s in result if s[0] < s[1]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
