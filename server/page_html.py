"""The pieces of an entity page written in Python: its values and its
evidence quotes.

An entity page shows a quote (``<blockquote class="evidence">``) for each
span of evidence and a list of them under most of its values, and every
value of its tables and lists: hundreds per page for a much-mentioned
person (170 KB of HTML). As Jinja macros these were most of the page's
rendering time; these functions write the same HTML, escaped the same way
(Jinja's autoescape is ``markupsafe.escape``), as the template globals
``evidence``, ``evidence_list``, ``value_html`` and ``values_html``
(``tests/test_page_html.py`` compares them with the macros:
``_macros.html``'s ``value``, which other pages still use, and the
evidence macros entity pages used before).
"""

from __future__ import annotations

from flask import current_app
from jinja2.filters import do_truncate
from markupsafe import Markup

from . import links
from .spans import span_url


def escape(value) -> str:
    """``markupsafe.escape(value)`` as a plain string (the same five
    entities; markup is kept as it is), without making a ``Markup`` object
    per piece: a page escapes a few thousand pieces.

    >>> escape("Tom & Jerry's <b>")
    'Tom &amp; Jerry&#39;s &lt;b&gt;'
    >>> escape('say "hi"')
    'say &#34;hi&#34;'
    """
    if hasattr(value, "__html__"):
        return value.__html__()
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def evidence(span) -> Markup:
    """One span: its sentence with the words marked, its article, its citation."""
    text = "".join(f"<mark>{escape(piece)}</mark>" if marked else escape(piece) for piece, marked in span.pieces)
    where = escape(links.href(span.iri))
    short = escape(do_truncate(current_app.jinja_env, span.exact, 40))
    source = span.source
    if source:
        title = escape(source.title)
        footer = f'<a href="{where}" class="in-article" aria-label="Read “{short}” in the article {title}">{title}</a>'
        if source.publisher:
            footer += f', <span class="outlet">{escape(source.publisher)}</span>'
        if source.date:
            date = escape(source.date)
            footer += f', <time datetime="{date}">{date}</time>'
    else:
        footer = f'<a href="{where}" class="in-article" aria-label="Read “{short}” in the article">in the article</a>'
    citation = escape(span.citation)
    footer += f'\n · <a href="{escape(span_url(span.iri))}" class="cite" title="{citation}">cite</a>'
    if span.citation:
        footer += f' <button type="button" class="copy" data-copy-text="{citation}" hidden>Copy citation</button>'
    return Markup(f'<blockquote class="evidence" cite="{escape(span.iri)}"><p>{text}</p>\n<footer>{footer}</footer></blockquote>')


def evidence_list(spans) -> Markup:
    """The spans of a value, folded (``Evidence (n)``, n counting those not shown)."""
    if not spans:
        return Markup("")
    total = getattr(spans, "total", 0) or len(spans)
    quotes = "".join(evidence(s) for s in spans)
    return Markup(f'<details class="why"><summary>Evidence ({total})</summary>\n{quotes}</details>')


def value_html(v) -> Markup:
    """One value: a link, a blank node's own rows, or a literal (``_macros.html``'s ``value``)."""
    if v.kind == "iri":
        where = links.href(v.text)
        foreign = ' class="foreign"' if where.startswith("/resource?") else ""
        return Markup(f'<a href="{escape(where)}"{foreign}>{escape(v.label)}</a>')
    if v.kind == "bnode":
        rows = "".join(f"<dt>{escape(row.label)}</dt><dd>{values_html(row.values)}</dd>" for row in v.rows)
        return Markup(f'<dl class="nested">{rows}</dl>')
    if v.python is not None and v.datatype:
        out = f'<data value="{escape(v.text)}" title="{escape(v.datatype_label)}">{escape(links.show_literal(v))}</data>'
    elif len(v.text) > 240:
        out = (f'<details class="long"><summary>{escape(do_truncate(current_app.jinja_env, v.text, 120))} '
               f'({len(v.text):,} characters)</summary><p>{escape(v.text)}</p></details>')
    else:
        out = escape(v.text)
    if v.lang and v.lang != "en":
        out += f' <span class="lang" title="language">{escape(v.lang)}</span>'
    if v.datatype and v.python is None:
        out += f' <span class="dtype">({escape(v.datatype_label)})</span>'
    return Markup(out)


def values_html(vs) -> Markup:
    """Values separated by commas (``_macros.html``'s ``values``)."""
    return Markup(", ".join(value_html(v) for v in vs))


def register(bp) -> None:
    """Make ``evidence``, ``evidence_list``, ``value_html`` and ``values_html`` template globals."""
    bp.add_app_template_global(evidence, "evidence")
    bp.add_app_template_global(evidence_list, "evidence_list")
    bp.add_app_template_global(value_html, "value_html")
    bp.add_app_template_global(values_html, "values_html")
