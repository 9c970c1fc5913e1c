"""Correlates of War Formal Alliances v4.1, member-level file (``alliance_v4.1_by_member.csv``).

Publisher: Correlates of War Project, https://correlatesofwar.org/data-sets/formal-alliances/.
One row per (alliance, member): ``version4id`` (alliance id), ``ccode`` (COW state code),
``state_name``, the alliance's and the member's start and end dates (``*_day``, ``*_month``,
``*_year``; an empty end = still in force when the data end, 2012, ``right_censor`` 1),
``ss_type`` and the 0/1 obligations ``defense``, ``neutrality``, ``nonaggression``,
``entente``. The file has no alliance names and ends in 2012 (so it lacks Montenegro, North
Macedonia, Finland and Sweden joining NATO): the dated NATO and treaty-ally memberships the
scoring uses stay in the package's group files; this file adds the history.

What :func:`parse` returns:

- ``extra["alliance_memberships"]``: one row per member of each alliance with ISO3 (names
  resolved; unresolved ones reported), COW code, type, obligations and the member's start and
  end dates (ISO ``YYYY-MM-DD``; end ``None`` when still in force in 2012).
- Facts ``us_defense_pact`` (unit ``flag``, 1 or 0) per state and year 1816-2012 for every
  state in the file: 1 when the state is, on any day of that year, a member of a defence pact
  (``ss_type`` "Type I: Defense Pact") in which the United States (ccode 2) is also a member
  on that day. The alliance type is used, not the member's own ``defense`` column, because COW
  codes obligations per member: in the 1951 US-Japan treaty (version4id 233) only the US
  carries ``defense`` = 1, yet Japan is a party to a defence pact with the US.

Vintage ``"2012"``: the file states only ``version`` 4.1 and no release date; its data end
in 2012, so the vintage is that year (it sorts before any later release).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from burdenshare.countries import resolve_many
from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
from burdenshare.sources._tabular import (
    fact_frame,
    first_line_fields,
    head_text,
    integers,
    read_body,
    read_text,
    require_columns,
    split_header,
)

SOURCE = "cow_alliances"
FORMAT = "cow-alliance-member-csv"
DESCRIPTION = (
    "Correlates of War Formal Alliances v4.1 (member level, 1816-2012): dated alliance "
    "memberships, and per state and year whether it shares a defence pact with the US"
)
PUBLISHER = "Correlates of War Project (Gibler, International Military Alliances)"
DOWNLOAD_URL = "https://correlatesofwar.org/data-sets/formal-alliances/"
TERMS = "Free for research use; cite Gibler (2009), International Military Alliances 1648-2008"
VINTAGE = "2012"
LAST_YEAR = 2012
FIRST_YEAR = 1816
US_CCODE = 2

DATE_PARTS = ("day", "month", "year")
REQUIRED = (
    "version4id",
    "ccode",
    "state_name",
    "ss_type",
    *(f"mem_st_{p}" for p in DATE_PARTS),
    *(f"mem_end_{p}" for p in DATE_PARTS),
    "defense",
    "neutrality",
    "nonaggression",
    "entente",
    "version",
)
OBLIGATIONS = ("defense", "neutrality", "nonaggression", "entente")


def sniff(path: Path) -> bool:
    """True when the first line is the COW member-level alliance header."""
    fields = set(first_line_fields(head_text(path)))
    return {"version4id", "ccode", "state_name", "mem_st_year", "ss_type"} <= fields


def _dates(df: pd.DataFrame, prefix: str, lineno: np.ndarray, path: Path) -> list[dt.date | None]:
    """Dates from ``prefix_day/month/year`` columns; all three empty -> None."""
    cols = {p: integers(df[f"{prefix}_{p}"], lineno, f"{prefix}_{p}", path) for p in DATE_PARTS}
    out: list[dt.date | None] = []
    for k, (d, m, y) in enumerate(zip(cols["day"], cols["month"], cols["year"], strict=True)):
        if np.isnan(y):
            if not (np.isnan(d) and np.isnan(m)):
                raise DataFormatError(
                    f"line {lineno[k]}, column '{prefix}_year': empty while day/month are given",
                    where=path.name,
                )
            out.append(None)
            continue
        try:
            out.append(dt.date(int(y), int(1 if np.isnan(m) else m), int(1 if np.isnan(d) else d)))
        except ValueError:
            raise DataFormatError(
                f"line {lineno[k]}, columns '{prefix}_day/month/year': "
                f"{d:.0f}/{m:.0f}/{y:.0f} is not a date",
                where=path.name,
            ) from None
    return out


def parse(path: Path) -> ParseResult:
    """Dated memberships and ``us_defense_pact`` facts (see module doc)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252"), "UTF-8").split("\n")
    header = [f.strip() for f in split_header(lines[0])]
    require_columns(header, REQUIRED, path, 1)
    df, lineno = read_body(lines, 0, [c or f"_col{i}" for i, c in enumerate(header)], path)
    if df.empty:
        raise DataFormatError("no data rows after the header (line 1)", where=path.name)
    alliance = integers(df["version4id"], lineno, "version4id", path, missing=()).astype(int)
    ccode = integers(df["ccode"], lineno, "ccode", path, missing=()).astype(int)
    # An empty obligation cell (a few rows) means the obligation is not coded: not held.
    obligations = {
        c: np.nan_to_num(integers(df[c], lineno, c, path), nan=0.0).astype(int) for c in OBLIGATIONS
    }
    start = _dates(df, "mem_st", lineno, path)
    end = _dates(df, "mem_end", lineno, path)
    for k, s in enumerate(start):
        if s is None:
            raise DataFormatError(
                f"line {lineno[k]}, column 'mem_st_year': empty (every member has a start)",
                where=path.name,
            )
    name = df["state_name"].str.strip()
    iso = name.map(resolve_many(name)).to_numpy(dtype=object)
    unmatched = sorted(set(name[pd.isna(iso)]))

    members = pd.DataFrame(
        {
            "alliance_id": alliance,
            "iso3": iso,
            "ccode": ccode,
            "state_name": name.to_numpy(dtype=object),
            "type": df["ss_type"].str.strip().to_numpy(dtype=object),
            **{c: obligations[c].astype(bool) for c in OBLIGATIONS},
            "member_start": [s.isoformat() for s in start],
            "member_end": [e.isoformat() if e else None for e in end],
        }
    )
    facts = _us_defense_pact(members, start, end)
    warnings = []
    if unmatched:
        warnings.append(
            f"{len(unmatched)} COW states without an ISO3 country code keep no facts: "
            + ", ".join(unmatched)
        )
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=VINTAGE,
        warnings=warnings,
        unmatched=unmatched,
        meta={"publisher": PUBLISHER, "url": DOWNLOAD_URL, "file": path.name},
        extra={"alliance_memberships": members},
    )


def _us_defense_pact(
    members: pd.DataFrame, start: list[dt.date], end: list[dt.date | None]
) -> pd.DataFrame:
    """1/0 per state and year: shares a defence pact with the US on some day of the year."""
    open_end = dt.date(LAST_YEAR, 12, 31)
    pact = members["type"].str.startswith("Type I:").to_numpy()
    spans = [(s, e or open_end) for s, e in zip(start, end, strict=True)]
    us = {
        int(a): spans[k]
        for k, a in enumerate(members["alliance_id"])
        if members["ccode"].iat[k] == US_CCODE and pact[k]
    }
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    states = sorted({c for c in members["iso3"] if isinstance(c, str)} - {"USA"})
    index = {c: i for i, c in enumerate(states)}
    grid = np.zeros((len(states), len(years)))
    for k, iso3 in enumerate(members["iso3"]):
        a = int(members["alliance_id"].iat[k])
        if iso3 not in index or a not in us or not pact[k]:
            continue
        lo = max(spans[k][0], us[a][0])
        hi = min(spans[k][1], us[a][1])
        if lo <= hi:
            grid[index[iso3], lo.year - FIRST_YEAR : hi.year - FIRST_YEAR + 1] = 1.0
    iso_col = np.repeat(np.array(states, dtype=object), len(years))
    return fact_frame(
        iso3=iso_col,
        year=np.tile(years, len(states)),
        indicator="us_defense_pact",
        value=grid.reshape(-1),
        unit="flag",
        source=SOURCE,
        vintage=VINTAGE,
    )
