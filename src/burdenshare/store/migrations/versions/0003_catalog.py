"""Prioritized sales catalog: catalog_versions and catalog_items.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("illustrative", sa.Boolean, nullable=False),
        sa.Column("notice", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("n_items", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_catalog_versions_sha256", "catalog_versions", ["sha256"])
    op.create_table(
        "catalog_items",
        sa.Column(
            "catalog_version_id",
            sa.Integer,
            sa.ForeignKey("catalog_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("usml_category", sa.String(30), nullable=False),
        sa.Column("production_line", sa.String(100), nullable=False),
        sa.Column("capacity_per_quarter", sa.Float, nullable=False),
        sa.Column("capacity_basis", sa.String(8), nullable=False),
        sa.Column("unit_cost_usd_m", sa.Float, nullable=False),
        sa.Column("lead_time_months", sa.Integer, nullable=False),
        sa.Column("strategy_priority", sa.String(16), nullable=False),
        sa.Column("us_forces_draw", sa.Boolean, nullable=False),
        sa.Column("backlog_units", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_items")
    op.drop_index("ix_catalog_versions_sha256", table_name="catalog_versions")
    op.drop_table("catalog_versions")
