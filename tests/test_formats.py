"""Content negotiation, case by case."""

import pytest

from kg.model.errors import BadRequest, NotAcceptable
from kg.model.formats import GRAPH_FORMATS, RESULT_FORMATS, by_extension, by_name, negotiate


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("application/sparql-results+xml", "xml"),
        ("application/xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("text/*", "csv"),
        ("text/*;q=0.9, text/tab-separated-values", "tsv"),
        ("application/sparql-results+json;q=0.1, application/sparql-results+xml;q=0.8", "xml"),
        ("text/csv;q=0, */*;q=0.1", "json"),
        ("application/json", "json"),
        ("text/html, */*;q=0.01", "json"),
    ],
)
def test_negotiate_results(accept, expected):
    assert negotiate(accept, RESULT_FORMATS).name == expected


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("application/trig", "trig"),
        ("application/n-quads", "nq"),
        ("application/*;q=0.5, text/turtle;q=0.4", "nt"),
        ("text/turtle;q=0.4, application/ld+json;q=0.9", "jsonld"),
    ],
)
def test_negotiate_graphs(accept, expected):
    assert negotiate(accept, GRAPH_FORMATS).name == expected


def test_nothing_acceptable_lists_offers():
    with pytest.raises(NotAcceptable) as info:
        negotiate("image/png", RESULT_FORMATS)
    assert "application/sparql-results+json" in info.value.message
    assert info.value.status == 406


def test_explicit_zero_refuses_the_only_match():
    with pytest.raises(NotAcceptable):
        negotiate("text/turtle;q=0", [GRAPH_FORMATS[0]])


@pytest.mark.parametrize("value", ["ttl", "turtle", "text/turtle", "TURTLE"])
def test_format_by_name(value):
    assert by_name(value, GRAPH_FORMATS).name == "ttl"


def test_unknown_format_name_is_bad_request():
    with pytest.raises(BadRequest) as info:
        by_name("docx", GRAPH_FORMATS)
    assert "ttl (text/turtle)" in info.value.message


def test_extension():
    assert by_extension("jsonld", GRAPH_FORMATS).name == "jsonld"
    assert by_extension("exe", GRAPH_FORMATS) is None
