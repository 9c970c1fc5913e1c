"""A cheap fingerprint of the facts in the store, for caching results by their inputs.

Facts are only ever added by an import (one ``imports`` row each; a new vintage never
overwrites an old one), so the number of imports and the newest import id change whenever
the facts do. Results computed from the facts (panels, rankings) are cached under it.
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: How long a fingerprint is reused within a process (an import made by another process is
#: seen at most this much later; one made through this process clears it at once).
TTL_SECONDS = 0.5
_QUERY = sa.text("SELECT count(*), max(id) FROM imports")
_seen: dict[str, tuple[float, tuple[int, int]]] = {}
_lock = threading.Lock()


def facts_fingerprint(engine: Engine) -> tuple[int, int]:
    """(number of imports, newest import id); (0, 0) for an empty store."""
    key = str(engine.url)
    now = time.monotonic()
    with _lock:
        hit = _seen.get(key)
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]
    with engine.connect() as conn:
        n, newest = conn.execute(_QUERY).one()
    value = (int(n or 0), int(newest or 0))
    with _lock:
        _seen[key] = (now, value)
    return value


def forget() -> None:
    """Drop remembered fingerprints (after an import in this process)."""
    with _lock:
        _seen.clear()
