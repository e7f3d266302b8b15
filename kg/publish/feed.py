"""An Atom feed (RFC 4287) of the articles and the facts each one adds.

One entry per article, newest first: its title, date, dateline and, as
the entry's content, the things the graph first learnt from it (those no
earlier article states) and the things it states again. An article's
facts are the typed things whose evidence lies in the article's text.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from rdflib.namespace import RDF

from kg.model.namespaces import DIP, NIF, SDO

ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
MAX_FACTS = 40  # things listed per entry

NEWEST = f"""SELECT ?a (SAMPLE(?d0) AS ?d) WHERE {{ ?a <{NIF.isString}> ?text OPTIONAL {{ ?a <{SDO.datePublished}> ?d0 }} }}
  GROUP BY ?a ORDER BY DESC(?d) ?a LIMIT {MAX_ENTRIES}"""


def _articles(iris: list[str]) -> str:
    return f"""SELECT ?a (SAMPLE(?t0) AS ?t) (SAMPLE(?d0) AS ?d) (SAMPLE(?l0) AS ?l) WHERE {{
  VALUES ?a {{ {" ".join(f"<{a}>" for a in iris)} }}
  OPTIONAL {{ ?a <{SDO.name}> ?t0 }} OPTIONAL {{ ?a <{SDO.datePublished}> ?d0 }} OPTIONAL {{ ?a <{SDO.dateline}> ?l0 }} }} GROUP BY ?a"""


def _things(iris: list[str]) -> str:
    """Typed things with evidence in these articles."""
    return f"""SELECT DISTINCT ?a ?s ?c WHERE {{ VALUES ?a {{ {" ".join(f"<{a}>" for a in iris)} }}
  ?span <{NIF.referenceContext}> ?a . ?s <{DIP.evidence}> ?span . ?s <{RDF.type}> ?c FILTER(isIRI(?s)) }}"""


def _first_seen(things: list[str]) -> str:
    """The earliest date any article states each thing."""
    return f"""SELECT ?s (MIN(?d) AS ?first) WHERE {{ VALUES ?s {{ {" ".join(f"<{s}>" for s in things)} }}
  ?s <{DIP.evidence}> ?span . ?span <{NIF.referenceContext}> ?a . ?a <{SDO.datePublished}> ?d }} GROUP BY ?s"""


@dataclass
class Entry:
    article: str
    title: str
    date: dt.date | None
    dateline: str = ""
    new: list = field(default_factory=list)  # (iri, label, class label)
    again: list = field(default_factory=list)


def entries(store, labels_for) -> list[Entry]:
    """One entry per article, the newest ``MAX_ENTRIES`` first (four
    queries plus labels, bounded by the entries, not by the dataset).

    ``labels_for(iris)`` returns an object whose ``label(iri)`` names an
    IRI (the views' ``Labels.load`` bound to the store): publishing does
    not import the views layer. A thing is new in an article when no
    article published earlier states it."""
    newest = [row["a"].value for row in store.query(NEWEST, union_default_graph=True)]
    if not newest:
        return []
    found = {}
    for row in store.query(_articles(newest), union_default_graph=True):
        iri = row["a"].value
        day = row["d"].value[:10] if row["d"] is not None else ""
        found[iri] = Entry(iri, row["t"].value if row["t"] is not None else "", _date(day),
                           row["l"].value if row["l"] is not None else "")
    things: dict[str, dict[str, set]] = {}
    for row in store.query(_things(newest), union_default_graph=True):
        things.setdefault(row["a"].value, {}).setdefault(row["s"].value, set()).add(row["c"].value)
    every = sorted({s for ts in things.values() for s in ts})
    first: dict[str, dt.date | None] = {}
    for chunk in range(0, len(every), 500):
        for row in store.query(_first_seen(every[chunk: chunk + 500]), union_default_graph=True):
            first[row["s"].value] = _date(row["first"].value[:10]) if row["first"] is not None else None
    labels = labels_for(set(found) | set(every) | {c for ts in things.values() for cs in ts.values() for c in cs})
    for entry in found.values():
        entry.title = entry.title or labels.label(entry.article)
        for s, classes in sorted(things.get(entry.article, {}).items(), key=lambda kv: labels.label(kv[0]).casefold()):
            kind = min((labels.label(c) for c in classes if c.startswith(str(DIP))), default="thing")
            earlier = first.get(s) is not None and entry.date is not None and first[s] < entry.date
            (entry.again if earlier else entry.new).append((s, labels.label(s), kind))
    return sorted(found.values(), key=lambda e: (e.date or dt.date.min, e.article), reverse=True)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _stamp(day: dt.date | None) -> str:
    return f"{(day or dt.date(1970, 1, 1)).isoformat()}T00:00:00Z"


def atom(items: list[Entry], *, feed_url: str, site_url: str, page_of, article_url) -> bytes:
    """The feed document. ``page_of(iri)`` and ``article_url(iri)`` give
    absolute URLs of a thing's page and of an article's text."""
    ET.register_namespace("", ATOM_NS)
    q = lambda name: f"{{{ATOM_NS}}}{name}"  # noqa: E731
    feed = ET.Element(q("feed"))
    ET.SubElement(feed, q("id")).text = feed_url
    ET.SubElement(feed, q("title")).text = "Diplomacy KG: articles and their new facts"
    ET.SubElement(feed, q("updated")).text = max((_stamp(e.date) for e in items), default=_stamp(None))
    ET.SubElement(feed, q("link"), rel="self", type="application/atom+xml", href=feed_url)
    ET.SubElement(feed, q("link"), rel="alternate", type="text/html", href=site_url)
    ET.SubElement(ET.SubElement(feed, q("author")), q("name")).text = "Diplomacy KG"
    for e in items:
        entry = ET.SubElement(feed, q("entry"))
        ET.SubElement(entry, q("id")).text = e.article
        ET.SubElement(entry, q("title")).text = e.title
        ET.SubElement(entry, q("updated")).text = _stamp(e.date)
        if e.date:
            ET.SubElement(entry, q("published")).text = _stamp(e.date)
        ET.SubElement(entry, q("link"), rel="alternate", type="text/html", href=article_url(e.article))
        ET.SubElement(entry, q("link"), rel="related", type="text/html", href=page_of(e.article))
        where = f"{e.dateline}, " if e.dateline else ""
        ET.SubElement(entry, q("summary")).text = (
            f"{where}{e.date.isoformat() if e.date else 'undated'}: {len(e.new)} new things, {len(e.again)} stated again.")
        ET.SubElement(entry, q("content"), type="html").text = _content_html(e, page_of)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _content_html(e: Entry, page_of) -> str:
    from html import escape

    def items(rows):
        shown = "".join(f'<li><a href="{escape(page_of(s))}">{escape(label)}</a> ({escape(kind)})</li>' for s, label, kind in rows[:MAX_FACTS])
        more = f"<li>and {len(rows) - MAX_FACTS} more</li>" if len(rows) > MAX_FACTS else ""
        return f"<ul>{shown}{more}</ul>"

    parts = [f"<p>New in this article ({len(e.new)}):</p>{items(e.new)}" if e.new else "<p>Nothing new in this article.</p>"]
    if e.again:
        parts.append(f"<p>Stated again ({len(e.again)}):</p>{items(e.again)}")
    return "".join(parts)
