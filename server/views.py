"""Kept for modules not yet moved to :mod:`kg.views.assemble` (the timeline
overview imports these two); new code uses the assemblers and
:func:`kg.views.context.jsonable` directly."""

from __future__ import annotations

from kg.views.assemble import timeline_events
from kg.views.context import event_json as _event_json

from . import links

__all__ = ["timeline_events", "event_json"]


def event_json(ev) -> dict:
    """A timeline event as JSON, with the URL of its page."""
    return _event_json(ev, links.href)
