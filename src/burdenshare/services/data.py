"""Facts in the store: status, and loading the starter snapshot (an explicit step)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine


def status(engine: Engine) -> dict[str, Any]:
    from burdenshare.store.facts import status as store_status

    return store_status(engine)


def load_starter(engine: Engine, *, actor: str) -> int:
    """Load the bundled snapshot when the store holds no facts; returns rows loaded."""
    from burdenshare.starter import ensure_starter
    from burdenshare.store.cases import audit_only

    loaded = ensure_starter(engine)
    if loaded:
        audit_only(
            engine, actor=actor, kind="data_starter", subject="facts", payload={"rows": loaded}
        )
    return loaded
