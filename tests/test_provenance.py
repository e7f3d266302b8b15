"""Every fact says where it comes from: with two articles in the store (the
real one and a made-up one that shares Marco Rubio and the Riyadh talks),
evidence on entity, event, strike, article and search pages and in their
JSON twins names its article (title, date, outlet, URL, authors) and links
to the exact span; notes, flags and statuses are shown per article."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from server import create_app
from tests.provenance_support import (AUTHORS, OTHER, PUBLISHER, REAL, RUBIO, TALKS_NOTE, URL, two_article_store)

TITLES = {REAL: "Riyadh talks between Russia and the United States (article of 2025-02-19)",
          OTHER: "Made-up test fixture: Rubio visits Riyadh"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return two_article_store(tmp_path_factory.mktemp("provenance"))


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


def twin(client, url: str) -> dict:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code, resp.get_data(as_text=True)[:300])
    return resp.get_json()


def page(client, url: str) -> str:
    resp = client.get(url, headers={"Accept": "text/html"})
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def all_spans(data) -> list[dict]:
    """Every evidence span anywhere in a JSON twin (a dict with a span IRI and a source)."""
    found = []
    if isinstance(data, dict):
        if "#char=" in str(data.get("iri", "")) and "exact" in data:
            found.append(data)
        for v in data.values():
            found += all_spans(v)
    elif isinstance(data, list):
        for v in data:
            found += all_spans(v)
    return found


def assert_names_its_article(span: dict) -> None:
    """The span's source is its own article, and its citation line says so with its range."""
    article = span["iri"].split("#", 1)[0]
    assert span["article"] == article and span["source"]["iri"] == article
    assert span["source"]["title"] == TITLES[article]
    assert span["source"]["date"] == {REAL: "2025-02-19", OTHER: "2025-03-01"}[article]
    line = span["citation"]
    assert f"“{TITLES[article]}”" in line
    assert f"characters {span['start']}–{span['end']}" in line
    assert line.endswith(span["iri"])
    assert span["exact"][:40] in line
    slug = article.rsplit("/", 1)[-1]
    assert span["page"] == f"/article/{slug}?span={span['start']},{span['end']}#char={span['start']},{span['end']}"


def test_rubio_shows_evidence_from_both_articles_each_naming_its_article(client):
    data = twin(client, "/id/person/marco-rubio.json")
    own = data["page"]["evidence"]
    assert {s["article"] for s in own} == {REAL, OTHER}
    spans = all_spans(data)
    assert len(spans) > len(own) > 1
    for span in spans:
        assert_names_its_article(span)
    other = next(s for s in own if s["article"] == OTHER)
    assert (other["start"], other["end"], other["exact"]) == (32, 43, "Marco Rubio")
    assert other["source"]["publisher"] == PUBLISHER and other["source"]["url"] == URL
    assert other["source"]["authors"] == list(AUTHORS)
    assert other["citation"] == ("“Marco Rubio”, in “Made-up test fixture: Rubio visits Riyadh” by Jane Doe and John Roe, "
                                 f"Example Gazette, 2025-03-01, characters 32–43, {OTHER}#char=32,43")
    real = next(s for s in own if s["article"] == REAL)
    assert real["citation"].startswith("“Marco Rubio”, in “Riyadh talks between Russia and the United States")
    assert f"characters {real['start']}–{real['end']}, {REAL}#char={real['start']},{real['end']}" in real["citation"]


def test_rubio_page_names_the_article_of_each_quote_and_links_to_the_span(client):
    text = page(client, "/id/person/marco-rubio.html")
    quotes = re.findall(r'<blockquote class="evidence" cite="([^"]+)">(.*?)</blockquote>', text, re.S)
    assert len(quotes) > 2
    seen = set()
    for iri, body in quotes:
        article, fragment = iri.split("#", 1)
        slug = article.rsplit("/", 1)[-1]
        start, end = fragment[len("char="):].split(",")
        footer = body.split("<footer>", 1)[1]
        assert f'<a href="/article/{slug}?span={start},{end}#char={start},{end}" class="in-article"' in footer
        assert f">{htmllib.escape(TITLES[article], quote=False)}</a>" in footer
        assert f'href="/span?iri={article.replace(":", "%3A").replace("/", "%2F")}%23char%3D{start}%2C{end}"' in footer
        seen.add(article)
    assert seen == {REAL, OTHER}
    made_up = next(body for iri, body in quotes if iri == OTHER + "#char=32,43")
    assert "Example Gazette" in made_up and "2025-03-01" in made_up


def test_sources_list_both_articles_with_outlet_url_and_authors(client):
    data = twin(client, "/id/person/marco-rubio.json")
    sources = data["sources"]
    assert [s["source"]["iri"] for s in sources] == [REAL, OTHER]  # in date order
    other = sources[1]
    assert other["source"] == {"iri": OTHER, "title": TITLES[OTHER], "date": "2025-03-01", "publisher": PUBLISHER,
                               "url": URL, "authors": list(AUTHORS), "page": "/id/article/madeup-rubio-visit-2025-03-01"}
    assert other["citation"]["text"].startswith("“Made-up test fixture: Rubio visits Riyadh” by Jane Doe and John Roe, Example Gazette, 2025-03-01, " + URL)
    assert sources[0]["source"]["publisher"] == "" and sources[0]["citation"]["csl"]["URL"] == REAL
    text = page(client, "/id/person/marco-rubio.html")
    section = text.split('<h2 id="sources-h">Sources</h2>', 1)[1].split("</section>", 1)[0]
    assert f'<a href="{URL}" rel="external" class="outlet">{PUBLISHER}</a>' in section
    assert "by Jane Doe, John Roe" in section and section.index(TITLES[REAL]) < section.index(TITLES[OTHER])


def test_notes_and_statuses_are_shown_per_article(client):
    data = twin(client, "/id/event/riyadh-talks.json")
    groups = data["per_article"]
    assert [g["source"]["iri"] for g in groups] == [REAL, OTHER]
    said = [{(n["label"], n["shown"]) for n in g["notes"]} for g in groups]
    assert ("status", "held") in said[0] and ("status", "rescheduled") not in said[0]
    assert ("status", "rescheduled") in said[1] and ("status", "held") not in said[1]
    assert ("note", TALKS_NOTE) in said[1] and all(shown != TALKS_NOTE for _, shown in said[0])
    assert ("date inferred", "true") in said[0] and not any(label == "date inferred" for label, _ in said[1])
    assert [g["graph"] for g in groups] == ["https://kg.example.org/graph/article/riyadh-talks-2025-02-19",
                                            "https://kg.example.org/graph/article/madeup-rubio-visit-2025-03-01"]
    assert data["articles_differ_on"] == ["status"]  # held in one, rescheduled in the other; notes are not compared
    # shown per article, so no longer run together in the page's groups
    props = {r["prop"] for g in data["page"]["groups"] for r in g["rows"]}
    assert "https://kg.example.org/ontology/status" not in props
    text = page(client, "/id/event/riyadh-talks.html")
    section = text.split('<h2 id="per-article-h">What each article says</h2>', 1)[1].split('<section aria-labelledby="in-h"', 1)[0]
    real, other = section.split('<section class="article-notes"')[1:3]
    assert "The articles differ on: status." in section.split('<section class="article-notes"')[0]
    assert TITLES[REAL] in real and ">held</a>" in real and "rescheduled" not in real
    assert TITLES[OTHER] in other and ">rescheduled</a>" in other and TALKS_NOTE in other and "held<" not in other


def test_a_node_of_one_article_has_no_per_article_section(client):
    data = twin(client, "/id/person/sergey-lavrov.json")
    assert data["per_article"] == [] and [s["source"]["iri"] for s in data["sources"]] == [REAL]
    assert data["articles_differ_on"] == []
    assert "What each article says" not in page(client, "/id/person/sergey-lavrov.html")


def test_strike_evidence_names_its_article(client):
    data = twin(client, "/id/event/dolynska-drone-strike.json")
    spans = all_spans(data)
    assert spans and {s["article"] for s in spans} == {REAL}
    for span in spans:
        assert_names_its_article(span)
    assert TITLES[REAL] in page(client, "/id/event/dolynska-drone-strike.html").split('class="in-article"', 1)[1]


def test_article_page_names_its_source_and_cites_a_marked_span(client):
    data = twin(client, "/article/madeup-rubio-visit-2025-03-01.json?span=32,43")["article"]
    assert data["source"]["publisher"] == PUBLISHER and data["source"]["url"] == URL and data["source"]["authors"] == list(AUTHORS)
    assert data["citation"]["csl"]["title"] == TITLES[OTHER]
    assert data["span"]["iri"] == OTHER + "#char=32,43" and data["span"]["exact"] == "Marco Rubio"
    assert data["span"]["citation"]["text"].endswith(f"characters 32–43, {OTHER}#char=32,43")
    text = page(client, "/article/madeup-rubio-visit-2025-03-01?span=32,43")
    head = text.split('<div class="article-text">', 1)[0]
    assert f'<a href="{URL}" rel="external" class="outlet">{PUBLISHER}</a>' in head and "by Jane Doe, John Roe" in head
    assert "characters 32–43" in head
    assert twin(client, "/article/madeup-rubio-visit-2025-03-01.json")["article"]["span"] is None


def test_search_hits_name_their_articles(client):
    data = twin(client, "/search.json?q=Marco%20Rubio")
    assert data["results"][0]["iri"] == RUBIO
    assert [s["iri"] for s in data["sources"][RUBIO]] == [REAL, OTHER]
    assert data["sources"][RUBIO][1]["publisher"] == PUBLISHER
    text = page(client, "/search?q=Marco%20Rubio")
    first = text.split('<ol class="results">', 1)[1].split("</li>", 1)[0]
    assert TITLES[REAL] in first and TITLES[OTHER] in first and f"({PUBLISHER}, 2025-03-01)" in first


def test_sources_are_capped_and_say_there_are_more(store):
    from kg.views.citation import cited_sources

    assert [s.iri for s in cited_sources(store, RUBIO)] == [REAL, OTHER] and not cited_sources(store, RUBIO).more
    first = cited_sources(store, RUBIO, limit=1)
    assert len(first) == 1 and first.more


PAGES = ("/id/person/marco-rubio.html", "/id/event/riyadh-talks.html", "/id/event/dolynska-drone-strike.html",
         "/article/madeup-rubio-visit-2025-03-01?span=32,43", "/article/riyadh-talks-2025-02-19", "/search?q=Rubio",
         "/span?iri=" + OTHER.replace("/", "%2F").replace(":", "%3A") + "%23char%3D32%2C43")


@pytest.mark.parametrize("url", PAGES)
def test_pages_with_sources_and_citations_are_valid_html5_with_unique_ids(client, url):
    import html5rdf

    text = page(client, url)
    parser = html5rdf.HTMLParser()
    parser.parse(text)
    assert parser.errors == [], url
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_an_articles_own_page_has_its_citation(client):
    data = twin(client, "/id/article/madeup-rubio-visit-2025-03-01.json")
    (only,) = data["sources"]
    assert only["source"]["iri"] == OTHER and only["citation"]["csl"]["URL"] == URL
    assert "Cite this article" in page(client, "/id/article/madeup-rubio-visit-2025-03-01.html")
