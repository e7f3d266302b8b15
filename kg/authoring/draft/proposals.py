"""What every drafting rule produces: a proposed node with spans."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: entity kinds (the first part of an id) that the scorer counts as entities
ENTITY_KINDS = ("person", "state", "org", "group", "place")


@dataclass
class Node:
    """One proposed mapping node: its id, class, label, properties and spans.

    ``spans`` are ``(start, end)`` code-point offsets into the article;
    ``props`` holds the other keys of the mapping entry in order;
    ``rule`` names the rule that made it and ``confidence`` is in [0, 1].
    ``known`` is True when the id is one the graph already has.
    """

    id: str
    a: str
    label: str
    rule: str
    confidence: float
    spans: list[tuple[int, int]] = field(default_factory=list)
    alt: list[str] = field(default_factory=list)
    props: dict = field(default_factory=dict)
    known: bool = False

    @property
    def kind(self) -> str:
        return self.id.split("/", 1)[0]

    def add_span(self, start: int, end: int) -> None:
        if (start, end) not in self.spans:
            self.spans.append((start, end))


def slugify(text: str, limit: int = 60) -> str:
    """A slug for an id: ASCII lowercase words joined by hyphens.

    >>> slugify("Mohammed bin Salman’s visit")
    'mohammed-bin-salmans-visit'
    >>> slugify("U.S. officials")
    'us-officials'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]|(?<=\b[a-z])\.", "", ascii_text.lower())  # "U.S." -> "us"
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    if not slug or not slug[0].isalnum():
        slug = "x" + slug
    return slug


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
