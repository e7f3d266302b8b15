"""Sections particular to a kind of entity, each fact with its evidence:

* an event: when, where, who took part in which role, what came of it;
* a party (person, state...): offices, positions, quotes, events;
* a strike: attacker, weapon, place, counts, consequences.

A section is a set of nodes (the entity itself, the things it points to by
one property, or the things pointing to it) and columns that are paths of
one or two properties from each node. Every query is a single triple
pattern over a list of nodes with DISTINCT, joined here in Python: with the
union default graph, a fact repeated in many article graphs is a row per
graph, and a join of such patterns in SPARQL multiplies them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDFS

from kg.views.describe import term_order
from kg.views.entity_page import EntityPage, PageSpans, make_value
from kg.views.evidence_view import evidence_for, joint
from kg.views.labels import Labels
from kg.model.namespaces import DIP
from kg.model.terms import sparql_iri, values_clause
from kg.storage.pagecache import cached, frozen

KINDS = {"event": DIP.Event, "strike": DIP.Strike, "person": DIP.Person, "party": DIP.Party}
SECTION_CAP = 25  # rows shown per section; the rest are one link away
SELF = ()  # the path of a column showing the node itself


@dataclass(frozen=True)
class Spec:
    """``anchor``: ``("self",)``, ``("out", prop)`` or ``("in", prop, ...)``;
    ``columns``: (header, path of property names); ``required``: indexes of
    columns of which at least one must have a value for the row to show."""

    key: str
    title: str
    anchor: tuple
    columns: tuple
    required: tuple = ()
    exclude_self: bool = False  # drop the entity itself from column values
    joint: bool = False  # evidence: sentences naming both the entity and the node


@dataclass
class FactRow:
    node: str | None
    cells: list  # one list of Values per column
    evidence: list = field(default_factory=list)


@dataclass
class Section:
    title: str
    columns: list
    rows: list = field(default_factory=list)
    key: str = ""
    total: int = 0
    more: tuple | None = None  # (entity IRI, property IRI): the full list is its incoming links


EVENT = (
    Spec("when", "When", ("self",), (("date", ("date",)), ("year", ("year",)), ("earliest begin", ("earliestBegin",)),
         ("latest end", ("latestEnd",)), ("in the article's words", ("timePhrase",)), ("status", ("status",)),
         ("inferred", ("timeInferred",)), ("how", ("timeResolution",))), required=(0, 1, 2, 3, 4)),
    Spec("where", "Where", ("out", "place"), (("place", SELF), ("within", ("inPlace",))), joint=True),
    Spec("who", "Who took part", ("in", "inEvent"), (("party", ("participant",)), ("role", ("role",)), ("represented by", ("representedBy",)))),
    Spec("outcomes", "What came of it", ("out", "outcome"), (("outcome", SELF), ("agreed by", ("agreedBy",)))),
    Spec("objectives", "Objectives", ("out", "objective"), (("objective", SELF),)),
    Spec("subevents", "Part of it", ("in", "partOfEvent"), (("event", SELF),)),
)
STRIKE = (
    Spec("attack", "The attack", ("self",), (("attacker", ("attacker",)), ("weapon", ("weapon",)), ("place", ("place",)),
         ("target", ("target",)), ("target party", ("targetParty",))), required=(0, 1, 2)),
    Spec("counts", "Counts", ("out", "quantity"), (("what", ("quantityKind",)), ("number", ("value",)),
         ("in the article's words", ("quantityPhrase",)), ("reported by", ("reportedBy",)))),
    Spec("consequences", "Consequences", ("out", "consequence"), (("consequence", SELF), ("affected", ("affected",)),
         ("what", ("quantity", "quantityKind")), ("number", ("quantity", "value")))),
)
PARTY = (
    Spec("offices", "Offices", ("in", "officeHolder"), (("office", ("office",)), ("of", ("office", "officeOf")), ("current", ("isCurrent",)))),
    Spec("positions", "Positions", ("in", "holder"), (("stance", ("stance",)), ("on", ("topic",)),
         ("in the article's words", ("content",)), ("quote", ("quote",)))),
    Spec("quotes", "Quotes", ("in", "speaker"), (("words", ("quoteText",)),)),
    Spec("events", "Events", ("in", "representedBy", "participant"), (("event", ("inEvent",)), ("role", ("role",)), ("as", ("participant",))),
         exclude_self=True),
    Spec("acted", "Acted in", ("in", "actor"), (("event", SELF),)),
)


def kinds_of(store, types: list[str]) -> set[str]:
    """Which of event / strike / person / party the types make an entity
    (kept per set of types by a store that cannot change)."""
    if not types:
        return set()
    kept: dict | None = cached(store, "entity-kinds", dict) if frozen(store) else None
    key = frozenset(types)
    if kept is not None and key in kept:
        return set(kept[key])
    # (type, kind) pairs: Virtuoso runs a path only from a start bound with its end
    pairs = " ".join(f"({sparql_iri(t)} <{c}>)" for t in types for c in KINDS.values())
    query = f"SELECT DISTINCT ?k WHERE {{ VALUES (?t ?k) {{ {pairs} }} ?t <{RDFS.subClassOf}>* ?k }}"
    found = {row["k"].value for row in store.query(query, union_default_graph=True)}
    kinds = {name for name, iri in KINDS.items() if str(iri) in found}
    if kept is not None:
        kept[key] = frozenset(kinds)
    return kinds


def _anchor_pattern(iri: str, anchor: tuple) -> str:
    props = ", ".join(f"<{DIP[p]}>" for p in anchor[1:])
    pattern = f"{sparql_iri(iri)} ?p ?node" if anchor[0] == "out" else f"?node ?p {sparql_iri(iri)}"
    return f"{pattern} FILTER(?p IN ({props}))"


def anchor_nodes(store, iri: str, specs, incoming: dict | None = None) -> dict:
    """Spec key -> (the section's nodes, at most SECTION_CAP, sorted; how
    many there are): one query for every section, one more to count those
    past the cap.

    The cap is in the query without ``ORDER BY`` (sorting thousands of
    nodes in the store is what made a much-linked page slow); the nodes
    kept are sorted here. Which ones are kept is the store's choice.
    ``incoming`` (property IRI -> how many link to ``iri`` by it) bounds
    the branches that follow incoming links, so a branch stops once it has
    them all even when each link is repeated in thousands of graphs."""
    found = {spec.key: ([ox.NamedNode(iri)], 1) for spec in specs if spec.anchor[0] == "self"}
    limits = {spec.key: _limit(spec, incoming) for spec in specs if spec.anchor[0] != "self"}
    found.update({key: ([], 0) for key, n in limits.items() if n == 0})
    linked = [spec for spec in specs if limits.get(spec.key)]
    if not linked:
        return found
    nodes: dict = defaultdict(list)
    query = "SELECT ?key ?node WHERE { " + " UNION ".join(
        f'{{ SELECT DISTINCT ("{spec.key}" AS ?key) ?node WHERE {{ {_anchor_pattern(iri, spec.anchor)} }} LIMIT {limits[spec.key]} }}'
        for spec in linked) + " }"
    for row in store.query(query, union_default_graph=True):
        nodes[row["key"].value].append(row["node"])
    totals = {spec.key: len(nodes[spec.key]) for spec in linked}
    for spec in linked:
        known = [incoming.get(str(DIP[p]), 0) for p in spec.anchor[1:]] if incoming is not None and spec.anchor[0] == "in" else []
        if len(nodes[spec.key]) > SECTION_CAP and sum(1 for n in known if n) == 1:
            totals[spec.key] = sum(known)  # one property links: its count is the section's
    full = [spec for spec in linked if len(nodes[spec.key]) > SECTION_CAP and totals[spec.key] == len(nodes[spec.key])]
    if full:
        count = "SELECT ?key ?n WHERE { " + " UNION ".join(
            f'{{ SELECT ("{spec.key}" AS ?key) (COUNT(DISTINCT ?node) AS ?n) WHERE {{ {_anchor_pattern(iri, spec.anchor)} }} }}'
            for spec in full) + " }"
        totals.update({row["key"].value: int(row["n"].value) for row in store.query(count, union_default_graph=True)})
    for spec in linked:
        found[spec.key] = (sorted(nodes[spec.key], key=term_order)[:SECTION_CAP], totals[spec.key])
    return found


def _limit(spec: Spec, incoming: dict | None) -> int:
    """Most nodes to fetch for ``spec``: one past the cap, or fewer when
    the incoming link counts say there are fewer."""
    if spec.anchor[0] != "in" or incoming is None:
        return SECTION_CAP + 1
    return min(SECTION_CAP + 1, sum(incoming.get(str(DIP[p]), 0) for p in spec.anchor[1:]))


def _objects(store, asks: dict, whole: frozenset = frozenset()) -> dict:
    """Key -> (subject IRI, property name) -> [objects], for ``asks``
    (key -> (subjects, property names)): one DISTINCT query for all keys.

    Subjects are looked up one branch per property (a lookup, not a read of
    every statement of a node: a place or a person has thousands of evidence
    spans), except those of the keys in ``whole``: fact nodes linking to the
    page's entity (a position, a quote, a participation), with a dozen
    statements each, read whole and filtered (40% less time than a branch per
    property for the sections of a much-quoted person)."""
    found: dict = defaultdict(lambda: defaultdict(list))
    blocks, names = [], {}
    for key, (subjects, props) in asks.items():
        subjects = [s.value for s in subjects if isinstance(s, ox.NamedNode)]
        if not subjects or not props:
            continue
        names.update({str(DIP[p]): p for p in props})
        # one property goes the branch way: Virtuoso 7.2 fails on ``?p IN (<one>)``
        # here ("sparp_gp_deprecate(): equiv replaces filter")
        if key in whole and len(props) > 1:
            wanted = ", ".join(f"<{DIP[p]}>" for p in sorted(props))
            blocks.append(f'{{ {values_clause("s", subjects)} ?s ?p ?o FILTER(?p IN ({wanted})) BIND("{key}" AS ?k) }}')
            continue
        branches = " UNION ".join(f"{{ ?s <{DIP[p]}> ?o BIND(<{DIP[p]}> AS ?p) }}" for p in sorted(props))
        blocks.append(f'{{ {values_clause("s", subjects)} {branches} BIND("{key}" AS ?k) }}')
    if not blocks:
        return found
    query = f"SELECT DISTINCT ?k ?s ?p ?o WHERE {{ {' UNION '.join(blocks)} }}"
    for row in store.query(query, union_default_graph=True):
        found[row["k"].value][(row["s"].value, names[row["p"].value])].append(row["o"])
    return found


def _run_all(store, iri: str, specs, anchored: dict) -> list:
    """Evaluate the sections of ``specs`` from their ``anchored`` nodes and
    totals: two queries for all of them (each column's first step, then the
    second steps of two-step columns)."""
    first = _objects(store, {spec.key: (anchored[spec.key][0], {path[0] for _, path in spec.columns if path}) for spec in specs},
                     frozenset(spec.key for spec in specs if spec.anchor[0] == "in"))
    mids = {}
    for spec in specs:
        two_step = {path[0] for _, path in spec.columns if len(path) > 1}
        nodes = [o for (_, p), objs in first[spec.key].items() if p in two_step for o in objs]
        mids[spec.key] = (nodes, {path[1] for _, path in spec.columns if len(path) > 1})
    second = _objects(store, mids) if any(nodes and props for nodes, props in mids.values()) else {}
    return [(spec, _section(iri, spec, anchored[spec.key], first.get(spec.key, {}), second.get(spec.key, {}))) for spec in specs]


def _section(iri: str, spec: Spec, anchored: tuple, first: dict, second: dict) -> Section:
    """One section's rows from its nodes and the objects fetched for them."""
    nodes, total = anchored
    section = Section(spec.title, [c[0] for c in spec.columns], key=spec.key, total=total)
    if total > len(nodes) and spec.anchor[0] == "in":
        section.more = (iri, str(DIP[spec.anchor[1]]))
    for node in nodes:
        cells = []
        for _, path in spec.columns:
            values = [node] if not path else list(first.get((node.value, path[0]), []))
            if len(path) > 1:
                values = [o for v in values if isinstance(v, ox.NamedNode) for o in second.get((v.value, path[1]), [])]
            if spec.exclude_self:
                values = [v for v in values if not (isinstance(v, ox.NamedNode) and v.value == iri)]
            cells.append(list(dict.fromkeys(values)))
        if spec.required and not any(cells[i] for i in spec.required):
            continue
        section.rows.append(FactRow(node.value if isinstance(node, ox.NamedNode) else None, cells))
    return section


@dataclass
class Plan:
    """An entity's sections before labels and evidence (see ``plan``)."""

    iri: str
    kinds: set
    runs: list  # (Spec, Section with pyoxigraph terms in its cells)
    joint: set  # keys of the sections whose evidence names the entity too

    @property
    def sections(self) -> list:
        return [sec for _, sec in self.runs if sec.rows]

    def iris(self) -> set[str]:
        """The IRIs the sections show (to label)."""
        return {t.value for s in self.sections for r in s.rows for c in r.cells for t in c if isinstance(t, ox.NamedNode)}

    def nodes(self, joint: bool = True) -> set[str]:
        """The nodes whose evidence the sections show (without ``joint``:
        those of the sections showing a node's own evidence)."""
        return {r.node for s in self.sections if joint or s.key not in self.joint
                for r in s.rows if r.node and r.node != self.iri}


def plan(store, iri: str, types: list[str], incoming: dict) -> Plan:
    """The sections of ``iri`` by kind (``types``: its type IRIs;
    ``incoming``: property IRI -> how many link to it by it), their nodes
    and cells: at most four queries, and none to label them."""
    kinds = kinds_of(store, types)
    specs: list[Spec] = []
    if "strike" in kinds:
        specs += STRIKE
    if "event" in kinds:
        specs += [s for s in EVENT if not ("strike" in kinds and s.key == "where")]
    if kinds & {"person", "party"}:
        specs += [s for s in PARTY if s.key != "offices" or "person" in kinds]
    anchored = anchor_nodes(store, iri, specs, incoming)
    return Plan(iri, kinds, _run_all(store, iri, specs, anchored), {spec.key for spec in specs if spec.joint})


def profile(store, page: EntityPage, planned: Plan | None = None, labels: Labels | None = None) -> dict:
    """Sections for ``page`` by kind, labels and evidence resolved
    (``planned`` and ``labels``: made beforehand, with the rest of the page)."""
    if planned is None:
        planned = plan(store, page.iri, [v.text for v in page.types if v.kind == "iri"],
                       {inc.prop: inc.count for inc in page.incoming})
    sections = planned.sections
    covered = {str(DIP[spec.columns[i][1][0]]) for spec, sec in planned.runs if sec.rows and spec.anchor == ("self",)
               for i in range(len(spec.columns))}
    covered |= {str(DIP[spec.anchor[1]]) for spec, sec in planned.runs if sec.rows and spec.anchor[0] == "out"}
    _resolve(store, page, sections, planned.joint, labels if labels is not None else Labels.load(store, planned.iris()))
    if not page.description:
        page.description = _offices_summary(sections)
    return {"kinds": sorted(planned.kinds), "sections": sections, "covered": covered}


def _resolve(store, page: EntityPage, sections: list[Section], joint_keys: set, labels: Labels) -> None:
    """Labels and evidence for every section at once (no query when the
    page's spans were fetched with the sections' nodes)."""
    nodes = {r.node for s in sections for r in s.rows if r.node and r.node != page.iri}
    own = {r.node for s in sections if s.key not in joint_keys for r in s.rows if r.node and r.node != page.iri}
    cache = page.spans = page.spans or PageSpans.load(store, page.iri, nodes, own)
    spans, mine, texts = cache.of(store, nodes), cache.mine, cache.texts
    evidence = evidence_for(store, own, spans=spans, texts=texts, totals=cache.totals)
    for section in sections:
        for row in section.rows:
            row.cells = [[make_value(t, labels) for t in cell] for cell in row.cells]
            if row.node == page.iri:
                row.evidence = []
            elif section.key in joint_keys:
                row.evidence = joint(mine, spans.get(row.node, []), texts)
            else:
                row.evidence = evidence.get(row.node, [])
        used = [i for i in range(len(section.columns)) if any(r.cells[i] for r in section.rows)]
        section.columns = [section.columns[i] for i in used]
        for row in section.rows:
            row.cells = [row.cells[i] for i in used]


def _offices_summary(sections: list[Section]) -> str:
    """``Foreign Minister of Russia`` for a person without a description."""
    offices = next((s for s in sections if s.key == "offices"), None)
    if offices is None:
        return ""
    names = [v.label for row in offices.rows for v in row.cells[0] if v.kind == "iri"]
    return "; ".join(dict.fromkeys(names))
