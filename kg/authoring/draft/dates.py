"""Dates and times: absolute ("2025-02-19", "March 10, 2025", "in 2022")
and relative ("Thursday", "March 10", "overnight", "last week", "in
April") resolved against the article date, the relative ones marked
inferred with how they were read; "recently" stays a phrase.

Whether a weekday or a month without a year lies ahead is read from its
own clause ("agreed on Wednesday to a ceasefire, to take effect on
Saturday": Wednesday past, Saturday ahead), not from the whole sentence.
"since March" gives a beginning only; "within two weeks" the span from the
article date.

Each time expression goes to the nearest event named in its sentence that
has no time yet and whose status agrees with it (a planned event is not
given a past date, a held one a future date) (``date``/``year``/
``earliestBegin``+``latestEnd``), or as a ``timePhrase`` to a position of
that sentence.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from kg.authoring.draft.context import Context

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_M = "(?P<month>" + "|".join(MONTHS) + ")"
PATTERNS = [
    ("iso", r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    ("month-day", _M + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4})\b)?"),
    ("day-month", r"\b(?P<day>\d{1,2})\s+" + _M + r"(?:\s+(?P<year>\d{4}))?\b"),
    ("month", r"\b(?:in|since|by|until|from|of|early|late|mid-)\s+" + _M + r"(?:\s+(?P<year>\d{4}))?\b"),
    ("year", r"\b(?:in|since|by|until|from|of|before|after|early|late)\s+(?P<year>(?:19|20)\d\d)\b"),
    ("weekday", r"\b(?:(?P<rel>last|this|next|on)\s+)?(?P<weekday>" + "|".join(DAYS) + r")\b"),
    ("overnight", r"\b[Oo]vernight\b"),
    ("yesterday", r"\b[Yy]esterday\b"),
    ("today", r"\b(?:[Tt]oday|[Tt]his morning|[Tt]onight)\b"),
    ("week", r"\b(?P<rel>[Ll]ast|[Tt]his|[Nn]ext)\s+week\b"),
    ("month-rel", r"\b(?P<rel>[Ll]ast|[Tt]his|[Nn]ext)\s+month\b"),
    ("within", r"\b[Ww]ithin\s+(?:the\s+next\s+)?(?P<n>\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
               r"(?P<unit>days?|weeks?|months?)\b"),
    ("vague", r"\b(?:[Rr]ecently|[Ee]arlier this (?:week|month|year)|[Ll]ater this (?:week|month|year))\b"),
]
_COMPILED = [(rule, re.compile(pattern)) for rule, pattern in PATTERNS]
_FUTURE = re.compile(r"\b(?:will|would|could|shall|next|scheduled|rescheduling|rescheduled|planned|expected|to be held|"
                     r"(?:to|will|would) (?:take effect|begin|start|come into force))\b")
_CLAUSE_END = re.compile(r"[,;:]\s")
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10}


@dataclass
class TimeExpr:
    start: int
    end: int
    phrase: str
    props: dict  # date / year / earliestBegin + latestEnd, timeInferred, timeResolution
    rule: str


def find(ctx: Context) -> list[TimeExpr]:
    """Every time expression (leftmost-longest, no overlaps), resolved."""
    matches = sorted(((m.start(), -m.end(), rule, m) for rule, regex in _COMPILED for m in regex.finditer(ctx.text)),
                     key=lambda t: (t[0], t[1]))
    found: list[TimeExpr] = []
    last_end = -1
    for start, neg_end, rule, match in matches:
        if start < last_end:
            continue
        if ctx.dateline_span and ctx.dateline_span[0] - 20 <= start < ctx.dateline_span[0]:
            continue  # the dateline's own date is the publication date
        props = _resolve(rule, match, ctx.published, bool(_FUTURE.search(clause(ctx, start, -neg_end))))
        if props is None:
            continue
        last_end = -neg_end
        found.append(TimeExpr(start, -neg_end, match.group(), props, rule))
    return found


def clause(ctx: Context, start: int, end: int) -> str:
    """The words that tell whether the time at ``[start, end)`` lies ahead:
    its clause (from the last comma, semicolon or colon before it in its
    sentence) up to the time itself; for a time that opens its clause
    ("On Friday, ...") the clause after it.

    >>> from datetime import date
    >>> from kg.authoring.draft.gazetteer import Gazetteer
    >>> text = "They met on Monday and said they would meet again, to take effect on Saturday."
    >>> ctx = Context(text, date(2025, 5, 22), "x", Gazetteer())
    >>> clause(ctx, text.index("on Monday"), text.index("on Monday") + 9)
    'They met on Monday'
    >>> clause(ctx, text.index("on Saturday"), text.index("on Saturday") + 11)
    'to take effect on Saturday'
    """
    s_start, s_end = ctx.sentence_at(start)
    before = [m.end() for m in _CLAUSE_END.finditer(ctx.text, s_start, start)]
    lo = before[-1] if before else s_start
    if not ctx.text[lo:start].strip():
        after = _CLAUSE_END.search(ctx.text, end, s_end)
        if after:
            following = _CLAUSE_END.search(ctx.text, after.end(), s_end)
            return ctx.text[lo:following.start() if following else s_end].strip()
    return ctx.text[lo:end].strip()


def _resolve(rule: str, m: re.Match, pub: date, future: bool) -> dict | None:
    said = f"in an article published on {calendar.day_name[pub.weekday()]} {pub.isoformat()}"
    if rule == "iso":
        try:
            return {"date": date(int(m["y"]), int(m["m"]), int(m["d"]))}
        except ValueError:
            return None
    if rule in ("month-day", "day-month"):
        month, day = MONTHS.index(m["month"]) + 1, int(m["day"])
        if m["year"]:
            try:
                return {"date": date(int(m["year"]), month, day)}
            except ValueError:
                return None
        candidates = []
        for year in (pub.year - 1, pub.year, pub.year + 1):
            try:
                candidates.append(date(year, month, day))
            except ValueError:
                pass
        if not candidates:
            return None
        best = min(candidates, key=lambda d: (abs((d - pub).days), d < pub if future else d > pub))
        return _inferred({"date": best}, f'"{m.group()}" has no year; resolved to {best.year}, the nearest {m["month"]} '
                                         f"{day} to the publication date ({pub.isoformat()}).")
    if rule == "month" and m.group().startswith("since") and not m["year"]:
        month = MONTHS.index(m["month"]) + 1
        year = pub.year if month <= pub.month else pub.year - 1
        return _inferred({"earliestBegin": date(year, month, 1)}, f'"{m.group()}" {said}: from {m["month"]} {year} on.')
    if rule == "within":
        n = int(m["n"]) if m["n"].isdigit() else _NUMBER_WORDS[m["n"].lower()]
        unit = m["unit"].rstrip("s")
        if unit == "month":
            year, month = divmod(pub.year * 12 + pub.month - 1 + n, 12)
            last = date(year, month + 1, min(pub.day, calendar.monthrange(year, month + 1)[1]))
        else:
            last = pub + timedelta(days=n * (7 if unit == "week" else 1))
        return _inferred({"earliestBegin": pub, "latestEnd": last}, f'"{m.group()}" {said}: by {last.isoformat()}.')
    if rule == "month":
        month = MONTHS.index(m["month"]) + 1
        year = int(m["year"]) if m["year"] else (pub.year if month >= pub.month or not future else pub.year + 1)
        if not m["year"] and not future and month > pub.month:
            year = pub.year - 1
        last = calendar.monthrange(year, month)[1]
        props = {"earliestBegin": date(year, month, 1), "latestEnd": date(year, month, last)}
        return props if m["year"] else _inferred(props, f'"{m.group()}" {said}: {m["month"]} {year}.')
    if rule == "year":
        return {"year": int(m["year"])}
    if rule == "weekday":
        target = DAYS.index(m["weekday"])
        if m["rel"] == "next" or (future and m["rel"] != "last"):
            delta = (target - pub.weekday()) % 7 or 7
        else:
            delta = -((pub.weekday() - target) % 7)
        day = pub + timedelta(days=delta)
        return _inferred({"date": day}, f'"{m.group()}" {said}: {day.isoformat()}.')
    if rule == "overnight":
        props = {"earliestBegin": pub - timedelta(days=1), "latestEnd": pub}
        return _inferred(props, f'"{m.group()}" is read as the night before the publication date: from '
                                f"{(pub - timedelta(days=1)).isoformat()} to {pub.isoformat()}.")
    if rule == "yesterday":
        return _inferred({"date": pub - timedelta(days=1)}, f'"{m.group()}" {said}.')
    if rule == "today":
        return _inferred({"date": pub}, f'"{m.group()}" {said}.')
    if rule == "week":
        monday = pub - timedelta(days=pub.weekday())
        shift = {"last": -7, "this": 0, "next": 7}[m["rel"].lower()]
        begin = monday + timedelta(days=shift)
        props = {"earliestBegin": begin, "latestEnd": begin + timedelta(days=6)}
        return _inferred(props, f'"{m.group()}" {said}: the calendar week from Monday {begin.isoformat()} to '
                                f"Sunday {(begin + timedelta(days=6)).isoformat()}.")
    if rule == "month-rel":
        shift = {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
        year, month = divmod(pub.year * 12 + pub.month - 1 + shift, 12)
        month += 1
        props = {"earliestBegin": date(year, month, 1), "latestEnd": date(year, month, calendar.monthrange(year, month)[1])}
        return _inferred(props, f'"{m.group()}" {said}: {MONTHS[month - 1]} {year}.')
    return {}  # a vague phrase: kept as timePhrase only


def _timed(node) -> bool:
    return any(k in node.props for k in ("date", "year", "earliestBegin", "latestEnd", "timePhrase"))


def _disagrees(node, expr: TimeExpr, published: date) -> bool:
    """A planned event and a past time, or a held event and a future one."""
    when = expr.props.get("date") or expr.props.get("earliestBegin")
    if not isinstance(when, date):
        return False
    status = set(node.props.get("status") or [])
    ahead = {"dip:Planned", "dip:Scheduled", "dip:Proposed", "dip:Rescheduled"}
    return bool(status & ahead and when < published) or ("dip:Held" in status and when > published)


def _inferred(props: dict, how: str) -> dict:
    return {**props, "timeInferred": True, "timeResolution": how}


def propose(ctx: Context, positions: list[str]) -> list[TimeExpr]:
    """Attach each time expression to an event or position of its sentence."""
    found = find(ctx)
    by_sentence: dict[tuple[int, int], list[str]] = {}
    for ident in positions:
        if ctx.nodes[ident].spans:
            by_sentence.setdefault(ctx.nodes[ident].spans[0], []).append(ident)
    for expr in found:
        sentence = ctx.sentence_at(expr.start)
        events = [(_timed(ctx.nodes[ident]), s > expr.start, abs(s - expr.start), ident)
                  for s, e, ident in ctx.events_in(*sentence) if not _disagrees(ctx.nodes[ident], expr, ctx.published)]
        if events:  # the nearest event named before it, else after it; untimed first
            node = ctx.nodes[min(events)[-1]]
            if not _timed(node):
                node.props["timePhrase"] = expr.phrase
                node.props.update(expr.props)
                if not any(s <= expr.start < e for s, e in node.spans):
                    node.add_span(expr.start, expr.end)
                node.rule += "+time-" + expr.rule
            continue
        for ident in by_sentence.get(sentence, []):
            node = ctx.nodes[ident]
            if "timePhrase" not in node.props:
                node.props["timePhrase"] = expr.phrase
                break
    return found
