"""The VoID + DCAT description: found at its well-known URL, it names every
download, and its counts agree with the files it points to."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from kg.publish.dumps import catalog
from kg.model.formats import JSONLD, NQUADS, NTRIPLES, TURTLE, by_extension
from server import create_app
from tests.fixtures.dumps.support import assert_isomorphic, load_store, parse

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
SITE = "http://localhost/"
STORE = load_store()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path_factory.mktemp("dumps"))})
    return app.test_client()


@pytest.fixture(scope="module")
def void(client) -> rdflib.Graph:
    """The description once every file has been downloaded (so all sizes are known)."""
    for f in catalog(STORE):
        assert client.get(f"/downloads/{f.name}").status_code == 200
    resp = client.get("/.well-known/void")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/turtle; charset=utf-8"
    return rdflib.Graph().parse(data=resp.data, format="turtle")


def _int(g: rdflib.Graph, s, p) -> int:
    value = g.value(s, p)
    assert value is not None, f"{s} has no {p}"
    return int(value)


def _fetch(client, url: str):
    path = url.removeprefix(SITE.rstrip("/"))
    resp = client.get(path)
    assert resp.status_code == 200, url
    return resp


def _stats(graph: rdflib.Graph, uri_space: str) -> dict:
    subjects = {s for s in graph.subjects()}
    return {
        VOID.triples: len(graph),
        VOID.distinctSubjects: len(subjects),
        VOID.properties: len(set(graph.predicates())),
        VOID.distinctObjects: len(set(graph.objects())),
        VOID.classes: len(set(graph.objects(None, RDF.type))),
        VOID.entities: len({s for s in subjects if isinstance(s, rdflib.URIRef) and str(s).startswith(uri_space)}),
    }


def _graph_dump(client, g: rdflib.Graph, dataset) -> rdflib.Graph:
    """The Turtle or N-Triples dump the description gives for ``dataset``."""
    for url in sorted(g.objects(dataset, VOID.dataDump)):
        fmt = by_extension(str(url).rsplit(".", 1)[-1], (TURTLE, NTRIPLES))
        if fmt:
            return parse(_fetch(client, str(url)).data, fmt)
    raise AssertionError(f"{dataset} has no Turtle or N-Triples dump")


def test_description_validates_against_its_own_counts(client, void):
    dataset = void.value(None, RDF.type, VOID.DatasetDescription)
    dataset = void.value(dataset, rdflib.URIRef("http://xmlns.com/foaf/0.1/primaryTopic"))
    uri_space = str(void.value(dataset, VOID.uriSpace))
    subsets = list(void.objects(dataset, VOID.subset))
    assert len(subsets) == len(STORE.named_graphs()) == 4
    for described in [dataset, *subsets]:
        expected = _stats(_graph_dump(client, void, described), uri_space)
        for prop, value in expected.items():
            assert _int(void, described, prop) == value, f"{described} {prop}"
    assert _int(void, dataset, VOID.triples) == 45


def test_every_download_is_a_data_dump_with_its_byte_size(client, void):
    dumps = {str(u) for u in void.objects(None, VOID.dataDump)}
    names = [n for f in catalog(STORE) for n in (f.name, f.gz_name)]
    assert dumps == {f"{SITE}downloads/{n}" for n in names}
    for dist in void.subjects(RDF.type, DCAT.Distribution):
        url = void.value(dist, DCAT.downloadURL)
        size = void.value(dist, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger
        assert int(size) == len(_fetch(client, str(url)).data), url
        media = str(void.value(dist, DCAT.mediaType)).rsplit("media-types/", 1)[1]
        if str(url).endswith(".gz"):
            assert void.value(dist, DCAT.compressFormat) == rdflib.URIRef("http://www.iana.org/assignments/media-types/application/gzip")
        assert _fetch(client, str(url).removesuffix(".gz")).headers["Content-Type"].split(";")[0] == media


def test_dataset_metadata(void):
    dataset = rdflib.URIRef(SITE + ".well-known/void#dataset")
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert void.value(dataset, DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert void.value(dataset, DCTERMS.created).datatype == XSD.dateTime
    assert set(void.objects(dataset, DCTERMS.source)) == {
        rdflib.URIRef("https://kg.example.org/id/article/riyadh-talks-2025-02-19"),
        rdflib.URIRef("https://kg.example.org/id/article/second-story"),
    }
    assert void.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(SITE + "sparql")
    vocabularies = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
    assert {"https://kg.example.org/ontology/", "https://schema.org/", "http://www.w3.org/ns/oa#"} <= vocabularies
    service = void.value(None, DCAT.servesDataset, dataset)
    assert void.value(service, DCAT.endpointURL) == rdflib.URIRef(SITE + "sparql")
    catalog_node = void.value(None, DCAT.dataset, dataset)
    assert (catalog_node, RDF.type, DCAT.Catalog) in void and void.value(catalog_node, DCAT.service) == service
    features = {str(f).rsplit("/", 1)[1] for f in void.objects(dataset, VOID.feature)}
    assert features == {"Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD"}


def test_article_subset_names_its_graph_and_source(void):
    subset = rdflib.URIRef(SITE + ".well-known/void#article-riyadh-talks-2025-02-19")
    assert void.value(subset, SD.name) == rdflib.URIRef("https://kg.example.org/graph/article/riyadh-talks-2025-02-19")
    assert str(void.value(subset, DCTERMS.title)).startswith("Article graph: US and Russia agree")
    assert rdflib.URIRef("https://example.org/news/riyadh-talks-2025-02-19") in set(void.objects(subset, DCTERMS.source))
    assert void.value(subset, DCTERMS.issued) == rdflib.Literal("2025-02-19", datatype=XSD.date)


def test_formats_and_negotiation(client, void):
    as_jsonld = client.get("/void.jsonld")
    assert as_jsonld.headers["Content-Type"] == JSONLD.content_type()
    assert_isomorphic(void, parse(as_jsonld.data, JSONLD), "void.jsonld")
    assert_isomorphic(void, parse(client.get("/void.nt").data, NTRIPLES), "void.nt")
    negotiated = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert negotiated.headers["Content-Type"] == NTRIPLES.content_type()
    browser = client.get("/.well-known/void", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 303 and browser.headers["Location"].endswith("/downloads")
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/void.xml").status_code == 404


def test_public_url_is_used_for_every_link(tmp_path):
    app = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path), "PUBLIC_URL": "https://data.example.net/kg"})
    g = rdflib.Graph().parse(data=app.test_client().get("/void.ttl").data, format="turtle")
    urls = {str(u) for u in g.objects(None, VOID.dataDump)}
    assert urls and all(u.startswith("https://data.example.net/kg/downloads/") for u in urls)


def test_creation_date_is_stable_and_recorded_provenance_wins(client, void):
    import email.utils

    from kg.publish.void import created

    dataset = rdflib.URIRef(SITE + ".well-known/void#dataset")
    stamp = void.value(dataset, DCTERMS.created).toPython()
    first_made = min(email.utils.parsedate_to_datetime(client.get(f"/downloads/{f.name}").headers["Last-Modified"])
                     for f in catalog(STORE))
    assert stamp.replace(microsecond=0) <= first_made, "created = when this version was first served"
    again = rdflib.Graph().parse(data=client.get("/void.ttl").data, format="turtle")
    assert again.value(dataset, DCTERMS.created) == void.value(dataset, DCTERMS.created)

    recorded = load_store()
    recorded.load(b'<https://kg.example.org/graph/background> <http://www.w3.org/ns/prov#generatedAtTime> '
                  b'"2025-02-19T08:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> '
                  b'<https://kg.example.org/graph/background> .', NQUADS)
    assert created(recorded, fallback=0).value == "2025-02-19T08:00:00Z"


def test_union_counts_with_and_without_the_dump_count():
    from kg.publish.void import union_counts

    computed = union_counts(STORE, "https://kg.example.org/id/")
    assert computed.triples == 45
    assert union_counts(STORE, "https://kg.example.org/id/", triples=45) == computed


def _no_dump_written(root) -> bool:
    return not [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]


def test_description_answers_without_making_any_dump(tmp_path):
    """On a large store, making every dump to list its size took minutes:
    the description lists every dump at once, with the sizes of the files
    already made only, and the same counts."""
    app = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path)})
    client = app.test_client()
    first = rdflib.Graph().parse(data=client.get("/void.ttl").data, format="turtle")
    assert _no_dump_written(tmp_path), sorted(str(p) for p in tmp_path.rglob("*"))
    names = [n for f in catalog(STORE) for n in (f.name, f.gz_name)]
    assert {str(u) for u in first.objects(None, VOID.dataDump)} == {f"{SITE}downloads/{n}" for n in names}
    assert list(first.objects(None, DCAT.byteSize)) == []
    dataset = rdflib.URIRef(SITE + ".well-known/void#dataset")
    assert int(first.value(dataset, VOID.triples)) == 45

    union = client.get("/downloads/union.ttl").data
    later = rdflib.Graph().parse(data=client.get("/void.ttl").data, format="turtle")
    sized = {str(later.value(d, DCAT.downloadURL)): int(s) for d, s in later.subject_objects(DCAT.byteSize)}
    assert sized == {f"{SITE}downloads/union.ttl": len(union),
                     f"{SITE}downloads/union.ttl.gz": len(client.get("/downloads/union.ttl.gz").data)}
    for prop in (VOID.triples, VOID.entities, VOID.distinctSubjects, VOID.properties, VOID.classes):
        assert later.value(dataset, prop) == first.value(dataset, prop), prop
    assert later.value(dataset, DCTERMS.created) == first.value(dataset, DCTERMS.created)


def test_description_is_revalidated_with_its_etag(tmp_path):
    """The description carries a tag of its bytes: 304 while unchanged, and
    a new tag once a dump is made and its size appears."""
    client = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path)}).test_client()
    first = client.get("/void.ttl")
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag and first.headers["Cache-Control"] == "public, no-cache"
    again = client.get("/void.ttl", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert client.get("/.well-known/void", headers={"If-None-Match": tag, "Accept": "application/ld+json"}).status_code == 200
    client.get("/downloads/ontology.ttl")
    changed = client.get("/void.ttl", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert b"dcat:byteSize" in changed.data or b"byteSize" in changed.data


def test_sources_of_every_graph_in_one_query_match_each_graphs_own():
    from kg.publish.void import all_graph_sources, graph_sources

    recorded = load_store()
    recorded.load(b'<https://kg.example.org/graph/background> <http://purl.org/dc/terms/source> <https://example.org/a> '
                  b'<https://kg.example.org/graph/background> .\n'
                  b'<https://kg.example.org/graph/background> <http://www.w3.org/ns/prov#wasDerivedFrom> <https://example.org/b> '
                  b'<https://kg.example.org/graph/background> .', NQUADS)
    every = all_graph_sources(recorded)
    for graph in recorded.named_graphs():
        assert every.get(graph, []) == graph_sources(recorded, graph), graph
    assert [str(s) for s in every["https://kg.example.org/graph/background"]] == ["<https://example.org/a>", "<https://example.org/b>"]


def test_description_is_made_once_per_version_whatever_the_host(tmp_path, monkeypatch):
    """Made once per store version and format, not per Host header; links
    follow the (checked) Host the request came with."""
    import server.dumps as dumps

    made = []
    real = dumps.describe
    monkeypatch.setattr(dumps, "describe", lambda *a, **k: made.append(1) or real(*a, **k))
    client = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path)}).test_client()
    for n in range(12):
        host = f"mirror-{n}.example.org:{8000 + n}"
        resp = client.get("/void.ttl", headers={"Host": host})
        assert resp.status_code == 200
        g = rdflib.Graph().parse(data=resp.data, format="turtle")
        urls = {str(u) for u in g.objects(None, VOID.dataDump)}
        assert urls and all(u.startswith(f"http://{host}/downloads/") for u in urls)
        assert b"kg-site.invalid" not in resp.data
    assert len(made) == 1


@pytest.mark.parametrize("host", ['evil.example"><script>x', "a b.example", "evil.example/path", "ex%41mple.org",
                                  "[not-ipv6]", "x" * 300, "host:port"])
def test_an_invalid_host_is_refused_and_never_written(tmp_path, host):
    client = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path)}).test_client()
    for url, accept in (("/void.ttl", "application/json"), ("/void.jsonld", "application/json"),
                        ("/downloads", "application/json"), ("/sparql", "text/turtle")):
        resp = client.get(url, headers={"Host": host, "Accept": accept})
        assert resp.status_code == 400, (url, resp.status_code)
        assert host.encode() not in resp.data
        if len(host) < 256:  # werkzeug refuses longer ones itself
            assert "not a valid host name" in resp.get_data(as_text=True)


def test_public_url_wins_over_the_host(tmp_path):
    client = create_app({"STORE_OBJECT": STORE, "DUMPS_DIR": str(tmp_path),
                         "PUBLIC_URL": "https://data.example.net/"}).test_client()
    resp = client.get("/void.ttl", headers={"Host": 'evil.example"><x'})
    assert resp.status_code == 200 and b"evil" not in resp.data
    assert b"https://data.example.net/sparql" in resp.data
    resp = client.get("/sparql", headers={"Host": 'evil.example"><x', "Accept": "text/turtle"})
    assert resp.status_code == 200 and b"evil" not in resp.data
    assert b"<https://data.example.net/sparql>" in resp.data
