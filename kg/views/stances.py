"""Stances over time: who holds which stance on which topic, in whose
words, from which article and when; and who changed stance between
articles on the same topic.

A position (``dip:Position``) is one article's report of one stance: its
holders, topics, stance, the article's wording, the direct quote, and the
evidence spans, which name the article (``nif:referenceContext``) and
through it the date (``schema:datePublished``). A *change* is two positions
of the same holder on the same topic, from different articles, with
different stances: the earlier and the later are shown side by side.

``outline(store)`` reads what finding the changes and the index needs of
every position (holders, topics, stance, article and date; labels of
holders, topics and stances); ``fill(store, stances)`` then reads the
rest (wording, quote, evidence text, labels of the position and its
article) for the positions a page shows. ``load`` does both for every
position.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kg.model.namespaces import DIP, NIF, SDO
from kg.model.terms import literal_value, values_clause
from kg.views.labels import Labels

UNATTRIBUTED = ""  # the holder key of a position the article does not attribute

FIELDS = {str(DIP.holder): "holders", str(DIP.topic): "topics", str(DIP.stance): "stance", str(DIP.modality): "modality",
          str(DIP.reportingVerb): "verb", str(DIP.content): "content", str(DIP.timePhrase): "when",
          str(DIP.evidence): "evidence"}
OUTLINE_FIELDS = ("holders", "topics", "stance", "evidence")
POSITIONS = f"""SELECT DISTINCT ?pos ?p ?o WHERE {{ ?pos a <{DIP.Position}> ; ?p ?o
  FILTER(?p IN ({", ".join(f"<{p}>" for p, name in FIELDS.items() if name in OUTLINE_FIELDS)})) }}"""
SPANS = f"""SELECT DISTINCT ?span ?article ?date WHERE {{ ?pos a <{DIP.Position}> ; <{DIP.evidence}> ?span .
  ?span <{NIF.referenceContext}> ?article OPTIONAL {{ ?article <{SDO.datePublished}> ?date }} }}"""


def _details(positions: list[str]) -> str:
    """The fields ``outline`` leaves out, of ``positions``."""
    props = ", ".join(f"<{p}>" for p, name in FIELDS.items() if name not in OUTLINE_FIELDS)
    return f"SELECT DISTINCT ?pos ?p ?o WHERE {{ {values_clause('pos', positions)} ?pos ?p ?o FILTER(?p IN ({props})) }}"


def _quotes(positions: list[str]) -> str:
    return f"""SELECT DISTINCT ?pos ?q ?text ?speaker WHERE {{ {values_clause('pos', positions)} ?pos <{DIP.quote}> ?q .
  ?q <{DIP.quoteText}> ?text OPTIONAL {{ ?q <{DIP.speaker}> ?speaker }} }}"""


def _span_texts(spans: list[str]) -> str:
    return f"SELECT DISTINCT ?span ?text WHERE {{ {values_clause('span', spans)} ?span <{NIF.anchorOf}> ?text }}"


@dataclass
class Stance:
    """One position as a row of the stances pages."""

    iri: str
    label: str = ""
    holders: list = field(default_factory=list)  # (iri, label); empty: unattributed
    topics: list = field(default_factory=list)  # (iri, label)
    stance: tuple = ("", "")  # (iri, label)
    modality: str = ""
    verb: str = ""
    content: str = ""
    when: str = ""
    quote: str = ""
    speaker: tuple = ("", "")
    article: tuple = ("", "")  # (iri, title)
    date: dt.date | None = None
    evidence: list = field(default_factory=list)  # (span iri, text)
    filled: bool = False  # the details ``fill`` reads are in

    @property
    def sort_key(self) -> tuple:
        return (self.date or dt.date.max, self.article[0], self.iri)

    def to_json(self, page_of) -> dict:
        """The JSON twin's form; ``page_of(iri)`` is the page URL of an IRI."""
        pair = lambda iri, label: {"iri": iri, "label": label, "page": page_of(iri)} if iri else None  # noqa: E731
        return {"position": self.iri, "label": self.label, "page": page_of(self.iri),
                "holders": [pair(*h) for h in self.holders], "unattributed": not self.holders,
                "topics": [pair(*t) for t in self.topics], "stance": pair(*self.stance), "modality": self.modality or None,
                "reportingVerb": self.verb or None, "content": self.content or None, "when": self.when or None,
                "quote": {"text": self.quote, "speaker": pair(*self.speaker)} if self.quote else None,
                "article": pair(*self.article), "date": self.date.isoformat() if self.date else None,
                "evidence": [{"span": s, "text": t, "page": page_of(s)} for s, t in self.evidence]}


@dataclass
class Change:
    """A holder's stance on a topic that differs between two articles."""

    holder: tuple  # (iri, label)
    topic: tuple
    before: Stance
    after: Stance


def outline(store) -> list[Stance]:
    """Every position, oldest article first, with its holders, topics,
    stance, article and date (two queries plus labels of the holders,
    topics and stances); ``fill`` reads the rest."""
    found: dict[str, Stance] = {}
    raw: dict[str, dict[str, list]] = {}
    for row in store.query(POSITIONS, union_default_graph=True):
        iri = row["pos"].value
        found.setdefault(iri, Stance(iri))
        raw.setdefault(iri, {}).setdefault(FIELDS[row["p"].value], []).append(row["o"].value)
    spans = {}
    for row in store.query(SPANS, union_default_graph=True):
        date = row["date"]
        spans[row["span"].value] = (row["article"].value,
                                    literal_value(date.value, date.datatype.value) if date is not None and date.datatype else None)
    labels = Labels.load(store, {t for values in raw.values() for name in ("holders", "topics", "stance") for t in values.get(name, [])})
    for iri, st in found.items():
        values = raw[iri]
        st.holders = sorted((t, labels.label(t)) for t in set(values.get("holders", [])))
        st.topics = sorted((t, labels.label(t)) for t in set(values.get("topics", [])))
        stance = _first(values, "stance")
        st.stance = (stance, labels.label(stance) if stance else "")
        evidence = sorted((spans[t][0], _start(t), t) for t in set(values.get("evidence", [])) if t in spans)
        st.evidence = [(span, "") for _, _, span in evidence]
        if evidence:
            st.article = (evidence[0][0], "")
            st.date = spans[evidence[0][2]][1]
    return sorted(found.values(), key=lambda s: s.sort_key)


def fill(store, stances: list[Stance]) -> list[Stance]:
    """Read the wording, quote, evidence texts and labels of ``stances``
    not yet filled (three queries plus labels, over those alone)."""
    todo = [st for st in stances if not st.filled]
    if not todo:
        return stances
    iris = sorted({st.iri for st in todo})
    details: dict[str, dict[str, list]] = {}
    for row in store.query(_details(iris), union_default_graph=True):
        details.setdefault(row["pos"].value, {}).setdefault(FIELDS[row["p"].value], []).append(row["o"].value)
    quotes: dict[str, tuple] = {}
    for row in store.query(_quotes(iris), union_default_graph=True):
        found = (row["text"].value, row["speaker"].value if row["speaker"] is not None else "")
        quotes[row["pos"].value] = min(quotes.get(row["pos"].value, found), found)
    texts = {row["span"].value: row["text"].value for row in store.query(
        _span_texts(sorted({span for st in todo for span, _ in st.evidence})), union_default_graph=True)}
    labels = Labels.load(store, set(iris) | {st.article[0] for st in todo if st.article[0]} | {s for _, s in quotes.values() if s}
                         | {m for values in details.values() for m in values.get("modality", [])})
    for st in todo:
        values = details.get(st.iri, {})
        modality = _first(values, "modality")
        st.label = labels.label(st.iri)
        st.modality = labels.label(modality) if modality else ""
        st.verb, st.content, st.when = _first(values, "verb"), _first(values, "content"), _first(values, "when")
        if st.iri in quotes:
            st.quote, speaker = quotes[st.iri]
            st.speaker = (speaker, labels.label(speaker) if speaker else "")
        st.evidence = [(span, texts.get(span, "")) for span, _ in st.evidence]
        if st.article[0]:
            st.article = (st.article[0], labels.label(st.article[0]))
        st.filled = True
    return stances


def _first(values: dict, name: str) -> str:
    """The first (in order) value of a field, or ``""``."""
    return min(values[name]) if values.get(name) else ""


def load(store) -> list[Stance]:
    """Every position with all its details, oldest article first."""
    return fill(store, outline(store))


def _start(span: str) -> int:
    """The first offset of a ``#char=start,end`` span IRI (0 when absent).

    >>> _start("https://x.org/a#char=32,103"), _start("https://x.org/a")
    (32, 0)
    """
    _, _, frag = span.partition("#char=")
    head = frag.split(",", 1)[0]
    return int(head) if head.isdigit() else 0


def about(stances: list[Stance], iri: str) -> dict[str, list[Stance]]:
    """The positions ``iri`` holds and the positions taken on it."""
    return {"held": [s for s in stances if any(h == iri for h, _ in s.holders)],
            "on": [s for s in stances if any(t == iri for t, _ in s.topics)]}


def changes(stances: list[Stance]) -> list[Change]:
    """Each change of stance: per (holder, topic), consecutive positions
    from different articles whose stances differ (in date order)."""
    threads: dict[tuple, list[Stance]] = {}
    for st in stances:
        for holder in st.holders:
            for topic in st.topics:
                threads.setdefault((holder, topic), []).append(st)
    found = []
    for (holder, topic), thread in threads.items():
        thread.sort(key=lambda s: s.sort_key)
        for before, after in zip(thread, thread[1:]):
            if before.article[0] != after.article[0] and before.stance[0] != after.stance[0]:
                found.append(Change(holder, topic, before, after))
    return sorted(found, key=lambda c: (c.after.sort_key, c.holder[1], c.topic[1]))


def index(stances: list[Stance]) -> dict[str, list[tuple[str, str, int]]]:
    """Holders and topics with their number of positions, most first."""
    counts: dict[str, dict[tuple, int]] = {"holders": {}, "topics": {}}
    for st in stances:
        for name in ("holders", "topics"):
            for pair in getattr(st, name):
                counts[name][pair] = counts[name].get(pair, 0) + 1
    return {name: sorted(((iri, label, n) for (iri, label), n in c.items()), key=lambda t: (-t[2], t[1].lower()))
            for name, c in counts.items()}


def by_subject(stances: list[Stance], found_changes: list[Change]) -> dict[str, dict[str, list]]:
    """IRI -> the positions it holds (``held``), those taken on it (``on``)
    and the changes it is the holder or topic of: one pass, so a page
    looks its subject up instead of scanning every position."""
    out: dict[str, dict[str, list]] = {}
    entry = lambda iri: out.setdefault(iri, {"held": [], "on": [], "changes": []})  # noqa: E731
    for st in stances:
        for iri in dict.fromkeys(h for h, _ in st.holders):
            entry(iri)["held"].append(st)
        for iri in dict.fromkeys(t for t, _ in st.topics):
            entry(iri)["on"].append(st)
    for change in found_changes:
        for iri in dict.fromkeys((change.holder[0], change.topic[0])):
            entry(iri)["changes"].append(change)
    return out
