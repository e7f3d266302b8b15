"""Arrange a ``Description`` for people: label, types, grouped properties,
incoming links with counts, evidence sentences, neighbours for a diagram.

Pure data (no HTML): the server's templates render it, tests assert it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.views.describe import Description
from kg.views.evidence_view import EVIDENCE, PER_NODE, SpanList, article_texts, capped_spans, evidence_for, joint, parse_span
from kg.views.labels import Labels
from kg.model.namespaces import GAF, SDO, WD
from kg.model.terms import humanize, literal_value

NAME_PROPS = {str(RDFS.label), str(SKOS.prefLabel), str(SDO.name)}
DESCRIPTION_PROPS = (str(RDFS.comment), str(SDO.description), str(SKOS.definition))
ALIAS_PROPS = {str(SKOS.altLabel), str(SDO.alternateName)}
MATCH_PROPS = {str(SKOS.exactMatch), str(SKOS.closeMatch), str(OWL.sameAs), str(SDO.sameAs), str(RDFS.seeAlso)}
PROVENANCE_PREFIXES = (str(PROV), str(GAF))
DATE_TYPES = {str(XSD.date), str(XSD.dateTime), str(XSD.gYear), str(XSD.gYearMonth)}
NUMBER_TYPES = {str(XSD[t]) for t in ("integer", "int", "long", "decimal", "double", "float", "nonNegativeInteger", "positiveInteger")}

MAX_NEIGHBOURS = 12  # linked things a page draws around the entity
JOINT_SPANS = 50  # spans of the entity searched for sentences shared with a link
# Properties shown in a page's head (name, types, description, aliases), not in its groups.
HEAD_PROPS = frozenset({str(RDF.type), *NAME_PROPS, DESCRIPTION_PROPS[0], *ALIAS_PROPS})
GROUP_ORDER = ("When", "Where", "Connections", "Figures", "Details", "Evidence and provenance", "Elsewhere on the web")


@dataclass
class Value:
    """One value on a page: a link, a blank node's own rows, or a literal."""

    kind: str  # "iri", "bnode" or "literal"
    text: str  # IRI, blank node id or lexical form
    label: str = ""
    lang: str | None = None
    datatype: str | None = None
    datatype_label: str = ""
    python: object = field(default=None, metadata={"json": False})  # ``text`` as a Python value
    rows: list = field(default_factory=list)  # a blank node's own properties
    evidence: list = field(default_factory=list)  # Span objects of this node

    @property
    def is_span(self) -> bool:
        return self.kind == "iri" and parse_span(self.text) is not None


@dataclass
class Row:
    prop: str
    label: str
    values: list
    total: int = 0  # values in the graph when more than are shown

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.values))


@dataclass
class Group:
    title: str
    rows: list


@dataclass
class Incoming:
    prop: str
    label: str
    count: int
    subjects: list  # Value

    @property
    def more(self) -> bool:
        return self.count > len(self.subjects)


@dataclass
class PageSpans:
    """The evidence spans one page has fetched, shared by its sections so
    that each node's spans are asked for once (see ``capped_spans``)."""

    mine: list  # the entity's first JOINT_SPANS spans, in text order
    texts: dict  # article IRI -> text (``Texts``), for the articles the page quotes
    spans: dict  # node -> spans fetched (capped)
    totals: dict  # node -> how many spans it has
    asked: set = field(default_factory=set)
    iri: str | None = None  # the entity's

    @classmethod
    def load(cls, store, iri: str, nodes=(), quoted=()) -> "PageSpans":
        """The entity's own spans (a sample when it has very many) and those
        of ``nodes`` (the things its page links to), and the texts of the
        articles the page will quote (those of the entity's first spans and
        of the first ``PER_NODE`` spans of each of ``quoted``): three queries
        in all. Spans or texts not fetched here are fetched when asked for
        (``of``, ``evidence_for``)."""
        asked = {iri, *(n for n in nodes if n)}
        spans, totals = capped_spans(store, asked)
        mine = sorted(spans.get(iri, []))[:JOINT_SPANS]
        docs = {doc for doc, *_ in mine}
        docs |= {doc for node in {iri, *quoted} for doc, *_ in sorted(spans.get(node, []))[:PER_NODE]}
        return cls(mine, article_texts(store, docs), {iri: [], **spans}, {iri: 0, **totals}, asked, iri)

    def cited(self) -> set[str] | None:
        """Every article the entity's spans name, when all its spans were
        fetched and each is a span IRI (else None: not known here)."""
        own = self.spans.get(self.iri, []) if self.iri is not None else []
        if self.iri is None or len(own) != self.totals.get(self.iri, 0):
            return None
        return {doc for doc, *_ in own}

    def of(self, store, nodes) -> dict:
        """Node -> spans, fetching (in two queries) those not asked for yet."""
        missing = set(nodes) - self.asked
        if missing:
            spans, totals = capped_spans(store, missing)
            self.spans.update(spans)
            self.totals.update(totals)
            self.asked |= missing
        return self.spans


@dataclass
class EntityPage:
    iri: str
    label: str
    types: list
    description: str = ""
    aliases: list = field(default_factory=list)
    more_aliases: int = 0  # names past the cap, in the RDF twin
    matches: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    incoming: list = field(default_factory=list)
    evidence: list = field(default_factory=list)  # the entity's own spans
    wikidata: list = field(default_factory=list)
    spans: PageSpans | None = field(default=None, metadata={"json": False})  # a cache while assembling
    props: frozenset | None = field(default=None, metadata={"json": False})  # the entity's properties (None: not known)


def make_value(term, labels: Labels) -> Value:
    """A pyoxigraph term as a ``Value`` (no nested rows yet)."""
    if isinstance(term, ox.NamedNode):
        return Value("iri", term.value, labels.label(term.value))
    if isinstance(term, ox.BlankNode):
        return Value("bnode", term.value, "")
    dtype = term.datatype.value if term.datatype else None
    if term.language or dtype in (str(XSD.string), str(RDF.langString)):
        dtype = None
    return Value("literal", term.value, term.value, term.language, dtype,
                 labels.label(dtype) if dtype else "", literal_value(term.value, dtype))


def _group_of(prop: str, values: list[Value]) -> str:
    if prop in MATCH_PROPS:
        return "Elsewhere on the web"
    if prop == EVIDENCE or prop.startswith(PROVENANCE_PREFIXES) or all(v.is_span for v in values):
        return "Evidence and provenance"
    literals = [v for v in values if v.kind == "literal"]
    if literals and len(literals) == len(values):
        if all(v.datatype in DATE_TYPES for v in literals):
            return "When"
        if all(v.datatype in NUMBER_TYPES for v in literals):
            return "Figures"
        return "Details"
    if any(w in prop.lower() for w in ("place", "location", "where")):
        return "Where"
    return "Connections"


def _rows(subject, triples, labels: Labels, depth: int = 0) -> list[Row]:
    """Rows of ``subject`` (blank nodes are expanded in place)."""
    by_prop: dict[str, list[Value]] = defaultdict(list)
    for t in triples:
        if t.subject == subject:
            value = make_value(t.object, labels)
            if value.kind == "bnode" and depth < 3:
                value.rows = _rows(t.object, triples, labels, depth + 1)
            by_prop[t.predicate.value].append(value)
    rows = [Row(p, labels.label(p), vs) for p, vs in by_prop.items()]
    rows.sort(key=lambda r: (r.label.lower(), r.prop))
    for row in rows:
        row.values.sort(key=lambda v: (v.kind != "iri", (v.label or v.text).lower()))
    return rows


def _first(rows: list[Row], props) -> str:
    for prop in props:
        for row in rows:
            if row.prop == prop:
                english = [v for v in row.values if v.lang in (None, "en")]
                return (english or row.values)[0].text
    return ""


def build_page(desc: Description, store=None) -> EntityPage:
    """The page data for ``desc``; with ``store``, evidence is resolved too."""
    subject = ox.NamedNode(desc.iri)
    rows = _rows(subject, desc.outgoing, desc.labels)
    for row in rows:
        row.total = desc.outgoing_counts.get(row.prop, 0)
    types = next((r.values for r in rows if r.prop == str(RDF.type)), [])
    page = EntityPage(desc.iri, desc.labels.get(desc.iri) or humanize(desc.iri), types)
    page.props = frozenset(r.prop for r in rows)
    page.description = _first(rows, DESCRIPTION_PROPS)
    page.aliases = [v for r in rows if r.prop in ALIAS_PROPS for v in r.values]
    page.more_aliases = sum(r.more for r in rows if r.prop in ALIAS_PROPS)
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.prop not in HEAD_PROPS:
            grouped[_group_of(row.prop, row.values)].append(row)
    page.groups = [Group(title, grouped[title]) for title in GROUP_ORDER if grouped.get(title)]
    page.matches = [v for r in rows if r.prop in MATCH_PROPS for v in r.values if v.kind == "iri"]
    page.wikidata = [v for v in page.matches if v.text.startswith(str(WD))]
    page.incoming = [
        Incoming(p, desc.labels.label(p), desc.incoming_counts[p], [make_value(s, desc.labels) for s in subs])
        for p, subs in sorted(desc.incoming.items(), key=lambda kv: (desc.labels.label(kv[0]).lower(), kv[0]))
    ]
    if store is not None:
        attach_evidence(page, store)
    return page


def attach_evidence(page: EntityPage, store) -> None:
    """Evidence of the entity, and of each link on the page.

    A link to or from another node is shown in the sentences where both
    are named (both marked); a node pointing here without such a sentence
    (a participation, a quote) shows its own evidence; a thing the entity
    points to shows none rather than sentences about something else.
    """
    outgoing = [v for g in page.groups for r in g.rows for v in r.values if v.kind == "iri" and not v.is_span]
    incoming = [v for inc in page.incoming for v in inc.subjects if v.kind == "iri"]
    cache = page.spans = page.spans or PageSpans.load(store, page.iri)
    spans, mine, texts = cache.of(store, {v.text for v in outgoing + incoming}), cache.mine, cache.texts
    own = evidence_for(store, [page.iri], spans=spans, texts=texts, totals=cache.totals)
    page.evidence = own.get(page.iri, [])
    theirs = evidence_for(store, [v.text for v in incoming], spans=spans, texts=texts, totals=cache.totals)
    for value in outgoing:
        value.evidence = _spanlist(joint(mine, spans.get(value.text, []), texts))
    for value in incoming:
        value.evidence = _spanlist(joint(spans.get(value.text, []), mine, texts)) or theirs.get(value.text, [])


def linked_nodes(desc: Description) -> tuple[set[str], set[str]]:
    """The IRIs whose evidence ``attach_evidence`` looks for on the page of
    ``desc``: (what the entity links to in its groups, what links to it).
    Only the latter may show their own evidence."""
    subject = ox.NamedNode(desc.iri)
    out = {t.object.value for t in desc.outgoing if t.subject == subject and isinstance(t.object, ox.NamedNode)
           and t.predicate.value not in HEAD_PROPS and parse_span(t.object.value) is None}
    return out, {s.value for subjects in desc.incoming.values() for s in subjects if isinstance(s, ox.NamedNode)}


def _spanlist(spans: list) -> SpanList:
    found = SpanList(spans)
    found.total = len(spans)
    return found


def drop_rows(page: EntityPage, props) -> None:
    """Remove rows of ``props`` from the groups (shown elsewhere on the page)."""
    props = set(props)
    if page.evidence:
        props.add(EVIDENCE)
    for group in page.groups:
        group.rows = [r for r in group.rows if r.prop not in props]
    page.groups = [g for g in page.groups if g.rows]


def neighbours(page: EntityPage, cap: int = MAX_NEIGHBOURS) -> list[tuple[str, str, str, bool]]:
    """(iri, label, property label, incoming?) of linked things, capped:
    what the page's neighbourhood diagram draws (before rows are dropped)."""
    seen, out = set(), []
    for group in page.groups:
        if group.title == "Evidence and provenance":
            continue
        for row in group.rows:
            for v in row.values:
                if v.kind == "iri" and v.text not in seen and not v.is_span:
                    seen.add(v.text)
                    out.append((v.text, v.label, row.label, False))
    for inc in page.incoming:
        for v in inc.subjects:
            if v.kind == "iri" and v.text not in seen:
                seen.add(v.text)
                out.append((v.text, v.label, inc.label, True))
    return out[:cap]
