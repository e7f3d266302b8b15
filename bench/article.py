"""One synthetic article: its text and its graph, in the real article's shapes.

The text is built sentence by sentence; every fact carries ``dip:evidence``
spans (``{article}#char=b,e``, a ``dip:TextSpan`` with NIF offsets, the exact
words and the ``dip:Sentence`` containing them), exactly as ``docs/model.md``
describes, so pages, search, the timeline and dumps see the same shapes as
on the real article.
"""

from __future__ import annotations

import datetime as dt
import random

from .vocab import DIP, P, ROLES, STANCES, T, XSD

QUOTES = ("We are ready to work for a lasting peace", "This is a useful and constructive step",
          "No deal can be made without us", "The aggression must end now",
          "Our position has not changed", "These demands are unrealistic",
          "We will defend our sovereignty", "There are real opportunities to cooperate")
VERBS = ("said", "stated", "warned", "insisted", "suggested")


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def typed(value, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def en(value: str) -> str:
    return lit(value, "en")


class Writer:
    """The distinct N-Quads lines of one graph, in the order first added."""

    def __init__(self, graph: str):
        self.graph = f"<{graph}>"
        self.seen: dict[str, None] = {}

    def add(self, s: str, p: str, o: str) -> None:
        self.seen[f"<{s}> <{p}> {o} {self.graph} .\n"] = None

    @property
    def lines(self) -> list[str]:
        return list(self.seen)


class Article:
    """Writes one article graph; ``pools`` holds the reused entities."""

    def __init__(self, rng: random.Random, pools, base: str, number: int, day: dt.date):
        self.rng, self.pools, self.day = rng, pools, day
        self.slug = f"synthetic-{number:06d}"
        self.iri = f"{base}id/article/{self.slug}"
        self.ids = f"{base}id/"
        self.out = Writer(f"{base}graph/article/{self.slug}")
        self.parts: list[str] = [" "]
        self.length = 1
        self.sentence = (0, 0)
        self.declared: set[str] = set()

    # -- text and spans ----------------------------------------------------
    def say(self, sentence: str) -> None:
        """Append a sentence to the text and declare it a ``dip:Sentence``."""
        start = self.length
        self.parts.append(sentence + " ")
        self.length += len(sentence) + 1
        self.sentence = (start, start + len(sentence))
        node = self._span_node(*self.sentence, sentence)
        self.out.add(node, P["type"], iri(T["sentence"]))

    def _span_node(self, b: int, e: int, words: str) -> str:
        node = f"{self.iri}#char={b},{e}"
        add = self.out.add
        add(node, P["begin"], typed(b, "nonNegativeInteger"))
        add(node, P["end"], typed(e, "nonNegativeInteger"))
        add(node, P["anchor"], lit(words))
        add(node, P["context"], iri(self.iri))
        return node

    def evidence(self, subject: str, words: str) -> None:
        """``subject dip:evidence`` the span of ``words`` in the last sentence."""
        text = self.parts[-1]
        b = self.sentence[0] + text.index(words)
        node = self._span_node(b, b + len(words), words)
        self.out.add(node, P["type"], iri(T["span"]))
        self.out.add(node, P["sentence"], iri(f"{self.iri}#char={self.sentence[0]},{self.sentence[1]}"))
        self.out.add(subject, P["evidence"], iri(node))

    def entity(self, entity, words: str | None = None) -> None:
        """A reused entity named in the article: the words naming it (its
        type and label are in the background graph, once for the corpus)."""
        self.evidence(entity.iri, words or entity.label)

    def node(self, kind: str, local: str, label: str) -> str:
        subject = f"{self.ids}{local}"
        self.out.add(subject, P["type"], iri(T[kind]))
        self.out.add(subject, P["label"], en(label))
        return subject

    # -- facts -------------------------------------------------------------
    def holding(self, person) -> str:
        """The person's office as the article names it: office + holding."""
        office = self.pools.office[person.iri]
        state = self.pools.home[person.iri]
        words = f"{office.label} {person.label}"
        add = self.out.add
        if office.iri not in self.declared:
            self.declared.add(office.iri)
            add(office.iri, P["type"], iri(T["office"]))
            add(office.iri, P["label"], en(office.label))
            add(office.iri, P["office_of"], iri(state.iri))
        holding = f"{self.ids}holding/{person.iri.rsplit('/', 1)[1]}-{office.iri.rsplit('/', 1)[1]}"
        if holding not in self.declared:
            self.declared.add(holding)
            add(holding, P["type"], iri(T["holding"]))
            add(holding, P["label"], en(f"{person.label}, {office.label}"))
            add(holding, P["holder_of_office"], iri(person.iri))
            add(holding, P["office"], iri(office.iri))
            add(holding, P["current"], typed("true", "boolean"))
        self.evidence(holding, words)
        return words

    def talks(self, k: int) -> tuple[str, list, str]:
        rng, pools = self.rng, self.pools
        people: list = []
        while len(people) < rng.choice((2, 2, 2, 3)):
            person = pools.pick_person(rng)
            if person not in people and pools.home[person.iri] not in (pools.home[p.iri] for p in people):
                people.append(person)
        place = pools.pick_place(rng)
        names = [f"{pools.office[p.iri].label} {p.label}" for p in people]
        self.say(f"{' and '.join(names)} held talks in {place.label} on {self.day:%d %B %Y}.")
        label = f"{' – '.join(pools.home[p.iri].label for p in people)} talks in {place.label}"
        event = self.node("talks", f"event/{self.slug}-talks-{k}", label)
        add = self.out.add
        add(event, P["place"], iri(place.iri))
        add(event, P["date"], typed(self.day.isoformat(), "date"))
        add(event, P["status"], iri(DIP + "Held"))
        add(event, P["cameo"], lit("046"))
        add(event, P["plover"], lit("CONSULT"))
        self.evidence(event, f"held talks in {place.label}")
        self.entity(place)
        for i, person in enumerate(people):
            self.participation(event, k, person, ROLES[0] if i < 2 else rng.choice(ROLES))
        return event, people, label

    def participation(self, event: str, k: int, person, role: str) -> None:
        state = self.pools.home[person.iri]
        node = self.node("participation", f"participation/{self.slug}-talks-{k}-{state.iri.rsplit('/', 1)[1]}",
                         f"{state.label} at the talks, represented by {person.label}")
        add = self.out.add
        add(node, P["in_event"], iri(event))
        add(node, P["participant"], iri(state.iri))
        add(node, P["represented_by"], iri(person.iri))
        add(node, P["role"], iri(DIP + role))
        words = self.holding(person)
        self.evidence(node, words)
        self.entity(person)

    def goals(self, event: str, k: int, people: list) -> None:
        topics = self.rng.sample(self.pools.topics, 2)
        self.say(f"The talks centred on {topics[0].label}; the parties agreed to continue work on {topics[1].label}.")
        for i, topic in enumerate(topics[:1]):
            node = self.node("objective", f"objective/{self.slug}-talks-{k}-{i + 1}", topic.label)
            self.out.add(event, P["objective"], iri(node))
            self.evidence(node, topic.label)
        agreement = self.node("agreement", f"outcome/{self.slug}-talks-{k}", f"Agreement to continue work on {topics[1].label}")
        self.out.add(event, P["outcome"], iri(agreement))
        for person in people:
            self.out.add(agreement, P["agreed_by"], iri(self.pools.home[person.iri].iri))
        self.evidence(agreement, f"agreed to continue work on {topics[1].label}")

    def position(self, k: int, people: list) -> None:
        rng = self.rng
        person = rng.choice(people) if rng.random() < 0.6 else self.pools.pick_person(rng)
        topic, words, verb, stance = rng.choice(self.pools.topics), rng.choice(QUOTES), rng.choice(VERBS), rng.choice(STANCES)
        self.say(f"On {topic.label}, {person.label} {verb}: \u201c{words}.\u201d")
        add = self.out.add
        quote = self.node("quotation", f"quote/{self.slug}-{k}", f"{person.label} on {topic.label}")
        add(quote, P["speaker"], iri(person.iri))
        add(quote, P["quote_text"], lit(words))
        self.evidence(quote, words)
        node = self.node("position", f"position/{self.slug}-{k}", f"{person.label} {stance.lower()} on {topic.label}")
        add(node, P["holder"], iri(person.iri))
        add(node, P["topic"], iri(topic.iri))
        add(node, P["stance"], iri(DIP + stance))
        add(node, P["modality"], iri(DIP + "Certain"))
        add(node, P["verb"], en(verb))
        add(node, P["content"], en(words))
        add(node, P["quote"], iri(quote))
        self.evidence(node, f"{person.label} {verb}")
        self.entity(person)
        self.entity(topic)

    def strike(self, k: int) -> None:
        rng, pools, add = self.rng, self.pools, self.out.add
        attacker, place = pools.pick_state(rng), pools.pick_place(rng)
        reporter = pools.country[place.iri]
        drones, injured = rng.randint(5, 300), rng.randint(1, 40)
        self.say(f"Overnight, {attacker.label} launched {drones} drones at {place.label}, "
                 f"injuring {injured} people, the military of {reporter.label} reported.")
        node = self.node("strike", f"event/{self.slug}-strike-{k}", f"Drone strike on {place.label}")
        add(node, P["attacker"], iri(attacker.iri))
        add(node, P["place"], iri(place.iri))
        add(node, P["date"], typed(self.day.isoformat(), "date"))
        add(node, P["weapon"], iri(DIP + "Drone"))
        add(node, P["cameo"], lit("195"))
        self.evidence(node, f"launched {drones} drones at {place.label}")
        self._quantity(node, f"{self.slug}-strike-{k}-drones", "DronesLaunched", drones, f"{drones} drones", reporter)
        injury = self.node("injury", f"event/{self.slug}-strike-{k}-injury", f"People injured in {place.label}")
        add(node, P["consequence"], iri(injury))
        add(injury, P["affected"], en(f"{injured} people"))
        self.evidence(injury, f"injuring {injured} people")
        self._quantity(injury, f"{self.slug}-strike-{k}-injured", "PeopleInjured", injured, f"{injured} people", reporter)
        self.entity(attacker)
        self.entity(place)

    def _quantity(self, subject: str, local: str, kind: str, value: int, phrase: str, reporter) -> None:
        add = self.out.add
        node = self.node("quantity", f"quantity/{local}", phrase)
        add(subject, P["quantity"], iri(node))
        add(node, P["kind"], iri(DIP + kind))
        add(node, P["value"], typed(value, "nonNegativeInteger"))
        add(node, P["phrase"], en(phrase))
        add(node, P["reported_by"], iri(reporter.iri))
        self.evidence(node, phrase)

    def write(self) -> list[str]:
        """The article's N-Quads lines: text, facts, spans, article node."""
        rng, add = self.rng, self.out.add
        dateline = self.pools.pick_place(rng)
        self.say(f"{dateline.label}, {self.day:%d %B %Y} -")
        headline = None
        for k in range(1, 1 + (rng.random() < 0.1) + 1):
            event, people, label = self.talks(k)
            self.goals(event, k, people)
            headline = headline or label
            for j in range(rng.choice((1, 1, 2))):
                self.position(k * 10 + j, people)
        for k in range(1, (rng.random() < 0.3) + (rng.random() < 0.1) + 1):
            self.strike(k)
        for t in ("article", "news", "context"):
            add(self.iri, P["type"], iri(T[t]))
        add(self.iri, P["label"], en(headline))
        add(self.iri, P["headline"], en(headline))
        add(self.iri, P["slug"], lit(self.slug))
        add(self.iri, P["published"], typed(self.day.isoformat(), "date"))
        add(self.iri, P["dateline"], en(dateline.label))
        add(self.iri, P["language"], lit("en"))
        add(self.iri, P["derived"], lit(f"bench/generator.py article {self.slug}"))
        add(self.iri, P["text"], lit("".join(self.parts).rstrip()))
        add(self.out.graph[1:-1], P["derived"], iri(self.iri))
        return self.out.lines
