"""The article view: its full text cut into segments, each mention linked
to the entity it names, every evidence span addressable by its fragment
(``#char=s,e``) so that entity pages link back into the text. The article
names its source (outlet, URL, authors) and carries its citation (plain
text, CSL-JSON, BibTeX); a marked span, its citation line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib.namespace import RDFS

from kg.model.errors import NotFound
from kg.views.citation import Citation, Source, article_citation, sources, span_citation
from kg.views.evidence_view import EVIDENCE, parse_span
from kg.views.labels import Labels
from kg.model.namespaces import DIP, NIF, SDO
from kg.model.terms import sparql_iri, values_clause

# Nodes that stand for a fact rather than a thing: a mention links to the
# thing it names when there is one.
FACT_CLASSES = {str(DIP[c]) for c in ("Participation", "OfficeHolding", "Position", "Quotation", "Quantity", "Consequence", "Injury", "Evacuation", "Damage")}


@dataclass
class Segment:
    text: str
    start: int
    end: int
    link: str | None = None  # entity IRI the words name
    title: str = ""  # that entity's label
    kind: str = ""  # "thing" or "quote" when linked
    anchors: list = field(default_factory=list)  # span fragments starting here
    marked: bool = False


@dataclass
class Article:
    iri: str
    label: str
    text: str
    date: str = ""
    segments: list = field(default_factory=list)
    mentions: dict = field(default_factory=dict)  # entity IRI -> count
    mention_labels: dict = field(default_factory=dict)  # entity IRI -> label
    source: Source | None = None  # title, date, outlet, URL, authors
    citation: Citation | None = None  # the article's
    span: dict | None = None  # the marked span: iri, start, end, exact, citation


def _span_nodes(store, iri: str) -> list[tuple[str, str]]:
    """(span IRI, node IRI) for the evidence spans of one article: found by
    ``nif:referenceContext`` (an index lookup), else by IRI prefix (a scan)."""
    by_context = f"""SELECT DISTINCT ?span ?n WHERE {{ ?span <{NIF.referenceContext}> {sparql_iri(iri)} .
      ?n <{EVIDENCE}> ?span }}"""
    pairs = [(row["span"].value, row["n"].value) for row in store.query(by_context, union_default_graph=True)]
    if pairs:
        return pairs
    by_prefix = f"""SELECT DISTINCT ?span ?n WHERE {{ ?n <{EVIDENCE}> ?span .
      FILTER(STRSTARTS(STR(?span), "{iri}#char=")) }}"""
    return [(row["span"].value, row["n"].value) for row in store.query(by_prefix, union_default_graph=True)]


def _spans(store, iri: str) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """(start, end) -> [(node IRI, kind)] for one article; kind is ``thing``,
    ``quote`` (a quotation: its words) or ``fact`` (any other fact node)."""
    pairs = _span_nodes(store, iri)
    nodes = sorted({n for _, n in pairs})
    kinds: dict[str, str] = {}
    if nodes:
        types_q = (f"SELECT DISTINCT ?n ?t WHERE {{ {values_clause('n', nodes)} ?n a ?t "
                   f"FILTER(?t IN ({', '.join(f'<{c}>' for c in sorted(FACT_CLASSES))})) }}")
        for row in store.query(types_q, union_default_graph=True):
            quote = row["t"].value == str(DIP.Quotation)
            kinds[row["n"].value] = "quote" if quote or kinds.get(row["n"].value) == "quote" else "fact"
    found: dict = defaultdict(list)
    for span, node in pairs:
        parsed = parse_span(span)
        if parsed and parsed[0] == iri:
            found[(parsed[1], parsed[2])].append((node, kinds.get(node, "thing")))
    return found


def load(store, iri: str, mark: tuple[int, int] | None = None) -> Article:
    """The article ``iri`` with its segments; NotFound when it has no text."""
    s = sparql_iri(iri)
    rows = list(store.query(
        f"SELECT ?t ?l ?d WHERE {{ {s} <{NIF.isString}> ?t OPTIONAL {{ {s} <{RDFS.label}> ?l }} "
        f"OPTIONAL {{ {s} <{SDO.datePublished}> ?d }} }} LIMIT 1", union_default_graph=True))
    if not rows:
        raise NotFound(f"No article text for <{iri}>.", detail={"iri": iri})
    text = rows[0]["t"].value
    label = rows[0]["l"].value if rows[0]["l"] is not None else iri.rsplit("/", 1)[-1]
    art = Article(iri, label, text, rows[0]["d"].value if rows[0]["d"] is not None else "")
    art.source = sources(store, [iri]).get(iri) or Source(iri, label, art.date)
    art.citation = article_citation(art.source)
    if mark and 0 <= mark[0] <= mark[1] <= len(text):  # a range outside the text marks nothing
        span_iri = f"{iri}#char={mark[0]},{mark[1]}"
        exact = text[mark[0]:mark[1]]
        art.span = {"iri": span_iri, "start": mark[0], "end": mark[1], "exact": exact,
                    "citation": span_citation(art.source, mark[0], mark[1], exact, span_iri)}
    spans = {k: v for k, v in _spans(store, iri).items() if k[1] <= len(text)}
    labels = Labels.load(store, {n for nodes in spans.values() for n, _ in nodes})
    art.segments = segment(text, spans, labels, mark)
    for nodes in spans.values():
        for node, kind in nodes:
            if kind == "thing":
                art.mentions[node] = art.mentions.get(node, 0) + 1
                art.mention_labels[node] = labels.label(node)
    return art


def _link_for(spans: dict, a: int, b: int) -> tuple[str, str] | None:
    """(node, kind) the piece ``[a, b)`` links to: the thing named by the
    shortest covering span, else the quotation whose words it is part of."""
    for wanted in ("thing", "quote"):
        covering = sorted((e - s, s, e) for s, e in spans if s <= a and e >= b and any(k == wanted for _, k in spans[(s, e)]))
        if covering:
            _, s, e = covering[0]
            return next(n for n, k in spans[(s, e)] if k == wanted), wanted
    return None


def segment(text: str, spans: dict, labels: Labels, mark=None) -> list[Segment]:
    """Cut ``text`` at every span boundary; link each piece to the thing
    named by the shortest span covering it (or to the quotation it is in)."""
    found = {0, len(text)}
    for s, e in spans:
        found.update((s, e))
    if mark:
        found.update(m for m in mark if 0 <= m <= len(text))
    cuts = sorted(found)
    starts: dict[int, list[str]] = defaultdict(list)
    for s, e in sorted(spans):
        starts[s].append(f"char={s},{e}")
    out = []
    for a, b in zip(cuts, cuts[1:]):
        seg = Segment(text[a:b], a, b, anchors=starts.get(a, []))
        link = _link_for(spans, a, b)
        if link:
            seg.link, seg.kind = link
            seg.title = labels.label(seg.link)
        seg.marked = bool(mark and mark[0] <= a and b <= mark[1] and a < b)
        out.append(seg)
    return out
