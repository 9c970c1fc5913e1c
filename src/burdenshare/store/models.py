"""SQLAlchemy models of the fact store.

Two tables hold every published number: ``imports`` records each file that was loaded
(source, format, vintage, file name, sha256, publisher URL, import time) and ``facts`` holds
the tidy facts, each tied to the import it came from. A new vintage never overwrites an old
one: the key is ``(source, vintage, iso3, year, indicator)``. ``source_records`` keeps the
non-numeric tables a source provides (e.g. the SIPRI trade-register deals) as JSON rows.

Other areas declare their tables on the same :class:`Base` (cases in ``case_models.py``,
the catalog in ``catalog_models.py``); Alembic migrations create them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The one declarative base of every burdenshare table."""


class Import(Base):
    """One loaded file (or one slice of the bundled starter snapshot)."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(64))
    vintage: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    publisher_url: Mapped[str] = mapped_column(String(512), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    is_starter: Mapped[bool] = mapped_column(Boolean, default=False)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)


class Fact(Base):
    """One number about one country-year from one release of one publisher."""

    __tablename__ = "facts"
    __table_args__ = (
        UniqueConstraint("source", "vintage", "iso3", "year", "indicator", name="uq_fact_key"),
        Index("ix_facts_indicator_iso3_year", "indicator", "iso3", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    vintage: Mapped[str] = mapped_column(String(32))
    iso3: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(32))
    flags: Mapped[str] = mapped_column(String(128), default="")


class SourceRecord(Base):
    """A row of a non-fact table provided by a source (e.g. one arms-transfer deal)."""

    __tablename__ = "source_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
