"""IRIs <-> URLs of this service, and the Jinja helpers pages use.

* ``{base}id/...`` is served at ``/id/...`` (a fragment stays a fragment;
  an evidence span ``{article}#char=s,e`` links into the article view);
* named graphs ``{base}graph/...`` at ``/graph/...``;
* ontology terms ``dip:Foo`` at ``/ontology/Foo``;
* any other IRI at ``/resource?iri=...`` (what the dataset says about it).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import current_app, g

from kg.model.errors import BadRequest
from kg.model.terms import check_iri
from kg.views.evidence_view import parse_span
from kg.model.namespaces import DIP, base_iri, prefixes

PATH_SAFE = "/:@!$&'()*+,;=-._~"


def data_base() -> str:
    """The data base IRI the app serves (config ``BASE`` or the default),
    worked out once per request: a page asks for it for every link."""
    if "kg_base" not in g:
        g.kg_base = base_iri(current_app.config.get("BASE") or None)
    return g.kg_base


def valid_iri(iri: str) -> str:
    """``iri`` when it is an absolute IRI (RFC 3987: no ``[`` in a path, no
    broken ``%`` escape, no U+FFFD from undecodable bytes...), else 400
    saying what is wrong; a page URL never reaches the store with a bad IRI.

    >>> valid_iri("https://kg.example.org/id/person/a")
    'https://kg.example.org/id/person/a'
    """
    check_iri(iri)
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        shown = iri if len(iri) <= 200 else iri[:200] + "\u2026"
        raise BadRequest(f"Not a valid IRI: <{shown}> ({exc})", detail={"iri": shown}) from None
    return iri


def entity_prefix() -> str:
    return data_base() + "id/"


def iri_for_path(rest: str) -> str:
    """The entity IRI served at ``/id/{rest}``."""
    return entity_prefix() + rest


def article_slug(article_iri: str) -> str | None:
    """The slug of an article IRI ``{base}id/article/{slug}``, else None."""
    prefix = entity_prefix() + "article/"
    return article_iri[len(prefix):] if article_iri.startswith(prefix) else None


def href(iri: str) -> str:
    """The local URL that shows ``iri`` to a browser."""
    return _href(data_base(), iri)


@functools.lru_cache(maxsize=65536)
def _href(base: str, iri: str) -> str:
    """``href`` for the data base IRI ``base`` (kept: a page asks for
    the URLs of the same properties, types and places again and again)."""
    doc, _, fragment = iri.partition("#")
    span = parse_span(iri)
    articles = base + "id/article/"
    if span and span[0].startswith(articles):
        return f"/article/{quote(span[0][len(articles):], safe=PATH_SAFE)}?span={span[1]},{span[2]}#{fragment}"
    prefix = base + "id/"
    if doc.startswith(prefix) and len(doc) > len(prefix):
        path = "/id/" + quote(doc[len(prefix):], safe=PATH_SAFE)
        return path + (f"#{quote(fragment, safe=PATH_SAFE)}" if fragment else "")
    graphs = base + "graph/"
    if doc.startswith(graphs) and len(doc) > len(graphs) and not fragment:
        return "/graph/" + quote(doc[len(graphs):], safe=PATH_SAFE)
    if iri.startswith(str(DIP)) and "/" not in iri[len(str(DIP)):]:
        name = iri[len(str(DIP)):]
        return f"/ontology/{quote(name, safe=PATH_SAFE)}" if name else "/ontology/"
    return "/resource?" + urlencode({"iri": iri})


def is_local(iri: str) -> bool:
    """Does ``iri`` have its own page here (not a foreign lookup)?"""
    return not href(iri).startswith("/resource?")


def show_date(value) -> str:
    """A date as people write it: ``19 February 2025``."""
    if isinstance(value, dt.datetime):
        return value.strftime("%-d %B %Y, %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    return str(value)


def show_literal(value) -> str:
    """A literal's text for people: dates spelled out, numbers grouped."""
    py = value.python
    if isinstance(py, bool):
        return "yes" if py else "no"
    if isinstance(py, (dt.date, dt.datetime)):
        return show_date(py)
    if isinstance(py, int):
        return f"{py:,}"
    if isinstance(py, Decimal):
        return f"{py:,}"
    return value.text


def curie(iri: str) -> str:
    """``prov:Entity`` for an IRI in a known namespace, else the IRI."""
    for prefix, ns in sorted(prefixes(data_base()).items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def upfirst(text: str) -> str:
    """Upper-case the first letter only (``ACLED type`` stays as it is)."""
    return text[:1].upper() + text[1:]


def register(app_or_bp) -> None:
    """Make the helpers available in every template."""
    app_or_bp.add_app_template_global(href, "href")
    app_or_bp.add_app_template_global(is_local, "is_local")
    app_or_bp.add_app_template_filter(show_literal, "show_literal")
    app_or_bp.add_app_template_filter(show_date, "show_date")
    app_or_bp.add_app_template_filter(upfirst, "upfirst")
    app_or_bp.add_app_template_filter(curie, "curie")
