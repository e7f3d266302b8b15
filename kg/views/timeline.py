"""The timeline: every event the graph knows, in date order, with
uncertain dates (a year only, a window, a date resolved by the build)
shown as such."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib.namespace import RDFS

from kg.views.labels import Labels
from kg.model.namespaces import DIP, NIF
from kg.model.terms import literal_value

# Sub-events shown on their parent's page, not on the timeline.
HIDDEN_CLASSES = (str(DIP.Consequence),)


@dataclass
class TimelineEvent:
    iri: str
    label: str
    type_label: str
    date: dt.date | None = None
    year: int | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None
    phrase: str = ""
    inferred: bool = False
    status: str = ""
    parent: str = ""  # the event this one is part of
    dated_by: str = ""  # label of the parent whose time this one takes
    kind: str = ""  # the specific class's IRI (the filter's value)
    actors: tuple = ()  # IRIs of the parties taking part (actor, attacker, participant...)
    articles: tuple = ()  # IRIs of the articles that state the event

    @property
    def sort_key(self) -> tuple:
        day = self.date or self.earliest or (dt.date(self.year, 1, 1) if self.year else None) or self.latest
        return (day is None, day or dt.date.max, self.label.lower())

    @property
    def period(self) -> str:
        """The year the event falls in (its earliest possible), or ``Undated``."""
        day = self.date or self.earliest or self.latest
        return str(day.year) if day else (str(self.year) if self.year else "Undated")

    @property
    def precision(self) -> str:
        """``day``, ``window``, ``before``, ``year`` or ``unknown``."""
        if self.date:
            return "day"
        if self.earliest and self.latest:
            return "day" if self.earliest == self.latest else "window"
        if self.latest:
            return "before"
        if self.earliest:
            return "after"
        return "year" if self.year else "unknown"

    @property
    def uncertain(self) -> bool:
        return self.inferred or self.precision not in ("day",)


EVENTS = f"""SELECT DISTINCT ?e ?type WHERE {{ ?type <{RDFS.subClassOf}>* <{DIP.Event}> . ?e a ?type .
  FILTER(isIRI(?e)) }}"""
HIDDEN = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{HIDDEN_CLASSES[0]}> }}"
FIELDS = {str(RDFS.label): "label", str(DIP.date): "date", str(DIP.year): "year", str(DIP.earliestBegin): "earliest",
          str(DIP.latestEnd): "latest", str(DIP.timePhrase): "phrase", str(DIP.timeInferred): "inferred", str(DIP.status): "status",
          str(DIP.partOfEvent): "parent"}
ACTOR_PROPS = (DIP.actor, DIP.targetParty, DIP.attacker, DIP.victim)
ACTORS_OF_EVENTS = f"""SELECT DISTINCT ?e ?a WHERE {{
  {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in ACTOR_PROPS)} }} ?e ?p ?a }}
  UNION {{ ?x <{DIP.inEvent}> ?e . ?x <{DIP.participant}> ?a }} FILTER(isIRI(?a)) }}"""
ARTICLES_OF_EVENTS = f"""SELECT DISTINCT ?e ?a WHERE {{
  {{ SELECT DISTINCT ?e WHERE {{ ?type <{RDFS.subClassOf}>* <{DIP.Event}> . ?e a ?type }} }}
  ?e <{DIP.evidence}> ?span . ?span <{NIF.referenceContext}> ?a }}"""
VALUES_OF_EVENTS = f"""SELECT DISTINCT ?e ?p ?o WHERE {{
  {{ SELECT DISTINCT ?e WHERE {{ ?type <{RDFS.subClassOf}>* <{DIP.Event}> . ?e a ?type }} }}
  ?e ?p ?o FILTER(?p IN ({", ".join(f"<{p}>" for p in FIELDS)})) }}"""


def _set(ev: TimelineEvent, field_name: str, term) -> None:
    """Fill one field of ``ev`` from a term (first value wins; English labels)."""
    if field_name == "label":
        if ev.label == ev.iri.rsplit("/", 1)[-1] or getattr(term, "language", None) == "en":
            ev.label = term.value
    elif field_name == "year":
        year = term.value[:4]
        ev.year = ev.year or (int(year) if year.isdigit() else None)
    elif field_name == "inferred":
        ev.inferred = ev.inferred or term.value == "true"
    elif field_name == "phrase":
        ev.phrase = ev.phrase or term.value
    elif field_name == "status":
        ev.status = ev.status or term.value
    elif field_name == "parent":
        ev.parent = ev.parent or term.value
    elif getattr(ev, field_name) is None:
        setattr(ev, field_name, _value(term))


def events(store) -> list[TimelineEvent]:
    """Events in date order, undated ones last (three queries plus labels).

    Each query is DISTINCT over single patterns: an event repeated in many
    article graphs is one event, not one per graph.
    """
    hidden = {row["c"].value for row in store.query(HIDDEN, union_default_graph=True)}
    types: dict[str, set] = {}
    for row in store.query(EVENTS, union_default_graph=True):
        types.setdefault(row["e"].value, set()).add(row["type"].value)
    found = {iri: TimelineEvent(iri, iri.rsplit("/", 1)[-1], "event") for iri, ts in types.items() if not ts & hidden}
    for row in store.query(VALUES_OF_EVENTS, union_default_graph=True):
        ev = found.get(row["e"].value)
        if ev is not None:
            _set(ev, FIELDS[row["p"].value], row["o"])
    _inherit_times(found)
    for query, field_name in ((ACTORS_OF_EVENTS, "actors"), (ARTICLES_OF_EVENTS, "articles")):
        linked: dict[str, list] = {}
        for row in store.query(query, union_default_graph=True):
            if row["e"].value in found:
                linked.setdefault(row["e"].value, []).append(row["a"].value)
        for iri, values in linked.items():
            setattr(found[iri], field_name, tuple(sorted(values)))
    labels = Labels.load(store, {t for ts in types.values() for t in ts} | {e.status for e in found.values() if e.status})
    for ev in found.values():
        specific = sorted(types[ev.iri] - {str(DIP.Event)}, key=lambda t: labels.label(t))
        ev.type_label = labels.label(specific[0]) if specific else "event"
        ev.kind = specific[0] if specific else str(DIP.Event)
        ev.status = labels.label(ev.status) if ev.status else ""
    return sorted(found.values(), key=lambda e: e.sort_key)


def filtered(events: list[TimelineEvent], kind: str = "", actor: str = "", article: str = "") -> list[TimelineEvent]:
    """The events of one kind (class IRI), with one actor, stated by one
    article; an empty argument does not filter.

    >>> evs = [TimelineEvent("a", "A", "talks", kind="K", actors=("p",)), TimelineEvent("b", "B", "strike", kind="S")]
    >>> [e.iri for e in filtered(evs, actor="p")], [e.iri for e in filtered(evs, kind="S")]
    (['a'], ['b'])
    """
    return [ev for ev in events if (not kind or ev.kind == kind) and (not actor or actor in ev.actors)
            and (not article or article in ev.articles)]


def facets(events: list[TimelineEvent]) -> dict[str, list[tuple[str, int]]]:
    """For each filter (``kind``, ``actor``, ``article``): (IRI, events) pairs,
    most events first."""
    counts: dict[str, dict[str, int]] = {"kind": {}, "actor": {}, "article": {}}
    for ev in events:
        for name, values in (("kind", (ev.kind,)), ("actor", ev.actors), ("article", ev.articles)):
            for value in values:
                if value:
                    counts[name][value] = counts[name].get(value, 0) + 1
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for name, c in counts.items()}


def _inherit_times(found: dict[str, TimelineEvent]) -> None:
    """An undated event that is part of a dated one takes its time, marked
    as such (``dated_by``), so it sits where it happened."""
    for ev in found.values():
        parent = found.get(ev.parent)
        if ev.precision == "unknown" and parent is not None and parent.precision != "unknown":
            ev.date, ev.year, ev.earliest, ev.latest = parent.date, parent.year, parent.earliest, parent.latest
            ev.inferred, ev.dated_by = True, parent.label


def _value(term):
    return literal_value(term.value, term.datatype.value) if term is not None and term.datatype else None


def by_period(events: list[TimelineEvent]) -> list[tuple[str, list[TimelineEvent]]]:
    """Consecutive events grouped by ``period``, order kept.

    >>> [p for p, _ in by_period([TimelineEvent("a", "a", "e", year=2018), TimelineEvent("b", "b", "e")])]
    ['2018', 'Undated']
    """
    groups: list[tuple[str, list[TimelineEvent]]] = []
    for ev in events:
        if groups and groups[-1][0] == ev.period:
            groups[-1][1].append(ev)
        else:
            groups.append((ev.period, [ev]))
    return groups
