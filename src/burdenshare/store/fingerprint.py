"""A cheap fingerprint of the facts in the store, for caching results by their inputs.

Facts are only ever added by an import (one ``imports`` row each; a new vintage never
overwrites an old one), so the number of imports and the newest import id change whenever
the facts do. Results computed from the facts (panels, rankings) are cached under it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from burdenshare.store.models import Import


def facts_fingerprint(engine: Engine) -> tuple[int, int]:
    """(number of imports, newest import id); (0, 0) for an empty store."""
    t = Import.__table__
    with engine.connect() as conn:
        n, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(t.c.id))).one()
    return int(n or 0), int(newest or 0)
