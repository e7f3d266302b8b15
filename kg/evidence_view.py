"""Evidence for readers: the words of an article behind each fact.

Fact nodes point with ``dip:evidence`` to span nodes whose IRIs are
``{article IRI}#char=s,e`` (code-point offsets, end exclusive). The article
node holds its full text (``nif:isString``), so a span is shown inside its
sentence with the supporting words marked, cut from the text itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from .namespaces import DIP, NIF
from .terms import values_clause

EVIDENCE = str(DIP.evidence)
SPAN_RE = re.compile(r"^(?P<doc>[^#]+)#char=(?P<start>\d+),(?P<end>\d+)$")
# Sentences longer than this are cut around the highlighted words.
MAX_CONTEXT = 320
_ABBREVIATIONS = ("U.S.", "U.K.", "Mr.", "Mrs.", "Dr.", "St.")
_SENTENCE_END = re.compile(r"(?<=[.!?\u201D\"])\s+(?=[\u201C\"A-Z0-9])|\n")


@dataclass(frozen=True)
class Span:
    """One evidence span resolved against its article's text."""

    iri: str
    article: str
    start: int
    end: int
    before: str = ""
    exact: str = ""
    after: str = ""

    @property
    def fragment(self) -> str:
        return f"char={self.start},{self.end}"


def parse_span(iri: str) -> tuple[str, int, int] | None:
    """``(article IRI, start, end)`` of a span IRI, else ``None``.

    >>> parse_span("https://kg.example.org/id/article/a#char=3,9")
    ('https://kg.example.org/id/article/a', 3, 9)
    """
    m = SPAN_RE.match(iri)
    if not m:
        return None
    start, end = int(m["start"]), int(m["end"])
    return (m["doc"], start, end) if start <= end else None


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The ``[s, e)`` of the sentence(s) around ``[start, end)`` in ``text``.

    >>> t = "One two. The U.S. Secretary spoke. Six."
    >>> s, e = sentence_bounds(t, 18, 27); t[s:e]
    'The U.S. Secretary spoke.'
    """
    s, e = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if text[: m.start()].endswith(_ABBREVIATIONS):
            continue
        if m.end() <= start:
            s = m.end()
        elif m.start() >= end:
            e = m.start()
            break
    return s, e


def resolve(iri: str, text: str) -> Span | None:
    """A span with its sentence cut into before / marked words / after."""
    parsed = parse_span(iri)
    if parsed is None or parsed[2] > len(text):
        return None
    doc, start, end = parsed
    s, e = sentence_bounds(text, start, end)
    before, after = text[s:start], text[end:e]
    if len(before) > MAX_CONTEXT // 2:
        before = "\u2026" + before[-(MAX_CONTEXT // 2):].split(" ", 1)[-1]
    if len(after) > MAX_CONTEXT // 2:
        after = after[: MAX_CONTEXT // 2].rsplit(" ", 1)[0] + "\u2026"
    return Span(iri, doc, start, end, before.lstrip(), text[start:end], after.rstrip())


def article_texts(store, articles) -> dict[str, str]:
    """Article IRI -> full text, in one query."""
    articles = sorted(set(articles))
    if not articles:
        return {}
    query = f"SELECT ?a ?t WHERE {{ {values_clause('a', articles)} ?a <{NIF.isString}> ?t }}"
    return {row["a"].value: row["t"].value for row in store.query(query, union_default_graph=True)}


def evidence_for(store, nodes) -> dict[str, list[Span]]:
    """Node IRI -> its evidence spans resolved to sentences (two queries)."""
    nodes = sorted(n for n in set(nodes) if n)
    if not nodes:
        return {}
    query = f"SELECT DISTINCT ?n ?span WHERE {{ {values_clause('n', nodes)} ?n <{EVIDENCE}> ?span }}"
    pairs = [(row["n"].value, row["span"].value) for row in store.query(query, union_default_graph=True)]
    texts = article_texts(store, {p[0] for _, span in pairs if (p := parse_span(span))})
    found: dict[str, list[Span]] = defaultdict(list)
    for node, span_iri in pairs:
        parsed = parse_span(span_iri)
        span = resolve(span_iri, texts[parsed[0]]) if parsed and parsed[0] in texts else None
        if span:
            found[node].append(span)
    for spans in found.values():
        spans.sort(key=lambda sp: (sp.article, sp.start, sp.end))
    return dict(found)
