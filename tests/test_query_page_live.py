"""HTML results under the same caps as every format, through the real server
and its query workers (issue 9, item 7: 8 rows of 32 MB took 15.3 s and
grew the server process by 1 GB): the worker cuts the cells, so the server
process never holds the long values and the page stays small."""

from __future__ import annotations

import re
import urllib.request
from html import unescape
from urllib.parse import urlencode

import pytest

from conftest import REPO, LiveServer
from tests.test_query_page import doubling

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    (REPO / "build").mkdir(exist_ok=True)
    live = LiveServer(["--workers", "2"])
    yield live
    live.stop()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


def get(url: str, accept: str = "text/html") -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_long_values_are_cut_in_the_worker(server):
    before = rss_mb(server.proc.pid)
    query = doubling(8, 19)  # 8 rows of 8 MiB: 64 MiB of values
    status, body = get(server.url + "sparql?" + urlencode({"query": query, "format": "html"}))
    grown = rss_mb(server.proc.pid) - before
    text = body.decode("utf-8")
    assert status == 200, text[:500]
    assert len(body) < 200_000, len(body)
    assert text.count("(8,388,608 characters;") == 8
    # The server process held the cut table only (it grew by several times
    # the values' size when it built the HTML from the full result).
    assert grown < 40, f"the server process grew by {grown:.0f} MB"
    json_link = unescape(re.search(r'<a href="(/sparql\?[^"]*format=json)">JSON</a>', text).group(1))
    status, full = get(server.url.rstrip("/") + json_link, "application/sparql-results+json")
    assert status == 200 and len(full) > 8 * (8 << 20)


def test_page_keeps_query_after_a_runaway_refused(server):
    """A result over the row cap is refused on the page too, with the query kept."""
    query = "SELECT ?i WHERE { VALUES ?a { 1 2 3 4 5 6 7 8 9 10 } VALUES ?b { 1 2 3 4 5 6 7 8 9 10 } " \
            "VALUES ?c { 1 2 3 4 5 6 7 8 9 10 } VALUES ?d { 1 2 3 4 5 6 7 8 9 10 } BIND(1 AS ?i) }"
    status, body = get(server.url + "sparql?" + urlencode({"query": query, "format": "html"}))
    text = body.decode("utf-8")
    assert status == 422, status  # ResultTooLarge, as in every format
    assert unescape(re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', text, re.S).group(1)) == query
    assert "rows" in unescape(re.search(r'<p class="error-message">(.*?)</p>', text, re.S).group(1))
