"""A small cache for whole-dataset figures pages show (class counts, the
search index, ontology usage): kept per store object, and recomputed when
the store's version changes.

The version is the store's size, looked at no more often than every
``CHECK_EVERY`` seconds since counting a large store takes time too (0.6 s
at 2.4M quads). An on-disk store opened read-only cannot change while
open, so its figures are computed once and its size never counted.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

import pyoxigraph as ox

CHECK_EVERY = 10.0
FROZEN = "frozen"  # the version of a store that cannot change

_entries: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def frozen(store) -> bool:
    """True for an embedded on-disk store opened read-only."""
    return getattr(store, "read_only", False) is True and isinstance(getattr(store, "inner", None), ox.Store)


def version(store):
    """What changes when the store's contents do (``FROZEN`` when they cannot)."""
    if frozen(store):
        return FROZEN
    try:
        return len(store)
    except TypeError:
        return -1


def cached(store, key: str, compute: Callable[[], object]):
    """``compute()`` for ``store``, reused while the store keeps its version."""
    now = time.monotonic()
    with _lock:
        entry = _entries.setdefault(store, {}).get(key)
    if entry and (entry[1] == FROZEN or now - entry[0] < CHECK_EVERY):
        return entry[2]
    current = version(store)
    if entry and entry[1] == current and current != -1:
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
