"""Class pages as tables: every instance with its main properties, counts,
filters, paging, CSV and JSON; the ontology term stays reachable and links
to the table."""

from __future__ import annotations

import csv
import io
import re

import pytest

from server import create_app
from tests.explore_support import ID, three_article_store

DIP = "https://kg.example.org/ontology/"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return three_article_store(tmp_path_factory.mktemp("classes"))


@pytest.fixture(scope="module")
def client(store):
    return create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()


def persons(store) -> dict[str, str]:
    rows = store.query(f"SELECT DISTINCT ?p ?l WHERE {{ ?p a <{DIP}Person> OPTIONAL {{ ?p <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }}",
                       union_default_graph=True)
    return {r["p"].value: r["l"].value if r["l"] is not None else "" for r in rows}


def test_person_table_lists_every_person(client, store):
    expected = persons(store)
    page = client.get("/class/Person").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th>', page)
    assert len(rows) == len(expected) >= 10
    assert {href for href, _ in rows} == {"/id/" + iri[len(ID):] for iri in expected}
    assert [label for _, label in rows] == sorted((label for _, label in rows), key=str.casefold)
    assert f"({len(expected)})" in page and 'href="/ontology/Person"' in page


def test_csv_download_has_every_person(client, store):
    resp = client.get("/class/Person.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert 'filename="Person.csv"' in resp.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert {r["iri"]: r["label"] for r in table} == {iri: label for iri, label in persons(store).items()}
    rubio = next(r for r in table if r["iri"] == ID + "person/marco-rubio")
    assert rubio["label"] == "Marco Rubio"
    # by Accept too, and linked from the page
    assert client.get("/class/Person", headers={"Accept": "text/csv"}).get_data() == resp.get_data()
    assert 'href="/class/Person.csv"' in client.get("/class/Person").get_data(as_text=True)


def test_json_twin_pages_and_counts(client, store):
    data = client.get("/class/Person.json", query_string={"size": 4, "page": 2}).get_json()
    assert data["class"] == DIP + "Person" and data["total"] == len(persons(store))
    assert data["page"] == 2 and data["size"] == 4 and len(data["rows"]) == 4 and data["pages"] == -(-data["total"] // 4)
    assert all(set(c) == {"property", "label", "instances"} for c in data["columns"])
    assert data["rows"][0]["page"].startswith("/id/person/")
    first = client.get("/class/Person.json", query_string={"size": 4}).get_json()
    assert not {r["iri"] for r in first["rows"]} & {r["iri"] for r in data["rows"]}
    assert client.get("/class/Person", headers={"Accept": "application/json"}).get_json()["total"] == data["total"]


def test_filters_by_name_and_property(client):
    found = client.get("/class/Person.json", query_string={"q": "rubio"}).get_json()
    assert [r["label"] for r in found["rows"]] == ["Marco Rubio"] and found["matching"] == 1
    cols = {c["label"]: c["property"] for c in found["columns"]}
    assert cols, "the table has columns"
    prop = next(iter(cols.values()))
    having = client.get("/class/Person.json", query_string={"property": prop}).get_json()
    assert 0 < having["matching"] <= having["total"]
    assert all(r[prop] for r in having["rows"])
    page = client.get("/class/Person", query_string={"property": prop}).get_data(as_text=True)
    assert "<summary>Values of" in page  # counts of the column's values, each a filter link
    assert client.get("/class/Person", query_string={"property": "https://example.org/nope"}).status_code == 400


def test_paging_links_keep_the_filters(client):
    page = client.get("/class/Person?q=a&size=3").get_data(as_text=True)
    assert re.search(r'rel="next" href="/class/Person\?q=a&amp;size=3&amp;page=2"', page)
    assert client.get("/class/Person?page=999").status_code == 404
    assert client.get("/class/Person?size=0").status_code == 400
    assert client.get("/class/Person?size=x").status_code == 400


def test_subclasses_count_and_unknown_class(client):
    events = client.get("/class/Event.json", query_string={"size": 500}).get_json()
    assert events["total"] >= 15  # talks, strikes, visits... are events
    assert client.get("/class/NoSuchClass").status_code == 404


def test_term_page_stays_and_links_to_the_table(client):
    term = client.get("/ontology/Person.html").get_data(as_text=True)
    assert "In the ontology" in term
    assert re.search(r'<a href="/class/Person" class="button class-table">Every person as a table \(\d+\), with CSV</a>', term)


def test_a_class_past_the_cap_keeps_its_first_instances_and_says_so(store, monkeypatch):
    monkeypatch.setattr("kg.views.classes.MAX_KEPT", 3)
    client = create_app({"STORE_OBJECT": store, "TESTING": True}).test_client()
    data = client.get("/class/Event.json").get_json()
    assert data["kept"] == 3 < data["total"]
    every = sorted(r["e"].value for r in store.query(
        f"SELECT DISTINCT ?e WHERE {{ ?e a ?t . ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{DIP}Event> }}",
        union_default_graph=True))
    assert len(every) == data["total"] and {r["iri"] for r in data["rows"]} == set(every[:3])
    page = client.get("/class/Event").get_data(as_text=True)
    assert f"This class has {data['total']:,} instances; the table holds the first 3 by IRI" in page


@pytest.mark.parametrize("url", ["/class/a%5Bb", "/class/%FF", "/class/a%20b.csv", "/class/a%3Eb", "/class/" + "x" * 300])
def test_a_name_that_is_no_class_name_is_404_not_500(client, url):
    resp = client.get(url, headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.get_json()["message"].startswith("The ontology has no class dip:")
