"""The project's namespaces, IRI patterns and prefixes.

Two kinds of IRI:

* **Vocabulary** (classes and properties): ``DIP``, fixed at
  ``https://kg.example.org/ontology/``. A vocabulary does not move when a
  deployment does, so queries written against it keep working everywhere.
* **Data** (entities, articles, graphs): under a configurable base,
  ``DEFAULT_BASE`` unless ``KG_BASE`` or ``kg build --base`` says otherwise.
  Entities are ``{base}id/{kind}/{slug}``; named graphs ``{base}graph/...``.
"""

from __future__ import annotations

import os

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

DEFAULT_BASE = "https://kg.example.org/"

DIP = Namespace("https://kg.example.org/ontology/")
SDO = Namespace("https://schema.org/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
OA = Namespace("http://www.w3.org/ns/oa#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
GAF = Namespace("http://groundedannotationframework.org/gaf#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def base_iri(base: str | None = None) -> str:
    """The data base IRI: the argument, else ``$KG_BASE``, else the default.

    >>> base_iri("http://x.test/kg/")
    'http://x.test/kg/'
    >>> base_iri("http://x.test/kg")
    'http://x.test/kg/'
    """
    value = base or os.environ.get("KG_BASE") or DEFAULT_BASE
    return value if value.endswith("/") else value + "/"


def entity_ns(base: str | None = None) -> Namespace:
    """Namespace of entities: ``{base}id/``."""
    return Namespace(base_iri(base) + "id/")


def graph_ns(base: str | None = None) -> Namespace:
    """Namespace of named graphs: ``{base}graph/``."""
    return Namespace(base_iri(base) + "graph/")


def ontology_graph(base: str | None = None):
    return graph_ns(base)["ontology"]


def background_graph(base: str | None = None):
    return graph_ns(base)["background"]


def article_graph(slug: str, base: str | None = None):
    return graph_ns(base)["article/" + slug]


def prefixes(base: str | None = None) -> dict[str, str]:
    """Prefix -> namespace for serializers, query pages and ``kg query``."""
    return {
        "dip": str(DIP),
        "id": str(entity_ns(base)),
        "graph": str(graph_ns(base)),
        "schema": str(SDO),
        "sem": str(SEM),
        "oa": str(OA),
        "nif": str(NIF),
        "gaf": str(GAF),
        "org": str(ORG),
        "time": str(TIME),
        "prov": str(PROV),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "owl": str(OWL),
        "xsd": str(XSD),
        "wd": str(WD),
        "void": str(VOID),
        "dcat": str(DCAT),
        "sh": str(SH),
    }
