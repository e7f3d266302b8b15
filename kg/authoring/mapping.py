"""Compile an article's mapping file (YAML) into the triples of its graph.

An article folder holds ``article.txt`` (the verbatim text) and
``mapping.yaml``::

    article:                      # metadata of the article node
      slug: riyadh-talks-2025-02-19
      title: "..."                # rdfs:label and schema:name
      headline: "..."             # only when the article has one
      datePublished: 2025-02-19
      dateline: Washington, US
      datelinePlace: place/washington   # the place node of the dateline
      publisher: Example News     # the outlet (schema:publisher), optional
      url: https://example.org/a  # where it was published (schema:url), http(s), optional
      author: [Jane Doe]          # one name or a list (schema:author), optional
    nodes:                        # one entry per fact-bearing node
      - id: person/marco-rubio    # -> {base}id/person/marco-rubio
        a: Person                 # dip: class (or a CURIE)
        label: Marco Rubio        # rdfs:label, English
        alt: [Rubio]              # skos:altLabel
        evidence:                 # spans: [start, end, "exact text"]
          - [343, 354, "Marco Rubio"]
        occupation: journalist    # any other key is a property (dip: unless a CURIE)

A property whose range is a datatype gets a typed literal (``rdf:langString``
ranges get the article's language); any other value is a reference, written
``kind/slug`` for an entity or as a CURIE (``dip:Supports``). Every ``dip:``
term must exist in the ontology and every span must match the text; each
problem names the file, line and term. A node without ``a:`` adds to a node
another article or the background describes; the build refuses one that
nobody describes (a misspelt id), suggesting the closest existing ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.model.errors import BuildError
from kg.authoring.evidence import Problem, add_sentences, add_span, check_span, link_sentences
from kg.model.namespaces import DIP, NIF, PROV, SDO, entity_ns, prefixes
from kg.model.vocab import Vocabulary

ID_PATTERN = re.compile(r"^[a-z][a-z-]*/[a-z0-9][a-z0-9-]*$")
RESERVED = {"id", "a", "label", "alt", "comment", "evidence"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`/]+(/[^\s<>\"{}|\\^`]*)?$", re.IGNORECASE)
_NAMES = Graph().namespace_manager  # for short datatype names in messages


class _Lines(dict):
    """A YAML mapping that remembers the line it starts on."""

    line = 0


class _LineList(list):
    line = 0


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader, node):
    value = _Lines(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    return value


def _sequence(loader, node):
    value = _LineList(loader.construct_sequence(node, deep=True))
    value.line = node.start_mark.line + 1
    return value


def _timestamp(loader, node):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(None, None, f"'{node.value}' is not a valid date ({exc})", node.start_mark) from exc


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_utf8(path: Path, *, missing: str = "file not found", what: str = "") -> str:
    """A text file's contents; a missing or non-UTF-8 file is a BuildError
    naming it (``what`` starts the message, e.g. "article text ")."""
    if not path.is_file():
        raise BuildError(missing, where=str(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError(f"{what}{'is ' if what else ''}not UTF-8 ({exc.reason} at byte {exc.start})", where=str(path)) from exc


def load_yaml(path: Path):
    """Parse a YAML file keeping line numbers; bad syntax is a BuildError."""
    text = read_utf8(path)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise BuildError(f"malformed YAML: {getattr(exc, 'problem', exc)}", where=where) from exc


@dataclass
class CompiledArticle:
    """One article's graph plus what the build needs to report on it."""

    slug: str
    iri: URIRef
    text: str
    graph: Graph
    problems: list[Problem] = field(default_factory=list)
    lines: dict[URIRef, str] = field(default_factory=dict)  # node -> file:line
    references: list[tuple[URIRef, str]] = field(default_factory=list)  # (target, file:line)
    classes: dict[URIRef, list[tuple[URIRef, str]]] = field(default_factory=dict)  # node -> [(class, file:line)]
    untyped: list[tuple[URIRef, str]] = field(default_factory=list)  # entries without ``a:`` (node, file:line)


class _Compiler:
    def __init__(self, folder: Path, vocab: Vocabulary, base: str | None):
        self.folder = folder
        self.vocab = vocab
        self.ns = entity_ns(base)
        self.prefixes = prefixes(base)
        self.mapping_path = folder / "mapping.yaml"

    def run(self) -> CompiledArticle:
        text_path = self.folder / "article.txt"
        text = read_utf8(text_path, missing="article text missing (expected article.txt)", what="article text ")
        if not self.mapping_path.is_file() and (self.folder / "mapping.draft.yaml").is_file():
            raise BuildError("no mapping.yaml: a draft of kg draft awaits review (mapping.draft.yaml); review it, delete "
                             "its 'proposed' lines and rename it mapping.yaml", where=str(self.folder))
        doc = load_yaml(self.mapping_path)
        if not isinstance(doc, dict) or not isinstance(doc.get("article"), dict) or not isinstance(doc.get("nodes"), list):
            raise BuildError("a mapping has an 'article' mapping and a 'nodes' list", where=str(self.mapping_path))
        meta = doc["article"]
        slug = str(meta.get("slug") or self.folder.name)
        for name in {slug, self.folder.name}:
            if not SLUG.match(name):
                raise BuildError(f"'{name}' is not a slug (lowercase letters, digits and hyphens): it names the "
                                 "article's IRI and graph", where=self._where(meta))
        self.lang = str(meta.get("language", "en"))
        iri = self.ns["article/" + slug]
        self.out = CompiledArticle(slug, iri, text, Graph())
        if slug != self.folder.name:
            self._problem(meta, f"slug '{slug}' differs from the folder name '{self.folder.name}'", "slug")
        self._article_node(meta, text_path)
        self.sentences = add_sentences(self.out.graph, iri, text)
        seen: set[URIRef] = set()
        for entry in doc["nodes"]:
            self._node(entry, seen)
        return self.out

    # -- helpers -------------------------------------------------------------
    def _where(self, item) -> str:
        return f"{self.mapping_path}:{getattr(item, 'line', 0)}"

    def _problem(self, item, message: str, term: str | None = None) -> None:
        self.out.problems.append(Problem(self._where(item), message, term))

    def _article_node(self, meta: dict, text_path: Path) -> None:
        g, a = self.out.graph, self.out.iri
        for cls in (DIP.Article, SDO.NewsArticle, NIF.Context):
            g.add((a, RDF.type, cls))
        title = str(meta.get("title") or self.out.slug)
        g.add((a, RDFS.label, Literal(title, lang=self.lang)))
        g.add((a, SDO.name, Literal(title, lang=self.lang)))
        if meta.get("headline"):
            g.add((a, SDO.headline, Literal(str(meta["headline"]), lang=self.lang)))
        g.add((a, DIP.slug, Literal(self.out.slug)))
        g.add((a, NIF.isString, Literal(self.out.text)))
        g.add((a, SDO.inLanguage, Literal(self.lang)))
        g.add((a, PROV.wasDerivedFrom, Literal(f"data/articles/{self.folder.name}/{text_path.name}")))
        published = str(meta.get("datePublished", ""))
        if DATE.match(published) and _is_date(published):
            g.add((a, SDO.datePublished, Literal(published, datatype=XSD.date)))
        else:
            self._problem(meta, f"datePublished '{published}' is not a calendar date (YYYY-MM-DD)", "datePublished")
        if meta.get("dateline"):
            g.add((a, SDO.dateline, Literal(str(meta["dateline"]), lang=self.lang)))
        if meta.get("datelinePlace"):
            place = self._value(meta, "datelinePlace", DIP.datelinePlace, meta["datelinePlace"])
            if place is not None:
                g.add((a, DIP.datelinePlace, place))
        if meta.get("url") is not None:
            url = str(meta["url"])
            if URL.match(url):
                g.add((a, SDO.url, URIRef(url)))
            else:
                self._problem(meta, f"url '{url}' is not an http(s) URL", "url")
        for key, prop in (("publisher", SDO.publisher), ("author", SDO.author)):
            for name in _as_list(meta.get(key)):
                if isinstance(name, str) and name.strip():
                    g.add((a, prop, Literal(name.strip())))
                else:
                    self._problem(meta, f"'{name}' is not a name", key)
        if meta.get("madeUp"):
            g.add((a, RDFS.comment, Literal("Made-up article: a test fixture, not news.", lang="en")))

    def _node(self, entry, seen: set[URIRef]) -> None:
        if not isinstance(entry, dict) or not ID_PATTERN.match(str(entry.get("id", ""))):
            self._problem(entry, "each node needs an 'id' of the form kind/slug", "id")
            return
        node = self.ns[entry["id"]]
        if node in seen:
            first = self.out.lines[node].rsplit(":", 1)[-1]
            self._problem(entry, f"duplicate node id '{entry['id']}' (first at line {first})", "id")
        seen.add(node)
        self.out.lines.setdefault(node, self._where(entry))
        g = self.out.graph
        classes = _as_list(entry.get("a"))
        if not classes:
            self.out.untyped.append((node, self._where(entry)))
        for cls in classes:
            term = self._term(entry, cls)
            if term is not None:
                g.add((node, RDF.type, term))
                self.out.classes.setdefault(node, []).append((term, self._where(entry)))
        for key, prop in (("label", RDFS.label), ("alt", SKOS.altLabel), ("comment", RDFS.comment)):
            for value in _as_list(entry.get(key)):
                g.add((node, prop, Literal(str(value), lang=self.lang)))
        for span in _as_list(entry.get("evidence")):
            self._evidence(node, span, entry)
        for key, raw in entry.items():
            if key == "proposed":  # the marker of `kg draft`: nothing unreviewed reaches the record
                self._problem(entry, "an unreviewed proposal of kg draft: review the node, then delete its 'proposed' line", "proposed")
                continue
            if key in RESERVED:
                continue
            prop = self._term(entry, key)
            if prop is None:
                continue
            for value in _as_list(raw):
                obj = self._value(entry, key, prop, value)
                if obj is not None:
                    g.add((node, prop, obj))

    def _term(self, entry, name) -> URIRef | None:
        """A bare name is a dip: term; a CURIE uses the project prefixes."""
        name = str(name)
        if ":" in name:
            prefix, local = name.split(":", 1)
            if prefix not in self.prefixes:
                self._problem(entry, f"unknown prefix '{prefix}'", name)
                return None
            term = URIRef(self.prefixes[prefix] + local)
        else:
            term = DIP[name]
        if str(term).startswith(str(DIP)) and not self.vocab.knows(term):
            self._problem(entry, "not a term of the ontology (misspelt?)", f"dip:{term[len(DIP):]}")
            return None
        return term

    def _value(self, entry, key: str, prop: URIRef, value):
        if self.vocab.is_literal(prop):
            return self._literal(entry, key, self.vocab.properties[prop], value)
        if isinstance(value, str) and ID_PATTERN.match(value):
            target = self.ns[value]
            self.out.references.append((target, self._where(entry)))
            return target
        if isinstance(value, str) and ":" in value:
            return self._term(entry, value)
        if prop in self.vocab.properties:
            self._problem(entry, f"'{value}' is not a reference (kind/slug or a CURIE)", key)
            return None
        return Literal(value, lang=self.lang) if isinstance(value, str) else Literal(value)

    def _literal(self, entry, key: str, datatype: URIRef, value) -> Literal | None:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if datatype == RDF.langString:
            return Literal(text, lang=self.lang)
        ok = {
            XSD.date: lambda: DATE.match(text) and _is_date(text),
            XSD.gYear: lambda: re.match(r"^-?\d{4}$", text),
            XSD.nonNegativeInteger: lambda: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            XSD.integer: lambda: isinstance(value, int) and not isinstance(value, bool),
            XSD.boolean: lambda: isinstance(value, bool),
            XSD.duration: lambda: DURATION.match(text) and any(c.isdigit() for c in text),
        }.get(datatype, lambda: True)()
        if not ok:
            self._problem(entry, f"'{value}' is not a valid {datatype.n3(_NAMES)}", key)
            return None
        return Literal(text, datatype=datatype)

    def _evidence(self, node: URIRef, span, entry) -> None:
        if not isinstance(span, list) or len(span) != 3:
            self._problem(span if hasattr(span, "line") else entry, "a span is [start, end, \"exact text\"]", "evidence")
            return
        start, end, exact = span
        reason = check_span(self.out.text, start, end, exact)
        if reason:
            self._problem(span, f"span does not match the article: {reason}", "evidence")
            return
        span_node = add_span(self.out.graph, self.out.iri, self.out.text, start, end)
        link_sentences(self.out.graph, span_node, start, end, self.sentences)
        self.out.graph.add((node, DIP.evidence, span_node))


def _is_date(text: str) -> bool:
    """True for a real calendar day (2025-02-30 is not one)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def compile_article(folder: str | Path, vocab: Vocabulary, base: str | None = None) -> CompiledArticle:
    """Compile ``folder``'s ``mapping.yaml`` against ``article.txt``.

    Syntax errors and missing files raise BuildError; content problems
    (spans, terms, values) are collected in ``problems``.
    """
    return _Compiler(Path(folder), vocab, base).run()
