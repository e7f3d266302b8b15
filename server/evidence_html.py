"""The evidence quotes of an entity page, written in Python.

An entity page shows a quote (``<blockquote class="evidence">``) for each
span of evidence, and a list of them under most of its values: dozens per
page. As Jinja macros they were a fifth of the page's rendering time;
these functions write the same HTML, escaped the same way (Jinja's
autoescape is ``markupsafe.escape``), and are the template globals
``evidence`` and ``evidence_list`` (``tests/test_evidence_html.py``).
"""

from __future__ import annotations

from flask import current_app
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from . import links
from .spans import span_url


def evidence(span) -> Markup:
    """One span: its sentence with the words marked, its article, its citation."""
    text = "".join(f"<mark>{escape(piece)}</mark>" if marked else str(escape(piece)) for piece, marked in span.pieces)
    where = escape(links.href(span.iri))
    short = escape(do_truncate(current_app.jinja_env, span.exact, 40))
    source = span.source
    if source:
        footer = (f'<a href="{where}" class="in-article" aria-label="Read “{short}” in the article {escape(source.title)}">'
                  f"{escape(source.title)}</a>")
        if source.publisher:
            footer += f', <span class="outlet">{escape(source.publisher)}</span>'
        if source.date:
            footer += f', <time datetime="{escape(source.date)}">{escape(source.date)}</time>'
    else:
        footer = f'<a href="{where}" class="in-article" aria-label="Read “{short}” in the article">in the article</a>'
    footer += f'\n · <a href="{escape(span_url(span.iri))}" class="cite" title="{escape(span.citation)}">cite</a>'
    if span.citation:
        footer += f' <button type="button" class="copy" data-copy-text="{escape(span.citation)}" hidden>Copy citation</button>'
    return Markup(f'<blockquote class="evidence" cite="{escape(span.iri)}"><p>{text}</p>\n<footer>{footer}</footer></blockquote>')


def evidence_list(spans) -> Markup:
    """The spans of a value, folded (``Evidence (n)``, n counting those not shown)."""
    if not spans:
        return Markup("")
    total = getattr(spans, "total", 0) or len(spans)
    quotes = "".join(evidence(s) for s in spans)
    return Markup(f'<details class="why"><summary>Evidence ({total})</summary>\n{quotes}</details>')


def register(bp) -> None:
    """Make ``evidence`` and ``evidence_list`` template globals."""
    bp.add_app_template_global(evidence, "evidence")
    bp.add_app_template_global(evidence_list, "evidence_list")
