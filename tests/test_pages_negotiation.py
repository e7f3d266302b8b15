"""Every page has a JSON twin, and negotiation behaves the same on every
route: ``Accept`` (q-values, wildcards), ``format=`` and the ``.json``
suffix give the same twin; the HTML announces it in ``<link
rel="alternate">`` and a ``Link`` header; nothing acceptable is 406, an
unknown ``format=`` is 400 (fixture graph, Flask test client)."""

from __future__ import annotations

import html as htmllib
import json

import pytest

from server import create_app
from tests.test_pages import ID, fixture_store

LINKS_QUERY = "iri=https%3A%2F%2Fkg.example.org%2Fontology%2FPerson&property=http%3A%2F%2Fwww.w3.org%2F1999%2F02%2F22-rdf-syntax-ns%23type"
WIKIDATA = "iri=http%3A%2F%2Fwww.wikidata.org%2Fentity%2FQ81050"

# name: (the URL that negotiates, its JSON twin, its HTML page, a fact both show)
ROUTES = {
    "home": ("/", "/index.json", "/", "Fixture talks article"),
    "entity": ("/id/person/sergey-lavrov", "/id/person/sergey-lavrov.json", "/id/person/sergey-lavrov.html", "Foreign Minister of Russia."),
    "event": ("/id/event/riyadh-talks", "/id/event/riyadh-talks.json", "/id/event/riyadh-talks.html", "on 18 February"),
    "graph": ("/graph/ontology", "/graph/ontology.json", "/graph/ontology.html", "ontology"),
    "class": ("/ontology/Person", "/ontology/Person.json", "/ontology/Person.html", "A human being named in an article."),
    "ontology": ("/ontology", "/ontology.json", "/ontology", "A human being named in an article."),
    "article": ("/article/fixture", "/article/fixture.json", "/article/fixture", "Fixture talks article"),
    "search": ("/search?q=lavrov", "/search.json?q=lavrov", "/search?q=lavrov", "Sergey Lavrov"),
    "timeline": ("/timeline", "/timeline.json", "/timeline", "Riyadh talks"),
    "links": (f"/links?{LINKS_QUERY}", f"/links.json?{LINKS_QUERY}", f"/links?{LINKS_QUERY}", "Marco Rubio"),
    "resource": (f"/resource?{WIKIDATA}", f"/resource?{WIKIDATA}&format=json", f"/resource?{WIKIDATA}", "Sergey Lavrov"),
    "downloads": ("/downloads", "/downloads.json", "/downloads", "dataset.trig"),
}
NAMES = list(ROUTES)


@pytest.fixture(scope="module")
def client():
    return create_app({"STORE_OBJECT": fixture_store(), "TESTING": True}).test_client()


def with_format(url: str, value: str) -> str:
    return url + ("&" if "?" in url else "?") + "format=" + value


def data(resp) -> dict:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/json"
    return json.loads(resp.get_data())


@pytest.mark.parametrize("name", NAMES)
def test_suffix_format_and_accept_give_the_same_twin(client, name):
    url, twin, _, _ = ROUTES[name]
    by_suffix = data(client.get(twin))
    by_accept = data(client.get(url, headers={"Accept": "application/json"}, follow_redirects=True))
    by_format = data(client.get(with_format(url, "json")))
    assert by_suffix == by_accept == by_format


@pytest.mark.parametrize("name", NAMES)
def test_the_page_announces_its_twin(client, name):
    _, twin, page, _ = ROUTES[name]
    resp = client.get(page, headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert f'<link rel="alternate" type="application/json" href="{htmllib.escape(twin)}"' in resp.get_data(as_text=True)
    assert f'<{twin}>; rel="alternate"; type="application/json"' in resp.headers["Link"]
    assert f'<{twin}>; rel="alternate"; type="application/json"' in client.get(twin).headers["Link"]


@pytest.mark.parametrize("name", NAMES)
def test_the_page_and_its_twin_show_the_same_fact(client, name):
    _, twin, page, fact = ROUTES[name]
    assert fact in client.get(page, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert fact in json.dumps(data(client.get(twin)), ensure_ascii=False)


@pytest.mark.parametrize("accept, kind", [
    ("application/json", "json"),
    ("text/html", "html"),
    ("*/*", "html"),
    (None, "html"),
    ("text/html;q=0.5, application/json", "json"),
    ("application/json;q=0.5, text/html", "html"),
    ("text/*;q=0.9, application/json;q=0.1", "html"),
    ("image/png, application/json;q=0.2", "json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
])
@pytest.mark.parametrize("name", NAMES)
def test_accept_chooses_alike_everywhere(client, name, accept, kind):
    url = ROUTES[name][0]
    resp = client.get(url, headers={"Accept": accept} if accept else {})
    if resp.status_code == 303:  # a thing's IRI: to the document in the chosen format
        assert resp.headers["Vary"] == "Accept"
        resp = client.get(resp.headers["Location"])
    else:
        assert "Accept" in resp.headers.get("Vary", ""), name
    assert resp.status_code == 200
    assert resp.mimetype == {"json": "application/json", "html": "text/html"}[kind]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_acceptable_is_406_naming_what_is_offered(client, name):
    resp = client.get(ROUTES[name][0], headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert "application/json" in resp.get_data(as_text=True) and "text/html" in resp.get_data(as_text=True)


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_format_is_400_naming_json(client, name):
    resp = client.get(with_format(ROUTES[name][0], "png"), headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert "json" in resp.get_json()["message"]


def test_things_keep_their_rdf_representations(client):
    for url in ("/id/person/sergey-lavrov", "/graph/ontology", "/ontology/Person", "/ontology"):
        for accept, media in (("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json")):
            resp = client.get(url, headers={"Accept": accept}, follow_redirects=True)
            assert resp.status_code == 200 and resp.mimetype == media, url


def test_the_graph_twin_counts_its_statements(client):
    twin = data(client.get("/graph/ontology.json"))
    count = len(list(fixture_store().quads("https://kg.example.org/graph/ontology")))
    assert twin["graph_size"] == count > 0
    assert f'<data value="{count}">' in client.get("/graph/ontology.html").get_data(as_text=True)


def test_the_entity_twin_carries_the_page(client):
    twin = data(client.get("/id/person/sergey-lavrov.json"))
    page = twin["page"]
    assert page["iri"] == ID + "person/sergey-lavrov" and page["label"] == "Sergey Lavrov"
    assert [t["page"] for t in page["types"]] == ["/ontology/Person"]
    assert {a["text"] for a in page["aliases"]} >= {"Lavrov", "Sergej Lawrow"}
    assert "spans" not in page  # the assembler's cache is not data


ENTITIES = ["/id/person/sergey-lavrov", "/id/person/marco-rubio", "/id/event/riyadh-talks", "/id/event/dolynska-strike",
            "/id/place/riyadh", "/id/place/dolynska", "/id/quote/lavrov-very-useful", "/ontology/Person"]


@pytest.mark.parametrize("url", ENTITIES)
def test_every_link_of_an_entity_twin_is_on_its_page(client, url):
    """Same facts: each linked thing the twin lists (sections, rows,
    incoming links) is shown on the page with its label."""
    twin, page = data(client.get(url + ".json")), client.get(url + ".html").get_data(as_text=True)
    values = [v for s in twin["extra"].get("sections", ()) for r in s["rows"] for cell in r["cells"] for v in cell]
    values += [v for g in twin["page"]["groups"] for r in g["rows"] for v in r["values"]]
    values += [v for i in twin["page"]["incoming"] for v in i["subjects"]]
    links = [(v["page"], v["label"]) for v in values if v["kind"] == "iri" and "#" not in v["text"]]
    assert links
    for href, label in links:
        assert f'href="{htmllib.escape(href)}"' in page, (url, href)
        assert htmllib.escape(label, quote=False) in page, (url, label)


# -- the chooser itself, case by case -------------------------------------------

@pytest.mark.parametrize("url, accept, suffix, expected", [
    ("/x", None, None, "html"),  # nothing asked: the first offered
    ("/x", "application/json", None, "json"),
    ("/x", "application/json;q=0.9, text/html;q=0.9", None, "html"),  # a tie: the first offered
    ("/x", "application/*", None, "json"),
    ("/x", "text/*, application/json;q=0.5", None, "html"),
    ("/x?format=json", "text/html", None, "json"),  # format= beats Accept
    ("/x?format=application/json", None, None, "json"),  # by media type too
    ("/x?format=HTML", "application/json", None, "html"),
    ("/x.json?format=html", "text/html", "json", "json"),  # the suffix beats both
])
def test_choose_takes_suffix_then_format_then_accept(url, accept, suffix, expected):
    from server.representation import JSON, PAGE_ONLY, choose

    app = create_app({"STORE_OBJECT": fixture_store(), "TESTING": True})
    with app.test_request_context(url, headers={"Accept": accept} if accept else {}):
        assert choose(PAGE_ONLY, JSON if suffix == "json" else None).name == expected


@pytest.mark.parametrize("path, stem, ext", [
    ("person/x.ttl", "person/x", "ttl"), ("person/x.json", "person/x", "json"), ("person/j.r.r", "person/j.r.r", None),
    ("person/x.TTL", "person/x.TTL", None), ("person/.json", "person/.json", None), (".json", ".json", None),
    ("person/x.json.ttl", "person/x.json", "ttl"),
])
def test_split_suffix(path, stem, ext):
    from server.representation import THING, split_suffix

    got_stem, fmt = split_suffix(path, THING)
    assert (got_stem, fmt.extension if fmt else None) == (stem, ext)


@pytest.mark.parametrize("url", ["/id/person/nobody.json", "/search.json?q=" + "a" * 500, "/article/nope.json",
                                 "/id/person/nobody?format=json", "/links.json?iri=x&property=y"])
def test_a_twin_url_gets_its_error_as_json(client, url):
    resp = client.get(url)
    assert resp.status_code in (400, 404) and resp.mimetype == "application/json"
    assert resp.get_json()["message"]
