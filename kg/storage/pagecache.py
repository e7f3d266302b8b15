"""A small cache for whole-dataset figures pages show (class counts, the
search index, ontology usage): kept per store object, and recomputed when
the store's version changes.

The version is ``store.version()`` (``kg.storage.interface.GraphStore``),
asked no more often than every ``CHECK_EVERY`` seconds, since for a store
that can change it may cost a count (0.6 s at 2.4M quads). A ``frozen``
store (on disk, opened read-only) cannot change while open, so its figures
are computed once.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

CHECK_EVERY = 10.0
FROZEN = "frozen"  # the version of a store that cannot change

_entries: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def frozen(store) -> bool:
    """True for a store whose contents cannot change while open."""
    return store.frozen


def version(store):
    """What changes when the store's contents do (``FROZEN`` when they cannot)."""
    if frozen(store):
        return FROZEN
    return store.version()


def cached(store, key: str, compute: Callable[[], object]):
    """``compute()`` for ``store``, reused while the store keeps its version."""
    now = time.monotonic()
    with _lock:
        entry = _entries.setdefault(store, {}).get(key)
    if entry and (entry[1] == FROZEN or now - entry[0] < CHECK_EVERY):
        return entry[2]
    current = version(store)
    if entry and entry[1] == current:
        value = entry[2]
    else:
        value = compute()
    with _lock:
        _entries[store][key] = (now, current, value)
    return value


PAGES_KEPT = 512  # rendered documents kept per frozen store
_pages: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def remembered(store, key: tuple, compute: Callable[[], object]):
    """``compute()`` kept for ``key`` (least recently used dropped past
    ``PAGES_KEPT``) when ``store`` is frozen; computed each time otherwise.
    A document of a store that cannot change is the same every time."""
    if not frozen(store):
        return compute()
    with _lock:
        kept = _pages.setdefault(store, OrderedDict())
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    value = compute()
    with _lock:
        kept[key] = value
        while len(kept) > PAGES_KEPT:
            kept.popitem(last=False)
    return value
