"""The draft as mapping YAML, in the layout of the curated mappings.

Every node carries ``proposed: {rule: ..., confidence: ...}`` unless
``accept_all``; ``kg validate`` refuses a mapping that still has one, so a
curator accepts a proposal by deleting that line. Strings that could be
misread as YAML are double-quoted with every character YAML cannot carry
escaped; the output is parsed back and every span checked before it is
returned.
"""

from __future__ import annotations

import json
import re
from datetime import date

import yaml

from kg.authoring.draft.pipeline import Draft
from kg.authoring.draft.proposals import Node
from kg.model.text import check_span

SECTIONS = [  # (title, id kinds)
    ("States, organisations and groups", ("state", "org", "group")),
    ("Persons", ("person",)),
    ("Offices and office holdings", ("office", "holding")),
    ("Places", ("place",)),
    ("Events and who took part", ("event", "participation")),
    ("Quotes", ("quote",)),
    ("Positions and their topics", ("position", "topic")),
    ("Numbers", ("quantity", "quantitykind")),
]
_PLAIN = re.compile(r"[A-Za-z(][^:#\"'\[\]{}&*!|>%@`\\\x00-\x1f\x7f-\x9f\u2028\u2029]*")
_RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}
_ID = re.compile(r"^[a-z][a-z-]*/[a-z0-9][a-z0-9-]*$|^[a-z]+:[A-Za-z0-9]+$")
# PyYAML reads only these characters; line and paragraph separators would be folded
_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\u2028|\u2029")


class DraftError(Exception):
    """A span the writer produced does not match the text (a bug)."""


def quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as ``text`` exactly.

    >>> quote('He said “no”\\u2028')
    '"He said “no”\\\\u2028"'
    """
    out = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()) if ord(m.group()) < 0x10000 else "\\U%08x" % ord(m.group()), out)


def scalar(value, *, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, date)):
        return str(value) if not isinstance(value, date) else value.isoformat()
    text = str(value)
    if _ID.match(text):
        return text
    plain = _PLAIN.fullmatch(text) and text == text.strip() and text.lower() not in _RESERVED \
        and " #" not in text and not (flow and "," in text) and not text.endswith(":")
    return text if plain else quote(text)


def node_lines(node: Node, text: str, *, accept_all: bool, known: bool) -> list[str]:
    lines = [f"  - id: {node.id}"]
    if not accept_all:
        reuse = ", reuse: true" if known else ""
        lines.append(f"    proposed: {{rule: {node.rule}, confidence: {node.confidence:.2f}{reuse}}}")
    lines.append(f"    a: {node.a}")
    lines.append(f"    label: {scalar(node.label)}")
    if node.alt:
        lines.append(f"    alt: [{', '.join(scalar(a, flow=True) for a in node.alt)}]")
    for key, value in node.props.items():
        if key == "cameoCode":
            value = [quote(v) for v in value] if isinstance(value, list) else quote(value)
            lines.append(f"    {key}: [{', '.join(value)}]" if isinstance(value, list) else f"    {key}: {value}")
            continue
        if isinstance(value, list):
            lines.append(f"    {key}: [{', '.join(scalar(v, flow=True) for v in value)}]")
        else:
            lines.append(f"    {key}: {scalar(value)}")
    lines.append("    evidence:")
    for start, end in sorted(node.spans):
        lines.append(f"      - [{start}, {end}, {quote(text[start:end])}]")
    return lines


def write_mapping(draft: Draft, *, accept_all: bool = False) -> str:
    """The mapping text; every span checked against the article."""
    meta = [
        "article:",
        f"  slug: {draft.slug}",
        f"  title: {quote(draft.title)}",
        f"  datePublished: {draft.published.isoformat()}",
    ]
    if draft.meta.get("dateline"):
        meta.append(f"  dateline: {scalar(draft.meta['dateline'])}")
    if draft.meta.get("datelinePlace"):
        meta.append(f"  datelinePlace: {draft.meta['datelinePlace']}")
    meta.append("  language: en")
    head = ["# Draft mapping made by `kg draft`: review each node, correct it, delete its `proposed` line;",
            "# `kg validate` refuses a mapping that still has one. Rename to mapping.yaml when done."] \
        if not accept_all else ["# Mapping made by `kg draft --accept-all`: every proposal accepted unreviewed."]
    lines = head + meta + ["", "nodes:" if draft.nodes else "nodes: []  # no proposal: map the article by hand"]
    placed = set()
    for title, kinds in SECTIONS + [("Other", None)]:
        group = [n for n in draft.nodes if n.id not in placed and (kinds is None or n.kind in kinds)]
        if not group:
            continue
        lines += ["  # " + "-" * 66, f"  # {title}", "  # " + "-" * 66]
        for node in group:
            placed.add(node.id)
            lines += node_lines(node, draft.text, accept_all=accept_all, known=node.id in draft.known)
            lines.append("")
    out = "\n".join(lines).rstrip() + "\n"
    check_written(out, draft.text)
    return out


def check_written(mapping: str, text: str) -> None:
    """Parse the YAML back and check every span (raise DraftError)."""
    doc = yaml.load(mapping, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for entry in doc["nodes"] or []:
        for span in entry.get("evidence", []):
            reason = check_span(text, *span)
            if reason:
                raise DraftError(f"{entry['id']}: {reason}")
        if entry.get("a") == "Quotation" and entry.get("quoteText") != entry["evidence"][0][2]:
            raise DraftError(f"{entry['id']}: the quote text differs from its span")
