"""Run the drafting rules in order over one article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kg.authoring.draft import dates, events, names, numbers, positions, quotes
from kg.authoring.draft.context import Context
from kg.authoring.draft.gazetteer import Gazetteer
from kg.authoring.draft.proposals import Node


@dataclass
class Draft:
    """The proposals for one article, ready for the writer and the scorer."""

    text: str
    slug: str
    published: date
    title: str
    nodes: list[Node] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # ids the graph had before
    sentences: list[tuple[int, int]] = field(default_factory=list)


def draft_article(text: str, published: date, slug: str, *, title: str | None = None, data_dir="data",
                  gazetteer: Gazetteer | None = None, exclude: str | None = None) -> Draft:
    """Propose the mapping of ``text`` (an article published on ``published``).

    ``gazetteer`` defaults to every mapping and the background under
    ``data_dir`` (except the article folder ``exclude``: drafting an
    article the graph already has, "blind").
    """
    gaz = gazetteer.copy() if gazetteer is not None else Gazetteer.from_data(data_dir, exclude=exclude)
    ctx = Context(text, published, slug, gaz)
    ctx.gazetteer_before = set(gaz.known)
    names.propose(ctx)
    events.propose(ctx)
    found_quotes = quotes.propose(ctx)
    found_positions = positions.propose(ctx, found_quotes)
    numbers.propose(ctx)
    dates.propose(ctx, found_positions)
    _prune(ctx)
    draft = Draft(text, slug, published, title or slug, list(ctx.nodes.values()), dict(ctx.meta),
                  set(ctx.gazetteer_before), list(ctx.sentences))
    return draft


def _prune(ctx: Context) -> None:
    """Drop nodes without evidence and references to dropped nodes."""
    dropped = {ident for ident, node in ctx.nodes.items() if not node.spans}
    for ident in dropped:
        del ctx.nodes[ident]
    for node in ctx.nodes.values():
        for key, value in list(node.props.items()):
            if isinstance(value, list):
                kept = [v for v in value if v not in dropped]
                node.props[key] = kept
                if not kept:
                    del node.props[key]
            elif value in dropped:
                del node.props[key]
