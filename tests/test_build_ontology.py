"""The ontology: every term documented and aligned; one schema.org namespace."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.authoring.build import build_dataset
from kg.model.namespaces import DIP

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY = Graph().parse(REPO / "ontology" / "diplomacy.ttl")


def dip_terms() -> set[URIRef]:
    return {s for s in ONTOLOGY.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(str(DIP)) and s != URIRef(str(DIP))}


def test_every_term_has_an_english_label_and_a_definition():
    terms = dip_terms()
    assert len(terms) > 130
    unlabelled = [t for t in terms if not any(label.language == "en" for label in ONTOLOGY.objects(t, RDFS.label))]
    undefined = [t for t in terms if ONTOLOGY.value(t, SKOS.definition) is None]
    assert unlabelled == [] and undefined == []


def test_object_and_datatype_properties_declare_domain_or_range():
    props = set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)) | set(ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty))
    bare = [p for p in props if ONTOLOGY.value(p, RDFS.domain) is None and ONTOLOGY.value(p, RDFS.range) is None]
    assert bare == []


def test_core_classes_are_aligned_to_the_reference_vocabularies():
    expected = {
        DIP.Event: URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/Event"),
        DIP.Article: URIRef("https://schema.org/NewsArticle"),
        DIP.Quotation: URIRef("https://schema.org/Quotation"),
        DIP.Person: URIRef("http://www.w3.org/ns/prov#Person"),
        DIP.TextSpan: URIRef("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#String"),
    }
    for cls, parent in expected.items():
        assert (cls, RDFS.subClassOf, parent) in ONTOLOGY


def test_schema_org_is_only_https_everywhere():
    dataset = build_dataset(REPO / "data", REPO / "ontology")
    iris = {str(t) for quad in dataset.quads((None, None, None, None)) for t in quad[:3] if isinstance(t, URIRef)}
    assert any(i.startswith("https://schema.org/") for i in iris)
    assert not any(i.startswith("http://schema.org/") for i in iris)


def test_no_rdf_star_syntax_in_ontology_or_data():
    for path in [*(REPO / "ontology").glob("*.ttl"), *(REPO / "data").rglob("*.ttl")]:
        assert "<<" not in path.read_text(encoding="utf-8"), path
