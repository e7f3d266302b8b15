"""A deterministic, seeded generator of synthetic diplomatic-news articles.

``generate(n, seed, out)`` writes N-Quads: one named graph per article
(``{base}graph/article/{slug}``) shaped like the real article's graph
(article with its text, talks with actors, roles, place and date, stances
with quotes, strikes with counts, evidence spans whose offsets point into the
article's own text) plus one graph of reused entities (people, states,
organisations, places, topics). Actors and places are drawn with a Zipf-like
skew, so a few (the "Rubio" and "Riyadh" of the corpus) appear in thousands
of articles and most in a handful: entity pages, search and the timeline then
see realistic fan-outs.

The same ``(n, seed, base)`` always gives byte-identical output. RDF is
emitted directly as N-Quads (the fastest format to write and to bulk-load;
measured in ``docs/performance.md``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from kg.namespaces import base_iri

from .vocab import DIP, GRAPH_SYNTHETIC, P, T, XSD

SYLLABLES = ("ka", "lo", "mir", "ten", "va", "ros", "an", "del", "is", "or", "um", "bar", "sel", "ni", "ko",
             "tra", "ven", "zu", "gal", "pe", "rin", "shu", "dor", "el", "ma", "qua", "ti", "ber", "no", "ya")
TOPICS = ("ceasefire", "security guarantees", "sanctions relief", "prisoner exchange", "embassy staffing",
          "energy cooperation", "NATO membership", "territorial integrity", "grain exports", "trade routes",
          "nuclear safety", "humanitarian corridors", "reconstruction funds", "border demarcation")
MODALITIES = ("supports", "rejects", "demands", "suggests", "acknowledges", "fears", "evaluates")
QUOTES = ("We are ready to work for a lasting peace", "This is a useful and constructive step",
          "No deal can be made without us", "The aggression must end now",
          "Our position has not changed", "These demands are unrealistic",
          "We will defend our sovereignty", "There are real opportunities to cooperate")
OFFICES = ("foreign minister", "president", "prime minister", "defence minister", "envoy", "ambassador")
ROLES = ("negotiator", "host", "mediator", "observer")
DIP_ROLE = "https://kg.example.org/ontology/role/"


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    kind: str


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


class Pools:
    """The reused entities, each list ordered so index 0 is the most frequent."""

    def __init__(self, rng: random.Random, base: str, n_articles: int):
        ids = base + "id/"
        scale = max(1, n_articles // 100)
        self.states = self._make(rng, ids, "state", 60, 2, "")
        self.orgs = self._make(rng, ids, "organization", 25, 2, " Council")
        self.places = self._make(rng, ids, "place", 80 + 10 * scale, 2, "")
        self.people = self._make(rng, ids, "person", 150 + 15 * scale, 0, "")
        self.topics = [Entity(f"{ids}topic/{_slug(t)}", t, "topic") for t in TOPICS]
        self.home = {p.iri: rng.choice(self.states) for p in self.people}
        self.office = {p.iri: rng.choice(OFFICES) for p in self.people}
        self.country = {p.iri: rng.choice(self.states) for p in self.places}

    @staticmethod
    def _make(rng, ids, kind, count, parts, suffix) -> list[Entity]:
        seen, out = set(), []
        while len(out) < count:
            label = (f"{_name(rng, 2)} {_name(rng, 3)}" if kind == "person" else _name(rng, parts + rng.randint(0, 1))) + suffix
            if label not in seen:
                seen.add(label)
                out.append(Entity(f"{ids}{kind}/{_slug(label)}", label, kind))
        return out


def skewed(rng: random.Random, items: list, s: float = 1.1):
    """Pick from ``items`` with a Zipf-like skew (index 0 most likely)."""
    n = len(items)
    index = int(n ** rng.random() ** s) - 1  # log-uniform rank, capped
    return items[min(max(index, 0), n - 1)]


class Writer:
    """Accumulates the distinct N-Quads lines of one graph, in order."""

    def __init__(self, graph: str):
        self.graph = f"<{graph}>"
        self.seen: dict[str, None] = {}

    def add(self, s: str, p: str, o: str) -> None:
        self.seen[f"<{s}> <{p}> {o} {self.graph} .\n"] = None

    @property
    def lines(self) -> list[str]:
        return list(self.seen)


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def typed(value, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class Text:
    """An article text built sentence by sentence, remembering offsets."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0

    def add(self, sentence: str) -> tuple[int, int]:
        """Append ``sentence``; return its code-point span in the text."""
        start = self.length
        self.parts.append(sentence + " ")
        self.length += len(sentence) + 1
        return start, start + len(sentence)

    def value(self) -> str:
        return "".join(self.parts).rstrip()


class Article:
    """Writes one synthetic article graph."""

    def __init__(self, rng: random.Random, pools: Pools, base: str, number: int, day: dt.date):
        self.rng, self.pools, self.day = rng, pools, day
        self.slug = f"synthetic-{number:06d}"
        self.iri = f"{base}id/article/{self.slug}"
        self.ids = f"{base}id/"
        self.out = Writer(f"{base}graph/article/{self.slug}")
        self.text = Text()

    def evidence(self, subject: str, span: tuple[int, int], mentioned: Entity | None = None) -> None:
        """An evidence span: the fact's subject points at the words stating it."""
        b, e = span
        node = f"{self.iri}#char={b},{e}"
        add = self.out.add
        add(subject, P["evidence"], iri(node))
        add(node, P["type"], iri(T["mention"]))
        add(node, P["reference"], iri(self.iri))
        add(node, P["start"], typed(b, "nonNegativeInteger"))
        add(node, P["end"], typed(e, "nonNegativeInteger"))
        if mentioned is not None:
            add(node, P["mentions"], iri(mentioned.iri))

    def mention(self, entity: Entity, sentence_span: tuple[int, int], sentence: str) -> None:
        """The words naming ``entity`` in a sentence point at it."""
        b = sentence_span[0] + sentence.index(entity.label)
        node = f"{self.iri}#char={b},{b + len(entity.label)}"
        self.out.add(node, P["mentions"], iri(entity.iri))
        self.out.add(node, P["reference"], iri(self.iri))

    def talks(self, k: int) -> str:
        rng, pools, add = self.rng, self.pools, self.out.add
        event = f"{self.ids}event/{self.slug}-talks-{k}"
        place = skewed(rng, pools.places)
        wanted = rng.randint(2, 4)
        people: list[Entity] = []
        while len(people) < wanted:
            person = skewed(rng, pools.people)
            if person not in people:
                people.append(person)
        label = f"{' - '.join(p.label.split()[-1] for p in people)} talks in {place.label}"
        sentence = f"{' and '.join(p.label for p in people)} held talks in {place.label} on {self.day:%d %B %Y}."
        span = self.text.add(sentence)
        for t in (T["talks"], T["event"]):
            add(event, P["type"], iri(t))
        add(event, P["label"], lit(label, "en"))
        add(event, P["place"], iri(place.iri))
        add(event, P["date"], typed(self.day.isoformat(), "date"))
        add(event, P["host"], iri(pools.country[place.iri].iri))
        for i, person in enumerate(people):
            self._participation(event, person, i)
            self.mention(person, span, sentence)
        self.mention(place, span, sentence)
        for topic in rng.sample(pools.topics, rng.randint(2, 3)):
            add(event, P["objective"], iri(topic.iri))
        outcome = f"The parties agreed to continue talks on {rng.choice(pools.topics).label}."
        add(event, P["outcome"], lit(outcome, "en"))
        self.evidence(event, self.text.add(outcome))
        self.evidence(event, span)
        return event

    def _participation(self, event: str, person: Entity, i: int) -> None:
        add = self.out.add
        node = f"{event}-participation-{i + 1}"
        add(event, P["participant"], iri(person.iri))
        add(event, P["actor"], iri(self.pools.home[person.iri].iri))
        add(event, P["participation"], iri(node))
        add(node, P["type"], iri(T["role"]))
        add(node, P["agent"], iri(person.iri))
        add(node, P["represents"], iri(self.pools.home[person.iri].iri))
        add(node, P["role_type"], iri(DIP_ROLE + (ROLES[0] if i < 2 else self.rng.choice(ROLES))))

    def stance(self, k: int, event: str) -> None:
        rng, pools, add = self.rng, self.pools, self.out.add
        node = f"{self.ids}stance/{self.slug}-{k}"
        quote = f"{self.ids}quote/{self.slug}-{k}"
        person, topic, modality = skewed(rng, pools.people), rng.choice(pools.topics), rng.choice(MODALITIES)
        words = rng.choice(QUOTES)
        sentence = f"On {topic.label}, {person.label} said: \u201c{words}.\u201d"
        start = self.text.add(sentence)[0] + sentence.index(words)
        span = (start, start + len(words))
        add(node, P["type"], iri(T["stance"]))
        add(node, P["label"], lit(f"{person.label} {modality} {topic.label}", "en"))
        add(node, P["holder"], iri(person.iri))
        add(node, P["modality"], iri(DIP + modality.capitalize()))
        add(node, P["topic"], iri(topic.iri))
        add(node, P["about"], iri(event))
        add(node, P["quote"], iri(quote))
        add(quote, P["type"], iri(T["quotation"]))
        add(quote, P["quote_text"], lit(words, "en"))
        add(quote, P["speaker"], iri(person.iri))
        self.evidence(quote, span)
        self.evidence(node, span)
        self.mention(person, (start - sentence.index(words), 0), sentence)

    def strike(self, k: int) -> None:
        rng, pools, add = self.rng, self.pools, self.out.add
        node = f"{self.ids}event/{self.slug}-strike-{k}"
        attacker, place = skewed(rng, pools.states), skewed(rng, pools.places)
        drones, injured, evacuated = rng.randint(5, 300), rng.randint(0, 40), rng.randint(0, 80)
        sentence = (f"Overnight, {attacker.label} launched {drones} drones at {place.label}, "
                    f"injuring {injured} people; {evacuated} residents were evacuated.")
        span = self.text.add(sentence)
        for t in (T["strike"], T["event"]):
            add(node, P["type"], iri(t))
        add(node, P["label"], lit(f"Drone strike on {place.label}", "en"))
        add(node, P["attacker"], iri(attacker.iri))
        add(node, P["place"], iri(place.iri))
        add(node, P["date"], typed(self.day.isoformat(), "date"))
        add(node, P["weapon"], lit("drone", "en"))
        add(node, P["drones"], typed(drones, "nonNegativeInteger"))
        add(node, P["injured"], typed(injured, "nonNegativeInteger"))
        add(node, P["evacuated"], typed(evacuated, "nonNegativeInteger"))
        self.evidence(node, span)
        self.mention(place, span, sentence)

    def write(self) -> list[str]:
        rng, add = self.rng, self.out.add
        dateline = skewed(rng, self.pools.places)
        self.text.add(f"{dateline.label} -")
        events = [self.talks(k) for k in range(1, rng.choice((1, 1, 2)) + 1)]
        for k in range(1, rng.randint(3, 6) + 1):
            self.stance(k, rng.choice(events))
        for k in range(1, (rng.random() < 0.5) + (rng.random() < 0.2) + 1):
            self.strike(k)
        add(self.iri, P["type"], iri(T["article"]))
        add(self.iri, P["type"], iri(T["news"]))
        add(self.iri, P["headline"], lit(f"Talks in {dateline.label}: {len(events)} meeting(s) reported", "en"))
        add(self.iri, P["label"], lit(f"Synthetic article {self.slug}", "en"))
        add(self.iri, P["published"], typed(self.day.isoformat(), "date"))
        add(self.iri, P["dateline"], lit(dateline.label))
        add(self.iri, P["text"], lit(self.text.value()))
        for event in events:
            add(self.iri, P["about"], iri(event))
        return self.out.lines


def entity_lines(pools: Pools, base: str) -> list[str]:
    """The reused entities (labels, types, offices, countries) in one graph."""
    out = Writer(base + GRAPH_SYNTHETIC)
    for entity in pools.states + pools.orgs + pools.places + pools.people + pools.topics:
        out.add(entity.iri, P["type"], iri(T[entity.kind if entity.kind != "organization" else "organization"]))
        out.add(entity.iri, P["label"], lit(entity.label, "en"))
    for person in pools.people:
        home = pools.home[person.iri]
        out.add(person.iri, P["nationality"], iri(home.iri))
        out.add(person.iri, P["comment"], lit(f"{pools.office[person.iri].capitalize()} of {home.label}.", "en"))
    for place in pools.places:
        out.add(place.iri, P["country"], iri(pools.country[place.iri].iri))
    return out.lines


def articles(n: int, seed: int = 1, base: str | None = None) -> Iterator[list[str]]:
    """N-Quads lines: first the shared entities, then one list per article."""
    base = base_iri(base)
    rng = random.Random(seed)
    pools = Pools(rng, base, n)
    yield entity_lines(pools, base)
    first = dt.date(2020, 1, 1)
    for number in range(1, n + 1):
        day = first + dt.timedelta(days=(number * 1826) // max(n, 1) + rng.randint(0, 3))
        yield Article(rng, pools, base, number, day).write()


def generate(n: int, out, seed: int = 1, base: str | None = None, progress=None) -> int:
    """Write ``n`` synthetic articles as N-Quads to the binary stream ``out``;
    return the number of quads. ``progress(k)`` is told of each article."""
    count = 0
    for lines in articles(n, seed, base):
        out.write("".join(lines).encode("utf-8"))
        count += len(lines)
        if progress:
            progress(1)
    return count


def main(argv=None) -> None:
    """``python -m bench.generator --articles N --seed S --output FILE.nq``"""
    import argparse
    import sys

    from tqdm import tqdm

    parser = argparse.ArgumentParser(description="Write N synthetic articles as N-Quads.")
    parser.add_argument("--articles", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--base", default=None, help="base IRI of the data (default: $KG_BASE or the project's)")
    parser.add_argument("--output", required=True, help="N-Quads file to write ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.articles < 0:
        parser.error("--articles must be 0 or more")
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")
    with out, tqdm(total=args.articles + 1, unit="article", file=sys.stderr, disable=args.output == "-") as bar:
        count = generate(args.articles, out, args.seed, args.base, progress=bar.update)
    print(f"{count} quads for {args.articles} articles", file=sys.stderr)


if __name__ == "__main__":
    main()
