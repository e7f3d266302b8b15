"""The SPARQL 1.1 Protocol over real HTTP: every query form and result
format through SPARQLWrapper, content negotiation case by case, every error
status, the service description and the query page."""

from __future__ import annotations

import csv
import gzip
import io
import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from conftest import REPO, LiveServer

EX = "http://example.org/"
DATA = """@prefix ex: <http://example.org/> .
ex:alice ex:name "Alice" ; ex:age 30 ; ex:knows ex:bob .
ex:bob ex:name "Bob"@en ; ex:note "tab\\there, \\"quoted\\"" .
ex:g1 { ex:carol ex:name "Carol" . }
ex:g2 { ex:dave ex:name "Dave" . }
"""
PREFIX = f"PREFIX ex: <{EX}>\n"
NAMES = PREFIX + "SELECT ?s ?name WHERE { ?s ex:name ?name } ORDER BY ?name"
CONSTRUCT = PREFIX + "CONSTRUCT { ?s ex:label ?name } WHERE { ?s ex:name ?name }"


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "small.trig"
    path.write_text(DATA)
    return path


@pytest.fixture(scope="module")
def server(data_file):
    (REPO / "build").mkdir(exist_ok=True)
    live = LiveServer(["--data", str(data_file), "--workers", "2"])
    yield live
    live.stop()


@pytest.fixture(scope="module")
def endpoint(server) -> str:
    return server.url + "sparql"


def http(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body) of one request; error statuses do not raise."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(endpoint: str, params: dict | list, headers: dict | None = None):
    return http(endpoint + "?" + urllib.parse.urlencode(params), headers=headers)


def wrapper(endpoint: str, query: str, fmt, method=None) -> SPARQLWrapper:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(POST)
        sw.setRequestMethod(method)
    return sw


def expected_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for s, name in [("alice", "Alice"), ("carol", "Carol"), ("dave", "Dave")]:
        g.add((rdflib.URIRef(EX + s), rdflib.URIRef(EX + "label"), rdflib.Literal(name)))
    g.add((rdflib.URIRef(EX + "bob"), rdflib.URIRef(EX + "label"), rdflib.Literal("Bob", lang="en")))
    return g


def assert_isomorphic(got: rdflib.Graph, want: rdflib.Graph) -> None:
    if not isomorphic(got, want):
        _, only_got, only_want = graph_diff(got, want)
        pytest.fail(f"graphs differ\nonly in answer:\n{only_got.serialize(format='nt')}\nonly expected:\n{only_want.serialize(format='nt')}")


# -- every query form and format through SPARQLWrapper -----------------------
@pytest.mark.parametrize("method", [None, "urlencoded", POSTDIRECTLY])
def test_select_json_every_method(endpoint, method):
    result = wrapper(endpoint, NAMES, JSON, method).query().convert()
    assert result["head"]["vars"] == ["s", "name"]
    names = [b["name"]["value"] for b in result["results"]["bindings"]]
    assert names == ["Alice", "Bob", "Carol", "Dave"]  # union default graph
    bob = result["results"]["bindings"][1]["name"]
    assert bob == {"type": "literal", "value": "Bob", "xml:lang": "en"}


def test_select_xml(endpoint):
    doc = wrapper(endpoint, NAMES, XML).query().convert()
    literals = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert literals == ["Alice", "Bob", "Carol", "Dave"]
    assert doc.getElementsByTagName("literal")[1].getAttribute("xml:lang") == "en"


def test_select_csv_quotes_and_tsv_escapes(endpoint):
    query = PREFIX + "SELECT ?note WHERE { ?s ex:note ?note }"
    rows = list(csv.reader(io.StringIO(wrapper(endpoint, query, CSV).query().convert().decode())))
    assert rows == [["note"], ['tab\there, "quoted"']]
    tsv = wrapper(endpoint, query, TSV).query().convert().decode().splitlines()
    assert tsv == ["?note", '"tab\\there, \\"quoted\\""']


def test_select_tsv_terms_in_ntriples_syntax(endpoint):
    query = PREFIX + "SELECT ?s ?age WHERE { ?s ex:age ?age }"
    lines = wrapper(endpoint, query, TSV).query().convert().decode().splitlines()
    assert lines == ["?s\t?age", f"<{EX}alice>\t\"30\"^^<http://www.w3.org/2001/XMLSchema#integer>"]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(endpoint, fmt):
    yes = wrapper(endpoint, PREFIX + "ASK { ex:alice ex:knows ex:bob }", fmt).query().convert()
    no = wrapper(endpoint, PREFIX + "ASK { ex:bob ex:knows ex:alice }", fmt).query().convert()
    if fmt == JSON:
        assert (yes["boolean"], no["boolean"]) == (True, False)
    else:
        assert [d.getElementsByTagName("boolean")[0].firstChild.data for d in (yes, no)] == ["true", "false"]


@pytest.mark.parametrize("fmt,rdflib_format,media", [
    (TURTLE, "turtle", "text/turtle"), (RDFXML, "xml", "application/rdf+xml"), (JSONLD, "json-ld", "application/ld+json"),
])
def test_construct_through_sparqlwrapper(endpoint, fmt, rdflib_format, media):
    response = wrapper(endpoint, CONSTRUCT, fmt).query()
    assert response.response.headers["Content-Type"].startswith(media)
    got = rdflib.Graph().parse(data=response.response.read(), format=rdflib_format)
    assert_isomorphic(got, expected_graph())


@pytest.mark.parametrize("name,rdflib_format", [("nt", "nt"), ("trig", "trig"), ("nq", "nquads"), ("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")])
def test_construct_every_graph_format(endpoint, name, rdflib_format):
    status, headers, body = get(endpoint, {"query": CONSTRUCT, "format": name})
    assert status == 200
    if rdflib_format in ("trig", "nquads"):
        got = rdflib.Dataset()
        got.parse(data=body, format=rdflib_format)
        got = rdflib.Graph() + got.default_graph
    else:
        got = rdflib.Graph().parse(data=body, format=rdflib_format)
    assert_isomorphic(got, expected_graph())


@pytest.mark.parametrize("fmt,rdflib_format", [(TURTLE, "turtle"), (N3, "turtle"), (RDFXML, "xml"), (JSONLD, "json-ld")])
def test_describe_through_sparqlwrapper(endpoint, fmt, rdflib_format):
    response = wrapper(endpoint, PREFIX + "DESCRIBE ex:bob", fmt).query()
    got = rdflib.Graph().parse(data=response.response.read(), format=rdflib_format)
    want = rdflib.Graph().parse(data=f'<{EX}bob> <{EX}name> "Bob"@en ; <{EX}note> "tab\\there, \\"quoted\\"" .', format="turtle")
    assert_isomorphic(got, want)


@pytest.mark.parametrize("fmt,expected", [(CSV, ["_askResult", "true"]), (TSV, ["?_askResult", "true"])])
def test_ask_csv_and_tsv(endpoint, fmt, expected):
    body = wrapper(endpoint, PREFIX + "ASK { ex:alice ex:knows ex:bob }", fmt).query().convert()
    assert body.decode().split() == expected


def test_describe(endpoint):
    status, _, body = get(endpoint, {"query": PREFIX + "DESCRIBE ex:alice", "format": "nt"})
    assert status == 200
    got = rdflib.Graph().parse(data=body, format="nt")
    assert (rdflib.URIRef(EX + "alice"), rdflib.URIRef(EX + "name"), rdflib.Literal("Alice")) in got
    assert len(got) == 3


# -- dataset: default-graph-uri / named-graph-uri / FROM ---------------------
def names_of(body: bytes) -> list[str]:
    return sorted(b["name"]["value"] for b in json.loads(body)["results"]["bindings"])


def test_default_graph_uri_is_honoured(endpoint):
    status, _, body = get(endpoint, [("query", NAMES), ("default-graph-uri", EX + "g1")])
    assert status == 200 and names_of(body) == ["Carol"]
    _, _, body = get(endpoint, [("query", NAMES), ("default-graph-uri", EX + "g1"), ("default-graph-uri", EX + "g2")])
    assert names_of(body) == ["Carol", "Dave"]


def test_named_graph_uri_is_honoured(endpoint):
    query = PREFIX + "SELECT ?name WHERE { GRAPH ?g { ?s ex:name ?name } }"
    _, _, body = get(endpoint, [("query", query), ("named-graph-uri", EX + "g2")])
    assert names_of(body) == ["Dave"]


def test_protocol_graphs_make_the_whole_dataset(endpoint):
    """SPARQL 1.1 Protocol 2.1.4: default-graph-uri and named-graph-uri
    together are the dataset; naming only named graphs leaves the default
    graph empty, naming only default graphs leaves no named graph."""
    in_graphs = PREFIX + "SELECT ?name WHERE { GRAPH ?g { ?s ex:name ?name } }"
    _, _, body = get(endpoint, [("query", NAMES), ("named-graph-uri", EX + "g2")])
    assert names_of(body) == []
    _, _, body = get(endpoint, [("query", in_graphs), ("default-graph-uri", EX + "g1")])
    assert names_of(body) == []
    _, _, body = get(endpoint, [("query", NAMES), ("default-graph-uri", EX + "g1"), ("named-graph-uri", EX + "g2")])
    assert names_of(body) == ["Carol"]
    _, _, body = get(endpoint, [("query", in_graphs), ("default-graph-uri", EX + "g1"), ("named-graph-uri", EX + "g2")])
    assert names_of(body) == ["Dave"]


def test_from_a_local_graph(endpoint):
    query = PREFIX + "SELECT ?name FROM ex:g2 WHERE { ?s ex:name ?name }"
    _, _, body = get(endpoint, {"query": query})
    assert names_of(body) == ["Dave"]


# -- content negotiation ------------------------------------------------------
@pytest.mark.parametrize("accept,media", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv, text/tab-separated-values;q=0.9", "text/csv"),
    ("text/*", "text/csv"),
    ("application/xml", "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"),
    ("text/html", "text/html"),
    ("image/png, application/*;q=0.1", "application/sparql-results+json"),
    ("application/sparql-results+json;q=0.2, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
])
def test_negotiation_for_select(endpoint, accept, media):
    status, headers, _ = get(endpoint, {"query": NAMES}, {"Accept": accept} if accept else {})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert "Accept" in headers["Vary"]


@pytest.mark.parametrize("accept,media", [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml;q=0.9, application/ld+json", "application/ld+json"),
    ("application/*", "application/n-triples"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
])
def test_negotiation_for_construct(endpoint, accept, media):
    status, headers, _ = get(endpoint, {"query": CONSTRUCT}, {"Accept": accept} if accept else {})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media


@pytest.mark.parametrize("value,media", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("text/csv", "text/csv"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_format_parameter_overrides_accept(endpoint, value, media):
    status, headers, _ = get(endpoint, {"query": NAMES, "format": value}, {"Accept": "application/sparql-results+json"})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media


@pytest.mark.parametrize("value,media", [("turtle", "text/turtle"), ("xml", "application/rdf+xml"), ("json-ld", "application/ld+json"), ("application/n-triples", "application/n-triples")])
def test_format_parameter_for_graphs(endpoint, value, media):
    status, headers, _ = get(endpoint, {"query": CONSTRUCT, "format": value})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media


def test_nothing_acceptable_is_406_listing_offers(endpoint):
    status, _, body = get(endpoint, {"query": NAMES}, {"Accept": "image/png", "X-Requested-With": "x"})
    assert status == 406
    text = body.decode()
    for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        assert media in text
    status, _, body = get(endpoint, {"query": CONSTRUCT}, {"Accept": "text/csv"})
    assert status == 406 and "text/turtle" in body.decode()


def test_unknown_format_value_is_400(endpoint):
    status, _, body = get(endpoint, {"query": NAMES, "format": "yaml"})
    assert status == 400 and "yaml" in body.decode()


# -- error statuses -------------------------------------------------------------
def post(endpoint, body: bytes, content_type: str, url_params: dict | None = None, headers: dict | None = None):
    url = endpoint + ("?" + urllib.parse.urlencode(url_params) if url_params else "")
    return http(url, data=body, headers={"Content-Type": content_type, **(headers or {})}, method="POST")


def test_query_given_twice_is_400(endpoint):
    status, _, body = get(endpoint, [("query", "ASK {}"), ("query", "ASK {}")])
    assert status == 400 and "'query' is given 2 times" in body.decode()


def test_query_in_url_and_body_is_400(endpoint):
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    status, _, body = post(endpoint, form, "application/x-www-form-urlencoded", {"query": "ASK {}"})
    assert status == 400 and "both in the URL and in the body" in body.decode()
    status, _, body = post(endpoint, b"ASK {}", "application/sparql-query", {"query": "ASK {}"})
    assert status == 400 and "both" in body.decode()


def test_syntax_error_is_400_with_message_and_position(endpoint):
    status, _, body = get(endpoint, {"query": "SELECT * WHERE {\n  ?s ?p \n}"}, {"Accept": "application/json"})
    assert status == 400
    error = json.loads(body)
    assert error["message"].startswith("SPARQL syntax error: error at 3:")
    assert error["line"] == 3 and error["column"] >= 1


def test_wrong_content_type_is_415(endpoint):
    status, _, body = post(endpoint, b"ASK {}", "text/plain")
    assert status == 415 and "application/sparql-query" in body.decode()


def test_oversized_body_is_413(endpoint):
    status, _, body = post(endpoint, b"ASK {} #" + b"x" * (2 * 1024 * 1024), "application/sparql-query")
    assert status == 413 and "limit" in body.decode()


def test_oversized_query_is_413(endpoint):
    status, _, body = post(endpoint, ("ASK {} #" + "x" * 70000).encode(), "application/sparql-query")
    assert status == 413 and "65536" in body.decode()


def test_post_without_query_is_400(endpoint):
    status, _, body = post(endpoint, b"format=json", "application/x-www-form-urlencoded")
    assert status == 400 and "No query" in body.decode()


def test_bad_timeout_is_400(endpoint):
    status, _, body = get(endpoint, {"query": "ASK {}", "timeout": "soon"})
    assert status == 400 and "timeout" in body.decode()


def test_errors_are_json_for_api_clients_and_html_for_browsers(endpoint):
    _, headers, body = get(endpoint, {"query": "SELECT"}, {"Accept": "application/sparql-results+json"})
    assert headers["Content-Type"].startswith("application/json") and json.loads(body)["status"] == 400
    _, headers, body = get(endpoint, {"query": "SELECT"}, {"Accept": "text/html"})
    assert headers["Content-Type"].startswith("text/html") and b"400 Bad SPARQL query" in body


# -- HTTP quality ---------------------------------------------------------------------
def test_cors_without_credentials(endpoint):
    _, headers, _ = get(endpoint, {"query": "ASK {}"})
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers.get("Access-Control-Allow-Credentials") is None
    status, headers, _ = http(endpoint, method="OPTIONS", headers={"Origin": "http://x.test", "Access-Control-Request-Method": "POST"})
    assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]


def test_gzip_when_accepted(endpoint):
    query = "SELECT ?i WHERE { VALUES ?i { " + " ".join(str(i) for i in range(300)) + " } }"
    status, headers, body = get(endpoint, {"query": query}, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(body))["results"]["bindings"]) == 300
    _, headers, body = get(endpoint, {"query": query})
    assert headers.get("Content-Encoding") is None and len(json.loads(body)["results"]["bindings"]) == 300


def test_etag_and_not_modified(endpoint):
    status, headers, body = get(endpoint, {"query": NAMES})
    etag = headers["ETag"]
    assert status == 200 and etag and "max-age" in headers["Cache-Control"]
    status, headers, body = get(endpoint, {"query": NAMES}, {"If-None-Match": etag})
    assert status == 304 and body == b""
    _, other, _ = get(endpoint, {"query": NAMES, "format": "xml"})
    assert other["ETag"] != etag


def test_large_result_is_complete(endpoint):
    query = "SELECT ?i WHERE { VALUES ?i { " + " ".join(str(i) for i in range(4000)) + " } }"
    status, headers, body = get(endpoint, {"query": query, "format": "tsv"})
    assert status == 200 and headers["X-Result-Rows"] == "4000"
    lines = body.decode().splitlines()
    assert len(lines) == 4001 and lines[-1].startswith('"3999"')


# -- service description and query page ------------------------------------------
def test_service_description_names_real_url_formats_and_graphs(server, endpoint):
    status, headers, body = http(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    store = ox.Store()
    store.load(body, ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rows = store.query(f"""PREFIX sd: <{sd}> SELECT ?e ?fmt ?g WHERE {{ ?svc a sd:Service ; sd:endpoint ?e ; sd:resultFormat ?fmt ;
        sd:defaultDataset/sd:namedGraph/sd:name ?g }}""")
    found = [(r["e"].value, r["fmt"].value, r["g"].value) for r in rows]
    assert {e for e, _, _ in found} == {endpoint}
    assert {g for _, _, g in found} == {EX + "g1", EX + "g2"}
    formats = {f.rsplit("/", 1)[1] for _, f, _ in found}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Quads"} <= formats


def test_service_description_in_other_formats(endpoint):
    status, headers, body = http(endpoint, headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=body, format="json-ld")
    assert (rdflib.URIRef(endpoint), rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#Service")) in graph


def test_browser_gets_query_page(endpoint):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = http(endpoint, headers={"Accept": accept})
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<form class="sparql" method="get" action="/sparql">' in page and '<textarea id="query" name="query"' in page


def test_query_page_shows_results_table_with_linked_iris(endpoint):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, _, body = get(endpoint, {"query": NAMES}, {"Accept": accept})
    page = body.decode()
    assert status == 200 and "<p>4 rows.</p>" in page
    assert f'<a href="{EX}alice" title="{EX}alice">' in page
    assert '<span class="literal">Bob</span><span class="lang">@en</span>' in page
    assert "ORDER BY ?name" in page  # the query stays in the form
    assert f'<a href="/sparql?query={urllib.parse.quote(NAMES)}&amp;format=csv" type="text/csv">CSV</a>' in page


def test_query_page_ask_and_construct_without_javascript(endpoint):
    status, _, body = get(endpoint, {"query": PREFIX + "ASK { ex:alice ex:knows ex:bob }", "format": "html"})
    page = body.decode()
    # Results are in the HTML itself; the page's script only adds editor help.
    assert status == 200 and '<p class="boolean">true</p>' in page
    status, _, body = get(endpoint, {"query": CONSTRUCT, "format": "html"})
    page = body.decode()
    assert '<th scope="col">subject</th><th scope="col">predicate</th><th scope="col">object</th>' in page
    assert "<p>4 rows.</p>" in page


def test_query_page_never_links_script_iris(endpoint):
    """A crafted query URL must not put a javascript: (or data:) link into
    the results page: those IRIs are shown, not linked; web IRIs still are."""
    query = ('SELECT ?x ?y ?w ?d WHERE { BIND(IRI("javascript:alert(document.domain)") AS ?x) '
             'BIND(IRI("JaVaScRiPt:alert(1)") AS ?y) BIND(<http://example.org/web> AS ?w) '
             'BIND(STRDT("1", <javascript:alert(2)>) AS ?d) }')
    status, _, body = get(endpoint, {"query": query, "format": "html"})
    page = body.decode()
    assert status == 200 and "<p>1 row.</p>" in page
    assert 'href="javascript:' not in page.lower()
    assert '<span class="iri" title="javascript:alert(document.domain)">javascript:alert(document.domain)</span>' in page
    assert '<span class="datatype">^^javascript:alert(2)</span>' in page
    assert f'<a href="{EX}web" title="{EX}web">' in page


@pytest.mark.parametrize("raw,media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+json, text/csv;q=0.5", "application/sparql-results+json"),
])
def test_format_media_type_typed_unencoded_in_the_url(endpoint, raw, media):
    """``format=application/sparql-results+json`` typed as is: its ``+``
    arrives as a space, and still names the format."""
    url = endpoint + "?query=" + urllib.parse.quote(NAMES) + "&format=" + raw.replace(" ", "%20")
    status, headers, body = http(url)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media


@pytest.mark.parametrize("where", ["url", "form"])
def test_percent_escaped_bytes_that_are_not_utf8_are_400(endpoint, where):
    """``query=%FF`` decoded loosely would reach the engine as U+FFFD and come
    back as a puzzling syntax error; the client is told what is wrong."""
    raw = "query=ASK%20%7B%20FILTER(%22%E9%22%20%3D%20%22%E9%22)%20%7D"
    if where == "url":
        status, _, body = http(endpoint + "?" + raw)
    else:
        status, _, body = http(endpoint, data=raw.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and "not UTF-8" in body.decode(), body


def test_percent_encoded_utf8_and_iris_with_escapes(endpoint):
    query = 'SELECT ?x WHERE { BIND(<http://ex.org/a%20b> AS ?x) FILTER("é" = "\\u00E9") }'
    status, _, body = get(endpoint, {"query": query}, {"Accept": "text/csv"})
    assert status == 200 and body.decode().splitlines() == ["x", "http://ex.org/a%20b"]



@pytest.mark.parametrize("accept,media,rdflib_format", [
    ("application/json", "application/ld+json", "json-ld"),
    ("application/xml", "application/rdf+xml", "xml"),
    ("text/xml", "application/rdf+xml", "xml"),
    ("application/json;q=0.5, text/turtle", "text/turtle", "turtle"),
])
def test_generic_json_and_xml_name_graph_formats(endpoint, accept, media, rdflib_format):
    """A CONSTRUCT asked for application/json gets JSON-LD (and XML gets
    RDF/XML), as format=json / format=xml already did, not a 406."""
    status, headers, body = get(endpoint, {"query": CONSTRUCT}, {"Accept": accept})
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert_isomorphic(rdflib.Graph().parse(data=body, format=rdflib_format), expected_graph())


def test_service_description_for_a_json_client(endpoint):
    status, headers, body = http(endpoint, headers={"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"].split(";")[0] == "application/ld+json"
    g = rdflib.Graph().parse(data=body, format="json-ld")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert set(g.objects(None, sd.endpoint)) == {rdflib.URIRef(endpoint)}


# -- charsets -----------------------------------------------------------------
@pytest.mark.parametrize("charset", ["punycode", "rot13", "utf-16", "latin-1", "no-such-codec", "idna"])
def test_charsets_other_than_utf8_are_415(endpoint, charset):
    """Any codec name Python knows used to be applied to the body (punycode
    answered 500); only UTF-8 is accepted, and the 415 names it."""
    for mimetype, body in (("application/sparql-query", b"ASK {}"), ("application/x-www-form-urlencoded", b"query=ASK+%7B%7D")):
        status, _, answer = post(endpoint, body, f"{mimetype}; charset={charset}")
        text = answer.decode()
        assert status == 415, text
        assert "charset" in text and "UTF-8" in text and charset in text


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "UTF8", "utf_8", '"utf-8"', "'utf-8'"])
def test_utf8_by_any_of_its_names_is_accepted(endpoint, charset):
    query = PREFIX + 'SELECT ?name WHERE { ?s ex:name ?name FILTER(?name != "Zoë") } ORDER BY ?name'
    status, _, body = post(endpoint, query.encode(), f"application/sparql-query; charset={charset}")
    assert status == 200, body
    assert names_of(body) == ["Alice", "Bob", "Carol", "Dave"]


# -- XML cannot carry every character ----------------------------------------
@pytest.mark.parametrize("char", ["\\u0000", "\\u0001", "\\u001F", "\\uFFFF"])
def test_xml_results_with_characters_xml_cannot_carry_are_406(endpoint, char):
    """Such a result used to be a 200 that no XML parser accepts; now it is
    406 naming the character and suggesting JSON, and JSON carries it."""
    query = f'SELECT ?x WHERE {{ BIND("a{char}b" AS ?x) }}'
    status, _, body = get(endpoint, {"query": query}, {"Accept": "application/sparql-results+xml"})
    assert status == 406, body
    message = json.loads(body)["message"] if body.startswith(b"{") else body.decode()
    assert "XML 1.0 cannot carry" in message and "U+" + char[2:].upper() in message and "JSON" in message
    status, _, body = get(endpoint, {"query": query}, {"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["x"]["value"] == "a" + chr(int(char[2:], 16)) + "b"


def test_rdf_xml_with_a_control_character_is_406_and_turtle_carries_it(endpoint):
    query = 'CONSTRUCT { <http://ex.org/s> <http://ex.org/p> "x\\u0001y" } WHERE {}'
    status, _, body = get(endpoint, {"query": query}, {"Accept": "application/rdf+xml"})
    assert status == 406 and b"U+0001" in body
    status, _, body = get(endpoint, {"query": query}, {"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert str(graph.value(rdflib.URIRef("http://ex.org/s"), rdflib.URIRef("http://ex.org/p"))) == "x\x01y"


def test_xml_results_with_tabs_and_newlines_stay_well_formed(endpoint):
    query = 'SELECT ?x WHERE { BIND("a\\tb\\nc\\rd &<>" AS ?x) }'
    status, _, body = get(endpoint, {"query": query}, {"Accept": "application/sparql-results+xml"})
    assert status == 200
    import xml.dom.minidom
    literal = xml.dom.minidom.parseString(body).getElementsByTagName("literal")[0]
    assert literal.firstChild.data == "a\tb\nc\nd &<>"  # XML normalises a lone CR to LF


# -- graphs the dataset does not hold -----------------------------------------
@pytest.mark.parametrize("params", [
    [("default-graph-uri", "http://unknown.test/g")],
    [("named-graph-uri", "http://unknown.test/g")],
    [("default-graph-uri", "http://unknown.test/g"), ("named-graph-uri", "http://unknown.test/h")],
])
def test_unknown_protocol_graphs_are_empty_not_refused(endpoint, params):
    """An IRI the store does not hold names an empty graph (it used to be 403)."""
    status, _, body = get(endpoint, [("query", NAMES), *params])
    assert status == 200, body
    assert names_of(body) == []
    in_graphs = PREFIX + "SELECT ?name WHERE { GRAPH ?g { ?s ex:name ?name } }"
    status, _, body = get(endpoint, [("query", in_graphs), *params])
    assert status == 200 and names_of(body) == []


def test_unknown_graph_beside_a_known_one_adds_nothing(endpoint):
    status, _, body = get(endpoint, [("query", NAMES), ("default-graph-uri", EX + "g1"), ("default-graph-uri", "http://unknown.test/g")])
    assert status == 200 and names_of(body) == ["Carol"]
    query = PREFIX + "SELECT ?name FROM ex:g2 FROM <http://unknown.test/g> FROM NAMED <http://unknown.test/h> WHERE { ?s ex:name ?name }"
    status, _, body = get(endpoint, {"query": query})
    assert status == 200 and names_of(body) == ["Dave"]


def test_graph_parameter_that_is_not_an_iri_is_400(endpoint):
    for param in ("default-graph-uri", "named-graph-uri"):
        status, _, body = get(endpoint, [("query", NAMES), (param, "http://[::1")])
        assert status == 400 and "is not an absolute IRI" in body.decode() and param in body.decode()


def test_rdflib_dataset_over_sparqlstore(endpoint):
    """rdflib's Dataset(store=SPARQLStore(url)) sends
    default-graph-uri=urn:x-rdflib:default, its name for the default graph:
    it gets the service's default graph (it used to be 403)."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    dataset = rdflib.Dataset(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = dataset.query(NAMES)
    assert sorted(str(row.name) for row in rows) == ["Alice", "Bob", "Carol", "Dave"]
    ask = dataset.query(PREFIX + "ASK { ex:alice ex:knows ex:bob }")
    assert ask.askAnswer is True
    alice = sorted(str(o) for _, _, o in dataset.triples((rdflib.URIRef(EX + "alice"), None, None)))
    assert alice == ["30", "Alice", EX + "bob"]
    assert sorted(str(g) for g in dataset.store.contexts()) == [EX + "g1", EX + "g2"]
