"""A cheap fingerprint of the facts in the store, for caching results by their inputs.

Facts are only ever added by an import (one ``imports`` row each; a new vintage never
overwrites an old one), so the number of imports and the newest import id change whenever
the facts do. Results computed from the facts (panels, rankings) are cached under it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: plain SQL: the ORM models cost a tenth of a second to import on every warm start
_QUERY = sa.text("SELECT COUNT(*), MAX(id) FROM imports")


def facts_fingerprint(engine: Engine) -> tuple[int, int]:
    """(number of imports, newest import id); (0, 0) for an empty store."""
    with engine.connect() as conn:
        n, newest = conn.execute(_QUERY).one()
    return int(n or 0), int(newest or 0)
