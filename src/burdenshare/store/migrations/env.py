"""Alembic environment: runs migrations on the connection handed over by ``store.db``."""

from __future__ import annotations

from alembic import context

from burdenshare.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the CLI always passes a connection
    raise RuntimeError("burdenshare migrations run through burdenshare.store.db.get_engine")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
