"""The query page without a browser (Flask test client, the pages fixture):
errors kept in the page with the query, prefixes declared for the reader,
charts, the permalink, completion data, and the caps on HTML results."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlparse

import pyoxigraph
import pytest

from kg.model import formats as F
from server import create_app
from server.query_chart import chart
from server.query_help import declare_prefixes, locate, readable_error
from tests.test_pages import fixture_store

HTML = {"Accept": "text/html"}
BAD = 'SELECT ?person ?name WHERE {\n  ?person a dip:Person ;\n          rdfs:label ?name\n  FILTER(LANG(?name) = "en"\n}\n'
COUNTS = ("SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?c . ?c rdfs:label ?class . "
          "FILTER(STRSTARTS(STR(?c), STR(dip:))) } GROUP BY ?class ORDER BY DESC(?n) ?class")
# The engine's message for an undeclared prefix, as the issue quotes it.
WALL = ("SPARQL syntax error: error at 1:33: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | '\\u{00B7}' | "
        "'\\u{0300}'..='\\u{036F}' |\n'\\u{203F}'..='\\u{2040}'], ['.'], [':'], ['A' ..= 'Z' | 'a' ..= 'z' | '\\u{00C0}'..='\\u{00D6}']")


@pytest.fixture(scope="module")
def client():
    return create_app({"STORE_OBJECT": fixture_store(), "TESTING": True}).test_client()


def page(client, query: str, status: int = 200, **params) -> str:
    resp = client.get("/sparql?" + urlencode({"query": query, "format": "html", **params}), headers=HTML)
    body = resp.get_data(as_text=True)
    assert resp.status_code == status, body[:800]
    assert resp.content_type.startswith("text/html")
    return body


def editor_text(body: str) -> str:
    match = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, "no editor on the page"
    return unescape(match.group(1))


def error_message(body: str) -> str:
    match = re.search(r'<p class="error-message">(.*?)</p>', body, re.S)
    assert match, "no error message on the page"
    return unescape(match.group(1))


# -- errors stay in the page -------------------------------------------------
def test_syntax_error_keeps_the_query_and_marks_its_line(client):
    body = page(client, BAD, status=400)
    assert editor_text(body) == BAD
    message = error_message(body)
    assert message == "Syntax error at line 4, column 9: “(” is never closed (“}” at line 5, column 1 comes first)."
    assert 'data-error-line="4"' in body and 'data-error-column="9"' in body
    context = re.search(r'<pre class="error-context"[^>]*>(.*?)</pre>', body, re.S).group(1)
    source, caret = unescape(re.sub(r"<[^>]+>", "", context)).splitlines()
    assert source == '4   FILTER(LANG(?name) = "en"'
    assert caret == " " + " " * 8 + "^"  # under column 9: the "(" never closed


def test_engine_error_in_one_readable_line(client):
    body = page(client, "PREFIX ex: <http://ex.org/>\nSELECT * WHERE { ?s ex:p ?o . ?s ex:q }", status=400)
    message = error_message(body)
    assert "\\u{" not in message and len(message) < 200
    assert re.match(r"Syntax error at (or just before )?line 2, column \d+", message), message


def test_undeclared_foreign_prefix_names_the_prefix(client):
    body = page(client, "SELECT * WHERE {\n  ?s a foaf:Person }", status=400)
    message = error_message(body)
    assert "“foaf:” is not declared" in message and "line 2" in message
    assert editor_text(body) == "SELECT * WHERE {\n  ?s a foaf:Person }"


def test_the_wall_becomes_one_line():
    error = readable_error(WALL, {}, "SELECT * WHERE { ?s a foaf:Person }", 0)
    assert error.message == "Syntax error at line 1, column 33: “foaf:” is not declared; add a PREFIX line for it."
    assert (error.line, error.column) == (1, 33)


def test_engine_columns_are_characters():
    """The engine counts columns in characters: an accented name before the
    error does not move the mark."""
    query = "SELECT ?é WHERE { ?s ?p ?o . ?s ?q }"
    with pytest.raises(SyntaxError, match="error at 1:37"):  # 36 characters, 37 bytes
        pyoxigraph.Store().query(query)
    error = readable_error("SPARQL syntax error: error at 1:37: expected one of LATERAL, SERVICE, [_]", {}, query, 0)
    assert (error.line, error.column) == (1, 37)
    assert error.message.startswith("Syntax error: the parser read to the end of the query (line 1, column 37)")


def test_refused_query_keeps_its_text(client):
    update = "INSERT DATA { <http://ex.org/a> <http://ex.org/b> 1 }"
    body = page(client, update, status=403)
    assert editor_text(body) == update
    assert "read-only" in error_message(body)


def test_api_clients_still_get_plain_errors(client):
    resp = client.get("/sparql?" + urlencode({"query": "SELEC *"}), headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 400
    assert resp.is_json and "SPARQL" in resp.get_json()["message"]
    assert "<textarea" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("query, where", [
    ("SELECT * WHERE {\n  FILTER(?x = 1\n}", (2, 9)),
    ("SELECT * { ?s ?p ?o FILTER(?s = ) }", (1, 31)),
    ("SELECT * { ?s ?p ?o } }", (1, 23)),
    ("PREFIX a: <x:>\nSELEC * { }", (2, 1)),
    ("SELECT * { ?s ?p ?o } LIMT 5", (1, 23)),
    ("SELECT * {\n  ?s ?p ?o FILTR(?o > 1.5e3)\n}", (2, 12)),
    ("SELECT * { ?s ?p ?o FILTER(?s != ?o && ?o > 1.5E3) }", None),
    ("SELECT * { ?s ?p '}(' }", None),
])
def test_locate_common_mistakes(query, where):
    found = locate(query)
    assert (found[:2] if found else None) == where


# -- prefixes ------------------------------------------------------------------
def test_project_prefixes_declared_and_said(client):
    body = page(client, "SELECT ?name WHERE { ?p a dip:Person ; rdfs:label ?name } ORDER BY ?name")
    assert re.search(r"Declared for you: <code[^>]*>dip:</code>, <code[^>]*>rdfs:</code>", body)
    cells = re.findall(r'<span class="literal">([^<]*)</span>', body)
    assert cells == ["Marco Rubio", "Sergey Lavrov"]
    assert editor_text(body).startswith("SELECT ?name")  # the editor keeps what was typed


def test_own_declaration_wins():
    full, added = declare_prefixes("PREFIX dip: <http://other/> SELECT * { ?s a dip:X ; schema:name ?n }",
                                   {"dip": "https://kg.example.org/ontology/", "schema": "https://schema.org/"})
    assert added == ["schema"]
    assert full.splitlines()[0] == "PREFIX schema: <https://schema.org/>"
    assert "https://kg.example.org/ontology/" not in full


def test_error_line_counts_the_readers_lines(client):
    """The declared prefixes take a line in front; positions are the reader's."""
    body = page(client, "SELECT * WHERE {\n  ?s a dip:Person .\n  ?s rdfs:label ?l ?x .\n}", status=400)
    assert re.search(r"line 3\b", error_message(body)), error_message(body)


def test_downloads_carry_the_declared_prefixes(client):
    body = page(client, "SELECT ?p WHERE { ?p a dip:Person }")
    csv_link = unescape(re.search(r'<a href="([^"]+)" type="text/csv">', body).group(1))
    query = parse_qs(urlparse(csv_link).query)["query"][0]
    assert query.startswith("PREFIX dip: <https://kg.example.org/ontology/>\n")
    resp = client.get(csv_link)
    assert resp.status_code == 200 and resp.get_data(as_text=True).count("/id/person/") == 2


# -- results -----------------------------------------------------------------
def test_result_cells_carry_the_full_iri(client):
    body = page(client, "SELECT ?p WHERE { ?p a dip:Person } ORDER BY ?p")
    assert 'data-iri="https://kg.example.org/id/person/marco-rubio"' in body
    assert 'href="/id/person/marco-rubio"' in body


def test_bar_chart_for_group_by(client):
    body = page(client, COUNTS, view="chart")
    svg = re.search(r'<svg class="chart bar-chart".*?</svg>', body, re.S).group(0)
    bars = re.findall(r'<g class="bar"><title>([^<]*)</title>', svg)
    full = "PREFIX dip: <https://kg.example.org/ontology/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + COUNTS
    rows = client.get("/sparql?" + urlencode({"query": full, "format": "json"})).get_json()["results"]["bindings"]
    assert bars == [f"{r['class']['value']}: {r['n']['value']}" for r in rows] and len(bars) >= 6
    assert bars[0].startswith("participation: 2")  # the query's order: most first, then by name
    assert 'data-view-panel="chart">' in body  # shown
    assert re.search(r'data-view-panel="table"\s+hidden', body)  # the table waits behind its tab


def test_table_view_by_default_and_chart_behind_its_tab(client):
    body = page(client, COUNTS)
    assert re.search(r'data-view-panel="chart"\s+hidden', body)
    assert 'data-view-panel="table">' in body


def dated(rows, numbers=False):
    date = "http://www.w3.org/2001/XMLSchema#date"
    integer = "http://www.w3.org/2001/XMLSchema#integer"
    return [[{"kind": "literal", "value": label, "language": None, "datatype": None},
             {"kind": "literal", "value": day, "language": None, "datatype": date}]
            + ([{"kind": "literal", "value": str(n), "language": None, "datatype": integer}] if numbers else [])
            for label, day, n in rows]


ROWS = (("late", "2025-03-01", 4), ("early", "2025-01-01", 1), ("middle", "2025-02-01", 9), ("same day", "2025-02-01", 2))


def test_time_chart_places_dates_in_order():
    drawn = chart({"kind": "solutions", "columns": ["label", "day"], "rows": dated(ROWS)})
    assert drawn.kind == "time" and drawn.shown == 4
    events = re.findall(r'<g class="event"><title>([^·]*) · ([\d-]+)</title>.*?<circle class="point" cx="([\d.]+)" cy="([\d.]+)"',
                        drawn.svg)
    assert [e[0].strip() for e in events] == ["early", "middle", "same day", "late"]
    xs = [float(e[2]) for e in events]
    assert xs[0] < xs[1] == xs[2] < xs[3]
    # Two events on one day stand in two lanes, their labels apart.
    assert events[1][3] != events[2][3]


def test_time_chart_with_numbers_draws_a_line():
    drawn = chart({"kind": "solutions", "columns": ["label", "day", "n"], "rows": dated(ROWS, numbers=True)})
    assert drawn.kind == "time" and drawn.value == "n"
    points = re.findall(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)" r="5"><title>([^<]*)</title>', drawn.svg)
    assert [p[2] for p in points] == ["early · 2025-01-01: 1", "middle · 2025-02-01: 9", "same day · 2025-02-01: 2", "late · 2025-03-01: 4"]
    heights = {p[2].split(" ·")[0]: float(p[1]) for p in points}
    assert heights["middle"] < heights["late"] < heights["same day"] < heights["early"]  # higher value, smaller y
    assert '<path class="line" d="M' in drawn.svg


def test_time_chart_from_the_store(client):
    body = page(client, "SELECT ?label ?day WHERE { ?e rdfs:label ?label ; dip:date ?day }", view="chart")
    assert '<svg class="chart time-chart"' in body and "Riyadh talks · 2025-02-18" in body


def test_no_chart_says_why(client):
    body = page(client, "SELECT ?p WHERE { ?p a dip:Person }", view="chart")
    assert "No chart for this result." in body and "numeric column" in body
    assert 'data-view-panel="table">' in body  # the table stays in view


def test_permalink_restores_query_format_and_view(client):
    body = page(client, COUNTS, view="chart")
    link = unescape(re.search(r'<a class="permalink" href="([^"]+)"', body).group(1))
    params = parse_qs(urlparse(link).query)
    assert params == {"query": [COUNTS], "format": ["html"], "view": ["chart"]}
    again = client.get(link, headers=HTML).get_data(as_text=True)
    assert '<svg class="chart bar-chart"' in again and 'data-view-panel="chart">' in again
    assert editor_text(again) == COUNTS
    assert re.search(r'<input type="radio" name="view" value="chart" checked>', again)


def test_examples_one_click_away(client):
    body = page(client, "ASK {}")
    links = re.findall(r'<a href="(/sparql\?query=[^"]+)" data-example="([^"]+)">', body)
    assert len(links) >= 5
    menu = re.search(r'<details class="example-menu">.*?</details>', body, re.S).group(0)
    assert menu.count("<li><a href=\"/sparql?query=") == len(links)
    first = client.get(unescape(links[0][0]), headers=HTML)
    assert first.status_code == 200 and "<textarea" in first.get_data(as_text=True)


def test_completion_data_on_the_page(client):
    body = page(client, "ASK {}")
    data = json.loads(re.search(r'<script type="application/json" id="query-completion">(.*?)</script>', body, re.S).group(1))
    assert data["prefixes"]["dip"] == "https://kg.example.org/ontology/"
    person = next(t for t in data["terms"] if t["name"] == "dip:Person")
    assert person["label"] == "person" and person["kind"] == "class"
    assert '<script src="/static/query-editor.js" defer></script>' in body
    script = client.get("/static/query-editor.js")
    assert script.status_code == 200 and b"/search.json?q=" in script.data and b"http" not in script.data.replace(b"https://", b"").replace(b"http://", b"")


def test_entity_search_json_feeds_completion(client):
    resp = client.get("/search.json?q=Lavr")
    hits = resp.get_json()["results"]
    assert hits[0]["iri"] == "https://kg.example.org/id/person/sergey-lavrov" and hits[0]["label"] == "Sergey Lavrov"


# -- caps (issue 9, item 7) ----------------------------------------------------------
def doubling(rows: int, doublings: int) -> str:
    """A query with ``rows`` rows, each one string of 16 * 2**doublings characters."""
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(doublings))
    values = " ".join(str(n) for n in range(rows))
    return f'SELECT ?i ?a{doublings} WHERE {{ VALUES ?i {{ {values} }} BIND("0123456789abcdef" AS ?a0) {binds} }}'


def test_long_cells_are_cut_with_a_link_to_the_full_result(client):
    query = doubling(8, 16)  # 8 rows of 1 MiB
    resp = client.get("/sparql?" + urlencode({"query": query, "format": "html"}), headers=HTML)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert len(body) < 200_000, len(body)
    assert body.count("(1,048,576 characters;") == 8
    assert "Values longer than 1,000 characters are cut on this page." in body
    assert body.count('<a href="#full-result">full value</a>') == 8
    note = re.search(r'<p class="cap-note" id="full-result" role="note">(.*?)</p>', body, re.S).group(1)
    json_link = unescape(re.search(r'<a href="(/sparql\?[^"]*format=json)">JSON</a>', note).group(1))
    full = client.get(json_link)
    assert full.status_code == 200
    values = [b["a16"]["value"] for b in full.get_json()["results"]["bindings"]]
    assert len(values) == 8 and all(len(v) == 1 << 20 for v in values)


def test_table_stops_at_its_size_cap(client):
    query = doubling(2100, 6)  # 2,100 rows of 1,024 characters: over 2,000,000 in all
    body = page(client, query)
    shown = len(re.findall(r"<tr><td>", body))
    assert 1900 <= shown < 2000, shown
    assert f"The page shows the first {shown} rows" in body and "format=csv" in body
    assert len(body) < 3 * 2_000_000, len(body)  # markup costs less than twice the text


@pytest.mark.parametrize("params, status", [
    ({"query": COUNTS, "view": "chart"}, 200),
    ({"query": COUNTS}, 200),
    ({"query": BAD}, 400),
    ({"query": "SELECT ?label ?day WHERE { ?e rdfs:label ?label ; dip:date ?day }", "view": "chart"}, 200),
    ({"query": doubling(3, 7)}, 200),
])
def test_query_pages_parse_as_html5_without_errors(client, params, status):
    import html5rdf

    parser = html5rdf.HTMLParser()
    parser.parse(page(client, status=status, **params))
    assert parser.errors == []
    ids = re.findall(r'\sid="([^"]+)"', page(client, status=status, **params))
    assert len(ids) == len(set(ids)), "duplicate ids"


def test_completion_data_cannot_close_its_script():
    store = fixture_store()
    store.load(b'<https://kg.example.org/ontology/Evil> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
               b'<http://www.w3.org/2002/07/owl#Class> .\n<https://kg.example.org/ontology/Evil> '
               b'<http://www.w3.org/2000/01/rdf-schema#label> "</script><script>alert(1)</script>" .\n', F.NTRIPLES)
    body = page(create_app({"STORE_OBJECT": store, "TESTING": True}).test_client(), "ASK {}")
    block = re.search(r'<script type="application/json" id="query-completion">(.*?)</script>', body, re.S).group(1)
    data = json.loads(block)
    assert any(t["label"] == "</script><script>alert(1)</script>" for t in data["terms"])
    assert "<script>alert(1)" not in body
