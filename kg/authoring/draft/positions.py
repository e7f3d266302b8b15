"""Positions: a reporting verb or a stance word with its holder, a hedge as
modality and the clause it governs as content.

The holder is the nearest person named before the verb in its sentence,
else the nearest party, else the person "he"/"she" refers to (the subject
of the nearest sentence before that names a person), else the party named
right after the verb ("..., said Rashad Guliyev, the ..."); "according
to X" makes X the holder; "described as", "is being seen as" and a clause
with no party before the verb are unattributed (the writer's own view).
"""

from __future__ import annotations

import re

from kg.authoring.draft.context import Context
from kg.authoring.draft.proposals import slugify
from kg.authoring.draft.quotes import PARTY_KINDS, last_person_before, pronoun_referent

#: verb pattern -> stance
VERBS = [
    (r"called for|calling for|urged|urging|demanded|demanding|insisted|insisting", "dip:Demands"),
    (r"rejected|rejecting|to reject|rejects|refused|dismissed|denied", "dip:Rejects"),
    (r"suggested|suggests|suggesting|proposed|hinted", "dip:Suggests"),
    (r"acknowledged|acknowledging|admitted|conceded|noted|noting", "dip:Acknowledges"),
    (r"fear|fears|feared|warned|warning|(?:are|is|were|was)(?: particularly| deeply)? concerned", "dip:Fears"),
    (r"emphasized|emphasised|stressed|underlined", "dip:Emphasizes"),
    (r"refrained from|declined to", "dip:Withholds"),
    (r"reaffirmed|welcomed|praised|backed|supported|echoed", "dip:Supports"),
    (r"described as|(?:is|are|was|were) (?:being )?seen as|calling|called", "dip:Evaluates"),
    (r"said|says|stated|stating|told reporters|told|added|announced|reported", "dip:Evaluates"),
    (r"[Aa]ccording to", "dip:Evaluates"),
]
_VERB = re.compile(r"\b(?:" + "|".join(f"(?P<v{i}>{p})" for i, (p, _) in enumerate(VERBS)) + r")\b")
_UNATTRIBUTED = re.compile(r"described as|seen as")
_ACCORDING = re.compile(r"\b[Aa]ccording to\b")
_HEDGE = re.compile(r"\b(?:may|might|could|would|possibly|perhaps|likely|if)\b")
_PRONOUN_BEFORE = re.compile(r"\b(?P<pronoun>he|she|He|She)\s+(?:\w+\s+)?$")


def holder_before(ctx: Context, sent_start: int, pos: int):
    """(holder id, how) for a verb at ``pos``; ``None`` = unattributed; a
    list of ids for "X and Y, who fear" and for "both sides" (the
    negotiators of the article's first talks)."""
    before = ctx.text[sent_start:pos]
    if re.search(r"\b(?:[Bb]oth sides|[Tt]he two sides)\s+(?:\w+\s+)?$", before):
        sides = [n.props["participant"] for n in ctx.nodes.values()
                 if n.a == "Participation" and n.props.get("role") == "dip:Negotiator"][:2]
        if len(sides) == 2:
            return sides, "both-sides"
    spokes = re.search(r"\b(?:[Aa]n?|[Tt]he)[ \t]+((?:[A-Z][\w’'.-]*[ \t]+)+)spokes(?:person|man|woman)[ \t]+$", before)
    if spokes:  # "a Commission spokesperson said": the body speaks
        inside = ctx.mentions_in(sent_start + spokes.start(1), sent_start + spokes.end(1), PARTY_KINDS)
        if inside:
            return inside[-1].ids[0], "spokesperson"
    who = re.search(r",\s+who\s+$", before)
    if who:  # "concerns among Kyiv and its European allies, who fear"
        clause = ctx.mentions_in(max(sent_start, sent_start + who.start() - 80), sent_start + who.start(), PARTY_KINDS)
        joined = [m for m in clause if re.fullmatch(r"(?:\s+and\s+(?:its|their|his|her)?\s*|,\s+)?",
                                                    ctx.text[m.end:sent_start + who.start()])] if clause else []
        if joined:
            group = [joined[-1]]
            for m in reversed(clause[:-1]):
                if re.fullmatch(r"\s+and\s+(?:its\s+|their\s+)?|,\s+", ctx.text[m.end:group[0].start]):
                    group.insert(0, m)
                else:
                    break
            ids = list(dict.fromkeys(m.ids[0] for m in group))
            return (ids if len(ids) > 1 else ids[0]), "relative-clause"
    found = [m for m in ctx.mentions_in(sent_start, pos, PARTY_KINDS)
             if not re.search(r"\bincluding\s*$", ctx.text[max(sent_start, m.start - 12):m.start])]
    persons = [m for m in found if m.ids[0].startswith("person/")]
    pronoun = _PRONOUN_BEFORE.search(ctx.text[sent_start:pos])
    if pronoun and not persons:
        person = pronoun_referent(ctx, sent_start + pronoun.start(), pronoun.group("pronoun")) or last_person_before(ctx, pos)
        if person:
            return person, "pronoun"
    if persons:
        return persons[-1].ids[0], "person-before"
    if found:
        return found[-1].ids[0], "party-before"
    return None, "none"


def propose(ctx: Context, quotes: list) -> list[str]:
    """Add a Position (and a Topic) per reporting verb; return the ids."""
    made, seen = [], set()
    for _, last in ctx.sentences:
        s_start, s_end = ctx.sentence_at(last - 1)  # without the dateline
        if ctx.in_heading(s_start):
            continue
        sentence = ctx.text[s_start:s_end]
        according = _ACCORDING.search(sentence)
        for match in _VERB.finditer(sentence):
            if _inside_quote(ctx, s_start + match.start(), quotes):
                continue
            stance = next(VERBS[i][1] for i in range(len(VERBS)) if match.group(f"v{i}"))
            verb_start, verb_end = s_start + match.start(), s_start + match.end()
            if _UNATTRIBUTED.search(match.group()):
                holder, how = None, "unattributed"
            elif according and (match.group().lower() == "according to" or not any(
                    m.group().lower() != "according to" for m in _VERB.finditer(sentence))):
                after = ctx.mentions_in(s_start + according.end(), s_end, PARTY_KINDS)
                holder, how = (after[0].ids[0], "according-to") if after else (None, "none")
            else:
                holder, how = holder_before(ctx, s_start, verb_start)
                if holder is None:
                    holder, how = _named_after(ctx, verb_end, s_end) or (None, how)
            key = (s_start, str(holder), stance)
            if key in seen:
                continue
            seen.add(key)
            made.append(_position(ctx, (s_start, s_end), match.group(), (verb_start, verb_end), holder, how, stance, quotes))
        made.extend(_noun_positions(ctx, (s_start, s_end), seen))
    return made


NOUNS = {"demands": "dip:Demands", "resistance": "dip:Rejects", "opposition": "dip:Rejects",
         "commitment": "dip:Supports", "support": "dip:Supports", "proposal": "dip:Suggests", "plan": "dip:Suggests"}
_NOUN = re.compile(r"[’']s\s+(?:(?:long-standing|key|main|latest|new|renewed|continued)\s+)?(?P<noun>"
                   + "|".join(NOUNS) + r")\b")


def _noun_positions(ctx: Context, sentence, seen: set) -> list[str]:
    """ "Moscow’s demands", "Europe’s commitment to Ukraine": a stance held
    by the party named in the possessive (no reporting verb)."""
    made = []
    for mention in ctx.mentions_in(*sentence, PARTY_KINDS):
        match = _NOUN.match(ctx.text, mention.end)
        if not match or ctx.in_heading(mention.start):
            continue
        holder, stance = mention.ids[0], NOUNS[match.group("noun")]
        key = (sentence[0], holder, stance)
        if key in seen:
            continue
        seen.add(key)
        phrase = ctx.text[mention.start:match.end()]
        topic = _topic(ctx, sentence, mention.start, match.end(), phrase, [holder])
        ident = ctx.new_id("position", f"{holder.split('/')[1].split('-')[-1]}-{match.group('noun')}")
        node = ctx.node(ident, "Position", f"{ctx.nodes[holder].label}: {phrase}", "position-possessive-noun", 0.5,
                        holder=holder, topic=topic, stance=stance, content=phrase)
        node.add_span(mention.start, match.end())
        made.append(ident)
    return made


def _named_after(ctx: Context, pos: int, end: int) -> tuple[str, str] | None:
    """ "..., said Rashad Guliyev, the ...": the party right after the verb."""
    after = ctx.mentions_in(pos, end, PARTY_KINDS)
    if after and re.fullmatch(r"[ \t]+", ctx.text[pos:after[0].start]):
        return after[0].ids[0], "name-after"
    return None


def _inside_quote(ctx: Context, pos: int, quotes) -> bool:
    return any(q.start <= pos < q.end for q, _ in quotes)


def _position(ctx: Context, sentence, verb: str, verb_span, holder, how, stance, quotes) -> str:
    text = ctx.text
    c_start = verb_span[1]
    while c_start < sentence[1] and text[c_start] in " ,“\"":
        c_start += 1
    if text.startswith("that ", c_start):
        c_start += 5
    if verb.lower() == "according to":  # "According to X, content." or "content, according to X."
        comma = text.find(",", c_start, sentence[1])
        c_start = comma + 1 if comma >= 0 else sentence[1]
        while c_start < sentence[1] and text[c_start] == " ":
            c_start += 1
    c_end = sentence[1]
    while c_end > c_start and text[c_end - 1] in ".,;:”\" ":
        c_end -= 1
    if c_end - c_start < 3 or how == "name-after":  # "..., he said." : the content is before the verb
        c_start, c_end = sentence[0], verb_span[0]
        while c_end > c_start and text[c_end - 1] in ",“”\" ":
            c_end -= 1
        while c_start < c_end and text[c_start] in "“\" ":
            c_start += 1
    content = text[c_start:c_end]
    holders = holder if isinstance(holder, list) else [holder] if holder else []
    who = " and ".join(ctx.nodes[h].label for h in holders if h in ctx.nodes) or "Unattributed"
    words = content.split()
    short = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
    topic = _topic(ctx, sentence, c_start, c_end, short, holders)
    props = {"holder": holder} if holder else {"unattributed": True}
    props.update(topic=topic, stance=stance, modality="dip:Possible" if _HEDGE.search(content) else "dip:Certain",
                 reportingVerb=verb, content=content)
    linked = [ident for quote, ident in quotes
              if quote.speaker in holders and ctx.sentence_at(quote.start) == sentence]
    if linked:
        props["quote"] = linked if len(linked) > 1 else linked[0]
    tag = holders[0].split("/")[1].split("-")[-1] if holders else "unattributed"
    ident = ctx.new_id("position", f"{tag}-{slugify(' '.join(words[:5]), 40)}")
    confidence = {"person-before": 0.7, "according-to": 0.75, "unattributed": 0.6, "pronoun": 0.6,
                  "party-before": 0.55, "none": 0.35, "both-sides": 0.45, "relative-clause": 0.55,
                  "possessive-noun": 0.5, "spokesperson": 0.65, "name-after": 0.7}[how]
    node = ctx.node(ident, "Position", f"{who} {verb}: {short}", f"position-{how}", confidence, **props)
    node.add_span(*sentence)
    return ident


def _topic(ctx: Context, sentence, c_start: int, c_end: int, short: str, holders: list) -> str:
    """An event named in the sentence, else the first party or place the
    content names (other than the holder), else a new topic from the
    content: the curator turns it into a real topic."""
    for _, _, ident in ctx.events_in(*sentence):
        return ident
    for mention in ctx.mentions_in(c_start, c_end):
        if mention.ids[0] not in holders and mention.ids[0] in ctx.nodes:
            return mention.ids[0]
    ident = ctx.new_id("topic", slugify(short, 50))
    node = ctx.node(ident, "Topic", short.rstrip("…").strip()[:1].upper() + short.rstrip("…").strip()[1:],
                    "topic-from-content", 0.3)
    node.add_span(c_start, c_end)
    return ident
