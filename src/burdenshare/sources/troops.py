"""US military personnel abroad by country and year (troopdata, country-year rebuild CSV).

Publisher: the ``troopdata`` R package by Michael A. Flynn (https://github.com/meflynn/troopdata),
built from US Department of Defense / Defense Manpower Data Center (DMDC) quarterly
deployment reports, extending Tim Kane's series ("Global U.S. Troop Deployment, 1950-2005",
Heritage Foundation) to 2024. File: ``data-raw/troopdata-rebuild-country-year.csv``.

Facts per host country and year (unit ``persons``):

- ``us_troops_active`` = ``troops_ad`` (active-duty personnel of all services);
- ``us_personnel_total`` = ``troops_ad + total_selected_reserve + total_civilian``: active
  duty, plus the Selected Reserve (National Guard and reserves) and DoD civilians stationed
  there, i.e. every DoD person the DMDC counts in the country.

The United States itself (``iso3c`` USA, the home-based force) is skipped: these are facts
about US presence *abroad*. Territories with their own ISO code (Guam, Puerto Rico, ...) are
kept under that code.

Countries: the file's ``iso3c`` when it is a known code (``NA`` means missing); otherwise the
``countryname`` resolved through :mod:`burdenshare.countries`; else reported unmatched. The
file spells some countries two ways (``Czechia`` / ``Czech Republic``, ``Eswatini`` /
``Swaziland``) with the personnel on one row and zeros on the other; rows that land on the same
country-year are summed, which keeps the count and is reported in a warning.

Vintage ``"2024-06-18"``: the file has no release date of its own, so the vintage is the date
of the commit that last changed it in the troopdata repository (commit 8176d45, 2024-06-18),
as documented in the data folder's PROVENANCE.md (entry 11).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from burdenshare.countries import resolve_many
from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
from burdenshare.sources import places
from burdenshare.sources._tabular import (
    code_to_iso3,
    fact_frame,
    first_line_fields,
    head_text,
    integers,
    name_list,
    numbers,
    read_body,
    read_text,
    require_columns,
    split_header,
)

SOURCE = "troopdata"
FORMAT = "troopdata-country-year-csv"
DESCRIPTION = (
    "US military personnel abroad by country and year (troopdata rebuild, DMDC data): "
    "active duty and total DoD personnel (active + Selected Reserve + civilians)"
)
PUBLISHER = "Michael A. Flynn, troopdata R package (US DoD / DMDC data)"
DOWNLOAD_URL = (
    "https://raw.githubusercontent.com/meflynn/troopdata/master/data-raw/"
    "troopdata-rebuild-country-year.csv"
)
TERMS = "GPL (>= 3) (troopdata package licence); underlying DMDC data are US Government works"
VINTAGE = "2024-06-18"

PARTS = ("troops_ad", "total_selected_reserve", "total_civilian")
REQUIRED = ("countryname", "year", "iso3c", *PARTS)
HOME = "USA"
_MISSING = ("", "NA")


def sniff(path: Path) -> bool:
    """True when the first line is the troopdata country-year header."""
    fields = set(first_line_fields(head_text(path)))
    return {"countryname", "year", "iso3c", "troops_ad"} <= fields


def resolve_rows(code: pd.Series, name: pd.Series) -> tuple[np.ndarray, list[str]]:
    """ISO3 per row from the file's code, else from the name; and the unresolved names."""
    iso = code.map(code_to_iso3(code)).to_numpy(dtype=object, copy=True)
    missing = pd.isna(iso)
    if missing.any():
        by_name = name[missing].map(resolve_many(name[missing]))
        iso[missing] = by_name.to_numpy(dtype=object)
    iso = places.to_host(iso, name.to_numpy(dtype=object))  # Azores -> PRT, Diego Garcia -> GBR
    unresolved = sorted(set(name[pd.isna(iso)]))
    return iso, unresolved


def parse(path: Path) -> ParseResult:
    """``us_troops_active`` and ``us_personnel_total`` per host country and year."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252"), "UTF-8").split("\n")
    header = [f.strip() for f in split_header(lines[0])]
    require_columns(header, REQUIRED, path, 1)
    names = [c or f"_col{i}" for i, c in enumerate(header)]
    df, lineno = read_body(lines, 0, names, path)
    if df.empty:
        raise DataFormatError("no data rows after the header (line 1)", where=path.name)

    year = integers(df["year"], lineno, "year", path, missing=())
    parts = numbers(
        df[list(PARTS)].to_numpy(dtype=object), lineno, list(PARTS), path, missing=_MISSING
    )
    name = df["countryname"].str.strip()
    iso, unmatched = resolve_rows(df["iso3c"].str.strip(), name)

    keep = pd.notna(iso) & (iso != HOME)
    active = parts[:, 0]
    total = parts.sum(axis=1)  # NaN unless all three parts are published
    rows = pd.DataFrame(
        {
            "iso3": iso[keep],
            "year": year[keep].astype(np.int64),
            "active": active[keep],
            "total": total[keep],
            "name": name[keep].to_numpy(dtype=object),
        }
    )
    warnings: list[str] = []
    dup = rows.duplicated(["iso3", "year"], keep=False)
    if dup.any():
        spellings = rows[dup].groupby("iso3")["name"].unique()
        warnings.append(
            f"{int(dup.sum())} rows share a country-year under different spellings and were "
            "summed: " + "; ".join(f"{k}: {' / '.join(sorted(v))}" for k, v in spellings.items())
        )
    g = rows.groupby(["iso3", "year"], sort=True)[["active", "total"]].sum(min_count=1)
    g = g.reset_index()
    long = g.melt(id_vars=["iso3", "year"], var_name="what", value_name="value")
    long = long[long["value"].notna()]
    indicator = long["what"].map({"active": "us_troops_active", "total": "us_personnel_total"})
    facts = fact_frame(
        iso3=long["iso3"],
        year=long["year"],
        indicator=indicator,
        value=long["value"],
        unit="persons",
        source=SOURCE,
        vintage=VINTAGE,
    )
    if unmatched:
        warnings.append(
            f"{len(unmatched)} places not resolved to a country: " + name_list(unmatched, 1000)
        )
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=VINTAGE,
        warnings=warnings,
        unmatched=unmatched,
        meta={
            "publisher": PUBLISHER,
            "url": DOWNLOAD_URL,
            "file": path.name,
            "us_personnel_total": " + ".join(PARTS),
        },
    )
