"""A seeded fuzz of page URLs against the real server: whatever the path,
escape, IRI or page number, the answer is never a 5xx, and a refusal says
what is wrong (400 or 404 with a message).

The URLs are the hostile cases of the reliability review (brackets, broken
``%`` escapes, bytes that are not UTF-8, IPv6 hosts left open, page numbers
of 17 and 4,301 digits) and many generated ones mixing them.
"""

from __future__ import annotations

import http.client
import json
import random
import time
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.live

SEED = 20250219
COUNT = 520
BAD_PAGES = ["92233720368547759", "9" * 4301, "-1", "0", "1e3", "²", "0x10", "", " ", "1.5", "%00", "18446744073709551617"]
NASTY = ["a%5Bb", "%FF", "a%25zz", "%", "%2", "%zz", "%C3%28", "%ED%A0%80", "a%00b", "%3E", "%3C", "%22", "%7B%7D", "a%5Cb",
         "%60", "a%7Cb", "%5E", "%EF%BF%BD", "a%20b", "..", "%2e%2e", "%2F", "a.json", "a.ttl", "a.", ".json", "x" * 3000,
         "%E2%80%AE", "a#b", "a%23b", "é", "%C3%A9", "person/%FF.json", "a%5Bb.ttl"]
PREFIXES = ["/id/person/", "/id/", "/graph/", "/ontology/", "/article/", "/id/event/", "/graph/article/"]
FIXED = ["/id/person/a%5Bb", "/id/person/%FF", "/graph/a%5Bb", "/ontology/a%5Bb", "/article/a%25zz",
         "/resource?iri=http://[::1", "/resource?iri=http://%5B::1", "/resource?iri=%FF", "/resource?iri=a%5Bb",
         "/links?iri=https://kg.example.org/ontology/Person&property=http://www.w3.org/1999/02/22-rdf-syntax-ns%23type&page=92233720368547759",
         "/downloads?page=" + "9" * 4301, "/timeline?page=" + "9" * 4301, "/search?q=%FF", "/search.json?q=%5B",
         "/search?q=" + "a" * 5000, "/article/a%25zz.json", "/id/person/sergey-lavrov.json?format=%FF",
         "/ontology.%FF", "/index.json?format=png", "/resource?iri=http://[::1]/x&format=json"]


def generated(rng: random.Random) -> list[str]:
    """Page URLs made of the prefixes, nasty segments, parameters and page numbers."""
    urls = []
    while len(urls) < COUNT - len(FIXED):
        kind = rng.randrange(5)
        if kind == 0:
            urls.append(rng.choice(PREFIXES) + "".join(rng.choice(NASTY) for _ in range(rng.randint(1, 3))))
        elif kind == 1:
            iri = rng.choice(["http://[::1", "http://", "x:", "http://a/" + rng.choice(NASTY), "https://kg.example.org/id/" + rng.choice(NASTY),
                              "urn:" + rng.choice(NASTY), "http://[" + rng.choice(NASTY), "mailto:%FF"])
            urls.append(rng.choice(["/resource?iri=", "/links?property=http://x/p&iri="]) + iri + rng.choice(["", "&format=json", "&format=ttl", "&format=%FF"]))
        elif kind == 2:
            page = rng.choice(BAD_PAGES + [str(rng.randint(1, 10**rng.randint(1, 30)))])
            base = rng.choice(["/downloads", "/timeline", "/timeline.json", "/links?iri=https://kg.example.org/ontology/Person"
                               "&property=http://www.w3.org/1999/02/22-rdf-syntax-ns%23type"])
            urls.append(base + ("&" if "?" in base else "?") + "page=" + page)
        elif kind == 3:
            urls.append(rng.choice(["/article/", "/article/x", "/id/article/"]) + rng.choice(NASTY) + "?span=" +
                        rng.choice(["1,2", "x", "%FF", "99999999999999999999,1", "-5,3", "1", ",", "1,2,3"]))
        else:
            urls.append(rng.choice(["/search?q=", "/search.json?q=", "/?format=", "/ontology?format=", "/id/person/sergey-lavrov?format="])
                        + rng.choice(NASTY))
    return urls


def wire(path: str) -> str:
    """``path`` as sent: non-ASCII, spaces and controls percent-encoded."""
    return "".join(c if 32 < ord(c) < 127 else quote(c) for c in path)


def get(server, path: str) -> tuple[int, str, bytes]:
    path = wire(path)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


def test_fuzzed_page_urls_never_get_a_5xx(live_server):
    urls = FIXED + generated(random.Random(SEED))
    assert len(urls) >= 500
    failures, statuses = [], {}
    deadline = time.monotonic() + 600
    for url in urls:
        assert time.monotonic() < deadline, "the fuzz took more than 10 minutes"
        status, ctype, body = get(live_server, url)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            failures.append((status, url[:120], body[:200]))
        elif status in (400, 404) and ctype.startswith("application/json"):
            message = json.loads(body).get("message", "")
            if not message:
                failures.append((status, url[:120], b"no message"))
    assert not failures, f"{len(failures)} of {len(urls)} failed (statuses {statuses}): {failures[:10]}"
    assert statuses.get(400, 0) + statuses.get(404, 0) > len(urls) // 2, statuses


@pytest.mark.parametrize("url, status, words", [
    ("/id/person/a%5Bb", 400, "Invalid IRI code point '['"),
    ("/id/person/%FF", 400, "Not a valid IRI"),
    ("/graph/a%5Bb", 400, "Not a valid IRI"),
    ("/ontology/a%5Bb", 400, "Not a valid IRI"),
    ("/article/a%25zz", 400, "percent encoding"),
    ("/resource?iri=http://[::1", 400, "Not a valid IRI"),
    ("/links?iri=https://kg.example.org/ontology/Person&property=http://www.w3.org/1999/02/22-rdf-syntax-ns%23type"
     "&page=92233720368547759", 400, "page must be a whole number"),
    ("/downloads?page=" + "9" * 4301, 400, "page must be a whole number"),
    ("/links?iri=https://kg.example.org/ontology/Person&property=http://www.w3.org/1999/02/22-rdf-syntax-ns%23type&page=0", 400, "page must be"),
    ("/id/person/nobody-at-all", 404, "Nothing is known"),
])
def test_refusals_say_what_is_wrong(live_server, url, status, words):
    got, ctype, body = get(live_server, url)
    assert got == status, (url, body[:300])
    assert ctype.startswith("application/json")
    assert words in json.loads(body)["message"]
