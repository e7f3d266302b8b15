"""The timeline: every event the graph knows, in date order, with
uncertain dates (a year only, a window, a date resolved by the build)
shown as such."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib.namespace import RDF, RDFS

from .namespaces import DIP
from .terms import literal_value

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

    @property
    def sort_key(self) -> tuple:
        day = self.date or self.earliest or (dt.date(self.year, 1, 1) if self.year else None) or self.latest
        return (day is None, day or dt.date.max, self.label.lower())

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


QUERY = f"""SELECT ?e ?label ?tlabel ?date ?year ?eb ?le ?phrase ?inferred ?slabel WHERE {{
  ?e a ?type . ?type <{RDFS.subClassOf}>* <{DIP.Event}> .
  FILTER NOT EXISTS {{ ?e a ?hidden . ?hidden <{RDFS.subClassOf}>* <{HIDDEN_CLASSES[0]}> }}
  OPTIONAL {{ ?e <{RDFS.label}> ?label }}
  OPTIONAL {{ ?type <{RDFS.label}> ?tlabel }}
  OPTIONAL {{ ?e <{DIP.date}> ?date }} OPTIONAL {{ ?e <{DIP.year}> ?year }}
  OPTIONAL {{ ?e <{DIP.earliestBegin}> ?eb }} OPTIONAL {{ ?e <{DIP.latestEnd}> ?le }}
  OPTIONAL {{ ?e <{DIP.timePhrase}> ?phrase }} OPTIONAL {{ ?e <{DIP.timeInferred}> ?inferred }}
  OPTIONAL {{ ?e <{DIP.status}>/<{RDFS.label}> ?slabel }}
}}"""


def _value(term):
    return literal_value(term.value, term.datatype.value) if term is not None and term.datatype else None


def events(store) -> list[TimelineEvent]:
    """Events in date order; undated ones last (one query)."""
    found: dict[str, TimelineEvent] = {}
    for row in store.query(QUERY, union_default_graph=True):
        iri = row["e"].value
        ev = found.get(iri)
        if ev is None:
            label = row["label"].value if row["label"] is not None else iri.rsplit("/", 1)[-1]
            ev = found[iri] = TimelineEvent(iri, label, row["tlabel"].value if row["tlabel"] is not None else "event")
        elif row["tlabel"] is not None and ev.type_label == "event":
            ev.type_label = row["tlabel"].value
        ev.date = ev.date or _value(row["date"])
        year = row["year"].value[:4] if row["year"] is not None else None
        ev.year = ev.year or (int(year) if year and year.isdigit() else None)
        ev.earliest = ev.earliest or _value(row["eb"])
        ev.latest = ev.latest or _value(row["le"])
        ev.phrase = ev.phrase or (row["phrase"].value if row["phrase"] is not None else "")
        ev.inferred = ev.inferred or (row["inferred"] is not None and row["inferred"].value == "true")
        ev.status = ev.status or (row["slabel"].value if row["slabel"] is not None else "")
    return sorted(found.values(), key=lambda e: e.sort_key)
