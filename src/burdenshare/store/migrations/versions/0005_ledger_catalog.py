"""Catalog items pre-cleared for qualified partners (the fast lane, EO 14383).

``catalog_items.pre_cleared``: the item is pre-cleared for partners that qualify for the
fast lane, whose cases then skip the steps the policy's ``fast_lane.pre_cleared_skips``
names (burdenshare.cases.fastlane). Existing items default to not pre-cleared.

Revision ID: 0005_ledger
Revises: 0005_api
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ledger"
down_revision = "0005_api"  # chained after the API branch merged here (was 0004_law)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_items") as batch:
        batch.add_column(
            sa.Column("pre_cleared", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_items") as batch:
        batch.drop_column("pre_cleared")
