"""The static checks before the engine: a tokenizer that knows strings,
IRIs and comments, and the refusals built on it."""

from __future__ import annotations

import pytest

from kg.model.errors import BadQuery, Forbidden, PayloadTooLarge
from kg.storage.guard import check_graph_iris, check_query, tokenize


@pytest.mark.parametrize("query,form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("  # leading comment with SELECT\nASK {}", "ASK"),
    ("PREFIX ex: <http://ex.org/> CONSTRUCT WHERE { ?s ex:p ?o }", "CONSTRUCT"),
    ("base <http://ex.org/> describe <a>", "DESCRIBE"),
])
def test_query_form(query, form):
    assert check_query(query).form == form


@pytest.mark.parametrize("update", [
    "INSERT DATA { <a> <b> <c> }", "delete where { ?s ?p ?o }", "LOAD <http://x.test/>", "CLEAR DEFAULT",
    "DROP ALL", "CREATE GRAPH <g>", "COPY <a> TO <b>", "MOVE DEFAULT TO <g>", "ADD <a> TO <b>",
    "WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "SELECT * {} ; INSERT DATA { <a> <b> <c> }",
])
def test_every_update_form_is_forbidden(update):
    with pytest.raises(Forbidden, match="read-only"):
        check_query(update)


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://x.test/> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT ?endpoint { ?s ?p ?o } }",
    "SELECT * {\n# SERVICE in a comment is fine\nservice <http://x.test/> {} }",
])
def test_service_is_forbidden(query):
    with pytest.raises(Forbidden, match="never connects"):
        check_query(query)


def test_service_position_is_reported():
    with pytest.raises(Forbidden, match="line 3, column 2"):
        check_query("SELECT *\nWHERE {\n SERVICE <http://x.test/> {} }")


@pytest.mark.parametrize("query", [
    'SELECT * { ?s ?p "INSERT DATA { }" }',
    "SELECT * { ?s ?p '''multi\nline DELETE''' }",
    "PREFIX ex: <http://ex.org/> SELECT * { ?s ex:load ?o ; ex:service ?x }",
    "SELECT * { ?s <http://ex.org/drop> ?o }",
    'SELECT * { ?s ?p "x"@insert }',
    "SELECT ?insert { ?insert ?p ?o } # DELETE in a comment",
])
def test_keywords_in_strings_iris_names_and_comments_are_fine(query):
    assert check_query(query).form == "SELECT"


def test_tokens_keep_strings_and_iris_whole():
    tokens = tokenize('SELECT ?x { <http://a/b#c> "a \\" } # b" ; ?x }')
    assert [t.kind for t in tokens] == ["word", "var", "punct", "iri", "string", "punct", "var", "punct"]


def test_nesting_is_bounded():
    check_query("ASK " + "{" * 64 + "}" * 64)
    with pytest.raises(BadQuery, match="nested more than 64 levels"):
        check_query("ASK " + "{" * 65 + "}" * 65)
    with pytest.raises(BadQuery, match="nested more than 10 levels"):
        check_query("SELECT (" + "(" * 20 + "1" + ")" * 20 + " AS ?x) {}", max_nesting=10)


def test_size_is_bounded():
    with pytest.raises(PayloadTooLarge, match="over the limit of 100 bytes"):
        check_query("ASK {} #" + "x" * 100, max_bytes=100)


def test_empty_query_is_bad():
    with pytest.raises(BadQuery, match="empty"):
        check_query("  \n")


def test_from_clauses_are_resolved_with_prefixes_and_base():
    info = check_query("BASE <http://ex.org/a/> PREFIX g: <graphs/> SELECT * FROM g:one FROM NAMED <two> FROM <http://other.test/x> {}")
    assert info.default_graphs == ["http://ex.org/a/graphs/one", "http://other.test/x"]
    assert info.named_graphs == ["http://ex.org/a/two"]


def test_from_with_undeclared_prefix_is_bad():
    with pytest.raises(BadQuery, match="Undeclared prefix 'nope'"):
        check_query("SELECT * FROM nope:g {}")


def test_graph_iris_must_be_absolute_but_need_not_be_in_the_dataset():
    check_graph_iris(["http://x.test/never-loaded", "urn:x-rdflib:default"], source="default-graph-uri")
    for bad in ("relative/name", "http://[::1", "http://a b/"):
        with pytest.raises(BadQuery, match="named-graph-uri .* is not an absolute IRI"):
            check_graph_iris([bad], source="named-graph-uri")


@pytest.mark.parametrize("query", [
    "ASK{FILTER(" + "!" * 20000 + "true)}",
    "ASK{FILTER((" + "+".join(["1"] * 8000) + ")>0)}",
    "SELECT (" + "-".join(["1"] * 1200) + " AS ?x) {}",
    "ASK{FILTER(" + "||".join(["true"] * 600) + ")}",
    "ASK{?s " + "/".join(["<http://b>"] * 1200) + " ?o}",
    "ASK{FILTER(" + " && ".join(["STR(?x)"] * 600) + ")}",
])
def test_expression_chains_are_bounded(query):
    """Operators and function calls are counted, not only brackets: pyoxigraph
    crashed on 10,000 ``!`` or 8,000 ``+`` terms (no bracket nested)."""
    with pytest.raises(BadQuery, match="more than 1000 operators and function calls") as err:
        check_query(query)
    assert err.value.detail == {"limit": 1000}


def test_ordinary_expressions_pass_the_operator_bound():
    query = "PREFIX ex: <http://ex.org/> SELECT * WHERE { ?s ex:p/ex:q* ?o FILTER(!BOUND(?x) && (?o + 1 > 2 || REGEX(STR(?o), '^a'))) }"
    check_query(query)
    check_query("ASK{FILTER(" + "!" * 999 + "true)}")
    with pytest.raises(BadQuery, match="more than 10 operators"):
        check_query("ASK{FILTER(" + "!" * 11 + "true)}", max_operators=10)


def test_escapes_in_iris_are_decoded_before_checking():
    info = check_query(r"PREFIX p: <http\u003A//ex.org/> SELECT * FROM <http\u003A//x.test/g> FROM NAMED p:h {}")
    assert info.default_graphs == ["http://x.test/g"] and info.named_graphs == ["http://ex.org/h"]


def test_from_must_name_an_iri():
    with pytest.raises(BadQuery, match="FROM must name a graph IRI"):
        check_query("SELECT * FROM ?g {}")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { VALUES ?x { <http://x.test/> } FILTER(1<2)SERVICE?x#>\n{ ?s ?p ?o } }",
    "SELECT * WHERE { FILTER(?a<?b).SERVICE?x#>\n{ ?s ?p ?o } }",
])
def test_less_than_that_looks_like_an_iri_cannot_hide_service(query):
    with pytest.raises(Forbidden, match="SERVICE"):
        check_query(query)


def test_iris_with_brackets_are_still_fine():
    assert check_query("SELECT * { ?s ?p <http://dbpedia.org/resource/Load_(computing)> }").form == "SELECT"
