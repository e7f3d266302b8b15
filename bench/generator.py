"""A deterministic, seeded generator of synthetic diplomatic-news articles.

``generate(n, out, seed)`` writes N-Quads: one named graph per article
(``{base}graph/article/synthetic-NNNNNN``) in the shapes of the real article
graph (see ``bench/article.py`` and ``docs/model.md``), plus one background
graph for the reused entities (ISO-like codes, which state a place is in).
People, states and places are drawn with a Zipf-like skew, so a few appear
in thousands of articles and most in a handful: entity pages, search and
the timeline see realistic fan-outs.

The same ``(n, seed, base)`` always gives byte-identical output. RDF is
written directly as N-Quads: the fastest format to write and to bulk-load.

    python -m bench.generator --articles 10000 --output build/synthetic.nq
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from kg.model.namespaces import base_iri

from .article import Article, Writer, en, iri, lit
from .vocab import GRAPH_BACKGROUND, P, T

SYLLABLES = ("ka", "lo", "mir", "ten", "va", "ros", "an", "del", "is", "or", "um", "bar", "sel", "ni", "ko",
             "tra", "ven", "zu", "gal", "pe", "rin", "shu", "dor", "el", "ma", "qua", "ti", "ber", "no", "ya")
TOPICS = ("ceasefire", "security guarantees", "sanctions relief", "prisoner exchange", "embassy staffing",
          "energy cooperation", "NATO membership", "territorial integrity", "grain exports", "trade routes",
          "nuclear safety", "humanitarian corridors", "reconstruction funds", "border demarcation")
OFFICES = ("Foreign Minister", "President", "Prime Minister", "Defence Minister", "Special Envoy", "Ambassador")


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    kind: str


def slugify(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def skewed(rng: random.Random, items: list):
    """Pick from ``items`` with a Zipf-like skew (index 0 most likely)."""
    n = len(items)
    index = int(n ** (rng.random() ** 1.1)) - 1  # log-uniform rank
    return items[min(max(index, 0), n - 1)]


class Pools:
    """The reused entities; index 0 of each list is the most frequent."""

    def __init__(self, rng: random.Random, base: str, n_articles: int):
        self.ids = base + "id/"
        scale = max(1, n_articles // 100)
        self.states = self._make(rng, "state", 60, lambda: _name(rng, 2 + rng.randint(0, 1)))
        self.places = self._make(rng, "place", 80 + 10 * scale, lambda: _name(rng, 2 + rng.randint(0, 1)))
        self.people = self._make(rng, "person", 150 + 15 * scale, lambda: f"{_name(rng, 2)} {_name(rng, 3)}")
        self.topics = [Entity(f"{self.ids}topic/{slugify(t)}", t, "topic") for t in TOPICS]
        self.home = {p.iri: rng.choice(self.states) for p in self.people}
        self.country = {p.iri: rng.choice(self.states) for p in self.places}
        self.office = {}
        for person in self.people:
            title, state = rng.choice(OFFICES), self.home[person.iri]
            label = f"{title} of {state.label}"
            self.office[person.iri] = Entity(f"{self.ids}office/{slugify(state.label)}-{slugify(title)}", label, "office")

    def _make(self, rng, kind: str, count: int, name) -> list[Entity]:
        seen: set[str] = set()
        out: list[Entity] = []
        while len(out) < count:
            label = name()
            if label not in seen:
                seen.add(label)
                out.append(Entity(f"{self.ids}{kind}/{slugify(label)}", label, kind))
        return out

    def pick_person(self, rng) -> Entity:
        return skewed(rng, self.people)

    def pick_place(self, rng) -> Entity:
        return skewed(rng, self.places)

    def pick_state(self, rng) -> Entity:
        return skewed(rng, self.states)


def background_lines(pools: Pools, base: str) -> list[str]:
    """Background facts about the reused entities, in their own graph."""
    out = Writer(base + GRAPH_BACKGROUND)
    graph = base + GRAPH_BACKGROUND
    out.add(graph, P["label"], en("Synthetic background (bench/generator.py), not stated in any article"))
    for entity in pools.states + pools.places + pools.people + pools.topics:
        out.add(entity.iri, P["type"], iri(T[entity.kind]))
        out.add(entity.iri, P["label"], en(entity.label))
    for i, state in enumerate(pools.states):
        out.add(state.iri, P["iso"], lit(f"X{chr(65 + i // 26)}{chr(65 + i % 26)}"))
    for place in pools.places:
        out.add(place.iri, P["in_place"], iri(pools.country[place.iri].iri))
    return out.lines


def articles(n: int, seed: int = 1, base: str | None = None) -> Iterator[list[str]]:
    """N-Quads lines: first the background graph, then one list per article,
    dated one after the other over five years from 2020-01-01."""
    base = base_iri(base)
    rng = random.Random(seed)
    pools = Pools(rng, base, n)
    yield background_lines(pools, base)
    first = dt.date(2020, 1, 1)
    for number in range(1, n + 1):
        day = first + dt.timedelta(days=(number * 1826) // max(n, 1) + rng.randint(0, 3))
        yield Article(rng, pools, base, number, day).write()


def generate(n: int, out, seed: int = 1, base: str | None = None, progress=None) -> int:
    """Write ``n`` synthetic articles as N-Quads to the binary stream ``out``;
    return the number of quads. ``progress(k)`` is told of each graph written."""
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
    with out, tqdm(total=args.articles + 1, unit="graph", file=sys.stderr, disable=args.output == "-") as bar:
        count = generate(args.articles, out, args.seed, args.base, progress=bar.update)
    print(f"{count} quads for {args.articles} articles", file=sys.stderr)


if __name__ == "__main__":
    main()
