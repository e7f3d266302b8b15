"""Evidence for readers: the words of an article behind each fact.

Fact nodes point with ``dip:evidence`` to span nodes whose IRIs are
``{article IRI}#char=s,e`` (code-point offsets, end exclusive). The article
node holds its full text (``nif:isString``), so a span is shown inside its
sentence with the supporting words marked, cut from the text itself.

Every span shown names its article (``source``: title, date, outlet, URL,
authors, see :mod:`kg.views.citation`) and carries its citation line.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from kg.model.text import sentences
from kg.model.namespaces import DIP
from kg.model.terms import values_clause
from kg.storage.pagecache import cached, frozen
from kg.views.citation import Source, span_line, texts_and_sources
from kg.views.citation import sources as article_sources

EVIDENCE = str(DIP.evidence)
SPAN_RE = re.compile(r"^(?P<doc>[^#]+)#char=(?P<start>\d{1,12}),(?P<end>\d{1,12})$")
# Sentences longer than this are cut around the highlighted words.
MAX_CONTEXT = 320
# Evidence spans shown per fact; a much-mentioned entity says how many more.
PER_NODE = 5
# Spans fetched per node: of a node with more (a person named in thousands
# of articles) a sample is fetched, and the count; sentences it shares with
# the page's entity are looked for in that sample.
SPAN_CAP = 200
SPANS_KEPT = 100_000  # spans of linked nodes a store that cannot change keeps


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
    parts: tuple = ()  # (text, marked) pieces of the sentence, in order
    source: Source | None = None  # the article the words are from
    citation: str = ""  # the plain-text citation line (see kg.views.citation)

    @property
    def fragment(self) -> str:
        return f"char={self.start},{self.end}"

    @property
    def pieces(self) -> tuple:
        """The sentence as (text, marked) pieces (one mark unless joint)."""
        return self.parts or ((self.before, False), (self.exact, True), (self.after, False))


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

    The sentences are the build's own (``kg.authoring.evidence.sentences``, the ones
    stored as ``dip:Sentence`` / ``nif:sentence``), so a page shows exactly
    the sentence the graph names.
    """
    bounds = _sentences(text)
    first = bisect.bisect_right(bounds, (start, len(text) + 1)) - 1
    s = bounds[first][0] if first >= 0 and bounds[first][1] > start else start
    last = bisect.bisect_left(bounds, (end, -1)) - 1
    e = bounds[last][1] if last >= 0 and bounds[last][1] >= end else end
    return min(s, start), max(e, end)


@functools.lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentences(text))


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


def joint(first: list, second: list, texts: dict[str, str], limit: int = 3) -> list[Span]:
    """Sentences where a span of ``first`` and one of ``second`` meet, both
    marked: the evidence of a link between two things each with its own
    spans. ``first``/``second`` are ``(article, start, end, iri)`` tuples.

    >>> t = "Lavrov met Rubio. Rubio left."
    >>> [s.pieces for s in joint([("a", 0, 6, "a#char=0,6")], [("a", 11, 16, "a#char=11,16"), ("a", 18, 23, "x")], {"a": t})]
    [(('Lavrov', True), (' met ', False), ('Rubio', True), ('.', False))]
    """
    found: list[Span] = []
    for doc, s1, e1, iri in sorted(first):
        text = texts.get(doc)
        if text is None or e1 > len(text):
            continue
        lo, hi = sentence_bounds(text, s1, e1)
        partners = [(s2, e2) for d2, s2, e2, _ in second if d2 == doc and lo <= s2 and e2 <= hi and (s2, e2) != (s1, e1)]
        if not partners:
            continue
        span = Span(iri, doc, s1, e1, exact=text[s1:e1], parts=_marked(text, lo, hi, [(s1, e1), *partners]))
        found.append(cite(span, getattr(texts, "sources", {})))
        if len(found) >= limit:
            break
    return found


def _marked(text: str, lo: int, hi: int, ranges: list) -> tuple:
    """``text[lo:hi]`` as (piece, marked) with ``ranges`` merged and marked."""
    merged: list[list[int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    pieces, pos = [], lo
    for s, e in merged:
        pieces += [(text[pos:s], False), (text[s:e], True)]
        pos = e
    pieces.append((text[pos:hi], False))
    return tuple((p, m) for p, m in pieces if p)


def cite(span: Span, known: dict) -> Span:
    """``span`` naming its article (when ``known`` has it) and with its citation line."""
    source = known.get(span.article)
    if source is None:
        return span
    return replace(span, source=source, citation=span_line(source, span.start, span.end, span.exact, span.iri))


def all_spans(store, nodes) -> dict[str, list]:
    """Node IRI -> every evidence span as ``(article, start, end, iri)``."""
    nodes = sorted(n for n in set(nodes) if n)
    if not nodes:
        return {}
    query = f"SELECT DISTINCT ?n ?span WHERE {{ {values_clause('n', nodes)} ?n <{EVIDENCE}> ?span }}"
    found: dict[str, list] = defaultdict(list)
    for row in store.query(query, union_default_graph=True):
        parsed = parse_span(row["span"].value)
        if parsed:
            found[row["n"].value].append((*parsed, row["span"].value))
    return dict(found)


def _span_rows(store, query: str, var: str = "n") -> dict[str, list]:
    found: dict[str, list] = defaultdict(list)
    for row in store.query(query, union_default_graph=True):
        parsed = parse_span(row["span"].value)
        if parsed:
            found[row[var].value].append((*parsed, row["span"].value))
    return found


def capped_spans(store, nodes, cap: int = SPAN_CAP) -> tuple[dict, dict]:
    """(node -> spans, node -> total) in two queries: a count per node,
    then every span of the nodes with at most ``cap`` and a sample of
    ``cap`` (the store's choice) of each of the others.

    A store that cannot change keeps what it found for each node (at most
    ``SPANS_KEPT`` spans in all): the states, people and places pages link
    to are linked from many pages, and their spans are asked for once."""
    nodes = sorted(n for n in set(nodes) if n)
    if not nodes:
        return {}, {}
    kept = cached(store, f"node-spans-{int(cap)}", _KeptSpans) if frozen(store) else None
    if kept is None:
        return _capped_spans(store, nodes, cap)
    known = {n: entry for n in nodes if (entry := kept.nodes.get(n)) is not None}
    missing = [n for n in nodes if n not in known]
    if missing:
        known.update(kept.add(missing, *_capped_spans(store, missing, cap)))
    spans, totals = {}, {}
    for node in nodes:
        found, total = known[node]
        if found is not None:
            spans[node] = list(found)
        if total is not None:
            totals[node] = total
    return spans, totals


class _KeptSpans:
    """Node -> (its spans or None, its total or None), as ``capped_spans``
    found them; emptied when past ``SPANS_KEPT`` spans."""

    def __init__(self):
        self.nodes: dict[str, tuple] = {}
        self.size = 0

    def add(self, nodes: list, spans: dict, totals: dict) -> dict:
        """Keep (and return) what was found for ``nodes``."""
        found = {n: (tuple(spans[n]) if n in spans else None, totals.get(n)) for n in nodes}
        size = sum(len(s) for s, _ in found.values() if s)
        if self.size + size > SPANS_KEPT:
            self.nodes, self.size = {}, 0
        self.nodes.update(found)
        self.size += size
        return found


def _capped_spans(store, nodes: list, cap: int) -> tuple[dict, dict]:
    totals = {row["n"].value: int(row["c"].value) for row in store.query(
        f"SELECT ?n (COUNT(DISTINCT ?span) AS ?c) WHERE {{ {values_clause('n', nodes)} ?n <{EVIDENCE}> ?span }} GROUP BY ?n",
        union_default_graph=True)}
    small = [n for n, c in totals.items() if c <= cap]
    parts = [f"{{ {values_clause('n', small)} ?n <{EVIDENCE}> ?span }}"] if small else []
    parts += [f"{{ SELECT DISTINCT ?span (<{n}> AS ?n) WHERE {{ <{n}> <{EVIDENCE}> ?span }} LIMIT {int(cap)} }}"
              for n, c in sorted(totals.items()) if c > cap]
    if not parts:
        return {}, totals
    return dict(_span_rows(store, "SELECT DISTINCT ?n ?span WHERE { " + " UNION ".join(parts) + " }")), totals


class Texts(dict):
    """Article IRI -> full text; ``sources``: article IRI -> its Source."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources: dict[str, Source] = {}

    def merge(self, other) -> "Texts":
        self.update(other)
        self.sources.update(getattr(other, "sources", {}))
        return self


def article_texts(store, articles) -> Texts:
    """Article IRI -> full text, with each article's Source (one query)."""
    articles = sorted(set(articles))
    if not articles:
        return Texts()
    found, known = texts_and_sources(store, articles)
    texts = Texts(found)
    texts.sources = known
    return texts


class SpanList(list):
    """The spans shown for a node; ``total`` counts all of them."""

    total = 0

    @property
    def more(self) -> int:
        return self.total - len(self)


def evidence_for(store, nodes, per_node: int = PER_NODE, spans: dict | None = None,
                 texts: dict | None = None, totals: dict | None = None) -> dict[str, SpanList]:
    """Node IRI -> its first ``per_node`` evidence spans (in text order)
    resolved to sentences, with the total count (two queries; none when
    ``spans`` from ``all_spans`` and the ``texts`` needed are given;
    ``totals`` overrides the count of nodes whose spans were capped)."""
    spans = all_spans(store, nodes) if spans is None else spans
    chosen = {node: sorted(found)[:per_node] for node, found in spans.items() if node in set(nodes)}
    texts = Texts().merge(texts or {})
    docs = {doc for found in chosen.values() for doc, *_ in found}
    texts.merge(article_texts(store, docs - set(texts)))
    if docs - set(texts.sources):
        texts.sources.update(article_sources(store, docs - set(texts.sources)))
    result: dict[str, SpanList] = {}
    for node, found in chosen.items():
        resolved = SpanList(cite(span, texts.sources) for doc, _, _, iri in found
                            if doc in texts and (span := resolve(iri, texts[doc])))
        resolved.total = (totals or {}).get(node, len(spans[node]))
        if resolved:
            result[node] = resolved
    return result
