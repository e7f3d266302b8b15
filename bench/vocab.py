"""The classes and properties the synthetic corpus uses, in one table.

They follow the model contract (``docs/model.md``) so that generated
articles have the same shapes as the real one; when the contract changes,
this table is the one place to follow it.
"""

from __future__ import annotations

DIP = "https://kg.example.org/ontology/"
SDO = "https://schema.org/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
OA = "http://www.w3.org/ns/oa#"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
GAF = "http://groundedannotationframework.org/gaf#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

GRAPH_SYNTHETIC = "graph/synthetic-entities"  # under the base IRI

# Types, by role in the corpus.
T = {
    "article": DIP + "Article",
    "news": SDO + "NewsArticle",
    "person": DIP + "Person",
    "state": DIP + "State",
    "organization": DIP + "Organization",
    "place": DIP + "Place",
    "topic": DIP + "Topic",
    "talks": DIP + "Talks",
    "event": SEM + "Event",
    "role": DIP + "Participation",
    "stance": DIP + "Stance",
    "quotation": DIP + "Quotation",
    "strike": DIP + "Strike",
    "mention": DIP + "EvidenceSpan",
    "selector": OA + "TextPositionSelector",
}

# Properties, by what they say.
P = {
    "type": RDF + "type",
    "label": RDFS + "label",
    "comment": RDFS + "comment",
    "text": NIF + "isString",
    "headline": SDO + "headline",
    "published": SDO + "datePublished",
    "dateline": SDO + "dateline",
    "about": SDO + "about",
    "actor": SEM + "hasActor",
    "place": DIP + "place",
    "date": DIP + "date",
    "participant": DIP + "participant",
    "host": DIP + "host",
    "participation": DIP + "participation",
    "agent": DIP + "agent",
    "represents": DIP + "represents",
    "role_type": DIP + "roleType",
    "objective": DIP + "objective",
    "outcome": DIP + "outcome",
    "holder": DIP + "holder",
    "modality": DIP + "modality",
    "topic": DIP + "topic",
    "quote": DIP + "quote",
    "quote_text": DIP + "quoteText",
    "speaker": DIP + "speaker",
    "attacker": DIP + "attacker",
    "weapon": DIP + "weapon",
    "drones": DIP + "dronesLaunched",
    "injured": DIP + "numberInjured",
    "evacuated": DIP + "unitsEvacuated",
    "evidence": DIP + "evidence",
    "mentions": DIP + "mentions",
    "source": DIP + "sourceArticle",
    "reference": NIF + "referenceContext",
    "start": OA + "start",
    "end": OA + "end",
    "exact": OA + "exact",
    "office": DIP + "office",
    "nationality": DIP + "memberOf",
    "country": DIP + "country",
    "derived": PROV + "wasDerivedFrom",
}
