"""The Atom feed: valid Atom (RFC 4287's required elements, parsed), one
entry per article newest first, each with the facts it adds, linked from
the home page's head."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from server import create_app
from tests.explore_support import ID, three_article_store

A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = three_article_store(tmp_path_factory.mktemp("feed"))
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def feed(client) -> ET.Element:
    resp = client.get("/feed.atom")
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    return ET.fromstring(resp.data)


def stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_feed_is_valid_atom(feed):
    assert feed.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{name}")) == 1 and feed.find(f"{A}{name}").text
    stamp(feed.find(f"{A}updated").text)
    assert feed.find(f"{A}author/{A}name").text
    self_link = [link for link in feed.findall(f"{A}link") if link.get("rel") == "self"]
    assert len(self_link) == 1 and self_link[0].get("href").endswith("/feed.atom")
    ids = []
    for entry in feed.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1 and entry.find(f"{A}{name}").text
        stamp(entry.find(f"{A}updated").text)
        assert any(link.get("rel") == "alternate" and link.get("href").startswith("http") for link in entry.findall(f"{A}link"))
        content = entry.find(f"{A}content")
        assert content.get("type") == "html" and content.text.startswith("<p>")
        ids.append(entry.find(f"{A}id").text)
    assert len(ids) == len(set(ids)) == 3


def test_entries_newest_first_with_their_new_facts(feed):
    entries = feed.findall(f"{A}entry")
    assert [e.find(f"{A}id").text for e in entries] == [
        ID + "article/madeup-rubio-doubts-2025-03-10", ID + "article/madeup-rubio-visit-2025-03-01",
        ID + "article/riyadh-talks-2025-02-19"]
    updated = [stamp(e.find(f"{A}updated").text) for e in entries]
    assert updated == sorted(updated, reverse=True) and stamp(feed.find(f"{A}updated").text) == updated[0]
    latest = entries[0].find(f"{A}content").text
    new, again = latest.split("Stated again")
    assert "Rubio rejects U.S.–Russia cooperation for now (made-up)" in new and "Marco Rubio" not in new
    assert "Marco Rubio" in again  # known from an earlier article
    assert entries[0].find(f"{A}title").text == "Made-up test fixture: Rubio doubts cooperation"
    link = next(x.get("href") for x in entries[0].findall(f"{A}link") if x.get("rel") == "alternate")
    assert link.endswith("/article/madeup-rubio-doubts-2025-03-10")


def test_home_page_links_the_feed(client):
    home = client.get("/").get_data(as_text=True)
    head = home[: home.index("</head>")]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="/feed.atom">', head)


def test_feed_is_conditional(client):
    first = client.get("/feed.atom")
    again = client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert first.headers["ETag"] and again.status_code == 304
