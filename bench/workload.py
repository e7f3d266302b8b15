"""The benchmark's workload: which requests, on which entities.

The SPARQL mix is the queries behind pages at scale (an event's triples, a
place's incoming links, a person's talks, a label search, the latest
events, an aggregate over strikes), each on entities sampled with a fixed
seed; the competency questions (``queries/cq/*.rq``) are timed one by one. The same SPARQL text goes to our
``/sparql`` and to Oxigraph server's ``/query`` (started with
``--union-default-graph``, which is our default-graph semantics).

Page requests (HTML and Turtle entity pages, search, timeline) have no
Oxigraph equivalent; the entity's Turtle twin is set against Oxigraph's
``DESCRIBE`` of the same entity.
"""

from __future__ import annotations

import random
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from kg.storage.remote import RemoteStore

from .measure import Request

DIP = "https://kg.example.org/ontology/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
JSON_RESULTS = "application/sparql-results+json"
PREFIXES = f"PREFIX dip: <{DIP}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


@dataclass
class Sample:
    """Entities the workload visits, drawn once with a fixed seed."""

    events: list[str]
    people: list[str]
    places: list[str]
    hot_people: list[str]
    words: list[str]


def _column(store: RemoteStore, sparql: str, var: str = "x") -> list[str]:
    return [row[var].value for row in store.query(PREFIXES + sparql)]


def sample(query_url, seed: int = 7, size: int = 60) -> Sample:
    """Draw the entities from the engine holding the benchmark data (its
    query URL, or a store object answering ``query(sparql)`` in process)."""
    store = query_url if hasattr(query_url, "query") else RemoteStore(query_url, union_param=None, timeout=600)
    rng = random.Random(seed)
    fan_out = store.query(PREFIXES + "SELECT ?x (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?p dip:representedBy ?x } } "
                          "GROUP BY ?x ORDER BY DESC(?n) ?x")
    ranked = [(row["x"].value, int(row["n"].value)) for row in fan_out]
    # Typical people: below the median fan-out of those who appear at all.
    typical = [iri for iri, n in ranked if n <= ranked[len(ranked) // 2][1]]
    events = _column(store, "SELECT ?x WHERE { GRAPH ?g { ?x a dip:Talks } } ORDER BY ?x")
    places = _column(store, "SELECT DISTINCT ?x WHERE { GRAPH ?g { ?e dip:place ?x } } ORDER BY ?x")
    labels = _column(store, "SELECT ?x WHERE { ?p a dip:Person ; rdfs:label ?x } ORDER BY ?x")
    words = sorted({label.split()[0].lower() for label in labels})
    pick = lambda items, k: rng.sample(items, min(k, len(items)))  # noqa: E731
    return Sample(pick(events, size), pick(typical, size), pick(places, size), [iri for iri, _ in ranked[:3]], pick(words, size))


def competency_queries(repo: Path) -> list[tuple[str, str]]:
    return [(f"cq{path.name[:2]}", path.read_text()) for path in sorted((repo / "queries" / "cq").glob("*.rq"))]


def scale_queries(s: Sample) -> list[tuple[str, str]]:
    """Page-shaped queries, one per sampled entity, cycled with the CQs."""
    out = []
    for i in range(len(s.events)):
        event, person, place, word = s.events[i], s.people[i % len(s.people)], s.places[i % len(s.places)], s.words[i % len(s.words)]
        out += [
            ("describe", f"SELECT ?p ?o WHERE {{ <{event}> ?p ?o }}"),
            ("incoming", f"SELECT ?s ?p WHERE {{ ?s ?p <{place}> }} LIMIT 100"),
            ("person-talks", PREFIXES + f"SELECT DISTINCT ?e ?d WHERE {{ ?x dip:representedBy <{person}> ; dip:inEvent ?e . "
                                        "?e dip:date ?d } ORDER BY ?d"),
            ("label-search", PREFIXES + f"SELECT DISTINCT ?s ?l WHERE {{ ?s rdfs:label ?l FILTER(STRSTARTS(LCASE(STR(?l)), \"{word}\")) }} LIMIT 20"),
            ("latest-events", PREFIXES + "SELECT ?e ?d WHERE { ?e dip:date ?d } ORDER BY DESC(?d) LIMIT 20"),
            ("strikes-by-attacker", PREFIXES + "SELECT ?a (SUM(?v) AS ?n) WHERE { ?s dip:attacker ?a ; dip:quantity ?q . "
                                               "?q dip:quantityKind dip:DronesLaunched ; dip:value ?v } GROUP BY ?a ORDER BY DESC(?n) LIMIT 10"),
        ]
    return out


def sparql_requests(mix: list[tuple[str, str]], path: str) -> list[Request]:
    """The mix as form POSTs to ``path`` (``/sparql`` ours, ``/query`` Oxigraph).

    Each says ``Cache-Control: no-cache``: the rounds repeat the same texts,
    and every answer must be computed, never taken from our result cache
    (Oxigraph has none and ignores the header); ``bench.roundtrip`` times
    cache hits apart."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON_RESULTS, "Cache-Control": "no-cache"}
    return [Request(name, "POST", path, urllib.parse.urlencode({"query": q}).encode(), headers) for name, q in mix]


def _path(iri: str) -> str:
    return urllib.parse.urlsplit(iri).path


def page_requests(s: Sample) -> dict[str, list[Request]]:
    """Our page workloads, by name."""
    entities = [e for pair in zip(s.events, s.people, s.places) for e in pair]
    return {
        "entity page (HTML)": [Request("page", "GET", _path(e) + ".html", headers={"Accept": "text/html"}) for e in entities],
        "entity RDF (Turtle)": [Request("ttl", "GET", _path(e) + ".ttl", headers={"Accept": "text/turtle"}) for e in entities],
        "search": [Request("search", "GET", "/search?" + urllib.parse.urlencode({"q": w}), headers={"Accept": "text/html"})
                   for w in s.words],
        "timeline": [Request("timeline", "GET", "/timeline", headers={"Accept": "text/html"})],
    }


def describe_requests(s: Sample) -> list[Request]:
    """Oxigraph's nearest equivalent of an entity's RDF twin: DESCRIBE."""
    entities = [e for pair in zip(s.events, s.people, s.places) for e in pair]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/turtle"}
    return [Request("describe", "POST", "/query", urllib.parse.urlencode({"query": f"DESCRIBE <{e}>"}).encode(), headers)
            for e in entities]
