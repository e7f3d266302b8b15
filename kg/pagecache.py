"""A small cache for whole-dataset figures pages show (class counts, the
search index, ontology usage): kept per store object, and recomputed when
the store's size changes. The size is looked at no more often than every
``CHECK_EVERY`` seconds, since counting a large store takes time too."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

CHECK_EVERY = 10.0

_entries: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _size(store) -> int:
    try:
        return len(store)
    except TypeError:
        return -1


def cached(store, key: str, compute: Callable[[], object]):
    """``compute()`` for ``store``, reused while the store keeps its size."""
    now = time.monotonic()
    with _lock:
        entry = _entries.setdefault(store, {}).get(key)
    if entry and now - entry[0] < CHECK_EVERY:
        return entry[2]
    size = _size(store)
    if entry and entry[1] == size and size >= 0:
        value = entry[2]
    else:
        value = compute()
    with _lock:
        _entries[store][key] = (now, size, value)
    return value
