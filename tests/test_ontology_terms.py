"""Ontology terms for what real articles say: durations, proposed or
undated events, delegation roles, intentions, the place a statement was
made. Each term has a label, a definition and an alignment; a made-up
article that uses them builds and validates, and each shape refuses its
misuse with the mapping's file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from kg.authoring.build import compile_all
from kg.authoring.shapes import shacl_problems
from kg.model.namespaces import DIP, entity_ns

REPO = Path(__file__).resolve().parent.parent
ID = entity_ns()
NEW_TERMS = ["duration", "Proposed", "Planned", "DateNotSet", "HeadOfDelegation", "DelegationMember", "delegationOf",
             "Intention", "Intends", "plans", "statedAt", "Withholds"]
FOREIGN = (SKOS.closeMatch, SKOS.exactMatch, RDFS.subClassOf, RDFS.subPropertyOf)

TEXT = ("MADE-UP TEST FIXTURE, not news. In Kyiv, Zelenskyy said he would ask Rubio to visit. "
        "The talks lasted four and a half hours. A summit has been proposed, but no date had been set. "
        "Rubio led the U.S. delegation; Waltz joined it.")


def span(phrase: str) -> str:
    start = TEXT.index(phrase)
    return f'[{start}, {start + len(phrase)}, "{phrase}"]'


NODES = f"""article:
  slug: madeup-terms-2025-03-03
  title: "Made-up: the new terms"
  datePublished: 2025-03-03
  madeUp: true
nodes:
  - id: person/madeup-zelenskyy
    a: Person
    label: Zelenskyy (made-up)
    evidence: [{span("Zelenskyy")}]
  - id: person/madeup-rubio
    a: Person
    label: Rubio (made-up)
    evidence: [{span("Rubio to visit")}]
  - id: person/madeup-waltz
    a: Person
    label: Waltz (made-up)
    evidence: [{span("Waltz")}]
  - id: state/madeup-us
    a: State
    label: The U.S. (made-up)
    evidence: [{span("U.S.")}]
  - id: place/madeup-kyiv
    a: Settlement
    label: Kyiv (made-up)
    evidence: [{span("Kyiv")}]
  - id: event/madeup-talks
    a: Talks
    label: The talks (made-up)
    status: dip:Held
    duration: PT4H30M
    timePhrase: four and a half hours
    evidence: [{span("The talks lasted four and a half hours.")}]
  - id: event/madeup-summit
    a: Meeting
    label: A summit (made-up)
    status: [dip:Proposed, dip:DateNotSet]
    evidence: [{span("A summit has been proposed, but no date had been set.")}]
  - id: event/madeup-rubio-visit
    a: Visit
    label: Rubio's visit Zelenskyy means to ask for (made-up)
    status: dip:Planned
    evidence: [{span("ask Rubio to visit")}]
  - id: position/madeup-zelenskyy-will-ask
    a: Intention
    label: Zelenskyy will ask Rubio to visit (made-up)
    holder: person/madeup-zelenskyy
    topic: event/madeup-rubio-visit
    stance: dip:Intends
    plans: event/madeup-rubio-visit
    statedAt: place/madeup-kyiv
    reportingVerb: said
    content: he would ask Rubio to visit
    evidence: [{span("In Kyiv, Zelenskyy said he would ask Rubio to visit.")}]
  - id: participation/madeup-talks-rubio
    a: Participation
    label: Rubio heads the U.S. delegation (made-up)
    inEvent: event/madeup-talks
    participant: person/madeup-rubio
    role: dip:HeadOfDelegation
    delegationOf: state/madeup-us
    evidence: [{span("Rubio led the U.S. delegation")}]
  - id: participation/madeup-talks-waltz
    a: Participation
    label: Waltz in the U.S. delegation (made-up)
    inEvent: event/madeup-talks
    participant: person/madeup-waltz
    role: dip:DelegationMember
    delegationOf: state/madeup-us
    evidence: [{span("Waltz joined it.")}]
"""


def ontology() -> Graph:
    graph = Graph()
    graph.parse(REPO / "ontology" / "diplomacy.ttl")
    return graph


@pytest.mark.parametrize("name", NEW_TERMS)
def test_each_new_term_has_a_label_a_definition_and_an_alignment(name):
    graph, term = ontology(), DIP[name]
    assert graph.value(term, RDFS.label, any=False).language == "en"
    assert len(str(graph.value(term, SKOS.definition))) > 30
    kinds = set(graph.objects(term, RDF.type))
    assert kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, DIP.EventStatus, DIP.ParticipantRole, DIP.Stance}
    if kinds & {DIP.EventStatus, DIP.Stance} and name not in ("Planned",):
        return  # concepts of a scheme the ontology aligns as a whole
    aligned = [o for p in FOREIGN for o in graph.objects(term, p) if not str(o).startswith(str(DIP))]
    assert aligned, f"dip:{name} has no alignment"


def corpus(tmp_path: Path, mapping: str) -> Path:
    data = tmp_path / "data"
    (data / "background").mkdir(parents=True)
    folder = data / "articles" / "madeup-terms-2025-03-03"
    folder.mkdir(parents=True)
    (folder / "article.txt").write_text(TEXT, encoding="utf-8")
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return data


def check(tmp_path: Path, mapping: str) -> tuple[list[str], object]:
    build = compile_all(corpus(tmp_path, mapping), REPO / "ontology")
    return [str(p) for p in build.problems] + shacl_problems(build.dataset, REPO / "ontology", build.where), build


def test_an_article_using_every_new_term_builds_and_validates(tmp_path):
    problems, build = check(tmp_path, NODES)
    assert problems == []
    g = build.dataset
    assert g.value(ID["event/madeup-talks"], DIP.duration) == Literal("PT4H30M", datatype=XSD.duration)
    assert set(g.objects(ID["event/madeup-summit"], DIP.status)) == {DIP.Proposed, DIP.DateNotSet}
    assert g.value(ID["position/madeup-zelenskyy-will-ask"], DIP.statedAt) == ID["place/madeup-kyiv"]
    assert g.value(ID["position/madeup-zelenskyy-will-ask"], DIP.plans) == ID["event/madeup-rubio-visit"]
    heads = {(p, g.value(p, DIP.role)) for p in g.subjects(DIP.delegationOf, ID["state/madeup-us"])}
    assert heads == {(ID["participation/madeup-talks-rubio"], DIP.HeadOfDelegation),
                     (ID["participation/madeup-talks-waltz"], DIP.DelegationMember)}


@pytest.mark.parametrize("old, new, message", [
    ("    duration: PT4H30M\n", "    duration: four and a half hours\n", "duration: 'four and a half hours' is not a valid xsd:duration"),
    ("    status: [dip:Proposed, dip:DateNotSet]\n", "    status: [dip:Proposed, dip:DateNotSet]\n    date: 2025-04-01\n",
     "an event with status dip:DateNotSet cannot have dip:date"),
    ("    role: dip:DelegationMember\n    delegationOf: state/madeup-us\n", "    role: dip:DelegationMember\n",
     "a head or member of a delegation says whose delegation (dip:delegationOf)"),
    ("    participant: person/madeup-rubio\n", "    participant: state/madeup-us\n", "a delegation's head or member is a person"),
    ("    stance: dip:Intends\n", "    stance: dip:Supports\n", "an intention has the stance dip:Intends"),
    ("    statedAt: place/madeup-kyiv\n", "    statedAt: person/madeup-rubio\n", "a statement is made at one place"),
])
def test_each_shape_refuses_its_misuse_with_file_and_line(tmp_path, old, new, message):
    assert old in NODES
    problems, _ = check(tmp_path, NODES.replace(old, new, 1))
    assert any(message in p and "mapping.yaml:" in p for p in problems), problems


def test_the_readme_table_names_the_new_terms():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| Class | What it is |"):]
    table = table[:table.index("\n\n")]
    for name in NEW_TERMS:
        assert f"dip:{name}" in table or f"`{name}`" in table, name
