"""A page's context as JSON: the data twin of every HTML page.

Each assembler in :mod:`kg.views.assemble` returns a context dict; the
server renders it with a template *or* hands it to :func:`jsonable`, so the
HTML page and its ``.json`` twin show the same facts.

The conversion is generic: dataclasses become objects of their fields
(a field declared with ``metadata={"json": False}`` is left out), dates
become ISO 8601 strings, RDF terms their value, sets sorted lists; a
capped list that knows its ``total`` (evidence) also gives ``<name>_total``. Every
object with an ``iri`` gets a ``page``: the local URL that shows it (when
a ``link`` function is given). Types with a published shape of their own
(search hits, timeline events) are written by the functions in
``ENCODERS``.

>>> import datetime as dt
>>> jsonable({"when": dt.date(2025, 2, 18), "n": {3, 1}})
{'when': '2025-02-18', 'n': [1, 3]}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from kg.views.search import Hit
from kg.views.timeline import TimelineEvent

Link = Callable[[str], str]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def hit_json(hit: Hit, link: Link | None) -> dict:
    """A search hit as the search API has always written it."""
    return {"iri": hit.iri, "label": hit.label, "matched": hit.matched, "match": hit.kind, "score": hit.score,
            "words": hit.words, "types": hit.types, "page": link(hit.iri) if link else None}


def event_json(ev: TimelineEvent, link: Link | None) -> dict:
    """A timeline event as the timeline API has always written it."""
    return {"iri": ev.iri, "label": ev.label, "type": ev.type_label, "date": _iso(ev.date), "year": ev.year,
            "earliestBegin": _iso(ev.earliest), "latestEnd": _iso(ev.latest), "precision": ev.precision,
            "inferred": ev.inferred, "phrase": ev.phrase, "status": ev.status,
            "page": link(ev.iri) if link else None}


ENCODERS: dict[type, Callable[[Any, Link | None], Any]] = {Hit: hit_json, TimelineEvent: event_json}


def jsonable(value: Any, link: Link | None = None, hidden: frozenset[str] = frozenset()) -> Any:
    """``value`` as plain JSON data (dicts, lists, strings, numbers, None);
    dataclass fields named in ``hidden`` are left out."""
    encoder = ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value, link)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _object(value, link, hidden)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, link, hidden) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v, link, hidden) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [jsonable(v, link, hidden) for v in value]
    return str(value)


def _object(value: Any, link: Link | None, hidden: frozenset[str]) -> dict:
    out = {}
    for f in dataclasses.fields(value):
        if f.metadata.get("json", True) and f.name not in hidden:
            item = getattr(value, f.name)
            out[f.name] = jsonable(item, link, hidden)
            total = getattr(item, "total", None) if isinstance(item, list) else None
            if isinstance(total, int):
                out[f.name + "_total"] = total  # a capped list (evidence): how many there are in all
    if link is not None:
        iri = out.get("iri") if isinstance(out.get("iri"), str) else out.get("text") if out.get("kind") == "iri" else None
        if iri:
            out["page"] = link(iri)
    return out
