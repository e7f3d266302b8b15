"""Direct quotes: the words between straight or typographic quotation
marks, verbatim, with a speaker.

The speaker is the party named with the reporting verb right after the
quote ("..., Gromov said"), else the first person (else party) named before
the quote in its sentence, else, for "he said" or a quote standing alone,
the person most recently named or quoted before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.authoring.draft.context import Context
from kg.authoring.draft.proposals import slugify

_QUOTE = re.compile(r"“([^“”\n]{1,2000})”|\"([^\"\n]{1,2000})\"")
_AFTER = re.compile(r"^[,]?\s*(?P<who>[^.“”\"\n]{1,60}?)\s+(?:said|says|stated|added|told|wrote|insisted|warned|declared)\b")
_AFTER_INVERTED = re.compile(r"^[,]?\s*(?:said|says|added|stated)\s+(?P<who>[^.,“”\"\n]{1,60})")
_PRONOUN = re.compile(r"^(?:he|she|they|He|She|They)$")
PARTY_KINDS = ("person", "state", "org", "group")


@dataclass
class Quote:
    start: int
    end: int
    speaker: str | None
    how: str


def find(ctx: Context) -> list[Quote]:
    """Every quote with its speaker (``None`` when no rule finds one)."""
    quotes: list[Quote] = []
    for match in _QUOTE.finditer(ctx.text):
        group = 1 if match.group(1) is not None else 2
        start, end = match.start(group), match.end(group)
        while start < end and ctx.text[start].isspace():
            start += 1
        while end > start and (ctx.text[end - 1].isspace() or ctx.text[end - 1] == ","):
            end -= 1
        if end - start < 2 or ctx.in_heading(start):
            continue
        speaker, how = _speaker(ctx, match, quotes)
        quotes.append(Quote(start, end, speaker, how))
    return quotes


def _party_in(ctx: Context, start: int, end: int, prefer_person=True) -> str | None:
    found = ctx.mentions_in(start, end, PARTY_KINDS)
    persons = [m for m in found if m.ids[0].startswith("person/")]
    pick = (persons or ([] if prefer_person == "only" else found))
    return pick[0].ids[0] if pick else None


def last_person_before(ctx: Context, pos: int) -> str | None:
    persons = [m for m in ctx.mentions if m.end <= pos and m.ids[0].startswith("person/")]
    return persons[-1].ids[0] if persons else None


def _speaker(ctx: Context, match: re.Match, earlier: list[Quote]) -> tuple[str | None, str]:
    text = ctx.text
    after = text[match.end():match.end() + 80]
    for pattern in (_AFTER, _AFTER_INVERTED):
        frame = pattern.match(after)
        if frame:
            who = frame.group("who").strip()
            if _PRONOUN.match(who):
                return last_person_before(ctx, match.start()), "pronoun"
            party = _party_in(ctx, match.end() + frame.start("who"), match.end() + frame.end("who"))
            if party:
                return party, "verb-after"
    s_start, _ = ctx.sentence_at(match.start())
    party = _party_in(ctx, s_start, match.start())
    if party:
        return party, "sentence-subject"
    if earlier and ctx.sentence_index(earlier[-1].start) >= ctx.sentence_index(match.start()) - 1 and earlier[-1].speaker:
        return earlier[-1].speaker, "continued"
    return None, "none"


def propose(ctx: Context) -> list[tuple[Quote, str]]:
    """Add a Quotation node per quote with a speaker; return (quote, id)."""
    made = []
    confidence = {"verb-after": 0.9, "sentence-subject": 0.75, "pronoun": 0.65, "continued": 0.6}
    for quote in find(ctx):
        if quote.speaker is None:
            continue
        words = ctx.text[quote.start:quote.end]
        speaker = ctx.nodes[quote.speaker]
        short = " ".join(words.split()[:5])
        ident = ctx.new_id("quote", f"{speaker.id.split('/')[1].split('-')[-1]}-{slugify(short, 40)}")
        node = ctx.node(ident, "Quotation", f"{speaker.label}: “{short}{'…' if len(words.split()) > 5 else ''}”",
                        f"quote-{quote.how}", confidence[quote.how], quoteText=words, speaker=speaker.id)
        node.add_span(quote.start, quote.end)
        made.append((quote, ident))
    return made
