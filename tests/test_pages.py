"""Entity pages and their RDF and JSON twins, on a small graph in the article
graph's shape (tests/fixtures/pages/fixture.trig), through the Flask test
client. Facts are read from the JSON twins; the HTML checks are about how
the page shows them (marks, links, microdata)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import RDFS

from kg.model import formats as F
from kg.storage.store import Store
from server import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
ID = "https://kg.example.org/id/"
DIP = "https://kg.example.org/ontology/"
ARTICLE = ID + "article/fixture"
TEXT_START = "In Riyadh, Sergey Lavrov met Marco Rubio"


def fixture_store() -> Store:
    store = Store.in_memory()
    store.load((FIXTURES / "fixture.trig").read_bytes(), F.TRIG)
    return store


@pytest.fixture(scope="module")
def client():
    app = create_app({"STORE_OBJECT": fixture_store(), "TESTING": True})
    return app.test_client()


def twin(client, url: str) -> dict:
    """The JSON twin of a page (what its template renders, as data)."""
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/json"
    return json.loads(resp.get_data())


def sections(data: dict, title: str) -> dict:
    """The profile section ``title`` of an entity twin."""
    found = [s for s in data["extra"]["sections"] if s["title"] == title]
    assert found, f"no section {title!r}"
    return found[0]


def cells(section: dict) -> list:
    """Labels of a section's cells, row by row."""
    return [[[v["label"] for v in cell] for cell in row["cells"]] for row in section["rows"]]


def html(client, url: str) -> str:
    resp = client.get(url, headers={"Accept": "text/html"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.content_type == "text/html; charset=utf-8"
    return resp.get_data(as_text=True)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def section(page: str, title: str) -> str:
    """The HTML from the <h2> ``title`` to the next <h2> (or the end of main)."""
    m = re.search(r"<h2[^>]*>" + re.escape(title) + r"</h2>(.*?)(?=<h2|</main>)", page, re.S)
    assert m, f"no section {title!r}"
    return m.group(1)


class Landmarks(HTMLParser):
    """Collects the structure a valid, accessible page needs."""

    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.h1, self.imgs_without_alt = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.h1 += tag == "h1"
        self.imgs_without_alt += tag == "img" and "alt" not in attrs


# -- IRIs, content negotiation, suffixes --------------------------------------

@pytest.mark.parametrize("accept, suffix", [
    ("text/html", ".html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ".html"),
    ("text/turtle", ".ttl"),
    ("application/ld+json", ".jsonld"),
    ("application/json", ".json"),  # the page's data twin; JSON-LD is asked for by its own type
    ("application/n-triples", ".nt"),
    ("application/rdf+xml", ".rdf"),
    ("text/turtle;q=0.4, application/rdf+xml;q=0.9", ".rdf"),
    ("*/*", ".html"),
    (None, ".html"),
])
def test_thing_iri_answers_303_to_the_negotiated_document(client, accept, suffix):
    resp = client.get("/id/person/sergey-lavrov", headers={"Accept": accept} if accept else {})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/id/person/sergey-lavrov" + suffix)
    assert resp.headers["Vary"] == "Accept"
    assert '</id/person/sergey-lavrov.ttl>; rel="alternate"; type="text/turtle"' in resp.headers["Link"]


def test_nothing_acceptable_is_406_naming_the_offered_types(client):
    resp = client.get("/id/person/sergey-lavrov", headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert "text/turtle" in resp.get_data(as_text=True)


@pytest.mark.parametrize("suffix, fmt", [(".ttl", F.TURTLE), (".jsonld", F.JSONLD), (".nt", F.NTRIPLES), (".rdf", F.RDFXML)])
def test_suffix_urls_serve_each_format_directly(client, suffix, fmt):
    resp = client.get("/id/person/sergey-lavrov" + suffix)
    assert resp.status_code == 200
    assert resp.content_type.split(";")[0] == fmt.media_type
    g = Graph().parse(data=resp.get_data(), format=fmt.rdflib)
    lavrov = URIRef(ID + "person/sergey-lavrov")
    assert (lavrov, RDFS.label, Literal("Sergey Lavrov", lang="en")) in g


def test_every_format_carries_the_same_graph(client):
    graphs = {s: Graph().parse(data=client.get("/id/event/riyadh-talks" + s).get_data(), format=f)
              for s, f in [(".ttl", "turtle"), (".jsonld", "json-ld"), (".nt", "nt"), (".rdf", "xml")]}
    reference = graphs.pop(".ttl")
    for suffix, g in graphs.items():
        if not isomorphic(reference, g):
            _, only_ttl, only_other = graph_diff(reference, g)
            pytest.fail(f"{suffix} differs: only in ttl {sorted(only_ttl)}; only in {suffix} {sorted(only_other)}")


@pytest.mark.parametrize("value, media", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                                          ("rdf", "application/rdf+xml"), ("html", "text/html"), ("text/turtle", "text/turtle")])
def test_format_parameter_gives_a_representation_directly(client, value, media):
    resp = client.get(f"/id/person/sergey-lavrov?format={value}")
    assert resp.status_code == 200
    assert resp.content_type.split(";")[0] == media


def test_unknown_format_parameter_is_400(client):
    resp = client.get("/id/person/sergey-lavrov?format=png", headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert "ttl" in resp.get_json()["message"]


def test_description_has_outgoing_closed_blank_nodes_incoming_and_labels(client):
    g = Graph().parse(data=client.get("/id/place/riyadh.ttl").get_data(), format="turtle")
    riyadh = URIRef(ID + "place/riyadh")
    geo = g.value(riyadh, URIRef("https://schema.org/geo"))
    assert geo is not None and g.value(geo, URIRef("https://schema.org/latitude")).toPython() == Decimal("24.7136")
    talks = URIRef(ID + "event/riyadh-talks")
    assert (talks, URIRef(DIP + "place"), riyadh) in g  # incoming
    assert (talks, RDFS.label, Literal("Riyadh talks", lang="en")) in g  # label of a linked thing
    assert g.value(talks, URIRef(DIP + "date")) is None  # but not the linked thing's other facts


def test_the_html_page_links_its_alternates(client):
    resp = client.get("/id/person/sergey-lavrov.html")
    page = resp.get_data(as_text=True)
    for media, suffix in [("text/turtle", "ttl"), ("application/ld+json", "jsonld"), ("application/n-triples", "nt"), ("application/rdf+xml", "rdf")]:
        assert f'<link rel="alternate" type="{media}" href="/id/person/sergey-lavrov.{suffix}"' in page
        assert f'</id/person/sergey-lavrov.{suffix}>; rel="alternate"; type="{media}"' in resp.headers["Link"]


@pytest.mark.parametrize("url", ["/id/person/nobody", "/id/person/nobody.ttl", "/ontology/Nothing", "/id/person/nobody?format=ttl"])
def test_unknown_iri_is_a_404_page_with_a_search_box(client, url):
    resp = client.get(url, headers={"Accept": "text/html"})
    assert resp.status_code == 404
    page = resp.get_data(as_text=True)
    assert 'role="search"' in page and 'name="q"' in page
    assert "nobody" in page or "Nothing" in page


@pytest.mark.parametrize("url", ["/id/person/lavrov", "/id/person/lavrov.html", "/id/person/lavrov.ttl"])
def test_a_404_suggests_what_its_words_find(client, url):
    resp = client.get(url, headers={"Accept": "text/html"})
    assert resp.status_code == 404
    page = resp.get_data(as_text=True)
    assert 'value="lavrov"' in page
    assert '<li><a href="/id/person/sergey-lavrov">Sergey Lavrov</a></li>' in section(page, "Perhaps you meant")
    data = client.get(url, headers={"Accept": "application/json"}).get_json()
    assert data["status"] == 404 and data["suggestions"][0]["page"] == "/id/person/sergey-lavrov"


# -- what an entity page shows -------------------------------------------------

def test_person_page(client):
    data = twin(client, "/id/person/sergey-lavrov.json")
    page = data["page"]
    assert page["label"] == "Sergey Lavrov" and page["description"] == "Foreign Minister of Russia."
    assert [(t["label"], t["page"]) for t in page["types"]] == [("person", "/ontology/Person")]
    assert {(a["text"], a["lang"]) for a in page["aliases"]} == {("Lavrov", None), ("Sergej Lawrow", "de")}
    assert [m["text"] for m in page["wikidata"]] == ["http://www.wikidata.org/entity/Q81050"]
    quotes, events = sections(data, "Quotes"), sections(data, "Events")
    assert cells(quotes) == [[["very useful"]]] and quotes["rows"][0]["evidence"][0]["exact"] == "very useful"
    assert cells(events) == [[["Riyadh talks"], ["negotiator"], ["Russia"]]]
    assert [(i["prop"], i["label"], i["count"]) for i in page["incoming"]] == [
        (DIP + "representedBy", "represented by", 1), (DIP + "speaker", "speaker", 1)]
    page_html = html(client, "/id/person/sergey-lavrov.html")  # the page shows the same, labels not raw IRIs
    assert "<h1" in page_html and ">Sergey Lavrov</h1>" in page_html and '<span class="lang">de</span>' in page_html
    assert "<mark>very useful</mark>" in page_html and 'href="http://www.wikidata.org/entity/Q81050"' in page_html
    assert 'As <a href="/ontology/representedBy" class="prop">represented by</a> <span class="count" data-count="1">(1)</span>' in page_html
    assert "https://kg.example.org/ontology/speaker</" not in page_html


def test_person_offices(client):
    offices = sections(twin(client, "/id/person/marco-rubio.json"), "Offices")
    assert cells(offices) == [[["Secretary of State of the United States"], ["United States"]]]
    assert [e["exact"] for e in offices["rows"][0]["evidence"]] == ["Marco Rubio, the U.S. Secretary of State"]
    assert "<mark>Marco Rubio, the U.S. Secretary of State</mark>" in html(client, "/id/person/marco-rubio.html")


def test_own_evidence_is_the_sentence_with_the_words_marked_and_a_link_into_the_article(client):
    first = twin(client, "/id/person/sergey-lavrov.json")["page"]["evidence"][0]
    assert (first["before"], first["exact"], first["after"]) == ("In Riyadh, ", "Sergey Lavrov", " met Marco Rubio, the U.S. Secretary of State.")
    assert first["page"] == "/article/fixture?span=11,24#char=11,24"
    own = section(html(client, "/id/person/sergey-lavrov.html"), "In the article’s words")
    assert "In Riyadh, <mark>Sergey Lavrov</mark> met Marco Rubio, the U.S. Secretary of State." in own
    assert 'href="/article/fixture?span=11,24#char=11,24"' in own


def test_meeting_page(client):
    data = twin(client, "/id/event/riyadh-talks.json")
    assert data["page"]["label"] == "Riyadh talks"
    assert cells(sections(data, "When")) == [[["2025-02-18"], ["on 18 February"]]]
    assert cells(sections(data, "Where")) == [[["Riyadh"]]]
    who = sections(data, "Who took part")
    assert cells(who) == [[["Russia"], ["negotiator"], ["Sergey Lavrov"]], [["United States"], ["negotiator"], ["Marco Rubio"]]]
    assert who["rows"][0]["evidence"][0]["exact"] == "Sergey Lavrov met Marco Rubio"
    page = html(client, "/id/event/riyadh-talks.html")
    assert '<data value="2025-02-18" title="date">18 February 2025</data>' in page
    assert "<mark>Sergey Lavrov met Marco Rubio</mark>" in section(page, "Who took part")


def test_strike_page(client):
    data = twin(client, "/id/event/dolynska-strike.json")
    assert cells(sections(data, "The attack")) == [[["Russia"], ["drone"], ["Dolynska"]]]
    consequences = sections(data, "Consequences")
    assert cells(consequences) == [[["People injured in Dolynska"], ["people injured"], ["3"]]]
    assert consequences["rows"][0]["evidence"][0]["exact"] == "injuring 3 people"
    assert cells(sections(data, "When")) == [[["2025-02-18"], ["2025-02-19"], ["overnight"]]]
    page = html(client, "/id/event/dolynska-strike.html")
    assert '<data value="3" title="integer">3</data>' in page or '<data value="3" title="non negative integer">3</data>' in page
    assert "18 February 2025" in page and "19 February 2025" in page


def test_ontology_term_page(client):
    data = twin(client, "/ontology/Person.json")
    term = data["term"]
    assert data["page"]["label"] == "person" and term["kind"] == "class"
    assert term["definition"] == "A human being named in an article." and term["uses"] == 2
    assert term["alignments"] == [["close match", "https://schema.org/Person"], ["subclass of", DIP + "Party"]]
    assert [(i["label"], i["count"]) for i in data["page"]["incoming"]] == [("range", 1), ("type", 2)]
    page = html(client, "/ontology/Person.html")
    term_html = section(page, "In the ontology")
    assert '<dd class="uses"><data value="2">2</data> instances</dd>' in term_html
    assert "<dt>Close match</dt><dd><a href=\"/resource?iri=https%3A%2F%2Fschema.org%2FPerson\">schema:Person</a></dd>" in term_html
    assert '<dt>Subclass of</dt><dd><a href="/ontology/Party">dip:Party</a></dd>' in term_html
    assert "Sergey Lavrov" in section(page, "Linked from") and "Marco Rubio" in section(page, "Linked from")


def test_ontology_property_term_has_domain_range_and_use_count(client):
    term = twin(client, "/ontology/speaker.json")["term"]
    assert (term["kind"], term["domain"], term["range"], term["uses"]) == ("property", [DIP + "Quotation"], [DIP + "Party"], 1)
    shown = section(html(client, "/ontology/speaker.html"), "In the ontology")
    assert '<a href="/ontology/Quotation">dip:Quotation</a>' in shown and '<data value="1">1</data> statement' in shown


def test_ontology_terms_dereference_as_rdf(client):
    resp = client.get("/ontology/Person", headers={"Accept": "text/turtle"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/ontology/Person.ttl")
    g = Graph().parse(data=client.get("/ontology/Person.ttl").get_data(), format="turtle")
    assert (URIRef(DIP + "Person"), RDFS.subClassOf, URIRef(DIP + "Party")) in g


def test_ontology_documentation_lists_every_term(client):
    data = twin(client, "/ontology.json")
    terms = {t["iri"][len(DIP):]: t for t in data["terms"]}
    assert {"Person", "Talks", "Strike", "inEvent", "evidence", "Negotiator"} <= set(terms)
    assert {t["iri"] for t in data["classes"]} >= {DIP + "Person", DIP + "Talks"}
    person = terms["Person"]
    assert person["definition"] == "A human being named in an article." and person["uses"] == 2
    assert ["close match", "https://schema.org/Person"] in person["alignments"]
    assert terms["speaker"]["domain"] and terms["speaker"]["range"]
    page = html(client, "/ontology")
    for name in terms:
        assert f'id="{name}"' in page
    assert 'href="/resource?iri=https%3A%2F%2Fschema.org%2FPerson"' in page


def test_foreign_iri_lookup_shows_what_the_dataset_says(client):
    data = twin(client, "/resource?iri=http://www.wikidata.org/entity/Q81050&format=json")
    assert [(i["label"], [s["label"] for s in i["subjects"]]) for i in data["page"]["incoming"]] == [("same as", ["Sergey Lavrov"])]
    incoming = section(html(client, "/resource?iri=http://www.wikidata.org/entity/Q81050"), "Linked from")
    assert "Sergey Lavrov" in incoming and "same as" in incoming
    g = Graph().parse(data=client.get("/resource?iri=http://www.wikidata.org/entity/Q81050&format=ttl").get_data(), format="turtle")
    assert (URIRef(ID + "person/sergey-lavrov"), URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
            URIRef("http://www.wikidata.org/entity/Q81050")) in g


def test_lookup_of_a_local_iri_redirects_and_bad_iris_are_400(client):
    resp = client.get("/resource?iri=" + ID + "person/sergey-lavrov")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/id/person/sergey-lavrov")
    assert client.get("/resource?iri=not an iri", headers={"Accept": "application/json"}).status_code == 400
    assert client.get("/resource?iri=http://nowhere.example/x", headers={"Accept": "text/html"}).status_code == 404


PAGES = ("/", "/id/person/sergey-lavrov.html", "/id/event/riyadh-talks.html", "/id/event/dolynska-strike.html", "/ontology",
         "/ontology/Person.html", "/search?q=riyadh", "/timeline", "/article/fixture?span=96,107", "/id/article/fixture.html",
         "/resource?iri=http://www.wikidata.org/entity/Q81050", "/links?iri=https://kg.example.org/ontology/Person"
         "&property=http://www.w3.org/1999/02/22-rdf-syntax-ns%23type")


@pytest.mark.parametrize("url", PAGES)
def test_pages_parse_as_html5_without_errors(client, url):
    import html5rdf

    parser = html5rdf.HTMLParser()
    parser.parse(html(client, url))
    assert parser.errors == [], url


def test_pages_are_structurally_sound(client):
    for url in PAGES:
        parser = Landmarks()
        parser.feed(html(client, url))
        assert parser.h1 == 1, url
        assert {"main", "header", "nav", "footer"} <= set(parser.tags), url
        assert len(parser.ids) == len(set(parser.ids)), f"duplicate ids on {url}"
        assert parser.imgs_without_alt == 0


def test_neighbourhood_diagram_is_inline_svg_with_a_text_alternative(client):
    page = html(client, "/id/event/riyadh-talks.html")
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert 'href="/id/place/riyadh"' in svg and ">Riyadh</text>" in svg
    assert "<script" not in svg


def test_incoming_links_are_capped_with_a_link_to_all_of_them():
    store = fixture_store()
    hub = ID + "place/hub"
    lines = [f'<{ID}person/p{i:03d}> <{DIP}place> <{hub}> ; <http://www.w3.org/2000/01/rdf-schema#label> "Person {i:03d}" .' for i in range(130)]
    store.load("\n".join(lines).encode(), F.TURTLE)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    (place,) = twin(client, "/id/place/hub.json")["page"]["incoming"]
    assert place["count"] == 130 and len(place["subjects"]) == 10
    query = urlencode({"iri": hub, "property": DIP + "place"})
    assert f'<p class="more"><a href="/links?{query.replace("&", "&amp;")}">All 130 linked as place</a>' in html(client, "/id/place/hub.html")
    first, second = twin(client, f"/links.json?{query}"), twin(client, f"/links.json?{query}&page=2")
    assert (first["total"], first["pages"], len(first["subjects"])) == (130, 2, 100)
    assert len(second["subjects"]) == 30 and second["subjects"][-1]["label"] == "Person 129"
    assert "page 1 of 2" in html(client, f"/links?{query}")
    g = Graph().parse(data=client.get("/id/place/hub.ttl").get_data(), format="turtle")
    assert len(list(g.subjects(URIRef(DIP + "place"), URIRef(hub)))) == 130


# -- article view, home -------------------------------------------------------

def test_article_view_links_every_mention(client):
    article = twin(client, "/article/fixture.json")["article"]
    assert article["text"].startswith(TEXT_START)
    links = {s["text"]: s["link"] for s in article["segments"] if s["link"]}
    for words, slug in [("Sergey Lavrov", "person/sergey-lavrov"), ("Marco Rubio", "person/marco-rubio"), ("Riyadh", "place/riyadh"),
                        ("Dolynska", "place/dolynska"), ("Lavrov", "person/sergey-lavrov"), ("very useful", "quote/lavrov-very-useful")]:
        assert links[words] == ID + slug
    quote = next(s for s in article["segments"] if s["text"] == "very useful")
    assert quote["kind"] == "quote" and "char=96,107" in quote["anchors"]  # the quote's span is addressable
    page = html(client, "/article/fixture")
    assert '<a href="/id/quote/lavrov-very-useful" class="mention quote" title="Lavrov: very useful">very useful</a>' in page
    assert 'id="char=96,107"' in page and '<a href="/id/person/sergey-lavrov" class="mention"' in page
    assert '<link rel="alternate" type="text/turtle" href="/id/article/fixture.ttl"' in page
    assert '<link rel="alternate" type="application/json" href="/article/fixture.json"' in page


def test_article_view_marks_the_requested_span(client):
    marked = [s["text"] for s in twin(client, "/article/fixture.json?span=96,107")["article"]["segments"] if s["marked"]]
    assert marked == ["very useful"]
    page = html(client, "/article/fixture?span=96,107")
    assert page.count("<mark>") == 1 and '<mark><a href="/id/quote/lavrov-very-useful"' in page
    assert client.get("/article/fixture?span=x", headers={"Accept": "application/json"}).status_code == 400
    assert client.get("/article/nope", headers={"Accept": "application/json"}).status_code == 404


def test_article_entity_page_links_the_article_view(client):
    page = html(client, "/id/article/fixture.html")
    assert '<a href="/article/fixture" class="button">' in page


def test_home_page(client):
    data = twin(client, "/index.json")
    counts = {data["labels"][c]: n for c, n in data["classes"]}
    assert list(counts) == sorted(counts, key=str.lower)
    assert counts["person"] == 2 and counts["talks"] == 1 and counts["strike"] == 1 and counts["state"] == 2
    assert data["articles"] == [[ARTICLE, "Fixture talks article", "2025-02-19"]] and data["article_count"] == 1
    assert data["statements"] == len(fixture_store())
    page = html(client, "/")
    assert '<a href="/id/article/fixture">Fixture talks article</a>' in page
    assert f"<strong>{data['statements']:,}</strong> statements" in page
    for link in ("/sparql", "/ontology", "/downloads", "/.well-known/void", "/timeline"):
        assert f'href="{link}"' in page
    assert 'action="/search"' in page


def test_pages_fetch_nothing_from_the_internet(client):
    for url in ("/", "/id/person/sergey-lavrov.html", "/timeline"):
        page = html(client, url)
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', page), url
    css = client.get("/static/style.css").get_data(as_text=True)
    assert "http" not in css and "@import" not in css


def test_json_twin_of_search_and_timeline(client):
    data = client.get("/search.json?q=lavrov").get_json()
    assert data["results"][0]["iri"] == ID + "person/sergey-lavrov"
    events = json.loads(client.get("/timeline.json").get_data())["events"]
    assert [e["label"] for e in events][:2] == ["Drone strike on Dolynska", "Riyadh talks"]


def test_article_twin_describes_its_text_spans():
    """Span IRIs are hash IRIs of the article: its document describes them."""
    store = fixture_store()
    span = f"{ARTICLE}#char=96,107"
    store.load(f'<{span}> <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#referenceContext> <{ARTICLE}> ; '
               f'<http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf> "very useful" .'.encode(), F.TURTLE)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    g = Graph().parse(data=client.get("/id/article/fixture.ttl").get_data(), format="turtle")
    assert (URIRef(span), URIRef("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf"), Literal("very useful")) in g
    page = html(client, "/id/article/fixture.html")  # a span is labelled with its words, linked into the text
    assert '<a href="/article/fixture?span=96,107#char=96,107">“very useful”</a>' in section(page, "Linked from")


def test_article_view_lists_what_it_mentions(client):
    article = twin(client, "/article/fixture.json")["article"]
    assert article["mentions"][ID + "person/sergey-lavrov"] == 2 and article["mentions"][ID + "place/dolynska"] == 1
    mentioned = section(html(client, "/article/fixture"), "Mentioned in this article")
    assert '<a href="/id/person/sergey-lavrov">Sergey Lavrov</a> <span class="count">(2)</span>' in mentioned


def test_person_without_description_is_described_by_office(client):
    page = html(client, "/id/person/marco-rubio.html")
    assert '<p class="description">US Secretary of State.</p>' in page  # its own words win
    store = fixture_store()
    store.load(f'<{ID}person/x> a <{DIP}Person> ; <http://www.w3.org/2000/01/rdf-schema#label> "X" . '
               f'<{ID}holding/x> <{DIP}officeHolder> <{ID}person/x> ; <{DIP}office> <{ID}office/us-secretary-of-state> .'.encode(), F.TURTLE)
    other = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    assert '<p class="description">Secretary of State of the United States</p>' in html(other, "/id/person/x.html")


def test_named_graph_iris_dereference():
    store = fixture_store()
    store.load(b'<https://kg.example.org/graph/article/fixture> <http://www.w3.org/2000/01/rdf-schema#label> "Facts of the fixture"@en .', F.NQUADS)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    resp = client.get("/graph/article/fixture", headers={"Accept": "text/turtle"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/graph/article/fixture.ttl")
    count = len(list(store.quads("https://kg.example.org/graph/article/fixture")))
    data = twin(client, "/graph/article/fixture.json")
    assert data["page"]["label"] == "Facts of the fixture" and data["graph_size"] == count
    assert f'A named graph of <data value="{count}">' in html(client, "/graph/article/fixture.html")


def test_every_graph_dereferences_the_ontology_too(client):
    resp = client.get("/graph/ontology", headers={"Accept": "text/turtle"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/graph/ontology.ttl")
    g = Graph().parse(data=client.get(resp.headers["Location"]).get_data(), format="turtle")
    size = len(list(fixture_store().quads("https://kg.example.org/graph/ontology")))
    assert g.value(URIRef("https://kg.example.org/graph/ontology"), URIRef("http://rdfs.org/ns/void#triples")).toPython() == size
    assert client.get("/graph/nothing-here", headers={"Accept": "text/turtle"}).status_code == 404


def test_a_much_mentioned_entity_shows_a_few_sentences_and_counts_the_rest():
    store = fixture_store()
    spans = " , ".join(f"<{ARTICLE}#char=11,{24 + i}>" for i in range(1, 8))
    store.load(f"<{ID}person/sergey-lavrov> <{DIP}evidence> {spans} .".encode(), F.TURTLE)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    own = section(html(client, "/id/person/sergey-lavrov.html"), "In the article’s words")
    assert own.count('<blockquote class="evidence"') == 5
    assert "And 4 more mentions in the articles." in own  # 9 spans in all
    page = twin(client, "/id/person/sergey-lavrov.json")["page"]
    assert len(page["evidence"]) == 5 and page["evidence_total"] == 9  # the twin counts them too


def test_the_ontology_as_a_whole_dereferences():
    client = create_app({"STORE_OBJECT": fixture_store(), "TESTING": True}).test_client()
    resp = client.get("/ontology/", headers={"Accept": "text/turtle"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/ontology.ttl")
    direct = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert direct.status_code == 200 and direct.headers["Vary"] == "Accept"
    g = Graph().parse(data=direct.get_data(), format="turtle")
    assert (URIRef(DIP + "Talks"), RDFS.subClassOf, URIRef(DIP + "Meeting")) in g
    assert (URIRef(ID + "person/sergey-lavrov"), None, None) not in g  # the ontology only
    assert isomorphic(g, Graph().parse(data=client.get("/ontology.nt").get_data(), format="nt"))
    assert '<link rel="alternate" type="text/turtle" href="/ontology.ttl"' in html(client, "/ontology")


def test_a_link_between_two_things_shows_the_sentence_naming_both(client):
    where = section(html(client, "/id/event/riyadh-talks.html"), "Where")
    assert "In <mark>Riyadh</mark>, <mark>Sergey Lavrov met Marco Rubio</mark>, the U.S. Secretary of State." in where
    quote = html(client, "/id/quote/lavrov-very-useful.html")
    speaker = re.search(r'<a href="/ontology/speaker" class="prop"[^>]*>Speaker</a></dt>(.*?)</dd>', quote, re.S).group(1)
    assert "<mark>Lavrov</mark> called the talks “<mark>very useful</mark>”." in speaker
    assert "met Marco Rubio" not in speaker  # Lavrov's other mention says nothing of the quote


def test_documents_carry_an_etag_and_answer_304(client):
    first = client.get("/id/person/sergey-lavrov.ttl")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/id/person/sergey-lavrov.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    page = client.get("/id/person/sergey-lavrov.html")
    assert page.headers["ETag"] != etag and "Access-Control-Allow-Origin" not in page.headers
    assert client.get("/search?q=x").headers["Vary"] == "Accept"


class CountingStore(Store):
    """A store that counts the queries it answers."""

    queries = 0

    def query(self, sparql, **kw):
        CountingStore.queries += 1
        return super().query(sparql, **kw)


@pytest.mark.parametrize("url, most", [("/id/person/sergey-lavrov.html", 20), ("/id/event/riyadh-talks.html", 20),
                                       ("/id/event/dolynska-strike.html", 20), ("/id/person/sergey-lavrov.ttl", 8),
                                       ("/article/fixture", 6), ("/ontology/Person.html", 12)])
def test_a_page_costs_a_few_queries_whatever_its_size(url, most):
    """A remote engine will stand behind the store: pages must not fan out
    into a query per link. The hub gets as many links as it likes."""
    store = CountingStore(fixture_store().inner)
    lines = [f'<{ID}participation/p{i}> <{DIP}inEvent> <{ID}event/riyadh-talks> ; <{DIP}participant> <{ID}state/s{i}> ; '
             f'<{DIP}representedBy> <{ID}person/sergey-lavrov> ; <{DIP}evidence> <{ARTICLE}#char=11,24> .' for i in range(60)]
    store.load("\n".join(lines).encode(), F.TURTLE)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    client.get("/")  # warm the whole-dataset caches
    CountingStore.queries = 0
    assert client.get(url).status_code == 200
    assert CountingStore.queries <= most, f"{url}: {CountingStore.queries} queries"


def test_a_deployment_base_maps_paths_to_its_own_iris():
    store = Store.in_memory()
    store.load(b'<http://x.test/kg/id/person/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" ; '
               b'<http://x.test/kg/ontology-free/knows> <http://x.test/kg/id/person/b> . '
               b'<http://x.test/kg/id/person/b> <http://www.w3.org/2000/01/rdf-schema#label> "B" .', F.TURTLE)
    client = create_app({"STORE_OBJECT": store, "TESTING": True, "BASE": "http://x.test/kg/"}).test_client()
    page = html(client, "/id/person/a.html")
    assert re.search(r"<h1[^>]*>A</h1>", page) and '<a href="/id/person/b">B</a>' in page
    assert client.get("/search.json?q=b").get_json()["results"][0]["page"] == "/id/person/b"
    assert client.get("/id/person/a", headers={"Accept": "text/html"}).status_code == 303
    assert client.get(f"/resource?iri={ID}person/a", headers={"Accept": "text/html"}).status_code == 404  # not this deployment's


@pytest.mark.parametrize("url, status", [
    ("/id/a b", 400), ("/id/%3E", 400), ("/id/person/%C3%A9", 404), ("/links", 400), ("/links?iri=x&property=y", 400),
    ("/resource?iri=javascript:alert(1)", 404), ("/resource", 400), ("/ontology/%3Cx", 400), ("/graph/x", 404),
    ("/id/person/sergey-lavrov?format=", 400), ("/article/fixture?span=5,2", 200), ("/article/fixture?span=-1,500", 200),
])
def test_bad_input_gets_a_clear_status_not_a_500(client, url, status):
    resp = client.get(url, headers={"Accept": "application/json"})
    assert resp.status_code == status, url
    if status >= 400:
        assert resp.get_json()["message"]
