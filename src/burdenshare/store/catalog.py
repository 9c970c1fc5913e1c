"""Catalog versions in the store: load the current one, save a new one (one transaction each).

The catalog itself (validation, file parsing, the illustrative catalog) is pure and lives in
:mod:`burdenshare.cases.catalog`; this module is its persistence, in tables
``catalog_versions`` / ``catalog_items`` (:mod:`burdenshare.store.catalog_models`). Versions
are append-only: saving never overwrites an earlier one.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from burdenshare.cases.catalog import Catalog, CatalogItem, illustrative_catalog
from burdenshare.store.catalog_models import CatalogItemRecord, CatalogVersion


def load_catalog(engine: sa.Engine | None = None) -> Catalog:
    """The latest catalog imported into the store, or the illustrative one when none is."""
    if engine is None:
        return illustrative_catalog()
    with engine.connect() as conn:
        version = conn.execute(
            sa.select(CatalogVersion).order_by(CatalogVersion.id.desc()).limit(1)
        ).first()
        if version is None:
            return illustrative_catalog()
        rows = conn.execute(
            sa.select(CatalogItemRecord)
            .where(CatalogItemRecord.catalog_version_id == version.id)
            .order_by(CatalogItemRecord.position)
        ).all()
    items = []
    for row in rows:
        capacity = (
            {"capacity_per_year": row.capacity_per_quarter * 4.0}
            if row.capacity_basis == "year"
            else {"capacity_per_quarter": row.capacity_per_quarter}
        )
        items.append(
            CatalogItem(
                id=row.item_id,
                name=row.name,
                category=row.category,
                usml_category=row.usml_category,
                production_line=row.production_line,
                unit_cost_usd_m=row.unit_cost_usd_m,
                lead_time_months=row.lead_time_months,
                strategy_priority=row.strategy_priority,
                us_forces_draw=row.us_forces_draw,
                backlog_units=row.backlog_units,
                pre_cleared=bool(row.pre_cleared),
                **capacity,
            )
        )
    return Catalog(
        items=tuple(items),
        name=version.name,
        version=version.version,
        illustrative=version.illustrative,
        notice=version.notice,
        source=version.source,
    )


def save_catalog(engine: sa.Engine, catalog: Catalog) -> tuple[int, bool]:
    """Store ``catalog`` as the new current version, in one transaction.

    Returns ``(version id, created)``. Importing the same content as the current version again
    is a no-op (``created`` is False). Earlier versions are kept, never overwritten.
    """
    digest = catalog.content_hash()
    with engine.begin() as conn:
        current = conn.execute(
            sa.select(CatalogVersion.id, CatalogVersion.sha256)
            .order_by(CatalogVersion.id.desc())
            .limit(1)
        ).first()
        if current is not None and current.sha256 == digest:
            return int(current.id), False
        version_id = conn.execute(
            sa.insert(CatalogVersion).returning(CatalogVersion.id),
            {
                "name": catalog.name,
                "version": catalog.version,
                "illustrative": catalog.illustrative,
                "notice": catalog.notice,
                "source": catalog.source,
                "sha256": digest,
                "n_items": len(catalog.items),
                "imported_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            },
        ).scalar_one()
        conn.execute(
            sa.insert(CatalogItemRecord),
            [
                {
                    "catalog_version_id": version_id,
                    "position": position,
                    "item_id": item.id,
                    "name": item.name,
                    "category": item.category,
                    "usml_category": item.usml_category,
                    "production_line": item.production_line,
                    "capacity_per_quarter": item.quarterly_capacity,
                    "capacity_basis": "quarter"
                    if item.capacity_per_quarter is not None
                    else "year",
                    "unit_cost_usd_m": item.unit_cost_usd_m,
                    "lead_time_months": item.lead_time_months,
                    "strategy_priority": item.strategy_priority,
                    "us_forces_draw": item.us_forces_draw,
                    "backlog_units": item.backlog_units,
                    "pre_cleared": item.pre_cleared,
                }
                for position, item in enumerate(catalog.items)
            ],
        )
    return int(version_id), True
