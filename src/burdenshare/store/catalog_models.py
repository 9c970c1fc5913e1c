"""Tables of the prioritized sales catalog (migration ``0003``).

``catalog_versions`` holds one row per imported catalog (append-only: a new import never
overwrites an earlier one; the latest is current); ``catalog_items`` its items. Capacity is
stored per quarter, with the basis the file used (``quarter`` or ``year``) so that the catalog
reads back exactly as imported.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from burdenshare.store.models import Base


class CatalogVersion(Base):
    """One imported catalog: name, version label, provenance, illustrative flag."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    version: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    illustrative: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    notice: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    n_items: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, nullable=False)


class CatalogItemRecord(Base):
    """One platform or system of a catalog version."""

    __tablename__ = "catalog_items"

    catalog_version_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("catalog_versions.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    usml_category: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    production_line: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    capacity_per_quarter: Mapped[float] = mapped_column(sa.Float, nullable=False)
    capacity_basis: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    unit_cost_usd_m: Mapped[float] = mapped_column(sa.Float, nullable=False)
    lead_time_months: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    strategy_priority: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    us_forces_draw: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    backlog_units: Mapped[float] = mapped_column(sa.Float, nullable=False)
    pre_cleared: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
