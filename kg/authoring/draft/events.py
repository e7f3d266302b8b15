"""Events from trigger words: talks, meetings, visits, calls, strikes and
shelling, wars and fighting, invasions, killings, prisoner exchanges and
releases, ceasefires, sanctions; with a place, parties and CAMEO/PLOVER
codes where the trigger supports them.

A meeting announced for later ("would meet again in June") is an event of
its own, not the talks of its sentence; "killing two civilians" in the
sentence of a strike is what the strike did, not a killing of its own.

A definite mention ("the talks", "the meeting", "the war") is the first
event of its family in the article; an indefinite one is a new event.
"""

from __future__ import annotations

import re

from kg.authoring.draft.context import Context
from kg.authoring.draft import quotes
from kg.authoring.draft.quotes import last_person_before

#: (pattern, family, class, CAMEO, PLOVER)
TRIGGERS = [
    (r"(?:round of |peace )?talks|negotiations|discussions|(?:second|third|fourth|next|new) round", "talks", "Talks", "046", "CONSULT"),
    (r"(?:will|would|to|could|shall|may) meet(?: again)?|meet again", "next-meeting", "Meeting", "046", "CONSULT"),
    (r"(?:emergency )?meeting|summit|met", "talks", "Meeting", "040", "CONSULT"),
    (r"visit(?:ed)?", "visit", "Visit", "042", "CONSULT"),
    (r"(?:spoke|spoken|talked|speaking) (?:by|over the|on the) (?:tele)?phone|(?:phone|telephone|video) call|call",
     "call", "Meeting", "040", "CONSULT"),
    (r"(?:drone |missile |air ?)?(?:strikes?|attacks?)|struck|(?:drone|missile) hit|shell(?:ed|ing)|bombard(?:ed|ment)",
     "strike", "Strike", "195", "ASSAULT"),
    (r"war|conflict|fighting", "war", "ArmedConflict", None, None),
    (r"invasion", "invasion", "Invasion", "192", "ASSAULT"),
    (r"killing|assassination|murder", "killing", "Killing", "186", None),
    (r"(?:prisoner exchanges?|exchanges? of prisoners)|releas(?:e|ed|ing)(?=[ \t]+(?:of[ \t]+)?(?:[\w-]+[ \t]+){0,2}"
     r"(?:prisoners|soldiers|hostages|detainees|captives|servicemen))", "exchange", "Event", "0841", "RETREAT"),
    (r"ceasefire|cease-fire|truce", "ceasefire", "Event", "0871", "RETREAT"),
    (r"sanctions", "sanctions", "PolicyAction", "163", "COERCE"),
]
_TRIGGER = re.compile(r"\b(?:" + "|".join(f"(?P<t{i}>{p})" for i, (p, *_r) in enumerate(TRIGGERS)) + r")\b")
_DEFINITE = re.compile(r"\b(?:the|The|this|This|that|its|their|his|her)\s+(?:[A-Z]\w+\s+|\w+\s+)?$")
_STATUS = [(r"\b(?:could|may|might) be held\b|\bproposed\b", "dip:Proposed"),
           (r"\b(?:will be held|plans? to hold|is expected to|are expected to)\b", "dip:Planned"),
           (r"\bpostponed\b", "dip:Postponed"), (r"\brescheduling\b|\brescheduled\b", "dip:Rescheduled"),
           (r"\bscheduled\b|\b(?:to|will) take effect\b", "dip:Scheduled"), (r"\bcalled\b", "dip:Called"),
           (r"\b(?<!be )(?:held|hosted|met|took place)\b", "dip:Held")]


def propose(ctx: Context) -> list[str]:
    """Add event nodes; return their ids in order of first mention."""
    firsts: dict[str, str] = {}
    made: list[str] = []
    quoted = [m.inner for m in quotes.quote_marks(ctx.text)]
    for match in _TRIGGER.finditer(ctx.text):
        if any(s <= match.start() < e for s, e in quoted):
            continue  # a speaker's words ("another winter of shelling"), not the report of an event
        i = next(k for k in range(len(TRIGGERS)) if match.group(f"t{k}"))
        _, family, cls, cameo, plover = TRIGGERS[i]
        start, end = match.start(), match.end()
        sentence = ctx.sentence_at(start)
        if match.group() == "call" and not re.search(r"\b(?:the|The|a|their|his|her)[ \t]+$", ctx.text[max(0, start - 6):start]):
            continue  # "call" the verb
        if family == "strike" and re.search(r"\b(?:to|could|would|may|might|will|can|did)\s+$", ctx.text[max(0, start - 7):start]):
            continue  # "managed to strike": a verb, not an event of its own
        strikes = [ident for _, _, ident in ctx.events_in(*sentence) if ctx.nodes[ident].a == "Strike"]
        if family == "killing" and strikes and re.match(r"[ \t]+(?:\d|an?\b|one|two|three|four|five|six|seven|eight|nine|ten|"
                                                        r"dozens|several|at least)", ctx.text[end:end + 12]):
            ctx.event_mentions.append((start, end, strikes[-1]))
            continue  # "shelled the town, killing two civilians": what the strike did
        if ctx.in_heading(start):
            if family in firsts:
                ctx.nodes[firsts[family]].add_span(*sentence)
            continue
        definite = _DEFINITE.search(ctx.text[max(sentence[0], start - 30):start]) and family in firsts
        if definite or (family in ("war",) and family in firsts):  # "the talks": the article's first talks
            node = ctx.nodes[firsts[family]]
            if len(node.spans) < 4 and not any(s <= start < e for s, e in node.spans):
                node.add_span(*_clause(ctx, sentence, start, end))
            ctx.event_mentions.append((start, end, node.id))
            continue
        same_sentence = [ident for _, _, ident in ctx.events_in(sentence[0], start)
                         if ctx.nodes[ident].rule.startswith(f"trigger-{family}")]
        if same_sentence:  # "met ... for a second round of talks": one event
            ctx.event_mentions.append((start, end, same_sentence[-1]))
            continue
        if cls == "Meeting" and re.search(r"\b(?:talks|negotiations|round)\b", ctx.text[end:sentence[1]]):
            cls, cameo = "Talks", "046"  # "met ... for a second round of talks"
        ident = _new_event(ctx, match, family, cls, cameo, plover, sentence)
        firsts.setdefault(family, ident)
        made.append(ident)
        ctx.event_mentions.append((start, end, ident))
    return made


_CLAUSE_MARK = re.compile(r"[,;:]\s")


def _status_window(ctx: Context, sentence, start: int, end: int) -> str:
    """The words that give a trigger its status: up to 60 characters of
    its clause before it and its clause after it, with the next clause when
    that one says when the event is due ("a ceasefire along the border, to
    take effect on Saturday")."""
    text = ctx.text
    marks_before = [m.end() for m in _CLAUSE_MARK.finditer(text, max(sentence[0], start - 60), start)]
    lo = marks_before[-1] if marks_before else max(sentence[0], start - 60)
    first = _CLAUSE_MARK.search(text, end, sentence[1])
    hi = first.start() if first else sentence[1]
    if first and re.match(r"(?:to|due|scheduled|set|expected|planned)\b", text[first.end():]):
        second = _CLAUSE_MARK.search(text, first.end(), sentence[1])
        hi = second.start() if second else sentence[1]
    return text[lo:hi]


def _clause(ctx: Context, sentence, start: int, end: int) -> tuple[int, int]:
    """The sentence, without its final mark (the span a curator would keep)."""
    s, e = sentence
    while e > s and ctx.text[e - 1] in ".!? ":
        e -= 1
    return s, e


def _new_event(ctx: Context, match, family, cls, cameo, plover, sentence) -> str:
    text = ctx.text
    start, end = match.start(), match.end()
    trigger = match.group()
    dateline = ctx.dateline_span or (0, 0)
    places = [m for m in ctx.mentions_in(*sentence, ("place",)) if not dateline[0] <= m.start < dateline[1]]
    states = ctx.mentions_in(*sentence, ("state",))
    persons = ctx.mentions_in(*sentence, ("person",))
    place = (_after_in(ctx, places, end, sentence) or _after_in(ctx, states, end, sentence)
             if family in ("war", "visit", "strike", "invasion") else None) or _nearest(places, start)
    if family == "next-meeting":  # "would meet again in Ankara": a place after it, if any
        place = _after_in(ctx, places, end, sentence)
    if family == "visit" and place is None:  # "will visit Washington"
        direct = [m for m in ctx.mentions_in(end, sentence[1], ("place", "state")) if not ctx.text[end:m.start].strip()]
        place = direct[0].ids[0] if direct else None
    props: dict = {}
    who = None
    if family == "visit":
        visitor = (persons and [m for m in persons if m.start < start][-1:] or [None])[0]
        who = visitor.ids[0] if visitor else last_person_before(ctx, start)
        slug_who = who.split("/")[1].split("-")[-1] if who else "x"
        ident_base = f"{slug_who}-visit" + (f"-to-{place.split('/')[1]}" if place else "")
    elif family == "war":
        ident_base = "war" + (f"-in-{place.split('/')[1]}" if place else "")
    elif family == "invasion":
        ident_base = "invasion" + (f"-of-{place.split('/')[1]}" if place else "")
    elif family == "killing":
        victim = _nearest(persons, start)
        ident_base = "killing" + (f"-of-{victim.split('/')[1]}" if victim else "")
        if victim:
            props["victim"] = victim
    elif family == "strike":
        drone = "drone" in text[max(sentence[0], start - 20):end + 1]
        ident_base = (f"{place.split('/')[1]}-" if place else "") + ("drone-strike" if drone else "strike")
        attacker = _attacker(ctx, sentence, start)
        if attacker:
            props["attacker"] = attacker
        if drone:
            props["weapon"] = "dip:Drone"
            cameo = ["195", "1952"]
    else:
        noun = {"Talks": "talks", "Meeting": "meeting"}.get(cls, re.sub(r"^(?:emergency |round of )", "", trigger.lower()))
        ident_base = (f"{place.split('/')[1]}-" if place else "") + noun
    ident = ctx.new_id("event", ident_base)
    window = _status_window(ctx, sentence, start, end)
    if family == "next-meeting":  # the trigger says it lies ahead
        props["status"] = ["dip:Planned"]
    for pattern, status in _STATUS if family != "next-meeting" else []:
        if re.search(pattern, window):
            props.setdefault("status", [])
            props["status"].append(status)
    if place:
        props["place"] = place
    elif family == "strike":
        props["noPlaceReason"] = "The sentence names no place (a draft: check the paragraph)."
    if cameo:
        props["cameoCode"] = cameo
    if plover:
        props["ploverCode"] = plover
    label = _label(ctx, cls, trigger, place, props, who)
    confidence = 0.5 if _DEFINITE.search(text[max(sentence[0], start - 30):start]) is None else 0.6
    node = ctx.node(ident, cls, label, f"trigger-{family}", confidence, **props)
    node.add_span(*_clause(ctx, sentence, start, end))
    if family in ("talks",) and cls in ("Talks", "Meeting"):
        _participants(ctx, ident, sentence, place)
    return ident


def _label(ctx: Context, cls: str, trigger: str, place: str | None, props: dict, who: str | None = None) -> str:
    where = f" in {ctx.nodes[place].label}" if place and place in ctx.nodes else ""
    if cls == "Visit":
        visitor = f"{ctx.nodes[who].label}’s visit" if who in ctx.nodes else "Visit"
        return visitor + (f" to {ctx.nodes[place].label}" if place in ctx.nodes else "")
    if cls == "Invasion":
        return "Invasion" + (f" of {ctx.nodes[place].label}" if place in ctx.nodes else "")
    if cls == "Strike":
        kind = "Drone strike" if props.get("weapon") == "dip:Drone" else "Strike"
        return kind + where
    words = {"Talks": "Talks", "Meeting": "Meeting", "Visit": "Visit", "Strike": "Strike", "ArmedConflict": "War",
             "Invasion": "Invasion", "Killing": "Killing", "PolicyAction": "Sanctions", "Event": "Prisoner exchange"}
    if cls == "Killing" and props.get("victim") in ctx.nodes:
        return f"Killing of {ctx.nodes[props['victim']].label}"
    return f"{words.get(cls, trigger.capitalize())}{where}"


def _nearest(mentions, pos: int) -> str | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: abs(m.start - pos)).ids[0]


def _after_in(ctx: Context, mentions, pos: int, sentence) -> str | None:
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start >= pos and re.search(r"\b(?:in|to|of|on)\s+(?:the\s+)?$", ctx.text[max(sentence[0], m.start - 10):m.start]):
            return m.ids[0]
    return None


def _attacker(ctx: Context, sentence, pos: int) -> str | None:
    before = [m for m in ctx.mentions_in(sentence[0], pos, ("state",))]
    return before[-1].ids[0] if before else None


def _participants(ctx: Context, event: str, sentence, place: str | None) -> None:
    """States named in the event's sentence take part (negotiators); a
    person after "hosted by" is the host."""
    text = ctx.text
    for mention in ctx.mentions_in(*sentence, ("state", "person")):
        ident = mention.ids[0]
        hosted = re.search(r"hosted by\s+(?:[\w.]+\s+){0,5}$", text[max(sentence[0], mention.start - 60):mention.start])
        if ident.startswith("person/") and not hosted:
            continue
        if ident.startswith("state/") and re.search(r"\b(?:in|at)\s+$", text[max(0, mention.start - 4):mention.start]):
            continue
        role = "dip:Host" if hosted else "dip:Negotiator"
        pid = f"participation/{event.split('/')[1]}-{ident.split('/')[1]}"
        if pid in ctx.nodes:
            continue
        node = ctx.node(pid, "Participation", f"{ctx.nodes[ident].label} at {ctx.nodes[event].label}",
                        "event-participant", 0.4, inEvent=event, participant=ident, role=role)
        node.add_span(mention.start, mention.end)
