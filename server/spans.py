"""The span page: an evidence span's RFC 5147 IRI dereferenced.

``/span?iri={article IRI}%23char=s,e`` shows the sentence with the words
marked, the article, the facts citing them and the citation to copy;
``/span.json?iri=...`` (or ``format=json``, or ``Accept``) is its twin.
Registered on the pages blueprint by :func:`register`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

from kg.model.errors import BadRequest
from kg.views import span_page

from . import links
from .representation import JSON, PAGE_ONLY, by_suffix, choose, negotiated, render, response
from .state import current_state


def span_url(iri: str) -> str:
    """The local URL of the span page of ``iri``."""
    return "/span?" + urlencode({"iri": iri})


def span():
    """One evidence span: its sentence, article, facts and citation."""
    suffix = JSON if request.path.endswith(".json") else None
    fmt = choose(PAGE_ONLY, suffix)
    raw = request.args.get("iri", "").strip()
    if not raw:
        raise BadRequest("Give the span's IRI: /span?iri={article IRI}%23char=start,end")
    ctx = {"span_page": span_page.load(current_state().store, links.valid_iri(raw))}
    alts = by_suffix("/span", PAGE_ONLY)
    return response(render(fmt, ctx, "span.html", alts), fmt, alts, negotiated(suffix))


def register(bp) -> None:
    """Add the span routes and the ``span_url`` helper to ``bp``."""
    bp.add_url_rule("/span", "span", span)
    bp.add_url_rule("/span.json", "span_json", span)
    bp.add_app_template_global(span_url, "span_url")
