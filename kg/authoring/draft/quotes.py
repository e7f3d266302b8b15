"""Direct quotes: the words between straight or typographic quotation
marks, verbatim, with a speaker.

The speaker is the party named with the reporting verb right after the
quote ("..., Gromov said", "..., said Rashad Guliyev, the ..."), else the
first person (else party) named before the quote in its sentence, else,
for a quote standing alone, the speaker of the quote before it. "He
said"/"she added" is the subject of the nearest sentence before that
names a person (its first person), skipping persons the text already
called by the other pronoun.

A quote that runs on into the next paragraph (news style: no closing mark
at the paragraph's end, an opening mark at the next one's start) is one
quote per paragraph, all with the first one's speaker.
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
_OPEN_MARK = re.compile(r"(?:(?<=^)|(?<=[\s(—–-]))[“\"](?=\S)", re.M)
PARTY_KINDS = ("person", "state", "org", "group")


@dataclass
class Quote:
    start: int
    end: int
    speaker: str | None
    how: str
    runs_on: bool = False  # no closing mark before the paragraph's end


@dataclass
class _Marks:
    """Where a quote's marks are: the opening one at ``start``, the closing
    one ending at ``end`` (the paragraph's end for a quote that runs on)."""

    start: int
    end: int
    inner: tuple[int, int]
    runs_on: bool = False


def quote_marks(text: str) -> list[_Marks]:
    """Closed quotes (within a line), then the opening marks no closing one
    follows in their paragraph: the quote runs to the paragraph's end."""
    found = []
    for match in _QUOTE.finditer(text):
        group = 1 if match.group(1) is not None else 2
        found.append(_Marks(match.start(), match.end(), (match.start(group), match.end(group))))
    for match in _OPEN_MARK.finditer(text):
        pos = match.start()
        if any(m.start <= pos < m.end for m in found):
            continue
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        rest = text[pos + 1:line_end]
        if "”" in rest or '"' in rest or len(rest.strip()) < 2:
            continue
        found.append(_Marks(pos, line_end, (pos + 1, line_end), runs_on=True))
    return sorted(found, key=lambda m: m.start)


def find(ctx: Context) -> list[Quote]:
    """Every quote with its speaker (``None`` when no rule finds one)."""
    quotes: list[Quote] = []
    for marks in quote_marks(ctx.text):
        start, end = marks.inner
        while start < end and ctx.text[start].isspace():
            start += 1
        while end > start and (ctx.text[end - 1].isspace() or ctx.text[end - 1] == ","):
            end -= 1
        if end - start < 2 or ctx.in_heading(start):
            continue
        if quotes and quotes[-1].runs_on and quotes[-1].speaker and _next_paragraph(ctx.text, quotes[-1].end, marks.start):
            speaker, how = quotes[-1].speaker, "continued"  # the same voice, one paragraph on
        else:
            speaker, how = _speaker(ctx, marks, quotes)
        quotes.append(Quote(start, end, speaker, how, marks.runs_on))
    return quotes


def _next_paragraph(text: str, end: int, start: int) -> bool:
    """``start`` opens the paragraph after the one that ends at ``end``."""
    between = text[end:start]
    return "\n" in between and not between.strip(" \t\n.,;:!?”\"")


def _party_in(ctx: Context, start: int, end: int, prefer_person=True) -> str | None:
    found = ctx.mentions_in(start, end, PARTY_KINDS)
    persons = [m for m in found if m.ids[0].startswith("person/")]
    pick = (persons or ([] if prefer_person == "only" else found))
    return pick[0].ids[0] if pick else None


def last_person_before(ctx: Context, pos: int) -> str | None:
    persons = [m for m in ctx.mentions if m.end <= pos and m.ids[0].startswith("person/")]
    return persons[-1].ids[0] if persons else None


def pronoun_referent(ctx: Context, pos: int, pronoun: str, sentences_back: int = 4) -> str | None:
    """The person "he"/"she" at ``pos`` refers to: the first person named
    (the subject, in news prose) in the nearest sentence before ``pos``
    that names one, the pronoun's own sentence first; in that sentence a
    person the text already called by this pronoun comes first, and one it
    called by the other pronoun is skipped. The answer is remembered as
    that person's pronoun.

    >>> from datetime import date
    >>> from kg.authoring.draft.gazetteer import Gazetteer, Known
    >>> from kg.authoring.draft.context import Context
    >>> gaz = Gazetteer({k: Known(k, "Person", l, {l}) for k, l in
    ...                  [("person/ann-lee", "Ann Lee"), ("person/bo-kim", "Bo Kim")]})
    >>> text = "Ann Lee said she had called Bo Kim. She added that it went well."
    >>> ctx = Context(text, date(2025, 1, 1), "x", gaz)
    >>> ctx.mentions = gaz.mentions(text)
    >>> pronoun_referent(ctx, text.index("She added"), "She")
    'person/ann-lee'
    """
    gender = {"he": "m", "she": "f"}.get(pronoun.lower())
    index = ctx.sentence_index(pos)
    for i in range(index, max(-1, index - sentences_back - 1), -1):
        if i < 0:
            break
        s_start, s_end = ctx.sentences[i]
        persons = [m.ids[0] for m in ctx.mentions_in(s_start, min(s_end, pos), ("person",))]
        persons = [p for p in persons if not gender or ctx.genders.get(p, gender) == gender]
        persons = [p for p in persons if gender and ctx.genders.get(p) == gender] or persons
        if persons:
            if gender:
                ctx.genders.setdefault(persons[0], gender)
            return persons[0]
    return None


def _speaker(ctx: Context, match: _Marks, earlier: list[Quote]) -> tuple[str | None, str]:
    text = ctx.text
    after = text[match.end:match.end + 80]
    for pattern in (_AFTER, _AFTER_INVERTED):
        frame = pattern.match(after)
        if frame:
            who = frame.group("who").strip()
            if _PRONOUN.match(who):
                return pronoun_referent(ctx, match.start, who) or last_person_before(ctx, match.start), "pronoun"
            party = _party_in(ctx, match.end + frame.start("who"), match.end + frame.end("who"))
            if party:
                return party, "verb-after"
    s_start, _ = ctx.sentence_at(match.start)
    party = _party_in(ctx, s_start, match.start)
    if party:
        return party, "sentence-subject"
    if earlier and ctx.sentence_index(earlier[-1].start) >= ctx.sentence_index(match.start) - 1 and earlier[-1].speaker:
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
