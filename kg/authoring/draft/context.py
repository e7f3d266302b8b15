"""The state one draft builds up: the text, its sentences, the gazetteer,
the proposed nodes and the entity mentions found so far."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date

from kg.authoring.draft.gazetteer import Gazetteer, Known, Mention
from kg.authoring.draft.proposals import Node, slugify
from kg.model.text import sentences

_TERMINAL = re.compile(r"[.!?:;”\"’)]\s*$")


@dataclass
class Context:
    text: str
    published: date
    slug: str
    gazetteer: Gazetteer
    nodes: dict[str, Node] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)  # entity mentions, sorted by start
    meta: dict = field(default_factory=dict)
    gazetteer_before: set[str] = field(default_factory=set)  # ids the graph had before this article
    new_rules: dict[str, tuple[str, float]] = field(default_factory=dict)  # new entity id -> (rule, confidence)
    dateline_span: tuple[int, int] | None = None
    body_start: int = 0  # where the text after the dateline begins
    new_props: dict[str, dict] = field(default_factory=dict)  # new entity id -> properties (partOfParty)
    nested: list = field(default_factory=list)  # mentions inside a longer one ("European Union" in "European Union leaders")
    aliases: dict[str, str] = field(default_factory=dict)  # id asked for -> id given (taken elsewhere)
    event_mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, event id)
    genders: dict[str, str] = field(default_factory=dict)  # person id -> "m"/"f", from the pronouns read so far

    def __post_init__(self):
        self.sentences = sentences(self.text)
        self._starts = [s for s, _ in self.sentences]
        self.headings = [(s, e) for s, e in self.sentences if _is_heading(self.text, s, e)]
        self._heading_starts = [s for s, _ in self.headings]
        self._mention_index: tuple[int, list[int]] = (-1, [])

    # -- sentences -----------------------------------------------------------
    def sentence_at(self, pos: int) -> tuple[int, int]:
        """The sentence holding ``pos``; the one that holds the dateline
        starts after it ("date 2025-02-19 Washington, US - ")."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and self.sentences[i][0] <= pos < self.sentences[i][1]:
            start, end = self.sentences[i]
            if self.body_start and start < self.body_start < end and pos >= self.body_start:
                start = self.body_start
            return start, end
        return pos, pos

    def sentence_index(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos) - 1

    def in_heading(self, pos: int) -> bool:
        i = bisect.bisect_right(self._heading_starts, pos) - 1
        return i >= 0 and self.headings[i][0] <= pos < self.headings[i][1]

    # -- entities ------------------------------------------------------------
    def mentions_in(self, start: int, end: int, kinds=None) -> list[Mention]:
        if self._mention_index[0] != id(self.mentions):
            self._mention_index = (id(self.mentions), [m.start for m in self.mentions])
        starts = self._mention_index[1]
        found = []
        for i in range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)):
            m = self.mentions[i]
            if m.end <= end and (kinds is None or m.ids[0].split("/")[0] in kinds):
                found.append(m)
        return found

    def events_in(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """Event mentions starting in [start, end) (the list is in text order)."""
        starts = [s for s, _, _ in self.event_mentions]
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        return self.event_mentions[lo:hi]

    def node(self, ident: str, a: str, label: str, rule: str, confidence: float, **props) -> Node:
        """The node ``ident`` (made on first use; later uses keep the first).

        An id the graph knows keeps the graph's class and label (articles
        that share a node agree on it); an id another article uses for a
        node the draft does not reuse (a position, a quote) gets a suffix.
        """
        ident = self.aliases.get(ident, ident)
        if ident not in self.nodes:
            known = self.gazetteer.known.get(ident)
            if known is not None:
                a, label = known.a, known.label
            elif ident in self.gazetteer.ids:
                kind, slug = ident.split("/", 1)
                self.aliases[ident] = fresh = self.new_id(kind, slug)
                ident = fresh
            self.nodes[ident] = Node(ident, a, label, rule, confidence, props=dict(props))
        return self.nodes[ident]

    def new_id(self, kind: str, label: str) -> str:
        """A fresh id ``kind/slug`` that no other node of this draft uses."""
        base = f"{kind}/{slugify(label)}"
        ident, n = base, 2
        while ident in self.nodes or (ident in self.gazetteer.ids and ident not in self.gazetteer.known):
            ident, n = f"{base}-{n}", n + 1
        return ident

    def entity(self, known: Known, rule: str, confidence: float, start: int, end: int) -> Node:
        node = self.node(known.id, known.a, known.label, rule, confidence)
        node.add_span(start, end)
        return node


def _is_heading(text: str, start: int, end: int) -> bool:
    """A line on its own, short and without a sentence's final mark."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end].strip()
    return text[start:end].strip() == line and len(line.split()) <= 14 and not _TERMINAL.search(line)
