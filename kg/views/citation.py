"""Where a fact comes from, and how to cite it.

Every evidence span names its article (a :class:`Source`: title, date,
outlet, URL and authors when the mapping gives them, from ``rdfs:label``,
``schema:datePublished``, ``schema:publisher``, ``schema:url`` and
``schema:author`` on the article node). A span's citation is a plain-text
line (quote, article, outlet, date, character range, permalink); an
article's is that line plus CSL-JSON and BibTeX.

The permalinks are the IRIs themselves: an article's IRI, and a span's
RFC 5147 IRI ``{article IRI}#char=s,e`` (code points, end exclusive).

>>> s = Source("https://kg.example.org/id/article/a", "Talks", "2025-02-19", "Example News",
...            "https://example.org/a", ("Jane Doe",))
>>> span_line(s, 3, 9, "Rubio said", s.iri + "#char=3,9")
'“Rubio said”, in “Talks” by Jane Doe, Example News, 2025-02-19, characters 3–9, https://kg.example.org/id/article/a#char=3,9'
>>> csl(s)["issued"]
{'date-parts': [[2025, 2, 19]]}
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import PROV, RDFS, SKOS

from kg.model.namespaces import DIP, NIF, SDO
from kg.model.terms import humanize, sparql_iri, values_clause
from kg.storage.pagecache import cached, frozen

QUOTE_MAX = 200  # a longer quote is cut in the middle in a citation line
MAX_SOURCES = 20  # articles listed as an entity's sources (the first in IRI order)
ARTICLES_KEPT = 5000  # articles whose text and Source a frozen store keeps


@dataclass(frozen=True)
class Source:
    """An article as cited: what its node says about where it was published."""

    iri: str
    title: str
    date: str = ""
    publisher: str = ""
    url: str = ""
    authors: tuple = ()

    @property
    def slug(self) -> str:
        return self.iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Citation:
    """A copy-able citation: the line to paste, and the article as data."""

    text: str
    csl: dict = field(default_factory=dict)
    bibtex: str = ""


def sources(store, articles) -> dict[str, Source]:
    """Article IRI -> its :class:`Source`, in one query (articles the store
    knows nothing about are left out)."""
    articles = sorted({a for a in articles if a})
    kept = _kept(store, "article-sources")
    missing = [a for a in articles if kept is None or a not in kept]
    found = _sources(store, values_clause("a", missing))[1] if missing else {}
    if kept is None:
        return found
    _keep(kept, {a: found.get(a) for a in missing})
    return {a: src for a in articles if (src := kept.get(a)) is not None}


def texts_and_sources(store, articles) -> tuple[dict[str, str], dict[str, Source]]:
    """(article IRI -> full text, article IRI -> Source), in one query.

    A store that cannot change keeps both for the last ``ARTICLES_KEPT``
    articles asked for (pages quote the same articles again and again)."""
    articles = sorted({a for a in articles if a})
    if not articles:
        return {}, {}
    texts, known = _kept(store, "article-texts"), _kept(store, "article-sources")
    if texts is None or known is None:
        return _sources(store, values_clause("a", articles), with_text=True)
    missing = [a for a in articles if a not in texts]
    if missing:
        found_texts, found = _sources(store, values_clause("a", missing), with_text=True)
        _keep(texts, {a: found_texts.get(a) for a in missing})
        _keep(known, {a: found.get(a) for a in missing})
    return ({a: t for a in articles if (t := texts.get(a)) is not None},
            {a: src for a in articles if (src := known.get(a)) is not None})


def _kept(store, name: str) -> dict | None:
    """The dict a frozen store keeps ``name`` in (None for a store that can change)."""
    return cached(store, name, dict) if frozen(store) else None


def _keep(kept: dict, found: dict) -> None:
    if len(kept) + len(found) > ARTICLES_KEPT:
        kept.clear()
    kept.update(found)


def _sources(store, pattern: str, with_text: bool = False) -> tuple[dict[str, str], dict[str, Source]]:
    """Texts and Sources of the articles ``?a`` that ``pattern`` binds."""
    query = (f"SELECT ?a {'?t' if with_text else ''} ?l ?d ?pub ?url ?au WHERE {{ {pattern} "
             f"{'?a <' + str(NIF.isString) + '> ?t' if with_text else 'FILTER EXISTS { ?a <' + str(NIF.isString) + '> ?t }'} "
             f"OPTIONAL {{ ?a <{RDFS.label}> ?l }} OPTIONAL {{ ?a <{SDO.datePublished}> ?d }} "
             f"OPTIONAL {{ ?a <{SDO.publisher}> ?pub }} OPTIONAL {{ ?a <{SDO.url}> ?url }} "
             f"OPTIONAL {{ ?a <{SDO.author}> ?au }} }}")
    found: dict[str, dict] = defaultdict(lambda: {"l": set(), "d": set(), "pub": set(), "url": set(), "au": set()})
    texts = {}
    for row in store.query(query, union_default_graph=True):
        slot = found[row["a"].value]
        if with_text:
            texts[row["a"].value] = row["t"].value
        for var in slot:
            if row[var] is not None:
                slot[var].add(row[var].value)
    return texts, {iri: Source(iri, min(v["l"]) if v["l"] else iri.rsplit("/", 1)[-1], min(v["d"], default=""),
                               "; ".join(sorted(v["pub"])), min(v["url"], default=""), tuple(sorted(v["au"])))
                   for iri, v in found.items()}


def cited_sources(store, iri: str, limit: int = MAX_SOURCES, also=(), known: dict | None = None,
                  cited=None) -> "SourceList":
    """The articles whose words are evidence for ``iri`` (a span IRI names
    its article; at most ``limit``), in date order, in two queries (the
    second also fetches the Sources of the articles ``also``, in ``known``;
    none for the Sources given in ``known``). ``cited``: every article
    ``iri``'s spans name, when the caller has them all (no first query
    unless there are more than ``limit + 1``, which the store chooses from)."""
    if cited is not None and len(set(cited)) <= limit + 1:
        articles = sorted(set(cited) - {""})
    else:
        query = (f"SELECT DISTINCT ?a WHERE {{ {sparql_iri(iri)} <{DIP.evidence}> ?s "
                 f'BIND(STRBEFORE(STR(?s), "#char=") AS ?a) }} LIMIT {int(limit) + 1}')
        articles = sorted({row["a"].value for row in store.query(query, union_default_graph=True)} - {""})
    wanted = {*articles[:limit], *also}
    known = {a: src for a in wanted if (src := (known or {}).get(a)) is not None}
    if wanted - set(known):
        known.update(sources(store, wanted - set(known)))
    found = SourceList(sorted((known[a] for a in articles[:limit] if a in known), key=lambda s: (s.date, s.iri)),
                       more=len(articles) > limit)
    found.known = known
    return found


class SourceList(list):
    """Sources; ``more``: the node is cited by more articles than listed."""

    def __init__(self, items=(), more: bool = False):
        super().__init__(items)
        self.more = more
        self.known: dict[str, Source] = {}


def short_quote(text: str, limit: int = QUOTE_MAX) -> str:
    """``text`` on one line, cut in the middle when longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half].rstrip() + " \u2026 " + text[-half:].lstrip()


def _where(source: Source) -> str:
    """``“Title” by A and B, Outlet, date``: the article as a line names it."""
    parts = [f"“{source.title}”" + (f" by {' and '.join(source.authors)}" if source.authors else "")]
    parts += [p for p in (source.publisher, source.date) if p]
    return ", ".join(parts)


def span_line(source: Source, start: int, end: int, exact: str, permalink: str) -> str:
    """The plain-text citation of a span: quote, article, outlet, date,
    character range, permalink."""
    return f"“{short_quote(exact)}”, in {_where(source)}, characters {start}–{end}, {permalink}"


def article_line(source: Source) -> str:
    """The plain-text citation of an article (its URL when it has one)."""
    return f"{_where(source)}, {source.url or source.iri}" + (f" (in the graph: {source.iri})" if source.url else "")


def csl(source: Source) -> dict:
    """The article as CSL-JSON (one item), for reference managers."""
    item: dict = {"id": source.slug, "type": "article-newspaper", "title": source.title}
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.date):
        item["issued"] = {"date-parts": [[int(x) for x in source.date.split("-")]]}
    elif source.date:
        item["issued"] = {"raw": source.date}
    if source.authors:
        item["author"] = [{"literal": name} for name in source.authors]
    if source.publisher:
        item["container-title"] = source.publisher
        item["publisher"] = source.publisher
    item["URL"] = source.url or source.iri
    if source.url:
        item["note"] = f"Knowledge graph: {source.iri}"
    return item


_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
        "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def tex(text: str) -> str:
    r"""``text`` safe inside a BibTeX field (``{}``-delimited).

    >>> tex("50% & {more}")
    '50\\% \\& \\{more\\}'
    """
    return "".join(_TEX.get(c, c) for c in text)


def bibtex(source: Source) -> str:
    """The article as a BibTeX entry (``@article`` when it has an outlet,
    else ``@misc``); URLs are given verbatim, as ``url`` fields are."""
    key = re.sub(r"[^A-Za-z0-9_:-]+", "-", source.slug).strip("-") or "article"
    fields = [("title", "{" + tex(source.title) + "}")]
    if source.authors:
        fields.append(("author", " and ".join("{" + tex(a) + "}" for a in source.authors)))
    if source.publisher:
        fields.append(("journal", tex(source.publisher)))
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", source.date)
    if m:
        fields += [("year", m[1]), ("month", MONTHS[int(m[2]) - 1] if 1 <= int(m[2]) <= 12 else m[2]), ("date", source.date)]
    elif source.date:
        fields.append(("year", tex(source.date)))
    fields.append(("url", (source.url or source.iri).replace("{", "%7B").replace("}", "%7D")))
    if source.url:
        fields.append(("note", "Knowledge graph: \\url{" + source.iri.replace("{", "%7B").replace("}", "%7D") + "}"))
    kind = "article" if source.publisher else "misc"
    body = ",\n".join(f"  {name} = {value if name == 'month' else '{' + value + '}'}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def article_citation(source: Source) -> Citation:
    return Citation(article_line(source), csl(source), bibtex(source))


def span_citation(source: Source, start: int, end: int, exact: str, permalink: str) -> Citation:
    return Citation(span_line(source, start, end, exact, permalink), csl(source), bibtex(source))


# -- what each article says about a node ---------------------------------------

# Notes, inference flags and statuses: per article, since articles may
# disagree about them or add to each other.
PER_ARTICLE = {str(p): label for p, label in (
    (RDFS.comment, "note"), (SKOS.note, "note"), (DIP.inference, "inference"), (DIP.inferredProperty, "inferred property"),
    (DIP.timeInferred, "date inferred"), (DIP.timeResolution, "date resolved as"), (DIP.valueDerived, "value derived"),
    (DIP.status, "status"), (DIP.modality, "modality"))}


# Free-text notes differ by nature; only flags, statuses and modality are compared.
NOT_COMPARED = {str(RDFS.comment), str(SKOS.note), str(DIP.inference), str(DIP.timeResolution)}


@dataclass
class ArticleNotes:
    """What one article's graph says of a node's notes, flags and status."""

    source: Source
    graph: str
    notes: list  # {property, label (of the property), value, shown (the value's label)}


def per_article(store, iri: str, known: dict | None = None) -> list[ArticleNotes]:
    """The node's notes, inference flags and statuses grouped by the article
    graph that states them (a graph names its article by
    ``prov:wasDerivedFrom``), in date order; graphs of no article (the
    background) are left out. ``known``: Sources already fetched."""
    return _group_notes(store, _note_rows(store, iri), known)


def _note_rows(store, iri: str, props=None) -> dict[tuple, list]:
    """(graph, article) -> [(property, value, shown)], in one query (an IRI
    value is shown by its English label when it has one); ``props``: the
    properties ``iri`` has anywhere (None: not known), none asked about when
    it has none of ``PER_ARTICLE``."""
    wanted = sorted(PER_ARTICLE if props is None else set(PER_ARTICLE) & set(props))
    if not wanted:
        return {}
    query = (f"SELECT ?g ?a ?p ?o (SAMPLE(?l) AS ?ol) WHERE {{ {values_clause('p', wanted)} "
             f"GRAPH ?g {{ {sparql_iri(iri)} ?p ?o . ?g <{PROV.wasDerivedFrom}> ?a }} "
             f'OPTIONAL {{ ?o <{RDFS.label}> ?l FILTER(isIRI(?o) && LANGMATCHES(LANG(?l), "en")) }} }} GROUP BY ?g ?a ?p ?o')
    rows: dict[tuple, list] = defaultdict(list)
    for row in store.query(query, union_default_graph=True):
        value, label = row["o"], row["ol"]
        shown = label.value if label is not None else humanize(value.value) if isinstance(value, ox.NamedNode) else value.value
        rows[(row["g"].value, row["a"].value)].append((row["p"].value, value.value, shown))
    return rows


def _group_notes(store, rows: dict, known: dict | None) -> list[ArticleNotes]:
    known = dict(known or {})
    missing = {a for _, a in rows} - set(known)
    if missing:
        known.update(sources(store, missing))
    out = []
    for (graph, article), found in rows.items():
        if article not in known:
            continue
        notes = sorted(set(found), key=lambda n: (PER_ARTICLE[n[0]], n[2]))
        out.append(ArticleNotes(known[article], graph, [{"property": p, "label": PER_ARTICLE[p], "value": v, "shown": shown}
                                                        for p, v, shown in notes]))
    return sorted(out, key=lambda n: (n.source.date, n.source.iri))


@dataclass
class Cited:
    """An article with its citation."""

    source: Source
    citation: Citation


def provenance(store, page) -> dict:
    """An entity page's provenance: ``sources`` (the articles citing it,
    each with its citation) and ``per_article`` (its notes, flags and
    statuses grouped by article, when several articles speak of it). When
    ``per_article`` is shown, its properties leave the page's groups."""
    rows = _note_rows(store, page.iri, page.props)
    spans = page.spans
    found = cited_sources(store, page.iri, also={a for _, a in rows}, known=spans.texts.sources if spans else None,
                          cited=spans.cited() if spans else None)
    if not found and any(t.text == str(DIP.Article) for t in page.types):  # an article cites itself
        found = SourceList(sources(store, [page.iri]).values())
    notes = _group_notes(store, rows, found.known)
    several = len({n.graph for n in notes}) > 1 or (notes and len(found) > 1)
    shown = notes if several else []
    if shown:
        for group in page.groups:
            group.rows = [r for r in group.rows if r.prop not in PER_ARTICLE]
        page.groups = [g for g in page.groups if g.rows]
    return {"sources": [Cited(s, article_citation(s)) for s in found], "more_sources": found.more, "per_article": shown,
            "articles_differ_on": differ(shown)}


def differ(groups: list[ArticleNotes]) -> list[str]:
    """Labels of the properties (status, modality...) that two or more
    articles give different values: where the articles disagree.

    >>> s = Source("a", "A")
    >>> differ([ArticleNotes(s, "g1", [{"property": "p", "label": "status", "value": "held", "shown": "held"}]),
    ...         ArticleNotes(s, "g2", [{"property": "p", "label": "status", "value": "postponed", "shown": "postponed"}])])
    ['status']
    """
    values: dict[tuple, list] = defaultdict(list)
    for group in groups:
        said: dict[tuple, set] = defaultdict(set)
        for note in group.notes:
            said[(note["property"], note["label"])].add(note["value"])
        for key, found in said.items():
            values[key].append(frozenset(found))
    return sorted({label for (prop, label), sets in values.items()
                   if len(sets) > 1 and len(set(sets)) > 1 and prop not in NOT_COMPARED})


def mentioned_in(store, iris, per_node: int = 3, nodes: int = 10) -> dict[str, list[Source]]:
    """Node IRI -> the first ``per_node`` articles whose words are evidence
    for it (for the first ``nodes`` IRIs: a search page's hits), in two queries."""
    iris = [i for i in dict.fromkeys(iris)][:nodes]
    if not iris:
        return {}
    parts = [f"{{ SELECT DISTINCT ?n ?a WHERE {{ {sparql_iri(i)} <{DIP.evidence}> ?s BIND({sparql_iri(i)} AS ?n) "
             f'BIND(IRI(STRBEFORE(STR(?s), "#char=")) AS ?a) FILTER(BOUND(?a)) }} LIMIT {int(per_node)} }}' for i in iris]
    pairs = [(row["n"].value, row["a"].value) for row in store.query("SELECT ?n ?a WHERE { " + " UNION ".join(parts) + " }",
                                                                        union_default_graph=True)]
    known = _sources(store, values_clause("a", sorted({a for _, a in pairs})))[1] if pairs else {}
    found: dict[str, list[Source]] = defaultdict(list)
    for node, article in pairs:
        if article in known:
            found[node].append(known[article])
    return {n: sorted(v, key=lambda s: (s.date, s.iri)) for n, v in found.items()}
