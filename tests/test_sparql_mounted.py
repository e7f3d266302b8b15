"""The service description names the endpoint's real URL even when the app
is mounted under a path (``SCRIPT_NAME``), as the VoID description does."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.namespace import VOID

from server import create_app
from tests.fixtures.dumps.support import load_store

SD = "http://www.w3.org/ns/sparql-service-description#"
BASE_URL = "http://data.example.net/kg/"


def test_service_description_and_void_agree_on_a_mounted_endpoint(tmp_path):
    app = create_app({"STORE_OBJECT": load_store(), "DUMPS_DIR": str(tmp_path)})
    client = app.test_client()
    resp = client.get("/sparql", base_url=BASE_URL, headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    store = ox.Store()
    store.load(resp.data, ox.RdfFormat.TURTLE)
    rows = list(store.query(f"PREFIX sd: <{SD}> SELECT ?svc ?e ?see WHERE {{ ?svc sd:endpoint ?e ; "
                            "sd:defaultDataset/<http://www.w3.org/2000/01/rdf-schema#seeAlso> ?see }"))
    assert [(r["svc"].value, r["e"].value, r["see"].value) for r in rows] == [
        (BASE_URL + "sparql", BASE_URL + "sparql", BASE_URL + ".well-known/void")]
    void = rdflib.Graph().parse(data=client.get("/void.ttl", base_url=BASE_URL).data, format="turtle")
    assert {str(o) for o in void.objects(None, VOID.sparqlEndpoint)} == {BASE_URL + "sparql"}
