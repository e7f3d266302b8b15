"""/downloads over the Flask test client: the page, every file with the
right headers, gzip both ways, conditional requests and ranges."""

from __future__ import annotations

import errno
import gzip
import re

import pytest

from kg.publish.dumps import catalog
from server import create_app
from tests.fixtures.dumps.support import assert_isomorphic, load_store, named_graph, parse, quads, reference_dataset

STORE = load_store()
FILES = catalog(STORE)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path_factory.mktemp("dumps"))})
    return app.test_client()


def test_page_lists_every_file_with_size_and_triple_count(client):
    page = client.get("/downloads")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for file in FILES:
        row = re.search(rf'<tr id="file-{re.escape(file.name)}">(.*?)</tr>', html, re.S)
        assert row, file.name
        body = client.get(f"/downloads/{file.name}").data
        packed = client.get(f"/downloads/{file.gz_name}").data
        assert f'href="/downloads/{file.name}"' in row.group(1)
        assert f'href="/downloads/{file.gz_name}"' in row.group(1)
        assert f'data-bytes="{len(body)}"' in row.group(1)
        assert f'data-bytes="{len(packed)}"' in row.group(1)
        triples = int(re.search(r'data-triples="(\d+)"', row.group(1)).group(1))
        parsed = parse(body, file.fmt)
        assert triples == (len(list(quads(parsed))) if file.scope.keeps_graphs else len(parsed)), file.name
    assert 'href="/.well-known/void"' in html
    assert "<cite>US and Russia agree to work towards ending the war in Ukraine</cite>" in html
    assert 'rel="describedby"' in page.headers["Link"]


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.name)
def test_file_headers(client, file):
    resp = client.get(f"/downloads/{file.name}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == file.fmt.content_type()
    assert resp.headers["Content-Disposition"] == f"attachment; filename=diplomacy-kg-{file.name}"
    assert int(resp.headers["Content-Length"]) == len(resp.data) > 0
    assert resp.headers["ETag"] and resp.headers["Last-Modified"]
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert "Content-Encoding" not in resp.headers
    assert resp.headers["Link"] == '</.well-known/void>; rel="describedby"; type="text/turtle"'
    assert resp.headers["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Credentials" not in resp.headers


def test_article_graph_served_is_the_store_graph(client):
    iri = "https://kg.example.org/graph/article/riyadh-talks-2025-02-19"
    for name in ("article-riyadh-talks-2025-02-19.ttl", "article-riyadh-talks-2025-02-19.jsonld"):
        file = next(f for f in FILES if f.name == name)
        assert_isomorphic(named_graph(reference_dataset(STORE), iri), parse(client.get(f"/downloads/{name}").data, file.fmt), name)


@pytest.mark.parametrize("name", ["union.ttl", "dataset.nq", "article-second-story.jsonld"])
def test_gzip_variants_decompress_to_the_same_bytes(client, name):
    plain = client.get(f"/downloads/{name}")
    packed = client.get(f"/downloads/{name}.gz")
    assert packed.headers["Content-Type"] == "application/gzip"
    assert packed.headers["Content-Disposition"] == f"attachment; filename=diplomacy-kg-{name}.gz"
    assert "Content-Encoding" not in packed.headers
    assert gzip.decompress(packed.data) == plain.data
    encoded = client.get(f"/downloads/{name}", headers={"Accept-Encoding": "gzip, deflate"})
    assert encoded.headers["Content-Encoding"] == "gzip"
    assert encoded.headers["Content-Type"] == plain.headers["Content-Type"]
    assert int(encoded.headers["Content-Length"]) == len(encoded.data) < len(plain.data)
    assert gzip.decompress(encoded.data) == plain.data
    assert encoded.headers["ETag"] != plain.headers["ETag"], "one ETag per representation"
    refused = client.get(f"/downloads/{name}", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_conditional_requests_return_304(client):
    first = client.get("/downloads/union.ttl")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/downloads/union.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    since = client.get("/downloads/union.ttl", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = client.get("/downloads/union.ttl", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data
    gz_etag = client.get("/downloads/union.ttl", headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    assert client.get("/downloads/union.ttl", headers={"Accept-Encoding": "gzip", "If-None-Match": gz_etag}).status_code == 304
    assert client.get("/downloads/union.ttl.gz", headers={"If-None-Match": etag}).status_code == 200


def test_range_requests(client):
    full = client.get("/downloads/dataset.nq").data
    part = client.get("/downloads/dataset.nq", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == full[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(full)}"
    assert part.headers["Content-Length"] == "100"
    tail = client.get("/downloads/dataset.nq", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == full[-50:]
    resumed = client.get("/downloads/dataset.nq", headers={"Range": "bytes=100-"})
    assert part.data + resumed.data == full
    outside = client.get("/downloads/dataset.nq", headers={"Range": f"bytes={len(full) + 10}-"})
    assert outside.status_code == 416


def test_head_gives_length_without_body(client):
    head = client.head("/downloads/union.nt")
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == len(client.get("/downloads/union.nt").data)


def test_unknown_file_is_404_naming_the_offered_files(client):
    resp = client.get("/downloads/secrets.ttl", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    body = resp.get_json()
    assert "union.ttl" in body["offered"] and "secrets.ttl" in body["message"]
    assert client.get("/downloads/..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/downloads/union.ttl.gz.gz").status_code == 404


def test_graph_files_are_paged(client, monkeypatch):
    import server.dumps

    monkeypatch.setattr(server.dumps, "GRAPHS_PER_PAGE", 3)
    first = client.get("/downloads").get_data(as_text=True)
    second = client.get("/downloads?page=2").get_data(as_text=True)
    graph_files = [f for f in FILES if f.graph]
    on_first = [f.name for f in graph_files if f'id="file-{f.name}"' in first]
    on_second = [f.name for f in graph_files if f'id="file-{f.name}"' in second]
    assert on_first + on_second == [f.name for f in graph_files]
    assert len({f.graph for f in graph_files if f.name in on_first}) == 3
    assert "Graphs 1–3 of 4" in first and 'href="/downloads?page=2#graphs"' in first
    assert "Graphs 4–4 of 4" in second and 'rel="prev"' in second
    assert 'id="file-union.ttl"' in second, "the whole-dataset files are on every page"
    assert client.get("/downloads?page=3").status_code == 404
    assert client.get("/downloads?page=zero").status_code == 400


@pytest.mark.parametrize("fault", ["not a directory", "cannot be made", "read-only", "full"])
@pytest.mark.parametrize("url", ["/downloads/union.ttl", "/downloads", "/void.ttl"])
def test_a_disk_fault_in_the_dump_cache_is_a_503_naming_no_path(tmp_path, monkeypatch, fault, url):
    """A full, read-only or missing dump cache: 503 with Retry-After and the
    reason, never the server's path; the other routes keep answering."""
    from kg.publish.dumps import writers

    root = tmp_path / "secret-dumps"
    if fault == "not a directory":
        root.write_text("a file where the folder should be")
    elif fault == "cannot be made":
        root = "/proc/secret-dumps"
    else:
        reason = (errno.EROFS, "Read-only file system") if fault == "read-only" else (errno.ENOSPC, "No space left on device")

        def failing(rows, out, prefixes):
            raise OSError(*reason, str(root / "x.tmp"))

        for name in ("ttl", "nt", "nq", "trig", "jsonld"):
            monkeypatch.setitem(writers.WRITERS, name, failing)
        if url == "/void.ttl":
            def refused(self, *args, **kwargs):  # the description's stamp is the one file it writes
                raise OSError(*reason, str(self))

            monkeypatch.setattr("pathlib.Path.write_text", refused)
    app = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(root)})
    client = app.test_client()
    resp = client.get(url, headers={"Accept": "application/json"})
    assert resp.status_code == 503, resp.data[:300]
    assert resp.headers["Retry-After"].isdigit()
    message = resp.get_json()["message"]
    assert "Downloads are unavailable" in message
    assert "secret-dumps" not in message and str(tmp_path) not in message
    assert client.get("/healthz").status_code == 200


def test_errors_and_preflights_are_readable_from_any_page(client):
    """A script on another site learns why a file is missing, and may send
    Range and conditional headers (its preflight is answered)."""
    missing = client.get("/downloads/nope.ttl", headers={"Origin": "https://elsewhere.example", "Accept": "application/json"})
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    assert "union.ttl" in missing.get_json()["message"]
    assert client.get("/void.xyz").headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/downloads/union.ttl", headers={"Origin": "https://elsewhere.example",
                                                          "Access-Control-Request-Method": "GET",
                                                          "Access-Control-Request-Headers": "range, if-none-match"})
    assert pre.status_code == 200 and pre.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in pre.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"range", "if-none-match"} <= allowed
