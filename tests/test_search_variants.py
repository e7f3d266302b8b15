"""Spelling variants across scripts and transliterations, over HTTP (the
search page's JSON twin): "Kiev" finds Kyiv, "Selenskyj" Zelenskyy,
"Песков" Peskov. Two kinds of help, tested apart:

- alternative names in the data (``skos:altLabel``, the background graph's
  spellings and names in other scripts): they find a variant that typo
  tolerance alone does not ("Selenskyj" is too far from "Zelenskyy");
- transliteration of the query and the names (``anyascii``): a Cyrillic
  query matches a Latin label with no alternative name at all.

The made-up store (``tests/fixtures/search/variants.ttl``) has one spelling
per name and a single alternative name (Kyiv's "Kiev"); the article service
(``live_server``) has the background's alternative names.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.model.namespaces import entity_ns
from kg.views.search import NameIndex, normalize

from tests.conftest import LiveServer

ID = str(entity_ns())
VARIANTS = Path(__file__).resolve().parent / "fixtures" / "search" / "variants.ttl"


@pytest.fixture(scope="module")
def variants_server():
    """``kg serve --data`` on the made-up store."""
    server = LiveServer(["--data", str(VARIANTS)])
    yield server
    server.stop()


def search(server, q: str) -> list[dict]:
    url = server.url + "search.json?" + urllib.parse.urlencode({"q": q})
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        return json.load(response)["results"]


def test_kiev_ranks_kyiv_first_through_its_alternative_name(variants_server):
    hits = search(variants_server, "Kiev")
    assert hits[0]["iri"] == ID + "place/kyiv", [h["iri"] for h in hits]
    assert hits[0]["label"] == "Kyiv" and hits[0]["matched"] == "Kiev" and hits[0]["match"] == "exact"
    assert ID + "place/kyiv-oblast" not in [h["iri"] for h in hits[:1]]


def test_a_cyrillic_query_finds_the_latin_label(variants_server):
    # "Dmitry Peskov" has no alternative name: the query is transliterated
    hits = search(variants_server, "Песков")
    assert hits[0]["iri"] == ID + "person/dmitry-peskov" and hits[0]["match"] == "word"
    assert hits[0]["words"] == ["Peskov"]
    assert search(variants_server, "Дмитрий Песков")[0]["iri"] == ID + "person/dmitry-peskov"  # "dmitriy" ~ "dmitry"


def test_without_an_alternative_name_typo_tolerance_does_not_reach_selenskyj(variants_server):
    assert ID + "person/volodymyr-zelenskyy" not in [h["iri"] for h in search(variants_server, "Selenskyj")]
    assert ID + "place/kyiv" not in [h["iri"] for h in search(variants_server, "Київ")]  # "kiiv": no alternative name here


def test_typo_tolerance_alone_misses_the_variants_the_background_names():
    # the same judgement without a server: the label alone, then with the alternative name
    label = [(ID + "person/volodymyr-zelenskyy", "Volodymyr Zelenskyy", normalize("Volodymyr Zelenskyy"), False)]
    assert NameIndex(label).search("Selenskyj") == []
    alias = (ID + "person/volodymyr-zelenskyy", "Wolodymyr Selenskyj", normalize("Wolodymyr Selenskyj"), True)
    assert NameIndex([*label, alias]).search("Selenskyj")[0].iri == ID + "person/volodymyr-zelenskyy"


@pytest.mark.parametrize("query, iri, matched", [
    ("Selenskyj", "person/volodymyr-zelenskyy", "Selenskyj"),
    ("Zelensky", "person/volodymyr-zelenskyy", "Zelensky"),
    ("Володимир Зеленський", "person/volodymyr-zelenskyy", "Володимир Зеленський"),
    ("Kiev", "state/ukraine", "Kiev"),  # the article's "Kyiv" is Ukraine by metonymy
    ("Київ", "state/ukraine", "Київ"),
    ("Riad", "place/riyadh", "Riad"),
    ("Сергей Лавров", "person/sergey-lavrov", "Sergey Lavrov"),  # transliterated, it is the label itself
])
def test_the_backgrounds_alternative_names_find_the_article_entities(live_server, query, iri, matched):
    hits = search(live_server, query)
    assert hits[0]["iri"] == ID + iri, [h["iri"] for h in hits[:3]]
    assert hits[0]["matched"] == matched and hits[0]["match"] in ("exact", "word")


def test_the_search_page_shows_the_alternative_name_that_matched(live_server):
    url = live_server.url + "search?" + urllib.parse.urlencode({"q": "Selenskyj"})
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/html"}), timeout=60) as response:
        page = response.read().decode("utf-8")
    first = page.split('<ol class="results">')[1].split("</li>")[0]
    assert ">Volodymyr Zelenskyy</a>" in first and "matched “Selenskyj”" in first


def test_the_entity_page_lists_the_alternative_names(live_server):
    with urllib.request.urlopen(live_server.url + "id/person/volodymyr-zelenskyy.json", timeout=60) as response:
        page = json.load(response)["page"]
    assert {"Wolodymyr Selenskyj", "Володимир Зеленський"} <= {a["text"] for a in page["aliases"]}
