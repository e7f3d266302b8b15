"""The timeline: every event the graph knows, in date order, with
uncertain dates (a year only, a window, a date resolved by the build)
shown as such.

Two ways to read it, in the same order:

* ``events(store)``: every event at once (a few queries, one row per
  event and field; kept per store version by the pages that use it);
* ``page(store, offset, limit, kind=, actor=, article=)`` and
  ``count(...)``: one page of events, cut from ``order(store)`` (every
  event's IRI in timeline order, one engine query with ``ORDER BY``, kept
  per store version by ``kept_order``) and, with filters, from the events
  matching them (one query, no ordering); only the page's events have their
  fields read. ``facet_counts(store)``: the filters' values with their
  number of events (aggregate queries, at most ``FACET_LIMIT`` rows each).
  The engine orders the events once per store version, not once per page:
  every later page or filter costs a pass over the events' IRIs in Python,
  not a sort by the engine.

The order is the date (an exact day, else the earliest day, else the
first day of the year, else the latest day; an undated part of a dated
event takes its parent's), undated events last, then the label (any
case), then the IRI. When an event has several values of a field the
smallest wins, and its label is its English label (the first in order
when it has several), else its first label, else its IRI's last segment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib.namespace import RDFS

from kg.model.namespaces import DIP, NIF
from kg.model.terms import literal_value, sparql_iri, values_clause
from kg.storage.pagecache import cached
from kg.views.labels import Labels

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
    kind: str = ""  # the specific class's IRI shown (the first by label)
    kinds: tuple = ()  # every specific class's IRI (the kind filter's values)
    actors: tuple = ()  # IRIs of the parties taking part (actor, attacker, participant...)
    articles: tuple = ()  # IRIs of the articles that state the event

    @property
    def sort_key(self) -> tuple:
        day = self.date or self.earliest or (dt.date(self.year, 1, 1) if self.year else None) or self.latest
        return (day is None, day or dt.date.max, self.label.lower(), self.iri)

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


XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
FACET_LIMIT = 100  # values of the actor and article filters counted (those with most events)
CLASSES = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{DIP.Event}> }}"
HIDDEN = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{HIDDEN_CLASSES[0]}> }}"
FIELDS = {str(RDFS.label): "label", str(DIP.date): "date", str(DIP.year): "year", str(DIP.earliestBegin): "earliest",
          str(DIP.latestEnd): "latest", str(DIP.timePhrase): "phrase", str(DIP.timeInferred): "inferred", str(DIP.status): "status",
          str(DIP.partOfEvent): "parent"}
ACTOR_PROPS = (DIP.actor, DIP.targetParty, DIP.attacker, DIP.victim)
_ACTOR_VALUES = " ".join(f"<{p}>" for p in ACTOR_PROPS)


@dataclass(frozen=True)
class EventClasses:
    """The classes of events shown (``shown``) and of those set apart
    (``hidden``: consequences, shown on their parent's page)."""

    shown: tuple
    hidden: tuple

    def members(self, var: str = "e") -> str:
        """A pattern binding ``?var`` to each event shown (once per class)."""
        hidden = f" MINUS {{ {values_clause('_h', self.hidden)} ?{var} a ?_h }}" if self.hidden else ""
        return f"{values_clause('_t', self.shown)} ?{var} a ?_t . FILTER(isIRI(?{var})){hidden}"

    def distinct(self, var: str = "e", more: str = "") -> str:
        """A subquery binding ``?var`` once to each event shown (``more``: extra patterns)."""
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {self.members(var)} {more} }} }}"


def event_classes(store) -> EventClasses:
    """The event classes of the ontology (two small queries)."""
    every = {row["c"].value for row in store.query(CLASSES, union_default_graph=True)}
    hidden = {row["c"].value for row in store.query(HIDDEN, union_default_graph=True)}
    return EventClasses(tuple(sorted(every - hidden)), tuple(sorted(hidden)))


def _scope(classes: EventClasses, iris) -> str:
    """A pattern binding ``?e`` to each event shown, or to those of ``iris``
    that are shown (checked one by one: far cheaper than joining a few
    events with every event)."""
    return f"{values_clause('e', iris)} FILTER EXISTS {{ {classes.members()} }}" if iris is not None else classes.distinct()


def _load(store, classes: EventClasses, iris=None) -> dict[str, TimelineEvent]:
    """The events shown (all, or those of ``iris``) with their fields,
    types, actors and articles, keyed by IRI; ``kind`` and labels of types
    and statuses not yet filled."""
    found: dict[str, TimelineEvent] = {}
    if not classes.shown:
        return found
    types: dict[str, set] = {}
    for row in store.query(f"SELECT DISTINCT ?e ?type WHERE {{ {_scope(classes, iris)} ?e a ?type }}",
                           union_default_graph=True):
        types.setdefault(row["e"].value, set()).add(row["type"].value)
    found = {iri: TimelineEvent(iri, iri.rsplit("/", 1)[-1], "event") for iri in types}
    ranks: dict = {}
    props = ", ".join(f"<{p}>" for p in FIELDS)
    for row in store.query(f"SELECT DISTINCT ?e ?p ?o WHERE {{ {_scope(classes, iris)} ?e ?p ?o "
                           f"FILTER(?p IN ({props})) }}", union_default_graph=True):
        _set(found[row["e"].value], FIELDS[row["p"].value], row["o"], ranks)
    linked_queries = (
        (f"SELECT DISTINCT ?e ?a WHERE {{ {_scope(classes, iris)} {{ VALUES ?p {{ {_ACTOR_VALUES} }} ?e ?p ?a }} "
         f"UNION {{ ?x <{DIP.inEvent}> ?e . ?x <{DIP.participant}> ?a }} FILTER(isIRI(?a)) }}", "actors"),
        (f"SELECT DISTINCT ?e ?a WHERE {{ {_scope(classes, iris)} ?e <{DIP.evidence}> ?span . "
         f"?span <{NIF.referenceContext}> ?a }}", "articles"))
    for query, field_name in linked_queries:
        linked: dict[str, list] = {}
        for row in store.query(query, union_default_graph=True):
            linked.setdefault(row["e"].value, []).append(row["a"].value)
        for iri, values in linked.items():
            setattr(found[iri], field_name, tuple(sorted(values)))
    for iri, ev in found.items():
        ev.kinds = tuple(sorted(types[iri] - {str(DIP.Event)})) or (str(DIP.Event),)
    return found


def _name(store, found: dict[str, TimelineEvent]) -> None:
    """Fill each event's kind, type label and status label."""
    labels = Labels.load(store, {t for ev in found.values() for t in ev.kinds} | {e.status for e in found.values() if e.status})
    for ev in found.values():
        specific = sorted((t for t in ev.kinds if t != str(DIP.Event)), key=lambda t: labels.label(t))
        ev.type_label = labels.label(specific[0]) if specific else "event"
        ev.kind = specific[0] if specific else str(DIP.Event)
        ev.status = labels.label(ev.status) if ev.status else ""


def events(store) -> list[TimelineEvent]:
    """Every event shown, in date order, undated ones last (six queries
    plus labels).

    Each query is DISTINCT over single patterns: an event repeated in many
    article graphs is one event, not one per graph.
    """
    found = _load(store, event_classes(store))
    _inherit_times(found)
    _name(store, found)
    return sorted(found.values(), key=lambda e: e.sort_key)


def _filters(kind: str = "", actor: str = "", article: str = "", classes: EventClasses | None = None) -> str:
    """Patterns keeping the events of one kind, with one actor, stated by
    one article (an empty argument keeps every event); the same rule as
    ``filtered``."""
    parts = []
    if kind == str(DIP.Event) and classes is not None:
        others = [c for c in classes.shown if c != kind]
        parts.append(f"?e a <{DIP.Event}> ." + (f" MINUS {{ {values_clause('_o', others)} ?e a ?_o }}" if others else ""))
    elif kind:
        parts.append(f"?e a {sparql_iri(kind)} .")
    if actor:
        a = sparql_iri(actor)
        parts.append(f"{{ VALUES ?_ap {{ {_ACTOR_VALUES} }} ?e ?_ap {a} }} UNION {{ ?_x <{DIP.inEvent}> ?e . ?_x <{DIP.participant}> {a} }}")
    if article:
        parts.append(f"?e <{DIP.evidence}> ?_span . ?_span <{NIF.referenceContext}> {sparql_iri(article)} .")
    return " ".join(parts)


def _day(var: str, prop) -> str:
    """``OPTIONAL`` binding ``?var`` to the ISO text of an ``xsd:date`` value of ``prop``."""
    return (f"OPTIONAL {{ ?e <{prop}> ?{var}_ FILTER(DATATYPE(?{var}_) = <{XSD_DATE}>) "
            f"BIND(SUBSTR(STR(?{var}_), 1, 10) AS ?{var}) }}")


def _order_query(classes: EventClasses, limit: int | None = None) -> str:
    """The events shown in timeline order: every one, or the first ``limit``."""
    parent = (f"OPTIONAL {{ ?e <{DIP.partOfEvent}> ?par . {classes.distinct('par')} "
              f"OPTIONAL {{ ?par <{DIP.date}> ?p1 FILTER(DATATYPE(?p1) = <{XSD_DATE}>) }} "
              f"OPTIONAL {{ ?par <{DIP.earliestBegin}> ?p2 FILTER(DATATYPE(?p2) = <{XSD_DATE}>) }} "
              f"OPTIONAL {{ ?par <{DIP.year}> ?p3 FILTER(REGEX(STR(?p3), \"^[0-9]{{4}}\")) }} "
              f"OPTIONAL {{ ?par <{DIP.latestEnd}> ?p4 FILTER(DATATYPE(?p4) = <{XSD_DATE}>) }} "
              f"BIND(COALESCE(SUBSTR(STR(?p1), 1, 10), SUBSTR(STR(?p2), 1, 10), IF(BOUND(?p3), CONCAT(SUBSTR(STR(?p3), 1, 4), \"-01-01\"), ?unbound), "
              f"SUBSTR(STR(?p4), 1, 10)) AS ?pk1) }}")
    return f"""SELECT ?e WHERE {{
  {{ SELECT ?e (MIN(?d1) AS ?d) (MIN(?b1) AS ?b) (MIN(?y1) AS ?y) (MIN(?l1) AS ?l) (MIN(?en1) AS ?en) (MIN(?any1) AS ?any)
       (MIN(?pk1) AS ?pk) WHERE {{
    {classes.distinct("e")}
    {_day("d1", DIP.date)} {_day("b1", DIP.earliestBegin)} {_day("l1", DIP.latestEnd)}
    OPTIONAL {{ ?e <{DIP.year}> ?y_ FILTER(REGEX(STR(?y_), "^[0-9]{{4}}")) }}
    BIND(IF(BOUND(?y_), CONCAT(SUBSTR(STR(?y_), 1, 4), "-01-01"), ?unbound) AS ?y1)
    OPTIONAL {{ ?e <{RDFS.label}> ?lab BIND(LCASE(STR(?lab)) AS ?any1) BIND(IF(LANG(?lab) = "en", ?any1, ?unbound) AS ?en1) }}
    {parent}
  }} GROUP BY ?e }}
  BIND(IF(BOUND(?d) || BOUND(?b) || BOUND(?y) || BOUND(?l), COALESCE(?d, ?b, ?y, ?l), COALESCE(?pk, "~")) AS ?key)
  BIND(COALESCE(?en, ?any, LCASE(REPLACE(STR(?e), "^.*/", ""))) AS ?lk)
}} ORDER BY ?key ?lk STR(?e)""" + (f" LIMIT {int(limit)}" if limit is not None else "")


ORDER_KEY = "timeline-order"  # the page cache's key of ``order``


def order(store, limit: int | None = None) -> list[str]:
    """Every event shown (or the first ``limit``), as IRIs in timeline
    order: one engine query (the engine builds each event's sort key and
    sorts; a single column comes back)."""
    classes = event_classes(store)
    if not classes.shown:
        return []
    return [row["e"].value for row in store.query(_order_query(classes, limit), union_default_graph=True)]


def kept_order(store) -> list[str]:
    """``order(store)``, computed once per store version."""
    return cached(store, ORDER_KEY, lambda: order(store))


def matching(store, kind: str = "", actor: str = "", article: str = "") -> set[str]:
    """The IRIs of the events ``filtered`` keeps (one query, unordered)."""
    classes = event_classes(store)
    if not classes.shown:
        return set()
    where = _filters(kind, actor, article, classes)
    return {row["e"].value for row in store.query(f"SELECT ?e WHERE {{ {classes.distinct('e', where)} }}", union_default_graph=True)}


def select(store, ordered: list[str], kind: str = "", actor: str = "", article: str = "") -> list[str]:
    """The IRIs of ``ordered`` that ``filtered`` keeps, in that order (no
    query without a filter)."""
    if not (kind or actor or article):
        return ordered
    keep = matching(store, kind, actor, article)
    return [iri for iri in ordered if iri in keep]


def page(store, offset: int, limit: int, kind: str = "", actor: str = "", article: str = "",
         ordered: list[str] | None = None) -> list[TimelineEvent]:
    """The events from ``offset`` (at most ``limit``) in timeline order,
    filtered as by ``filtered``: cut from ``ordered`` (default:
    ``kept_order(store)``), kept to the events matching the filters; the
    fields of the page's events (and of their parents) are then read for
    them alone.
    """
    chosen = select(store, kept_order(store) if ordered is None else ordered, kind, actor, article)
    start = max(0, offset)
    return load(store, chosen[start: start + max(0, limit)])


def load(store, iris: list[str]) -> list[TimelineEvent]:
    """The events ``iris``, in that order, with their fields (their parents'
    times read for the undated ones)."""
    classes = event_classes(store)
    if not iris or not classes.shown:
        return []
    found = _load(store, classes, iris)
    parents = {ev.parent for ev in found.values() if ev.parent and ev.precision == "unknown"} - set(found)
    if parents:
        found.update(_load(store, classes, sorted(parents)))
    _inherit_times(found)
    _name(store, {iri: found[iri] for iri in iris})
    return [found[iri] for iri in iris]


def count(store, kind: str = "", actor: str = "", article: str = "") -> int:
    """How many events ``page`` pages through (one aggregate query)."""
    classes = event_classes(store)
    if not classes.shown:
        return 0
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {classes.distinct('e', _filters(kind, actor, article, classes))} }}",
                       union_default_graph=True)
    return int(next(iter(rows))["n"].value)


def facet_counts(store, limit: int = FACET_LIMIT) -> dict[str, list[tuple[str, int]]]:
    """For each filter (``kind``, ``actor``, ``article``): (IRI, events)
    pairs, most events first (then by IRI), at most ``limit`` actors and
    articles: the same counts as ``facets(events(store))``, made by the
    engine (three aggregate queries)."""
    classes = event_classes(store)
    if not classes.shown:
        return {"kind": [], "actor": [], "article": []}
    every = classes.distinct()
    specific = [c for c in classes.shown if c != str(DIP.Event)]
    branches = [f"{{ {every} {values_clause('k', specific)} ?e a ?k }}"] if specific else []
    branches.append(f"{{ {classes.distinct('e', _filters(kind=str(DIP.Event), classes=classes))} BIND(<{DIP.Event}> AS ?k) }}")
    queries = {
        "kind": f"SELECT ?k (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {' UNION '.join(branches)} }} GROUP BY ?k",
        "actor": f"""SELECT ?k (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {every}
  {{ VALUES ?p {{ {_ACTOR_VALUES} }} ?e ?p ?k }} UNION {{ ?x <{DIP.inEvent}> ?e . ?x <{DIP.participant}> ?k }} FILTER(isIRI(?k)) }}
  GROUP BY ?k ORDER BY DESC(?n) ?k LIMIT {int(limit)}""",
        "article": f"""SELECT ?k (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {every} ?e <{DIP.evidence}> ?span . ?span <{NIF.referenceContext}> ?k }}
  GROUP BY ?k ORDER BY DESC(?n) ?k LIMIT {int(limit)}"""}
    out = {}
    for name, query in queries.items():
        pairs = [(row["k"].value, int(row["n"].value)) for row in store.query(query, union_default_graph=True)]
        out[name] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))
    return out


def _smaller(old, new):
    """The smaller of two values, ``None`` being none."""
    return new if old is None or (new is not None and new < old) else old


def _set(ev: TimelineEvent, field_name: str, term, label_ranks: dict) -> None:
    """Fill one field of ``ev`` from a term: the smallest value wins, and
    of the labels the English one first in order, else the first in order
    (``label_ranks`` keeps the rank of each event's label so far)."""
    if field_name == "label":
        rank = (getattr(term, "language", None) != "en", term.value.lower(), term.value)
        if ev.iri not in label_ranks or rank < label_ranks[ev.iri]:
            label_ranks[ev.iri], ev.label = rank, term.value
    elif field_name == "year":
        year = term.value[:4]
        ev.year = _smaller(ev.year, int(year) if year.isdigit() else None)
    elif field_name == "inferred":
        ev.inferred = ev.inferred or term.value == "true"
    elif field_name == "phrase":
        ev.phrase = ev.phrase or term.value
    elif field_name == "status":
        ev.status = ev.status or term.value
    elif field_name == "parent":
        ev.parent = min(ev.parent, term.value) if ev.parent else term.value
    else:
        value = _value(term)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            setattr(ev, field_name, _smaller(getattr(ev, field_name), value))


def filtered(events: list[TimelineEvent], kind: str = "", actor: str = "", article: str = "") -> list[TimelineEvent]:
    """The events of one kind (one of their classes), with one actor,
    stated by one article; an empty argument does not filter.

    >>> evs = [TimelineEvent("a", "A", "talks", kind="K", actors=("p",)), TimelineEvent("b", "B", "strike", kind="S")]
    >>> [e.iri for e in filtered(evs, actor="p")], [e.iri for e in filtered(evs, kind="S")]
    (['a'], ['b'])
    """
    return [ev for ev in events if (not kind or kind in (ev.kinds or (ev.kind,))) and (not actor or actor in ev.actors)
            and (not article or article in ev.articles)]


def facets(events: list[TimelineEvent]) -> dict[str, list[tuple[str, int]]]:
    """For each filter (``kind``, ``actor``, ``article``): (IRI, events) pairs,
    most events first."""
    counts: dict[str, dict[str, int]] = {"kind": {}, "actor": {}, "article": {}}
    for ev in events:
        for name, values in (("kind", ev.kinds or (ev.kind,)), ("actor", ev.actors), ("article", ev.articles)):
            for value in values:
                if value:
                    counts[name][value] = counts[name].get(value, 0) + 1
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for name, c in counts.items()}


def _inherit_times(found: dict[str, TimelineEvent]) -> None:
    """An undated event that is part of a dated one takes its time (its
    parent's own), marked as such (``dated_by``), so it sits where it
    happened."""
    takers = [(ev, found[ev.parent]) for ev in found.values()
              if ev.precision == "unknown" and ev.parent in found and found[ev.parent].precision != "unknown"]
    for ev, parent in takers:
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
