"""World Bank WDI country metadata (``Metadata_Country_*.csv``): region and income group.

Every WDI bulk download ships this file next to the data file. Its columns are
``Country Code, Region, IncomeGroup, SpecialNotes, TableName``. Rows with an empty ``Region``
are the World Bank's aggregates (regions, income and lending groups, "World"), as the World
Bank's country classification defines them ("World Bank Country and Lending Groups",
https://datahelpdesk.worldbank.org/knowledgebase/articles/906519).

It holds no numbers, so :func:`parse` returns an empty facts frame; the classification goes to
``ParseResult.extra["countries"]`` (``iso3, wb_region, income_group``) and the aggregates to
``extra["aggregates"]`` (``code, name``). The WDI data parser (:mod:`.worldbank`) reads the
same file through :func:`read_metadata` to tell aggregates from economies.

The file carries no date. Its vintage is the "Last Updated Date" of the data file it came with
(``Metadata_Country_X.csv`` beside ``X.csv``), else ``"unknown"`` with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from burdenshare.facts import ParseResult, empty_facts
from burdenshare.sources._tabular import (
    code_to_iso3,
    find_line,
    first_line_fields,
    head_text,
    read_body,
    read_text,
    require_columns,
    split_header,
)

SOURCE = "worldbank_meta"
FORMAT = "worldbank-country-metadata"
DESCRIPTION = (
    "World Bank WDI country metadata (Metadata_Country_*.csv): region and income group per "
    "economy; rows with an empty Region are aggregates"
)
PUBLISHER = "World Bank, World Development Indicators"
DOWNLOAD_URL = "https://api.worldbank.org/v2/en/indicator/MS.MIL.XPND.GD.ZS?downloadformat=csv"
TERMS = (
    "Creative Commons Attribution 4.0 (CC BY 4.0), World Bank Terms of Use for Datasets: "
    "https://www.worldbank.org/en/about/legal/terms-of-use-for-datasets"
)

REQUIRED = ("Country Code", "Region", "IncomeGroup", "TableName")

_PREFIX = re.compile(r"^(?:WB_)?Metadata_Country_", re.IGNORECASE)


def sniff(path: Path) -> bool:
    """True when the first line is the WDI country-metadata header."""
    return first_line_fields(head_text(path))[:3] == ["Country Code", "Region", "IncomeGroup"]


def read_metadata(path: Path) -> pd.DataFrame:
    """The metadata rows as ``code, name, wb_region, income_group, line`` (strings; "" when
    empty). ``wb_region == ""`` marks an aggregate. Errors name the file and line."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252"), "UTF-8").split("\n")
    h = find_line(lines, lambda s: "Country Code" in split_header(s), path, "header line")
    header = [f.strip() for f in split_header(lines[h])]
    require_columns(header, REQUIRED, path, h + 1)
    names = [f or f"_col{i}" for i, f in enumerate(header)]
    df, lineno = read_body(lines, h, names, path)
    return pd.DataFrame(
        {
            "code": df["Country Code"].str.strip().to_numpy(dtype=object),
            "name": df["TableName"].str.strip().to_numpy(dtype=object),
            "wb_region": df["Region"].str.strip().to_numpy(dtype=object),
            "income_group": df["IncomeGroup"].str.strip().to_numpy(dtype=object),
            "line": lineno,
        }
    )


def _vintage_from_sibling(path: Path) -> str | None:
    """The "Last Updated Date" of the data file this metadata came with, if it is beside it."""
    from burdenshare.sources.worldbank import last_updated

    data_name = _PREFIX.sub("", path.name)
    if data_name == path.name:
        return None
    sibling = path.with_name(data_name)
    return last_updated(sibling) if sibling.is_file() else None


def parse(path: Path) -> ParseResult:
    """No facts; ``extra["countries"]`` (iso3, wb_region, income_group) and
    ``extra["aggregates"]`` (code, name). Codes that are not ISO3 countries are unmatched."""
    path = Path(path)
    meta = read_metadata(path)
    is_agg = meta["wb_region"] == ""
    economies = meta.loc[~is_agg]
    iso = economies["code"].map(code_to_iso3(economies["code"]))
    unmatched = [f"{n} ({c})" for n, c in economies.loc[iso.isna(), ["name", "code"]].to_numpy()]
    countries = pd.DataFrame(
        {
            "iso3": iso[iso.notna()].to_numpy(dtype=object),
            "wb_region": economies.loc[iso.notna(), "wb_region"].to_numpy(dtype=object),
            "income_group": economies.loc[iso.notna(), "income_group"]
            .replace("", None)
            .to_numpy(dtype=object),
        }
    )
    countries = countries.sort_values("iso3", kind="stable").reset_index(drop=True)
    aggregates = (
        meta.loc[is_agg, ["code", "name"]].sort_values("code", kind="stable").reset_index(drop=True)
    )
    warnings: list[str] = []
    if unmatched:
        warnings.append(
            f"{len(unmatched)} World Bank economy codes are not ISO3 countries and were left out: "
            + ", ".join(unmatched)
        )
    vintage = _vintage_from_sibling(path)
    if vintage is None:
        vintage = "unknown"
        warnings.append(
            "the metadata file carries no date and its data file is not beside it; "
            "vintage recorded as 'unknown'"
        )
    return ParseResult(
        facts=empty_facts(),
        source=SOURCE,
        vintage=vintage,
        warnings=warnings,
        unmatched=unmatched,
        meta={"publisher": PUBLISHER, "url": DOWNLOAD_URL, "file": path.name},
        extra={"countries": countries, "aggregates": aggregates},
    )
