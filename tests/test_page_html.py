"""The values and evidence quotes of entity pages, written in Python
(``server/page_html.py``), are the HTML the Jinja macros write: values are
compared with ``_macros.html``'s ``value`` (links, foreign links, blank
nodes, dates, numbers, booleans, unknown datatypes, long and tagged text);
the evidence macros entity pages used are kept here as the reference, for
spans with and without a source, outlet, date or citation. Text that needs
escaping everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import render_template_string

from kg.views.citation import Source
from kg.views.entity_page import Row, Value
from kg.views.evidence_view import Span, SpanList
from server import create_app
from server.page_html import evidence, evidence_list, value_html, values_html
from tests.test_pages import ID, fixture_store

REFERENCE = """{% macro evidence(span) -%}
<blockquote class="evidence" cite="{{ span.iri }}"><p>{% for text, marked in span.pieces %}{% if marked %}<mark>{{ text }}</mark>{% else %}{{ text }}{% endif %}{% endfor %}</p>
<footer>{% if span.source %}<a href="{{ href(span.iri) }}" class="in-article" aria-label="Read “{{ span.exact | truncate(40) }}” in the article {{ span.source.title }}">{{ span.source.title }}</a>
{%- if span.source.publisher %}, <span class="outlet">{{ span.source.publisher }}</span>{% endif %}{% if span.source.date %}, <time datetime="{{ span.source.date }}">{{ span.source.date }}</time>{% endif %}
{%- else %}<a href="{{ href(span.iri) }}" class="in-article" aria-label="Read “{{ span.exact | truncate(40) }}” in the article">in the article</a>{% endif %}
 · <a href="{{ span_url(span.iri) }}" class="cite" title="{{ span.citation }}">cite</a>{% if span.citation %} <button type="button" class="copy" data-copy-text="{{ span.citation }}" hidden>Copy citation</button>{% endif %}</footer></blockquote>
{%- endmacro %}{% macro evidence_list(spans) -%}
{% if spans %}<details class="why"><summary>Evidence ({{ spans.total or spans | length }})</summary>
{% for s in spans %}{{ evidence(s) }}{% endfor %}</details>{% endif %}
{%- endmacro %}"""

ART = "https://kg.example.org/id/article/a-&-b"
FULL = Source(ART, 'Talks "in" <Riyadh> & more', "2025-02-19", "News & Co", "https://example.org/a?x=1&y=2", ("A. O'Neil",))
BARE = Source(ART, "Untitled")
WORDS = "Rubio met Lavrov <b>and</b> said “we’ll talk” & left, with words enough to be cut at forty"
SPANS = [
    Span(ART + "#char=3,9", ART, 3, 9, "Before & ", "Rubio's", " after <i>.", source=FULL, citation='“Rubio\'s”, in "Talks" & <x>'),
    Span(ART + "#char=0,90", ART, 0, 90, exact=WORDS, parts=((WORDS[:10], True), (WORDS[10:40], False), (WORDS[40:], True)),
         source=BARE, citation=""),
    Span("https://example.org/other#char=1,2", "https://example.org/other", 1, 2, "", "x", "", source=None),
]


@pytest.fixture(scope="module")
def app():
    return create_app({"STORE_OBJECT": fixture_store(), "TESTING": True})


@pytest.mark.parametrize("span", SPANS, ids=["source-outlet-date", "bare-source-long-words", "no-source"])
def test_a_quote_is_the_html_the_macro_wrote(app, span):
    with app.test_request_context("/id/x.html"):
        expected = render_template_string(REFERENCE + "{{ evidence(s) }}", s=span)
        assert str(evidence(span)) == expected
        assert "<b>" not in expected and "&amp;" in expected or span.source is None


def test_a_list_of_quotes_is_the_html_the_macro_wrote(app):
    counted = SpanList(SPANS[:2])
    counted.total = 7
    with app.test_request_context("/id/x.html"):
        for spans in (counted, list(SPANS), [], SpanList()):
            assert str(evidence_list(spans)) == render_template_string(REFERENCE + "{{ evidence_list(s) }}", s=spans)
        assert "Evidence (7)" in str(evidence_list(counted)) and "Evidence (3)" in str(evidence_list(list(SPANS)))


def values_to_show():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    long_text = "Words & <more> words, " * 20
    nested = Value("bnode", "b0", rows=[Row("p", "role <x>", [Value("literal", "Host", "Host"), Value("iri", ID + "state/saudi-arabia",
                                                                                                     "Saudi Arabia")])])
    return [
        Value("iri", ID + "person/sergey-lavrov", "Sergey <Lavrov> & co"),
        Value("iri", "https://example.org/x?a=1&b=2", "elsewhere"),
        nested,
        Value("literal", "2025-02-19", "2025-02-19", None, xsd + "date", "date", dt.date(2025, 2, 19)),
        Value("literal", "12000", "12000", None, xsd + "integer", "integer", 12000),
        Value("literal", "1.50", "1.50", None, xsd + "decimal", "decimal", Decimal("1.50")),
        Value("literal", "true", "true", None, xsd + "boolean", "boolean", True),
        Value("literal", "x<y>", "x<y>", None, "https://example.org/dt", "my <type>", None),
        Value("literal", long_text, long_text, "de"),
        Value("literal", "Сергей Лавров", "Сергей Лавров", "ru"),
        Value("literal", "plain 'quoted' \"text\"", "", "en"),
        Value("literal", "", ""),
    ]


def test_values_are_the_html_the_macro_writes(app):
    shown = values_to_show()
    with app.test_request_context("/id/x.html"):
        macros = app.jinja_env.get_template("_macros.html").module
        for v in shown:
            assert str(value_html(v)) == str(macros.value(v))
        assert str(values_html(shown)) == str(macros.values(shown))
        assert 'class="foreign"' in str(value_html(shown[1])) and "&lt;Lavrov&gt; &amp;" in str(value_html(shown[0]))


@pytest.mark.parametrize("text", ["", "plain", "Tom & Jerry's <b>\"bold\"</b>", "&amp; already", "‘curly’ “quotes” — é ü 漢字",
                                  "a\nb\tc", "<<&&>>''\"\"", 42, Decimal("1.5")])
def test_page_escape_is_markupsafe_escape(text):
    """The pages' own escape writes what Jinja's autoescape writes (it
    makes no Markup object per piece), and leaves markup as it is."""
    from markupsafe import Markup, escape as markupsafe_escape

    from server.page_html import escape

    assert escape(text) == str(markupsafe_escape(text))
    assert escape(Markup("<i>x</i>")) == "<i>x</i>"
