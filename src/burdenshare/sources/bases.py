"""US military bases and sites abroad (troopdata ``basedata.csv``, after David Vine).

Publisher: the ``troopdata`` R package by Michael A. Flynn (https://github.com/meflynn/troopdata),
file ``data-raw/basedata.csv``. Per the package README the list was "initially compiled by
David Vine" (Base Nation, 2015, and his base lists) and updated "through 2018". Latin-1
encoded. One row per site: ``countryname, ccode, iso3c, basename, lat, lon, base, lilypad,
fundedsite`` where the last three are 0/1 flags: ``base`` a US base, ``lilypad`` a small
forward "lily pad" site, ``fundedsite`` a site the US funds but does not run.

Facts, all for year **2018** (the data run "through 2018"), unit ``count``, per country:
``us_bases`` = rows with ``base == 1``; ``us_lilypads`` = rows with ``lilypad == 1``. Every
country in the file gets both facts (a country listed only for lily pads has ``us_bases`` 0).
The full site list is in ``ParseResult.extra["bases"]`` (``iso3, country, name, lat, lon,
base, lilypad, fundedsite``; lat/lon NaN where the file has ``NA``).

Countries: the file's ``iso3c`` when known (``KSV`` is Kosovo, ``XKX``). The file files US
territories (Guam, Puerto Rico, Northern Mariana Islands, ...) under ``USA``; those rows go to
the territory's own ISO code when ``countryname`` resolves to one, like the troops data.
Sites left in the United States proper are not "abroad" and yield no facts; names that do not
resolve are reported unmatched.

Vintage ``"2021-02-09"``: the date of the commit that last changed the file in the troopdata
repository (38a70f9), documented in the data folder's PROVENANCE.md (entry 12).
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

SOURCE = "troopdata_bases"
FORMAT = "troopdata-bases-csv"
DESCRIPTION = (
    "US military bases and lily-pad sites abroad (troopdata basedata, after David Vine), "
    "counts per country as of 2018, with the site list"
)
PUBLISHER = "Michael A. Flynn, troopdata R package (base list compiled by David Vine)"
DOWNLOAD_URL = "https://raw.githubusercontent.com/meflynn/troopdata/master/data-raw/basedata.csv"
TERMS = "GPL (>= 3) (troopdata package licence); credit David Vine for the base list"
VINTAGE = "2021-02-09"
YEAR = 2018

FLAGS = ("base", "lilypad", "fundedsite")
REQUIRED = ("countryname", "iso3c", "basename", "lat", "lon", *FLAGS)
HOME = "USA"


def sniff(path: Path) -> bool:
    """True when the first line is the troopdata base-list header."""
    fields = set(first_line_fields(head_text(path)))
    return {"countryname", "iso3c", "basename", "base", "lilypad"} <= fields


def _iso3(code: pd.Series, name: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The file's code; for ``USA`` rows a territory's own code when the name resolves to one;
    for unknown codes the name. Returns ISO3 per row (None if unresolved) and unmatched names."""
    iso = code.map(code_to_iso3(code)).to_numpy(dtype=object, copy=True)
    by_name = name.map(resolve_many(name)).to_numpy(dtype=object)
    territory = (iso == HOME) & pd.notna(by_name)
    iso[territory] = by_name[territory]
    missing = pd.isna(iso)
    iso[missing] = by_name[missing]
    iso = places.to_host(iso, name.to_numpy(dtype=object))  # Azores -> PRT, Diego Garcia -> GBR
    unresolved = pd.isna(iso) | ((iso == HOME) & (name != "United States").to_numpy())
    return iso, sorted(set(name[unresolved]))


def _flag_column(series: pd.Series, lineno: np.ndarray, col: str, path: Path) -> np.ndarray:
    values = integers(series, lineno, col, path, missing=())
    bad = ~np.isin(values, (0, 1))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataFormatError(
            f"line {lineno[k]}, column {col!r}: {series.iloc[k].strip()!r} is not 0 or 1",
            where=path.name,
        )
    return values.astype(bool)


def parse(path: Path) -> ParseResult:
    """Base and lily-pad counts per country (year 2018) and the site list (see module doc)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252", "latin-1"), "Latin-1").split("\n")
    header = [f.strip() for f in split_header(lines[0])]
    require_columns(header, REQUIRED, path, 1)
    names = [c or f"_col{i}" for i, c in enumerate(header)]
    df, lineno = read_body(lines, 0, names, path)
    if df.empty:
        raise DataFormatError("no data rows after the header (line 1)", where=path.name)

    flags = {c: _flag_column(df[c], lineno, c, path) for c in FLAGS}
    lat = numbers(df["lat"], lineno, "lat", path, missing=("", "NA"))
    lon = numbers(df["lon"], lineno, "lon", path, missing=("", "NA"))
    country = df["countryname"].str.strip()
    iso, unmatched = _iso3(df["iso3c"].str.strip(), country)

    sites = pd.DataFrame(
        {
            "iso3": iso,
            "country": country.to_numpy(dtype=object),
            "name": df["basename"].str.strip().to_numpy(dtype=object),
            "lat": lat,
            "lon": lon,
            **flags,
        }
    )
    abroad = sites[sites["iso3"].notna() & (sites["iso3"] != HOME)]
    counts = (
        abroad.groupby("iso3", sort=True)[["base", "lilypad"]].sum().astype(float).reset_index()
    )
    n = len(counts)
    facts = fact_frame(
        iso3=np.concatenate([counts["iso3"].to_numpy(dtype=object)] * 2),
        year=np.full(2 * n, YEAR, dtype=np.int64),
        indicator=["us_bases"] * n + ["us_lilypads"] * n,
        value=np.concatenate([counts["base"].to_numpy(), counts["lilypad"].to_numpy()]),
        unit="count",
        source=SOURCE,
        vintage=VINTAGE,
    )
    warnings: list[str] = []
    home = sites["iso3"] == HOME
    if home.any():
        warnings.append(
            f"{int(home.sum())} sites in the United States itself (no territory code) yield no "
            "facts: " + name_list(sites.loc[home, "name"])
        )
    if unmatched:
        warnings.append(
            f"{len(unmatched)} places not resolved to a country: " + ", ".join(unmatched)
        )
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=VINTAGE,
        warnings=warnings,
        unmatched=unmatched,
        meta={"publisher": PUBLISHER, "url": DOWNLOAD_URL, "file": path.name, "year": str(YEAR)},
        extra={"bases": sites},
    )
