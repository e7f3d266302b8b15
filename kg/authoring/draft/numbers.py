"""Numbers: digits and number words with what they count ("176 drones",
"two children", "four and a half hours"), sums the text implies ("a mother
and her two children" = 3, marked derived) and vague amounts ("a
significant number", "multiple residential buildings") with no value.

Years, day numbers of dates and ISO dates are the dates module's.
"""

from __future__ import annotations

import re

from kg.authoring.draft.context import Context
from kg.authoring.draft.positions import holder_before
from kg.authoring.draft.quotes import PARTY_KINDS

UNITS = {"zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
         "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
         "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "hundred": 100}
_WORD = r"(?:" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")"
_NUMBER = (r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|(?:(?<![\w-])" + _WORD + r"(?:[- ]" + _WORD + r")?))"
           r"(?P<half> and a half)?(?:\s+(?P<scale>hundred|thousand|million|billion))?")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
STOP = {"of", "and", "or", "to", "in", "on", "at", "for", "from", "with", "by", "that", "which", "who", "were", "was",
        "is", "are", "had", "have", "has", "been", "be", "the", "a", "an", "per", "than", "more", "as", "into", "after",
        "before", "since", "would", "will", "could", "may", "might", "can", "but", "while"}
_COUNT = re.compile(r"\b" + _NUMBER + r"(?P<np>(?:\s+(?:[A-Z][a-z]+|[a-z][a-z-]*)){1,3})?")
_SUM = re.compile(r"\b(?:a|an|one)\s+(?P<first>[a-z]+(?:\s+[a-z]+)?)\s+and\s+(?:his|her|their|its)\s+"
                  r"(?P<num>" + _WORD + r"|\d+)\s+(?P<noun>[a-z]+)")
_VAGUE = re.compile(r"\b(?P<phrase>(?i:a significant number|a large number|a number|a handful|several(?: more)?|"
                    r"multiple|numerous|dozens|hundreds|thousands|many)(?P<np>(?:\s+of)?(?:\s+(?!of\b)[a-z][a-z-]*){0,2}))|"
                    r"\b(?P<some>some)(?=\s+\w+ed\b)")
KINDS = [  # (noun pattern, verb pattern near it, kind)
    (r"drones?|number|some", r"fired|launched", "dip:DronesLaunched"),
    (r"drones?|number|some", r"intercept|shot down|downed", "dip:DronesIntercepted"),
    (r"drones?|number|some", r"strike|hit|reached", "dip:DronesHit"),
    (r"people|children|civilians|.*", r"injur|wound", "dip:PeopleInjured"),
    (r"apartments?|flats?|homes?", r"evacuat", "dip:ApartmentsEvacuated"),
    (r"buildings?|silos?|houses?|homes?", r"damag|destroy", "dip:BuildingsDamaged"),
    (r"objectives?", r"", "dip:ObjectivesListed"),
    (r"conditions?", r"", "dip:ConditionsListed"),
]


def propose(ctx: Context) -> list[str]:
    text, made, taken = ctx.text, [], []

    def add(start, end, value, derived, noun, block=True):
        if any(s < end and start < e for s, e in taken) or ctx.in_heading(start):
            return
        if block:
            taken.append((start, end))
        made.append(_quantity(ctx, start, end, value, derived, noun))

    for match in _SUM.finditer(text):
        n = _value(match.group("num"))
        if n is not None:
            add(match.start(), match.end(), n + 1, True, match.group("noun"))
    for match in _COUNT.finditer(text):
        if _is_date_part(text, match) or re.search(r"\b(?:[Tt]he|[Bb]oth)\s+$", text[max(0, match.start() - 5):match.start()]) \
                and match.group("num") == "two":
            continue  # "the two nations" refers back to a pair; it counts nothing new
        words = (match.group("np") or "").split()
        noun_words = []
        for word in words:
            if word.lower() in STOP or (word[0].isupper() and not noun_words and len(words) == 1):
                break
            noun_words.append(word)
        plural = [i for i, w in enumerate(noun_words) if w.endswith(("s", "men")) or w in ("people", "children", "staff")]
        noun_words = noun_words[: plural[-1] + 1] if plural else noun_words[:1]
        if not noun_words:
            part = re.match(r"\s+of\s+(?:the\s+)?(?:\d+|" + _WORD + r")\s+(?:[a-z-]+\s+)?[a-z-]+s\b", text[match.end("num"):])
            if part:  # "12 of the 15 points"
                add(match.start(), match.end("num") + part.end(), _value(match.group("num")), False, part.group().split()[-1],
                    block=False)  # the second number is a count of its own
            continue
        end = _phrase_end(text, match.end("num") if not match.group("np") else match.start("np"), noun_words)
        value = None if match.group("half") or "." in match.group("num") else _value(match.group("num"), match.group("scale"))
        add(match.start(), end, value, False, noun_words[-1])
    for match in _VAGUE.finditer(text):
        if match.group("some"):
            add(match.start("some"), match.end("some"), None, False, "some")
            continue
        words = (match.group("np") or "").split()
        lead, rest = words[:1] == ["of"], words[1:] if words[:1] == ["of"] else words
        if any(w in STOP for w in rest):
            rest = rest[:[w in STOP for w in rest].index(True)]
        plural = [i for i, w in enumerate(rest) if w.endswith(("s", "men")) or w in ("people", "children", "staff")]
        if plural and rest and not rest[-1].endswith(("s", "men")):
            rest = rest[: plural[-1] + 1]  # "dozens of firms complained": the noun ends the phrase
        words = (["of"] if lead else []) + rest if rest else []  # "dozens of firms"
        base = match.group("phrase")[: len(match.group("phrase")) - len(match.group("np") or "")]
        phrase_end = _phrase_end(text, match.start("phrase") + len(base), words)
        if base.lower().startswith("a ") and words and not words[-1].endswith("s"):
            phrase_end = match.start("phrase") + len(base)  # "a significant number intercepted"
            words = []
        if not words and base.lower() in ("several", "many", "multiple", "numerous"):
            continue
        add(match.start("phrase"), phrase_end, None, False, words[-1] if words else base.split()[-1])
    return made


def _phrase_end(text: str, np_start: int, noun_words: list[str]) -> int:
    pos = np_start
    for word in noun_words:
        pos = text.index(word, pos) + len(word)
    return pos


def _is_date_part(text: str, match) -> bool:
    num = match.group("num")
    start, end = match.start("num"), match.end("num")
    if re.fullmatch(r"(?:1[89]|20)\d\d", num) and not match.group("np"):
        return True
    if re.fullmatch(r"(?:1[89]|20)\d\d", num) and re.search(r"\b(?:in|since|by|of|from|until|before|after)\s+$", text[max(0, start - 7):start]):
        return True
    if re.search(_MONTH + r"\s+$", text[max(0, start - 10):start]) or re.match(r"\s+" + _MONTH, text[end:end + 12]):
        return True
    if re.search(r"\b(?:[Ww]ithin|[Ii]n|[Ff]or|[Aa]fter)\s+(?:the\s+next\s+)?$", text[max(0, start - 16):start]) \
            and re.match(r"\s+(?:days?|weeks?|months?|years?)\b", text[end:end + 8]):
        return True  # "within two weeks", "in three days": when, not how many
    return bool(re.match(r"[-/:]\d", text[end:end + 2]) or re.search(r"\d[-/:]$", text[max(0, start - 2):start]))


def _value(num: str, scale: str | None = None) -> int | None:
    num = num.replace(",", "")
    if num.isdigit():
        value = int(num)
    else:
        parts = re.split(r"[- ]", num.lower())
        if not all(p in UNITS for p in parts):
            return None
        value = sum(UNITS[p] for p in parts) if parts[-1] != "hundred" else UNITS[parts[0]] * 100
    return value * {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}.get(scale or "", 1)


def _quantity(ctx: Context, start: int, end: int, value, derived: bool, noun: str) -> str:
    text = ctx.text
    phrase = text[start:end]
    sentence = ctx.sentence_at(start)
    kind = _kind(text, sentence, start, end, noun)
    props: dict = {}
    if kind is None:
        kind = _new_kind(ctx, noun, start, end)
    props["quantityKind"] = kind
    if value is not None:
        props["value"] = value
    if derived:
        props["valueDerived"] = True
    props["quantityPhrase"] = phrase
    reporter = _reported_by(ctx, sentence)
    if reporter:
        props["reportedBy"] = reporter
    ident = ctx.new_id("quantity", phrase)
    rule = "number-sum" if derived else ("number" if value is not None else "vague-amount")
    duration = _duration(phrase)
    node = ctx.node(ident, "Quantity", phrase[:1].upper() + phrase[1:], rule, 0.8 if value is not None else 0.55, **props)
    node.add_span(start, end)
    for _, _, event in ctx.events_in(*sentence):
        if duration and "duration" not in ctx.nodes[event].props:
            ctx.nodes[event].props["duration"] = duration  # the event's length as ISO 8601 (dip:duration)
        if ctx.nodes[event].a in ("Strike", "Talks", "Meeting", "Event", "Injury"):
            existing = ctx.nodes[event].props.setdefault("quantity", [])
            existing.append(ident)
            break
    return ident


_UNIT = {"minutes": "M", "minute": "M", "hours": "H", "hour": "H", "days": "D", "day": "D", "weeks": "W", "week": "W"}


def _duration(phrase: str) -> str | None:
    """ "four and a half hours" -> "PT4H30M"; None when not a length of time.

    >>> _duration("two days"), _duration("90 minutes"), _duration("38 apartments")
    ('P2D', 'PT90M', None)
    """
    match = re.fullmatch(r"(?P<num>.+?)(?P<half> and a half)?\s+(?P<unit>minutes?|hours?|days?|weeks?)", phrase)
    if not match or _value(match.group("num")) is None:
        return None
    n, unit = _value(match.group("num")), _UNIT[match.group("unit")]
    if match.group("half"):
        if unit == "H":
            return f"PT{n}H30M"
        if unit == "D":
            return f"P{n}DT12H"
        return None
    return f"PT{n}{unit}" if unit in "HM" else f"P{n}{unit}"


def _kind(text: str, sentence, start: int, end: int, noun: str) -> str | None:
    after = text[end:min(sentence[1], end + 30)]
    before = text[max(sentence[0], start - 60):start]
    for window in (after, before + after):
        for noun_pattern, verb_pattern, kind in KINDS:
            if re.fullmatch(noun_pattern, noun) and (not verb_pattern or re.search(verb_pattern, window)):
                return kind
    return None


def _new_kind(ctx: Context, noun: str, start: int, end: int) -> str:
    ident = f"quantitykind/{re.sub(r'[^a-z0-9]+', '-', noun.lower()).strip('-') or 'count'}"
    node = ctx.node(ident, "QuantityKind", noun.lower(), "new-quantity-kind", 0.3)
    node.add_span(start, end)
    return ident


def _reported_by(ctx: Context, sentence) -> str | None:
    match = re.search(r"\b(?:reported|said|according to)\b", ctx.text[sentence[0]:sentence[1]])
    if not match:
        return None
    pos = sentence[0] + match.start()
    if match.group().startswith("according"):
        after = ctx.mentions_in(pos, sentence[1], PARTY_KINDS)
        return after[0].ids[0] if after else None
    holder, _ = holder_before(ctx, sentence[0], pos)
    return holder[0] if isinstance(holder, list) else holder
