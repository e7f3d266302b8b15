"""Known entities: the labels and alternative labels of every article
mapping and of the background, matched as whole words in a new article by
an Aho-Corasick automaton (``pyahocorasick``), leftmost-longest.

A form is case-sensitive ("Rubio", "the West"). A demonym ("Russian") is
not the state's name but may propose the state with a lower confidence
("an adjective reading").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import yaml
from rdflib import Graph
from rdflib.namespace import RDFS, SKOS

from kg.authoring.draft.proposals import ENTITY_KINDS

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ten times faster

#: kinds whose labels the gazetteer indexes
KNOWN_KINDS = ENTITY_KINDS + ("office", "event", "holding")
_DEFAULT_CLASS = {"person": "Person", "state": "State", "org": "Organisation", "group": "Group",
                  "place": "Place", "office": "Office", "event": "Event",
                  "holding": "OfficeHolding"}

#: adjective -> the state's label (the reading is proposed only when the
#: graph or the article knows the state by that label)
DEMONYMS = {
    "American": "United States", "Russian": "Russia", "Ukrainian": "Ukraine", "French": "France",
    "British": "United Kingdom", "Saudi": "Saudi Arabia", "German": "Germany", "Chinese": "China",
    "Turkish": "Turkey", "Israeli": "Israel", "Iranian": "Iran", "Polish": "Poland", "Italian": "Italy",
    "Spanish": "Spain", "Japanese": "Japan", "Indian": "India", "Qatari": "Qatar", "Egyptian": "Egypt",
    "Syrian": "Syria", "Belarusian": "Belarus", "Hungarian": "Hungary", "Canadian": "Canada",
    "Swiss": "Switzerland", "Dutch": "Netherlands", "Emirati": "United Arab Emirates",
    "Georgian": "Georgia", "Armenian": "Armenia", "Azerbaijani": "Azerbaijan", "Korean": "South Korea",
}


@dataclass
class Known:
    """An entity the graph already has."""

    id: str
    a: str
    label: str
    forms: set[str] = field(default_factory=set)


@dataclass
class Mention:
    start: int
    end: int
    form: str
    ids: list[str]
    rule: str = "gazetteer"


class Gazetteer:
    """Surface form -> known ids, with an automaton for matching."""

    def __init__(self, known: dict[str, Known] | None = None):
        self.known: dict[str, Known] = known or {}
        self._forms = None
        self.ids: set[str] = set()  # every node id of every mapping read (new ids must avoid them)
        self._automaton = self._forms = None

    # -- building ------------------------------------------------------------
    @classmethod
    def from_data(cls, data_dir: str | Path, *, exclude: str | None = None) -> "Gazetteer":
        """Every article mapping under ``data_dir/articles`` (except the
        folder ``exclude``) and the background's linked labels."""
        gaz = cls()
        root = Path(data_dir)
        articles = root / "articles"
        if articles.is_dir():
            for mapping in sorted(articles.glob("*/mapping.yaml")):
                if mapping.parent.name == exclude:
                    continue
                gaz.add_mapping(mapping)
        background = root / "background"
        if background.is_dir():
            for ttl in sorted(background.glob("*.ttl")):
                gaz.add_background(ttl)
        return gaz

    def add_mapping(self, path: Path) -> None:
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return  # a broken mapping is the build's to report, not the draft's
        nodes = doc.get("nodes") if isinstance(doc, dict) else None
        for entry in nodes if isinstance(nodes, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or "/" not in entry["id"]:
                continue
            kind = entry["id"].split("/", 1)[0]
            self.ids.add(entry["id"])
            if kind not in KNOWN_KINDS or not entry.get("label"):
                continue
            cls_name = entry.get("a")
            cls_name = cls_name[0] if isinstance(cls_name, list) and cls_name else cls_name
            known = self.known.setdefault(entry["id"], Known(entry["id"], str(cls_name or _DEFAULT_CLASS[kind]),
                                                                str(entry["label"])))
            known.forms.add(str(entry["label"]))
            alts = entry.get("alt") or []
            for alt in alts if isinstance(alts, list) else [alts]:
                known.forms.add(str(alt))
            if kind == "office":  # offices are written many ways: keep each span's words
                for span in entry.get("evidence") or []:
                    if isinstance(span, list) and len(span) == 3 and isinstance(span[2], str) and len(span[2]) < 60:
                        known.forms.add(span[2])
        self._automaton = self._forms = None

    def add_background(self, path: Path) -> None:
        graph = Graph()
        try:
            graph.parse(path, format="turtle", publicID="https://kg.example.org/")
        except Exception:  # noqa: BLE001 - rdflib raises many types; the build reports bad Turtle
            return
        for node, target in graph.subject_objects(SKOS.exactMatch):
            match = re.search(r"/id/([a-z][a-z-]*)/([a-z0-9][a-z0-9-]*)$", str(node))
            label = graph.value(target, RDFS.label)
            if not match or label is None or match.group(1) not in KNOWN_KINDS:
                continue
            ident = f"{match.group(1)}/{match.group(2)}"
            if ident not in self.known:
                self.known[ident] = Known(ident, _DEFAULT_CLASS[match.group(1)], str(label))
            self.known[ident].forms.add(str(label))
        self._automaton = self._forms = None

    def copy(self) -> "Gazetteer":
        """An independent copy: a draft adds its new entities to its own."""
        other = Gazetteer({k: Known(v.id, v.a, v.label, set(v.forms)) for k, v in self.known.items()})
        other.ids = set(self.ids)
        return other

    def by_form(self, form: str, kinds=None) -> Known | None:
        """The first entity with this surface form (of one of ``kinds``)."""
        if self._forms is None:
            self._forms = {}
            for known in self.known.values():
                for f in known.forms:
                    self._forms.setdefault(f, []).append(known)
        for known in self._forms.get(form, []):
            if kinds is None or known.id.split("/", 1)[0] in kinds:
                return known
        return None

    def add(self, known: Known) -> None:
        """Add (or extend) an entity, e.g. a new candidate of this article."""
        entry = self.known.setdefault(known.id, Known(known.id, known.a, known.label))
        entry.forms |= known.forms | {known.label}
        self._automaton = self._forms = None

    def by_label(self, label: str, kinds=None) -> Known | None:
        for known in self.known.values():
            if known.label == label and (kinds is None or known.id.split("/")[0] in kinds):
                return known
        return None

    # -- matching ------------------------------------------------------------
    def _build(self):
        automaton = ahocorasick.Automaton()
        forms: dict[str, list[str]] = {}
        for known in self.known.values():
            for form in known.forms:
                if form.strip():
                    forms.setdefault(form, []).append(known.id)
        for form, ids in forms.items():
            automaton.add_word(form, (form, ids))
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton
        return automaton

    def mentions(self, text: str, kinds=KNOWN_KINDS, nested: bool = False):
        """Whole-word, leftmost-longest, non-overlapping mentions; with
        ``nested`` also (as a second list) the mentions of other entities
        that lie inside one of them."""
        automaton = self._automaton or self._build()
        if not len(automaton):
            return ([], []) if nested else []
        found = []
        for end_index, (form, ids) in automaton.iter(text):
            start, end = end_index - len(form) + 1, end_index + 1
            ids = [i for i in ids if i.split("/", 1)[0] in kinds]
            if ids and _whole_word(text, start, end):
                found.append(Mention(start, end, form, ids))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        result, inner, last_end = [], [], -1
        for mention in found:
            if mention.start >= last_end:
                result.append(mention)
                last_end = mention.end
            elif result and mention.end <= result[-1].end and not set(mention.ids) & set(result[-1].ids):
                inner.append(mention)
        return (result, inner) if nested else result


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "_")
