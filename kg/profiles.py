"""Sections particular to a kind of entity, each fact with its evidence:

* an event: when, where, who took part in which role, what came of it;
* a party (person, state...): offices, positions, quotes, events;
* a strike: attacker, weapon, place, counts, consequences.

Each section is one SELECT whose rows become table rows; labels and
evidence of every row are then fetched for all sections at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDFS

from .entity_page import EntityPage, make_value
from .evidence_view import evidence_for
from .labels import Labels
from .namespaces import DIP
from .terms import sparql_iri

_OWN_PROP = re.compile(r"\$ dip:(\w+)")
KINDS = {"event": DIP.Event, "strike": DIP.Strike, "person": DIP.Person, "party": DIP.Party}


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


def kinds_of(store, types: list[str]) -> set[str]:
    """Which of event / strike / person / party the types make an entity."""
    if not types:
        return set()
    values = " ".join(sparql_iri(t) for t in types)
    supers = " ".join(f"<{c}>" for c in KINDS.values())
    query = f"SELECT DISTINCT ?k WHERE {{ VALUES ?t {{ {values} }} VALUES ?k {{ {supers} }} ?t <{RDFS.subClassOf}>* ?k }}"
    found = {row["k"].value for row in store.query(query, union_default_graph=True)}
    return {name for name, iri in KINDS.items() if str(iri) in found}


# (key, title, columns, query body with ?node and one variable per column; $ = the entity)
EVENT_SECTIONS = [
    ("when", "When", ["date", "year", "earliest begin", "latest end", "in the article's words", "status", "inferred", "how"],
     "BIND($ AS ?node) OPTIONAL { $ dip:date ?c0 } OPTIONAL { $ dip:year ?c1 } OPTIONAL { $ dip:earliestBegin ?c2 } "
     "OPTIONAL { $ dip:latestEnd ?c3 } OPTIONAL { $ dip:timePhrase ?c4 } OPTIONAL { $ dip:status ?c5 } "
     "OPTIONAL { $ dip:timeInferred ?c6 } OPTIONAL { $ dip:timeResolution ?c7 } "
     "FILTER(BOUND(?c0) || BOUND(?c1) || BOUND(?c2) || BOUND(?c3) || BOUND(?c4))"),
    ("where", "Where", ["place", "within"],
     "$ dip:place ?c0 . BIND(?c0 AS ?node) OPTIONAL { ?c0 dip:inPlace ?c1 }"),
    ("who", "Who took part", ["party", "role", "represented by"],
     "?node dip:inEvent $ ; dip:participant ?c0 . OPTIONAL { ?node dip:role ?c1 } OPTIONAL { ?node dip:representedBy ?c2 }"),
    ("outcomes", "What came of it", ["outcome", "agreed by"],
     "$ dip:outcome ?node . BIND(?node AS ?c0) OPTIONAL { ?node dip:agreedBy ?c1 }"),
    ("objectives", "Objectives", ["objective"], "$ dip:objective ?node . BIND(?node AS ?c0)"),
    ("subevents", "Part of it", ["event"], "?node dip:partOfEvent $ . BIND(?node AS ?c0)"),
]
STRIKE_SECTIONS = [
    ("attack", "The attack", ["attacker", "weapon", "place", "target", "target party"],
     "BIND($ AS ?node) OPTIONAL { $ dip:attacker ?c0 } OPTIONAL { $ dip:weapon ?c1 } OPTIONAL { $ dip:place ?c2 } "
     "OPTIONAL { $ dip:target ?c3 } OPTIONAL { $ dip:targetParty ?c4 } FILTER(BOUND(?c0) || BOUND(?c1) || BOUND(?c2))"),
    ("counts", "Counts", ["what", "number", "in the article's words", "reported by"],
     "$ dip:quantity ?node . OPTIONAL { ?node dip:quantityKind ?c0 } OPTIONAL { ?node dip:value ?c1 } "
     "OPTIONAL { ?node dip:quantityPhrase ?c2 } OPTIONAL { ?node dip:reportedBy ?c3 }"),
    ("consequences", "Consequences", ["consequence", "affected", "what", "number"],
     "$ dip:consequence ?node . BIND(?node AS ?c0) OPTIONAL { ?node dip:affected ?c1 } "
     "OPTIONAL { ?node dip:quantity ?q . OPTIONAL { ?q dip:quantityKind ?c2 } OPTIONAL { ?q dip:value ?c3 } }"),
]
PARTY_SECTIONS = [
    ("offices", "Offices", ["office", "of", "current"],
     "?node dip:officeHolder $ ; dip:office ?c0 . OPTIONAL { ?c0 dip:officeOf ?c1 } OPTIONAL { ?node dip:isCurrent ?c2 }"),
    ("positions", "Positions", ["stance", "on", "in the article's words", "quote"],
     "?node dip:holder $ . OPTIONAL { ?node dip:stance ?c0 } OPTIONAL { ?node dip:topic ?c1 } "
     "OPTIONAL { ?node dip:content ?c2 } OPTIONAL { ?node dip:quote ?c3 }"),
    ("quotes", "Quotes", ["words"], "?node dip:speaker $ ; dip:quoteText ?c0 ."),
    ("events", "Events", ["event", "role", "as"],
     "{ ?part dip:participant $ } UNION { ?part dip:representedBy $ } ?part dip:inEvent ?c0 . BIND(?part AS ?node) "
     "OPTIONAL { ?part dip:role ?c1 } OPTIONAL { ?part dip:participant ?c2 FILTER(?c2 != $) }"),
    ("acted", "Acted in", ["event"], "?node dip:actor $ . BIND(?node AS ?c0)"),
]


def _run(store, iri: str, spec) -> Section:
    key, title, columns, body = spec
    query = f"PREFIX dip: <{DIP}>\nSELECT * WHERE {{ {body.replace('$', sparql_iri(iri))} }}"
    section = Section(title, columns, key=key)
    by_node: dict = {}
    for row in store.query(query, union_default_graph=True):
        node = row["node"]
        key_ = node.value if node is not None else None
        fact = by_node.get(key_)
        if fact is None:
            fact = by_node[key_] = FactRow(key_ if isinstance(node, ox.NamedNode) else None, [[] for _ in columns])
            section.rows.append(fact)
        for i, cell in enumerate(fact.cells):
            term = row[f"c{i}"]
            if term is not None and term not in cell:
                cell.append(term)
    return section


def profile(store, page: EntityPage) -> dict:
    """Sections for ``page`` by kind, labels and evidence resolved."""
    kinds = kinds_of(store, [v.text for v in page.types if v.kind == "iri"])
    specs = []
    if "strike" in kinds:
        specs += STRIKE_SECTIONS
    if "event" in kinds:
        specs += [s for s in EVENT_SECTIONS if not ("strike" in kinds and s[0] == "where")]
    if kinds & {"person", "party"}:
        specs += [s for s in PARTY_SECTIONS if s[0] != "offices" or "person" in kinds]
    sections = [s for s in (_run(store, page.iri, spec) for spec in specs) if s.rows]
    covered = {str(DIP[name]) for s in specs if any(sec.key == s[0] for sec in sections) for name in _OWN_PROP.findall(s[3])}
    iris = {t.value for s in sections for r in s.rows for c in r.cells for t in c if isinstance(t, ox.NamedNode)}
    labels = Labels.load(store, iris)
    evidence = evidence_for(store, {r.node for s in sections for r in s.rows if r.node})
    for section in sections:
        for row in section.rows:
            row.cells = [[make_value(t, labels) for t in cell] for cell in row.cells]
            row.evidence = evidence.get(row.node, []) if row.node != page.iri else []
        used = [i for i in range(len(section.columns)) if any(r.cells[i] for r in section.rows)]
        section.columns = [section.columns[i] for i in used]
        for row in section.rows:
            row.cells = [row.cells[i] for i in used]
    if not page.description:
        page.description = _offices_summary(sections)
    return {"kinds": sorted(kinds), "sections": sections, "covered": covered}


def _offices_summary(sections: list[Section]) -> str:
    """``Foreign Minister of Russia`` for a person without a description."""
    offices = next((s for s in sections if s.key == "offices"), None)
    if offices is None:
        return ""
    names = [v.label for row in offices.rows for v in row.cells[0] if v.kind == "iri"]
    return "; ".join(dict.fromkeys(names))
