"""Fact repository: import parsed files in one transaction, query facts by vintage.

Rules (DESIGN.md, "Data"):

- Re-importing the same file (same sha256) is a no-op.
- A new vintage never overwrites an old one; both are kept and can be queried.
- ``vintage="latest"`` picks, for each (source, indicator), the newest vintage holding it.
- An import is one transaction: a file that fails leaves the database exactly as it was.
- Facts from the bundled starter snapshot are superseded when the full official file of the
  same source and vintage is imported: the starter rows for those indicators are removed in
  the same transaction -- but only when the file holds every (country, year) the starter held.
- Damaged files never replace good data: an import that would replace stored facts of the same
  release (source, vintage, indicator) with fewer or different ones is refused unless the user
  asks for it (``replace=True``, ``data import --replace``); the replaced facts are then kept,
  relabelled as their own vintage ``<vintage>~replaced-<import id>`` (the id of the import they
  came from), retrievable with ``load_facts(vintage=...)``; ``latest`` and ``all`` skip them.
- A new release whose count of facts for an indicator is under
  :data:`PLAUSIBLE_SHARE` of the newest earlier release of the same source is refused as
  implausible (a truncated file) unless ``replace=True``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from burdenshare.errors import StoreError
from burdenshare.facts import FACT_COLUMNS, ParseResult, split_flags, validate_facts
from burdenshare.store.models import Fact, Import, SourceRecord

#: A new release must hold at least this share of the earlier release's facts per indicator.
PLAUSIBLE_SHARE = 0.9

#: Marker in the vintage label of facts replaced by ``--replace`` (kept, never deleted).
REPLACED_MARK = "~replaced-"


@dataclass(frozen=True)
class ImportSummary:
    """What one import did, for the CLI summary and for tests."""

    file_name: str
    source: str
    format: str
    vintage: str
    sha256: str
    rows: int
    countries: int
    years: tuple[int, int] | None
    indicators: tuple[str, ...]
    flag_counts: dict[str, int]
    skipped: bool = False
    superseded_starter_rows: int = 0
    replaced: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _flag_counts(facts: pd.DataFrame) -> dict[str, int]:
    """How many facts carry each flag (counted per distinct flag string, then split)."""
    counts: dict[str, int] = {}
    for combo, n in facts["flags"].value_counts().items():
        for flag in split_flags(combo):
            counts[flag] = counts.get(flag, 0) + int(n)
    return dict(sorted(counts.items()))


def _summary(
    result: ParseResult,
    *,
    file_name: str,
    fmt: str,
    sha: str,
    skipped: bool,
    superseded: int = 0,
    replaced: dict[str, int] | None = None,
) -> ImportSummary:
    f = result.facts
    years = (int(f["year"].min()), int(f["year"].max())) if len(f) else None
    return ImportSummary(
        file_name=file_name,
        source=result.source,
        format=fmt,
        vintage=result.vintage,
        sha256=sha,
        rows=len(f),
        countries=int(f["iso3"].nunique()),
        years=years,
        indicators=tuple(sorted(f["indicator"].unique())),
        flag_counts=_flag_counts(f),
        skipped=skipped,
        superseded_starter_rows=superseded,
        replaced=dict(replaced or {}),
        warnings=list(result.warnings),
        unmatched=list(result.unmatched),
    )


def _json_safe(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return _json_safe(value.item())
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "tolist"):
        return _json_safe(value.tolist())
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    cols = list(frame.columns)
    return [
        {c: _json_safe(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def import_result(
    engine: Engine,
    result: ParseResult,
    *,
    file_name: str,
    sha256: str,
    fmt: str,
    publisher_url: str = "",
    is_starter: bool = False,
    replace: bool = False,
) -> ImportSummary:
    """Store one parsed file atomically; a no-op when the same bytes were imported before.

    ``replace``: allow replacing stored facts of the same release with fewer or different
    ones (the old facts are relabelled, not deleted) and a release implausibly smaller than
    the previous one.
    """
    facts = validate_facts(result.facts)
    result = ParseResult(
        facts=facts,
        source=result.source,
        vintage=result.vintage,
        warnings=result.warnings,
        unmatched=result.unmatched,
        meta=result.meta,
        extra=result.extra,
    )
    with engine.begin() as conn:
        existing = conn.execute(
            sa.select(Import.id).where(Import.sha256 == sha256)
        ).scalar_one_or_none()
        if existing is not None:
            return _summary(result, file_name=file_name, fmt=fmt, sha=sha256, skipped=True)
        if not is_starter and not replace:
            _check_plausible(conn, facts, file_name)
        superseded, replaced = _resolve_overlap(
            conn, facts, is_starter=is_starter, replace=replace, file_name=file_name
        )
        import_id = conn.execute(
            sa.insert(Import).returning(Import.id),
            {
                "source": result.source,
                "format": fmt,
                "vintage": result.vintage,
                "file_name": file_name,
                "sha256": sha256,
                "publisher_url": publisher_url,
                "imported_at": dt.datetime.now(dt.UTC),
                "row_count": len(facts),
                "is_starter": is_starter,
                "meta": _import_meta(result),
            },
        ).scalar_one()
        if len(facts):
            _bulk_insert_facts(conn, import_id, facts)
        for table_name, frame in result.extra.items():
            payloads = [json.dumps(p, allow_nan=False) for p in _records(frame)]
            _fast_insert(
                conn,
                "source_records",
                ["import_id", "table_name", "payload"],
                [(import_id, table_name, p) for p in payloads],
            )
    from burdenshare.store.fingerprint import forget

    forget()  # cached results keyed on the facts fingerprint see the new import at once
    return _summary(
        result,
        file_name=file_name,
        fmt=fmt,
        sha=sha256,
        skipped=False,
        superseded=superseded,
        replaced=replaced,
    )


def _import_meta(result: ParseResult) -> dict:
    """What the import keeps besides facts: the parser's provenance, the release date, and
    the exclusions it reported (aggregates, non-state parties, unmatched names) so that
    ``data status`` can show them later, not only at import time."""
    meta: dict = {k: str(v) for k, v in result.meta.items()}
    meta.setdefault("release_date", release_date_of(result.vintage, result.meta))
    meta["exclusions"] = list(result.warnings)
    meta["unmatched"] = list(result.unmatched)
    return meta


def release_date_of(vintage: str, meta: dict | None = None) -> str:
    """The release date of a vintage: the parser's ``release_date`` when it gives one, else
    the vintage itself when it is a date ("2024-06-17"; "2026-04" for a month, "2012" for a
    year: only as precise as the publisher states it), else ""."""
    given = (meta or {}).get("release_date")
    if given:
        return str(given)
    import re

    return vintage if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", vintage or "") else ""


def _bulk_insert_facts(conn: sa.Connection, import_id: int, facts: pd.DataFrame) -> None:
    """Insert many facts fast (column lists zipped into tuples; no per-row pandas access)."""
    values = [None if v != v else v for v in facts["value"].to_numpy(dtype="float64").tolist()]
    columns = [
        [import_id] * len(facts),
        *(facts[c].tolist() for c in FACT_COLUMNS if c not in ("value",)),
    ]
    names = ["import_id", *(c for c in FACT_COLUMNS if c != "value")]
    columns.append(values)
    names.append("value")
    _fast_insert(conn, "facts", names, list(zip(*columns, strict=True)))


def _fast_insert(conn: sa.Connection, table: str, names: list[str], rows: list[tuple]) -> None:
    """Bulk insert plain tuples: DBAPI executemany on SQLite, COPY on PostgreSQL."""
    if not rows:
        return
    cols = ", ".join(names)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in names)
        conn.connection.driver_connection.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows
        )
        return
    target = sa.table(table, *(sa.column(n) for n in names))
    conn.execute(sa.insert(target), [dict(zip(names, r, strict=True)) for r in rows])


def _resolve_overlap(
    conn: sa.Connection,
    facts: pd.DataFrame,
    *,
    is_starter: bool,
    replace: bool = False,
    file_name: str = "",
) -> tuple[int, dict[str, int]]:
    """Handle facts whose (source, vintage, indicator) the store already holds.

    Returns (starter rows removed, {relabelled vintage: facts moved there}).

    - Starter rows: superseded when the file covers every (country, year) they hold (the
      starter rounds values, so values are not compared).
    - Facts of another full file: refused unless ``replace`` (the message says whether the
      new file has fewer or different facts, a truncated or damaged file), and then the old
      facts are relabelled ``<vintage>~replaced-<their import id>``.
    """
    if facts.empty:
        return 0, {}
    keys = facts[["source", "vintage", "indicator"]].drop_duplicates()
    removed = 0
    relabelled: dict[str, int] = {}
    f = Fact.__table__
    for source, vintage, indicator in keys.itertuples(index=False, name=None):
        holders = conn.execute(
            sa.select(Import.id, Import.file_name, Import.is_starter)
            .join(Fact, Fact.import_id == Import.id)
            .where(Fact.source == source, Fact.vintage == vintage, Fact.indicator == indicator)
            .distinct()
        ).all()
        if not holders:
            continue
        new = facts[facts["indicator"] == indicator]
        new = new[(new["source"] == source) & (new["vintage"] == vintage)]
        new_vals = dict(
            zip(zip(new["iso3"], new["year"], strict=True), new["value"].tolist(), strict=True)
        )
        for holder_id, holder_file, holder_is_starter in holders:
            if is_starter and not holder_is_starter:
                raise StoreError(
                    f"the store already holds {indicator!r} of {source} vintage {vintage} "
                    f"from {holder_file!r}; the starter snapshot never replaces it"
                )
            where = sa.and_(
                f.c.import_id == holder_id,
                f.c.source == source,
                f.c.vintage == vintage,
                f.c.indicator == indicator,
            )
            old = conn.execute(sa.select(f.c.iso3, f.c.year, f.c.value).where(where)).all()
            missing = [(i, y) for i, y, _ in old if (i, int(y)) not in new_vals]
            changed = (
                []
                if holder_is_starter
                else [
                    (i, y)
                    for i, y, v in old
                    if (i, int(y)) in new_vals and not _same(v, new_vals[(i, int(y))])
                ]
            )
            if holder_is_starter and not missing:
                removed += conn.execute(sa.delete(f).where(where)).rowcount or 0
                continue
            if not replace and not missing and not changed:
                raise StoreError(
                    f"the store already holds {indicator!r} of {source} vintage {vintage} "
                    f"from {holder_file!r}; a different file claims the same release "
                    "(use --replace to store it; the old facts are kept as vintage "
                    f"{vintage}{REPLACED_MARK}{holder_id})"
                )
            if not replace:
                what = []
                if missing:
                    i, y = missing[0]
                    what.append(f"{len(missing):,} of them missing (e.g. {i} {y})")
                if changed:
                    i, y = changed[0]
                    what.append(f"{len(changed):,} with different values (e.g. {i} {y})")
                raise StoreError(
                    f"refused: {file_name!r} would replace the {len(old):,} stored "
                    f"{indicator!r} facts of {source} release {vintage} (from {holder_file!r}) "
                    f"with fewer or different ones: {'; '.join(what)}; a damaged or truncated "
                    "file? Nothing was stored. Use --replace to store it anyway (the old facts "
                    f"are kept as vintage {vintage}{REPLACED_MARK}{holder_id})"
                )
            label = f"{vintage}{REPLACED_MARK}{holder_id}"
            moved = conn.execute(sa.update(f).where(where).values(vintage=label)).rowcount or 0
            relabelled[label] = relabelled.get(label, 0) + moved
    return removed, relabelled


def _same(a: float | None, b: float) -> bool:
    """Equal values (both missing counts as equal; relative tolerance 1e-9 for float noise)."""
    a_nan = a is None or a != a
    b_nan = b != b
    if a_nan or b_nan:
        return a_nan and b_nan
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _check_plausible(conn: sa.Connection, facts: pd.DataFrame, file_name: str) -> None:
    """Refuse a new release much smaller than the newest earlier release of the same source.

    Compared per indicator against the newest other vintage (not a starter import, not a
    replaced vintage): fewer than :data:`PLAUSIBLE_SHARE` of its facts means a truncated file.
    """
    if facts.empty:
        return
    f, i = Fact.__table__, Import.__table__
    counts = facts.groupby(["source", "indicator", "vintage"]).size()
    for (source, indicator, vintage), n in counts.items():
        row = conn.execute(
            sa.select(f.c.vintage, sa.func.count().label("n"))
            .join(i, i.c.id == f.c.import_id)
            .where(
                f.c.source == source,
                f.c.indicator == indicator,
                f.c.vintage != vintage,
                f.c.vintage < vintage,
                ~f.c.vintage.contains(REPLACED_MARK),
                i.c.is_starter.is_(False),
            )
            .group_by(f.c.vintage)
            .order_by(f.c.vintage.desc())
            .limit(1)
        ).first()
        if row is not None and n < PLAUSIBLE_SHARE * row.n:
            raise StoreError(
                f"refused: {file_name!r} holds {int(n):,} {indicator!r} facts of {source} "
                f"release {vintage}, under {PLAUSIBLE_SHARE:.0%} of the {row.n:,} of the "
                f"earlier release {row.vintage}: a truncated or damaged file? Nothing was "
                "stored. Use --replace to import it anyway"
            )


def import_file(
    engine: Engine,
    path: Path | str,
    source: str | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    replace: bool = False,
    publisher_url: str | None = None,
) -> ImportSummary:
    """Detect (or force) the format of ``path``, parse it and store it atomically."""
    from burdenshare import sources

    path = Path(path)
    parser = sources.parser_for(path, source)
    if progress:
        progress(f"hashing {path.name}")
    sha = file_sha256(path)
    with engine.connect() as conn:
        done = conn.execute(sa.select(Import.id).where(Import.sha256 == sha)).scalar_one_or_none()
    if done is not None:
        empty = ParseResult(facts=_empty_facts(), source=parser.SOURCE, vintage="")
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(Import.vintage, Import.row_count).where(Import.id == done)
            ).one()
        summary = _summary(empty, file_name=path.name, fmt=parser.FORMAT, sha=sha, skipped=True)
        return _replace(summary, vintage=row.vintage, rows=row.row_count)
    if progress:
        progress(f"parsing {path.name} as {parser.FORMAT}")
    result = parser.parse(path)
    if progress:
        progress(f"storing {len(result.facts):,} facts from {path.name}")
    return import_result(
        engine,
        result,
        file_name=path.name,
        sha256=sha,
        fmt=parser.FORMAT,
        publisher_url=publisher_url or _publisher_url(parser, result),
        replace=replace,
    )


def _publisher_url(parser, result: ParseResult) -> str:
    """The file's own download address: the parser's ``meta["url"]`` (which knows e.g. the
    World Bank indicator), else the format's ``DOWNLOAD_URL``."""
    return str(result.meta.get("url") or getattr(parser, "DOWNLOAD_URL", ""))


def _empty_facts() -> pd.DataFrame:
    from burdenshare.facts import empty_facts

    return empty_facts()


def _replace(summary: ImportSummary, **changes) -> ImportSummary:
    from dataclasses import replace

    return replace(summary, **changes)


def load_facts(
    engine: Engine,
    *,
    indicators: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
    vintage: str = "latest",
    iso3: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Facts as a tidy frame (FACT_COLUMNS).

    ``vintage="latest"``: for each (source, indicator) the newest vintage holding it;
    ``vintage="all"``: every vintage; any other string: exactly that vintage. Facts replaced
    by ``--replace`` (vintage ``...~replaced-N``) only come back when asked for by name.
    """
    f = Fact.__table__
    query = sa.select(*(f.c[c] for c in FACT_COLUMNS))
    if indicators is not None:
        query = query.where(f.c.indicator.in_(list(indicators)))
    if sources is not None:
        query = query.where(f.c.source.in_(list(sources)))
    if iso3 is not None:
        query = query.where(f.c.iso3.in_(list(iso3)))
    if vintage in ("latest", "all"):
        query = query.where(~f.c.vintage.contains(REPLACED_MARK))
    if vintage == "latest":
        newest = (
            sa.select(f.c.source, f.c.indicator, sa.func.max(f.c.vintage).label("vintage"))
            .where(~f.c.vintage.contains(REPLACED_MARK))
            .group_by(f.c.source, f.c.indicator)
            .subquery()
        )
        query = query.join(
            newest,
            sa.and_(
                newest.c.source == f.c.source,
                newest.c.indicator == f.c.indicator,
                newest.c.vintage == f.c.vintage,
            ),
        )
    elif vintage != "all":
        query = query.where(f.c.vintage == vintage)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    # Plain tuples: pandas probes SQLAlchemy Row objects attribute by attribute (3x slower).
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(FACT_COLUMNS))
    if frame.empty:
        return _empty_facts()
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["flags"] = frame["flags"].fillna("")
    return frame.sort_values(["source", "indicator", "iso3", "year", "vintage"]).reset_index(
        drop=True
    )


def load_records(engine: Engine, table_name: str) -> pd.DataFrame:
    """A source's non-fact table (e.g. ``"deals"``), newest import only."""
    with engine.connect() as conn:
        newest = conn.execute(
            sa.select(sa.func.max(SourceRecord.import_id)).where(
                SourceRecord.table_name == table_name
            )
        ).scalar_one_or_none()
        if newest is None:
            return pd.DataFrame()
        payloads = conn.execute(
            sa.select(SourceRecord.payload)
            .where(SourceRecord.table_name == table_name, SourceRecord.import_id == newest)
            .order_by(SourceRecord.id)
        ).scalars()
        return pd.DataFrame([p if isinstance(p, dict) else json.loads(p) for p in payloads])


def has_facts(engine: Engine) -> bool:
    """True when the store holds at least one fact (one indexed row read)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(Fact.id).limit(1)).first() is not None


def status(engine: Engine) -> dict:
    """Sources, vintages, coverage and row counts, for ``data status``."""
    i, f = Import.__table__, Fact.__table__
    with engine.connect() as conn:
        imports = conn.execute(sa.select(i).order_by(i.c.id)).mappings().all()
        coverage = conn.execute(
            sa.select(
                f.c.import_id,
                sa.func.count().label("rows"),
                sa.func.count(sa.distinct(f.c.iso3)).label("countries"),
                sa.func.min(f.c.year).label("year_min"),
                sa.func.max(f.c.year).label("year_max"),
                sa.func.count(sa.distinct(f.c.indicator)).label("indicators"),
                sa.func.max(f.c.vintage).label("fact_vintage"),
            ).group_by(f.c.import_id)
        ).mappings()
        cov = {row["import_id"]: dict(row) for row in coverage}
        total = conn.execute(sa.select(sa.func.count()).select_from(f)).scalar_one()
    out = []
    for row in imports:
        c = cov.get(row["id"], {})
        if row["is_starter"] and not c.get("rows"):
            continue  # a starter slice wholly superseded by its full official file
        meta = row["meta"] or {}
        if isinstance(meta, str):
            meta = json.loads(meta)
        out.append(
            {
                "source": row["source"],
                "format": row["format"],
                # facts replaced by a later --replace import show their kept vintage label
                "vintage": c["fact_vintage"]
                if REPLACED_MARK in (c.get("fact_vintage") or "")
                else row["vintage"],
                "file_name": row["file_name"],
                "sha256": row["sha256"],
                "publisher_url": row["publisher_url"],
                "imported_at": row["imported_at"].isoformat() if row["imported_at"] else None,
                "starter": bool(row["is_starter"]),
                "rows": int(c.get("rows", 0)),
                "countries": int(c.get("countries", 0)),
                "years": [c["year_min"], c["year_max"]] if c.get("rows") else None,
                "indicators": int(c.get("indicators", 0)),
                "release_date": meta.get("release_date") or release_date_of(row["vintage"]),
                "exclusions": list(meta.get("exclusions", [])),
                "unmatched": list(meta.get("unmatched", [])),
            }
        )
    return {"database": None, "total_facts": int(total), "imports": out}
