"""The terms the synthetic corpus uses, following the model contract
(``docs/model.md``): the same classes, properties, IRI patterns and span
shape as the real article graph. When the contract changes, this table and
``bench/article.py`` are the places to follow it."""

from __future__ import annotations

DIP = "https://kg.example.org/ontology/"
SDO = "https://schema.org/"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Graph of the reused entities' background facts (ISO codes, containment),
# under the base IRI; the article graphs hold what each article states.
GRAPH_BACKGROUND = "graph/synthetic-background"

# Types, by role in the corpus.
T = {
    "article": DIP + "Article",
    "news": SDO + "NewsArticle",
    "context": NIF + "Context",
    "sentence": DIP + "Sentence",
    "span": DIP + "TextSpan",
    "person": DIP + "Person",
    "state": DIP + "State",
    "place": DIP + "Settlement",
    "office": DIP + "Office",
    "holding": DIP + "OfficeHolding",
    "topic": DIP + "Topic",
    "talks": DIP + "Talks",
    "participation": DIP + "Participation",
    "objective": DIP + "Objective",
    "agreement": DIP + "Agreement",
    "position": DIP + "Position",
    "quotation": DIP + "Quotation",
    "strike": DIP + "Strike",
    "quantity": DIP + "Quantity",
    "injury": DIP + "Injury",
}

# Properties, by what they say.
P = {
    "type": RDF + "type",
    "label": RDFS + "label",
    "alt": SKOS + "altLabel",
    "text": NIF + "isString",
    "headline": SDO + "headline",
    "published": SDO + "datePublished",
    "dateline": SDO + "dateline",
    "language": SDO + "inLanguage",
    "slug": DIP + "slug",
    "derived": PROV + "wasDerivedFrom",
    "evidence": DIP + "evidence",
    "begin": NIF + "beginIndex",
    "end": NIF + "endIndex",
    "anchor": NIF + "anchorOf",
    "context": NIF + "referenceContext",
    "sentence": NIF + "sentence",
    "in_place": DIP + "inPlace",
    "iso": DIP + "isoCode",
    "office_of": DIP + "officeOf",
    "holder_of_office": DIP + "officeHolder",
    "office": DIP + "office",
    "current": DIP + "isCurrent",
    "place": DIP + "place",
    "date": DIP + "date",
    "status": DIP + "status",
    "cameo": DIP + "cameoCode",
    "plover": DIP + "ploverCode",
    "in_event": DIP + "inEvent",
    "participant": DIP + "participant",
    "represented_by": DIP + "representedBy",
    "role": DIP + "role",
    "objective": DIP + "objective",
    "outcome": DIP + "outcome",
    "agreed_by": DIP + "agreedBy",
    "holder": DIP + "holder",
    "topic": DIP + "topic",
    "stance": DIP + "stance",
    "modality": DIP + "modality",
    "verb": DIP + "reportingVerb",
    "content": DIP + "content",
    "quote": DIP + "quote",
    "quote_text": DIP + "quoteText",
    "speaker": DIP + "speaker",
    "attacker": DIP + "attacker",
    "weapon": DIP + "weapon",
    "target": DIP + "target",
    "quantity": DIP + "quantity",
    "kind": DIP + "quantityKind",
    "value": DIP + "value",
    "phrase": DIP + "quantityPhrase",
    "reported_by": DIP + "reportedBy",
    "consequence": DIP + "consequence",
    "affected": DIP + "affected",
}

STANCES = ("Supports", "Rejects", "Demands", "Suggests", "Acknowledges", "Fears", "Evaluates", "Emphasizes")
ROLES = ("Negotiator", "Negotiator", "Mediator", "Host")
