"""Search over labels and alternative names: case- and accent-insensitive,
whole-name, prefix, word and substring matches, then typos and
transliterations ("lavrof", "Sergei", "Zelenskiy"), ranked: an exact name
before an alias, both before a fuzzy match.

The names index is built once per store version (two queries over the
store) and answers a search without scanning every name: each distinct
normalized word points to the names holding it, so a whole word is a dict
lookup, a prefix a range of the sorted words (bisect) and a substring a
scan of the distinct words (a few thousand, not the hundred thousand
names). Names are numbered in display order, so the hits of one score are
already sorted and a search stops once it has enough entities. A fuzzy
match compares each query word with the distinct words of the index using
rapidfuzz (normalized Levenshtein similarity, in C); it is looked at only
when the exact kinds have not filled the page.

Names are compared transliterated (``anyascii``): "Песков" finds Peskov,
"Київ" and "Kiev" find Kyiv through its alternative names. A serving
process builds the index in the background at start-up (:func:`warm`);
every search waits for that one build instead of starting its own. A
search page's other look-ups are kept with the index: the labels of the
hits' classes (computed with it) and the articles a hit is cited in
(:func:`sources`, remembered per hit until the store changes).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz, process
from rdflib.namespace import RDF, RDFS, SKOS

from kg.model.errors import EngineUnavailable, QueryTimeout
from kg.model.namespaces import DIP, SDO
from kg.storage.pagecache import cached
from kg.views import citation
from kg.views.labels import Labels

NAME_PROPERTIES = {str(RDFS.label): "label", str(SKOS.prefLabel): "label", str(SDO.name): "label",
                   str(SKOS.altLabel): "alias", str(SDO.alternateName): "alias"}
log = logging.getLogger(__name__)
MAX_RESULTS = 50
MAX_QUERY = 200

# Score per kind of match; an alias scores a little less than the label, and
# a node standing for a fact (a quote, a participation) less than a thing.
SCORES = {"exact": 100, "prefix": 80, "word": 60, "word-prefix": 50, "substring": 20, "fuzzy": 10}
KINDS = tuple(SCORES)  # precedence: a name matches by the first kind that applies
ALIAS_PENALTY = 5
FACT_PENALTY = 40
UNTYPED_PENALTY = 30  # a name with no class here: a Wikidata item's label snapshot, not a thing of the graph
FUZZY_CUTOFF = 80  # per word: "lavrof"/"lavrov" 83, "sergei"/"sergey" 83, "zelenskiy"/"zelenskyy" 89
FUZZY_MIN_LENGTH = 4  # shorter words only match exactly or as a prefix
RDF_TYPE = str(RDF.type)
FACT_CLASSES = {str(DIP[c]) for c in ("Participation", "OfficeHolding", "Position", "Quotation", "Quantity", "TextSpan", "Sentence")}


def normalize(text: str) -> str:
    """Transliterated to Latin letters, lower-case, accents and punctuation
    removed, spaces collapsed.

    >>> normalize("  Zelens'kyj, Volodýmyr ")
    'zelenskyj volodymyr'
    >>> normalize("Дмитрий Песков"), normalize("Зеленський")
    ('dmitriy peskov', 'zelenskiy')
    """
    text = text.casefold()
    if not text.isascii():  # anyascii's Latin letters have no accents left
        text = anyascii(unicodedata.normalize("NFC", text)).casefold()
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHE.sub("", text)).split())


_APOSTROPHE = re.compile(r"'")  # anyascii writes ’, ʹ and ʼ as '
_NOT_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """:func:`normalize` of one word, remembered (names repeat their words)."""
    return normalize(word)


@dataclass
class Hit:
    iri: str
    label: str
    matched: str
    kind: str
    score: int
    types: list = field(default_factory=list)
    words: list = field(default_factory=list)  # the words of ``matched`` the query matched
    type_labels: list = field(default_factory=list)  # labels of ``types`` (rdf:type itself left out)


def match_kind(query: str, name: str) -> str | None:
    """How normalized ``query`` matches normalized ``name`` (best first).

    >>> match_kind("lav", "sergey lavrov")
    'word-prefix'
    >>> match_kind("sergey lavrov", "sergey lavrov")
    'exact'
    """
    if not query:
        return None
    if name == query:
        return "exact"
    if name.startswith(query):
        return "prefix"
    words = name.split()
    qwords = query.split()
    if all(q in words for q in qwords):
        return "word"
    if all(any(w.startswith(q) for w in words) for q in qwords):
        return "word-prefix"
    if query in name:
        return "substring"
    return None


def _penalty(alias: bool, demoted: int) -> int:
    return (ALIAS_PENALTY if alias else 0) + demoted


def _demotion(types: set) -> int:
    """How far a node ranks below the things of the graph: a fact (a quote,
    a participation) or a node without a class (a foreign item's label)."""
    if not types:
        return UNTYPED_PENALTY
    return FACT_PENALTY if types & FACT_CLASSES else 0


class NameIndex:
    """Every (entity, name) pair of the store, normalized and indexed once.

    ``names`` holds ``(iri, name, normalized, is_alias)`` rows numbered in
    display order (shorter name, then label, then IRI); ``words`` maps each
    distinct normalized word to the set of row numbers whose name has it.
    """

    def __init__(self, rows, labels: dict | None = None, types: dict | None = None, type_labels: Labels | None = None):
        self.labels: dict[str, str] = labels or {}
        self.types: dict[str, set] = types or {}
        self.type_labels = type_labels if type_labels is not None else Labels()
        self.names = sorted(set(rows), key=lambda r: (len(r[1]), self.labels.get(r[0], r[1]).lower(), r[0], r[1], r[3]))
        self.words: dict[str, set] = {}
        self.whole: dict[str, set] = {}
        self.groups: dict[tuple, set] = {}  # (alias, demotion) -> row numbers
        for n, (iri, _, norm, alias) in enumerate(self.names):
            self.whole.setdefault(norm, set()).add(n)
            for word in set(norm.split()):
                self.words.setdefault(word, set()).add(n)
            self.groups.setdefault((alias, _demotion(self.types.get(iri, set()))), set()).add(n)
        self.sorted_words = sorted(self.words)
        self.sorted_whole = sorted(self.whole)
        self.all_words = "\n" + "\n".join(self.sorted_words) + "\n"

    @classmethod
    def load(cls, store) -> "NameIndex":
        """Two queries: every name of every IRI, then the types of named IRIs
        (no DISTINCT: the sets below drop repeats, at a third of its cost)."""
        props = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
        names = f"SELECT ?s ?p ?n WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?n FILTER(isIRI(?s)) }}"
        rows, labels, folded = set(), {}, {}
        for row in store.query(names, union_default_graph=True):
            s, p, name = row["s"].value, row["p"].value, row["n"].value
            alias = NAME_PROPERTIES[p] == "alias"
            norm = folded.get(name)
            if norm is None:
                norm = folded[name] = normalize(name)
            rows.add((s, name, norm, alias))
            if not alias and (s not in labels or getattr(row["n"], "language", None) in ("en", None)):
                labels[s] = name
        typed = (f"SELECT ?s ?t WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?n "
                 f"FILTER(isIRI(?s)) }} }} ?s a ?t }}")
        types: dict[str, set] = {}
        for row in store.query(typed, union_default_graph=True):
            if row["s"].value in labels:
                types.setdefault(row["s"].value, set()).add(row["t"].value)
        classes = {t for ts in types.values() for t in ts}
        return cls(rows, labels, types, Labels.load(store, classes))

    # -- matching ------------------------------------------------------------
    def _rows_of(self, words) -> set:
        return set().union(*(self.words[w] for w in words))

    def _words_starting(self, prefix: str) -> list[str]:
        i = bisect_left(self.sorted_words, prefix)
        found = []
        while i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix):
            found.append(self.sorted_words[i])
            i += 1
        return found

    def _words_containing(self, part: str) -> list[str]:
        """Distinct words holding ``part`` (a scan of one joined string)."""
        found, text, start = set(), self.all_words, 0
        while (at := text.find(part, start)) >= 0:
            lo, hi = text.rfind("\n", 0, at) + 1, text.find("\n", at)
            found.add(text[lo:hi])
            start = hi
        return sorted(found)

    def similar_words(self, word: str) -> list[tuple[str, float]]:
        """Distinct words of the index spelt like ``word`` (itself included),
        with their similarity (0-100), most similar first.

        >>> NameIndex([("x", "Sergey Lavrov", "sergey lavrov", False)]).similar_words("lavrof")
        [('lavrov', 83.33333333333334)]
        """
        if len(word) < FUZZY_MIN_LENGTH:
            return [(word, 100.0)] if word in self.words else []
        found = process.extract(word, self.sorted_words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None)
        return [(w, score) for w, score, _ in found]

    def _fuzzy_rows(self, qwords: list[str]) -> dict[int, int]:
        """Rows whose name has a word spelt like each query word, with how
        far (0 alike .. 9 at the cutoff, 2 points of similarity a step) their best words are on average.
        The rarest query word's postings seed the candidates; each further
        word only checks the rows still in the running."""
        similar = sorted((self.similar_words(q) for q in qwords), key=lambda ws: sum(len(self.words[w]) for w, _ in ws))
        total: dict[int, float] = {}
        for i, words in enumerate(similar):
            if i == 0:
                for word, score in words:  # most similar first: the first score a row gets is its best
                    for n in self.words[word]:
                        total.setdefault(n, score)
            else:
                total = {n: acc + score for n, acc in total.items()
                         for score in [next((sc for w, sc in words if n in self.words[w]), None)] if score is not None}
            if not total:
                return {}
        return {n: min(9, round((100 - acc / len(qwords)) / 2)) for n, acc in total.items()}

    def matched_words(self, query: str, name: str) -> list[str]:
        """The words of ``name`` that match a word of ``query`` (any kind).

        >>> NameIndex([]).matched_words("sergei lavr", "Sergey Lavrov")
        ['Sergey', 'Lavrov']
        """
        qwords, shown = query.split(), []
        for raw in name.split():
            word = normalize_word(raw)
            if word and any(word.startswith(q) or q in word or (len(q) >= FUZZY_MIN_LENGTH and fuzz.ratio(q, word) >= FUZZY_CUTOFF)
                            for q in qwords):
                shown.append(raw.strip(",.;:()“”\"'"))
        return shown

    def _kind_rows(self, kind: str, query: str, qwords: list[str]) -> set:
        """Rows matching ``query`` by ``kind`` (before precedence)."""
        if kind == "exact":
            return set(self.whole.get(query, ()))
        if kind == "prefix":
            i = bisect_left(self.sorted_whole, query)
            rows: set = set()
            while i < len(self.sorted_whole) and self.sorted_whole[i].startswith(query):
                rows |= self.whole[self.sorted_whole[i]]
                i += 1
            return rows
        if kind == "word":
            per_word = [self.words.get(q, set()) for q in qwords]
        elif kind == "word-prefix":
            per_word = [self._rows_of(self._words_starting(q)) for q in qwords]
        else:
            per_word = [self._rows_of(self._words_containing(q)) for q in qwords]
        rows = set.intersection(*sorted(per_word, key=len)) if per_word else set()
        if kind == "substring" and len(qwords) > 1:
            rows = {n for n in rows if query in self.names[n][2]}
        return rows

    def _levels(self, query: str):
        """``(score, {row: kind})`` in descending score. A row matches by
        the first kind that applies; a kind is looked at only once the
        levels above its best score are used up."""
        qwords, seen, pending = query.split(), set(), {}
        for at, kind in enumerate(KINDS):
            distance = self._fuzzy_rows(qwords) if kind == "fuzzy" else {}
            rows = (set(distance) if kind == "fuzzy" else self._kind_rows(kind, query, qwords)) - seen
            seen |= rows
            for (alias, demoted), group in self.groups.items():
                for n in rows & group:
                    score = SCORES[kind] - _penalty(alias, demoted) - distance.get(n, 0)
                    pending.setdefault(score, {})[n] = kind
            bound = SCORES[KINDS[at + 1]] if at + 1 < len(KINDS) else None
            for score in sorted((s for s in pending if bound is None or s > bound), reverse=True):
                yield score, pending.pop(score)

    def search(self, q: str, limit: int = MAX_RESULTS) -> list[Hit]:
        """Ranked hits for ``q``: best score per entity, then shorter names."""
        query = normalize(q[:MAX_QUERY])
        hits: list[Hit] = []
        if not query:
            return hits
        taken: set = set()
        for score, rows in self._levels(query):
            for n in sorted(rows):
                iri, name, _, _ = self.names[n]
                if iri not in taken:
                    taken.add(iri)
                    types = sorted(self.types.get(iri, ()))
                    hits.append(Hit(iri, self.labels.get(iri, name), name, rows[n], score, types, self.matched_words(query, name),
                                    [self.type_labels.label(t) for t in types if t != RDF_TYPE]))
                    if len(hits) >= limit:
                        return hits
        return hits


_building = threading.Lock()  # one index build at a time: a search arriving meanwhile waits for it
SOURCES_KEPT = 20000  # hits whose articles are remembered per store version (then forgotten all at once)
SOURCE_HITS = 10  # the hits of a page whose articles are named


def name_index(store) -> NameIndex:
    """The store's index, built once per store version (by one caller)."""
    with _building:
        return cached(store, "names", lambda: NameIndex.load(store))


def warm(store) -> threading.Thread:
    """Build the index in a background thread (a serving process at start-up:
    the first search then waits for this build, or finds it done). A store
    that does not answer yet (a remote engine starting) is left to the first
    search, with a warning."""
    def build() -> None:
        try:
            name_index(store)
        except (EngineUnavailable, QueryTimeout) as exc:
            log.warning("search index not built at start-up (%s); the first search builds it", exc)

    thread = threading.Thread(target=build, name="search-index", daemon=True)
    thread.start()
    return thread


def search(store, q: str, limit: int = MAX_RESULTS) -> list[Hit]:
    """Search ``store``; the index is rebuilt when the store's version changes."""
    return name_index(store).search(q, limit)


def sources(store, hits: list[Hit], nodes: int = SOURCE_HITS) -> dict[str, list]:
    """Hit IRI -> the articles it is cited in (:func:`citation.mentioned_in`)
    for the first ``nodes`` hits; asked once per hit and store version."""
    known = cached(store, "search-sources", dict)
    found = {i: known.get(i) for i in list(dict.fromkeys(h.iri for h in hits))[:nodes]}
    missing = [i for i, articles in found.items() if articles is None]
    if missing:
        cited = citation.mentioned_in(store, missing, nodes=len(missing))
        fresh = {i: cited.get(i, []) for i in missing}
        if len(known) + len(fresh) > SOURCES_KEPT:
            known.clear()
        known.update(fresh)
        found.update(fresh)
    return {i: articles for i, articles in found.items() if articles}
