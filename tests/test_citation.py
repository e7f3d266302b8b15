"""Citations: every evidence span has a page at its RFC 5147 IRI
(``/span?iri=...`` and its JSON twin) with its sentence, marked words,
article, the facts citing it, and a citation (plain text, CSL-JSON,
BibTeX); bad span IRIs are 400 or 404, never 500."""

from __future__ import annotations

import html as htmllib
import json
import re
from urllib.parse import quote

import pytest

from kg.views.citation import Source, bibtex, csl, short_quote, span_line
from server import create_app
from tests.provenance_support import AUTHORS, OTHER, PUBLISHER, REAL, RUBIO, URL, two_article_store

SPAN = OTHER + "#char=32,43"
TITLE = "Made-up test fixture: Rubio visits Riyadh"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = two_article_store(tmp_path_factory.mktemp("citation"))
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


def span_url(iri: str, suffix: str = "") -> str:
    return f"/span{suffix}?iri={quote(iri, safe='')}"


def test_the_span_page_dereferences_with_sentence_article_facts_and_citation(client):
    data = client.get(span_url(SPAN, ".json")).get_json()["span_page"]
    assert data["iri"] == SPAN
    span = data["span"]
    assert (span["start"], span["end"], span["exact"], span["after"]) == (32, 43, "Marco Rubio", " visited Riyadh.")
    assert span["page"] == "/article/madeup-rubio-visit-2025-03-01?span=32,43#char=32,43"
    assert data["article"]["title"] == TITLE and data["article"]["publisher"] == PUBLISHER
    assert data["article"]["url"] == URL and data["article"]["authors"] == list(AUTHORS)
    assert [(f["iri"], f["label"], f["types"]) for f in data["facts"]] == [(RUBIO, "Marco Rubio", ["person"])]
    assert data["facts"][0]["page"] == "/id/person/marco-rubio"
    assert data["citation"]["text"] == (f"“Marco Rubio”, in “{TITLE}” by Jane Doe and John Roe, Example Gazette, "
                                        f"2025-03-01, characters 32–43, {SPAN}")
    page = client.get(span_url(SPAN), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<p><mark>Marco Rubio</mark> visited Riyadh.</p>" in page
    assert '<a href="/id/person/marco-rubio">Marco Rubio</a>' in page
    assert f'<p class="citation-line" id="span-cite-text">{htmllib.escape(data["citation"]["text"], quote=False)}</p>' in page
    assert '<button type="button" class="copy" data-copy="span-cite-text" hidden>Copy citation</button>' in page
    assert '<script src="/static/copy.js" defer></script>' in page
    assert f'<link rel="alternate" type="application/json" href="{span_url(SPAN, ".json")}"' in page


def test_a_span_shared_by_several_facts_lists_them_all(client):
    data = client.get(span_url(OTHER + "#char=32,59", ".json")).get_json()["span_page"]
    assert [f["iri"] for f in data["facts"]] == ["https://kg.example.org/id/event/madeup-rubio-visit-to-riyadh"]
    words = client.get(span_url(OTHER + "#char=0,4", ".json")).get_json()["span_page"]
    assert words["facts"] == [] and words["span"]["exact"] == "MADE"  # any range of the text is a span; no fact cites it


def test_csl_json_parses_and_has_title_date_and_url(client):
    page = client.get(span_url(SPAN), headers={"Accept": "text/html"}).get_data(as_text=True)
    shown = re.search(r'<pre id="span-cite-csl">(.*?)</pre>', page, re.S)[1]
    item = json.loads(htmllib.unescape(shown))
    assert item == client.get(span_url(SPAN, ".json")).get_json()["span_page"]["citation"]["csl"]
    assert item["title"] == TITLE and item["issued"] == {"date-parts": [[2025, 3, 1]]} and item["URL"] == URL
    assert item["type"] == "article-newspaper" and item["container-title"] == PUBLISHER
    assert item["author"] == [{"literal": "Jane Doe"}, {"literal": "John Roe"}]
    real = client.get("/article/riyadh-talks-2025-02-19.json").get_json()["article"]["citation"]["csl"]
    assert real["URL"] == REAL and real["issued"] == {"date-parts": [[2025, 2, 19]]} and "container-title" not in real


def bib_fields(entry: str) -> tuple[str, str, dict]:
    """(entry type, key, {field: value}) of one BibTeX entry, braces balanced."""
    m = re.fullmatch(r"@(\w+)\{([^,\s]+),\n(.*)\n\}\n", entry, re.S)
    assert m, entry
    fields = {}
    for line in m[3].split(",\n"):
        name, value = line.strip().split(" = ", 1)
        depth = 0
        for i, c in enumerate(value):
            depth += {"{": 1, "}": -1}.get(c, 0) if i == 0 or value[i - 1] != "\\" else 0
            assert depth >= 0, line
        assert depth == 0, line
        fields[name] = value
    return m[1], m[2], fields


def test_bibtex_has_the_fields(client):
    entry = client.get("/article/madeup-rubio-visit-2025-03-01.json").get_json()["article"]["citation"]["bibtex"]
    kind, key, fields = bib_fields(entry)
    assert (kind, key) == ("article", "madeup-rubio-visit-2025-03-01")
    assert fields == {"title": "{{Made-up test fixture: Rubio visits Riyadh}}", "author": "{{Jane Doe} and {John Roe}}",
                      "journal": "{Example Gazette}", "year": "{2025}", "month": "mar", "date": "{2025-03-01}",
                      "url": "{https://example.org/news/rubio-visit}",
                      "note": "{Knowledge graph: \\url{https://kg.example.org/id/article/madeup-rubio-visit-2025-03-01}}"}
    page = client.get("/article/madeup-rubio-visit-2025-03-01", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert htmllib.unescape(re.search(r'<pre id="article-cite-bib">(.*?)</pre>', page, re.S)[1]) == entry
    real_kind, _, real = bib_fields(client.get("/article/riyadh-talks-2025-02-19.json").get_json()["article"]["citation"]["bibtex"])
    assert real_kind == "misc" and real["url"] == "{" + REAL + "}" and "journal" not in real and real["month"] == "feb"


def test_bibtex_escapes_what_latex_would_read():
    source = Source("https://kg.example.org/id/article/a_b", "50% of {talks} & $ #1 ~ a_b \\o", "2025-02-19", "A & B")
    kind, key, fields = bib_fields(bibtex(source))
    assert key == "a_b" and kind == "article"
    assert fields["title"] == r"{{50\% of \{talks\} \& \$ \#1 \textasciitilde{} a\_b \textbackslash{}o}}"
    assert fields["journal"] == r"{A \& B}"
    assert csl(Source("x", "T", "2025"))["issued"] == {"raw": "2025"}


def test_a_long_quote_is_cut_in_the_middle_and_the_line_keeps_range_and_permalink():
    source = Source(REAL, "T", "2025-02-19")
    line = span_line(source, 10, 610, "word " * 120, REAL + "#char=10,610")
    assert len(short_quote("word " * 120)) <= 203 and " … " in line
    assert line.endswith("“T”, 2025-02-19, characters 10–610, " + REAL + "#char=10,610")


@pytest.mark.parametrize("iri, status", [
    ("", 400),
    ("nonsense", 400),
    (OTHER, 400),  # the article, not a span
    (OTHER + "#char=43,32", 400),  # end before start
    (OTHER + "#line=1,2", 400),
    (OTHER + "#char=0032,43", 400),  # not the canonical IRI
    (OTHER + "#char=1," + "9" * 40, 400),
    (OTHER + "#char=1,2>", 400),
    ("https://kg.example.org/id/article/a b#char=1,2", 400),
    (OTHER + "#char=0,100000", 404),  # past the end of the text
    ("https://kg.example.org/id/article/no-such-article#char=1,2", 404),
    ("https://elsewhere.test/x#char=1,2", 404),
])
def test_a_bad_span_iri_is_400_or_404_never_500(client, iri, status):
    for suffix, accept in (("", "text/html"), (".json", "application/json")):
        resp = client.get(span_url(iri, suffix), headers={"Accept": accept})
        assert resp.status_code == status, (iri, suffix, resp.get_data(as_text=True)[:200])
        if suffix:
            assert resp.get_json()["status"] == status and resp.get_json()["message"]
    assert client.get("/span").status_code == 400
    assert "Give the span's IRI" in client.get("/span.json").get_json()["message"]


def test_the_canonical_span_iri_is_named_when_refused(client):
    body = client.get(span_url(OTHER + "#char=0032,43", ".json")).get_json()
    assert body["canonical"] == SPAN and SPAN in body["message"]
    body = client.get(span_url(OTHER + "#char=0,100000", ".json")).get_json()
    assert "has 143 characters" in body["message"]


def test_random_span_iris_never_500(client):
    import random

    rng = random.Random(11)
    pieces = [OTHER, REAL, "https://kg.example.org/id/article/", "#", "#char=", "char=", ",", "-1", "0", "43", "99999999999999",
              "%", "%zz", "\u00e9", "\ufffd", "<", ">", " ", '"', "{", "}", "\\", "\x00", "\n", "a" * 300, "?span=1,2", "&iri="]
    for _ in range(150):
        iri = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        for suffix in ("", ".json"):
            resp = client.get(span_url(iri, suffix))
            assert resp.status_code in (200, 400, 404), (iri, resp.status_code)
            if resp.status_code != 200 and suffix:
                assert resp.get_json()["status"] == resp.status_code


def test_the_span_page_negotiates_like_every_page(client):
    by_accept = client.get(span_url(SPAN), headers={"Accept": "application/json"})
    assert by_accept.headers["Vary"] == "Accept" and by_accept.get_json()["span_page"]["iri"] == SPAN
    assert client.get(span_url(SPAN) + "&format=json").get_json() == by_accept.get_json()
    assert client.get(span_url(SPAN), headers={"Accept": "text/turtle"}).status_code == 406
    link = client.get(span_url(SPAN, ".json")).headers["Link"]
    assert f'<{span_url(SPAN)}>; rel="alternate"; type="text/html"' in link
