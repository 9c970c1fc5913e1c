"""The service context: settings and the store engine they name.

Interfaces build one :class:`Context` (the CLI per command, the API per process) and pass
``ctx.engine`` to the service functions. The engine is migrated on first use; nothing else is
written by opening it (the starter snapshot is loaded only by ``burdenshare data starter``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

    from burdenshare.settings import Settings


@dataclass
class Context:
    """Settings plus a lazily opened, migrated engine."""

    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from burdenshare.store.db import get_engine

            self._engine = get_engine(self.settings.database_url)
        return self._engine


def context(db: str | None = None, **overrides) -> Context:
    """A context from the environment (``BURDENSHARE_*``), with ``db`` and any field
    overridden by the caller (the CLI's ``--db``)."""
    from burdenshare.settings import Settings

    values = {k: v for k, v in {"db": db, **overrides}.items() if v is not None}
    return Context(Settings(**values))


def engine_for(db: str | None = None) -> Engine:
    """The migrated engine for ``db`` (explicit URL, else ``$BURDENSHARE_DB``, else default)."""
    from burdenshare.store.db import get_engine

    return get_engine(db)
