"""World Bank World Development Indicators (WDI) bulk CSV: ``API_<indicator>_DS2_en_csv_v2_*.csv``.

Layout (as downloaded from https://data.worldbank.org, UTF-8 with BOM): four preamble lines
(``"Data Source","World Development Indicators"``, a blank line,
``"Last Updated Date","YYYY-MM-DD"``, a blank line), then the header ``Country Name, Country
Code, Indicator Name, Indicator Code, 1960, ...``, one row per economy or aggregate, empty
cells where there is no value.

- The row's ``Indicator Code`` decides the indicator (:data:`INDICATORS`); an unknown code is an
  error naming the line, never a guess.
  ``NY.GDP.MKTP.CD`` (GDP, current US$) -> ``gdp_usd_m`` in US$ millions (divided by 10^6);
  ``SP.POP.TOTL`` -> ``population`` (persons); ``MS.MIL.XPND.GD.ZS`` -> ``milex_gdp_pct``
  (percent, 0-100; the World Bank republishes SIPRI's series).
- Vintage: the file's "Last Updated Date".
- Aggregates (regions, income groups, "World": WLD, EUU, HIC, ...) are not countries and are
  excluded. They are the rows with an empty ``Region`` in the WDI country metadata
  (``Metadata_Country_*.csv``, read when it sits beside the data file); codes it does not list,
  or every code when it is absent, are checked against the package list
  ``data/countries/wb_aggregates.yaml`` (World Bank Country and Lending Groups).
- ``Country Code`` is the World Bank's ISO3 code; it must be known to
  :mod:`burdenshare.countries` (``XKX`` Kosovo is). Others (e.g. ``CHI`` Channel Islands) are
  reported as unmatched.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
from burdenshare.sources import worldbank_meta
from burdenshare.sources._tabular import (
    code_to_iso3,
    fact_frame,
    find_line,
    first_line_fields,
    head_text,
    name_list,
    numbers,
    read_body,
    read_text,
    require_columns,
    split_header,
)

SOURCE = "worldbank_wdi"
FORMAT = "worldbank-wdi-csv"
DESCRIPTION = (
    "World Bank World Development Indicators bulk CSV (API_*.csv): GDP in current US$ "
    "(NY.GDP.MKTP.CD), population (SP.POP.TOTL), military expenditure % of GDP "
    "(MS.MIL.XPND.GD.ZS)"
)
PUBLISHER = "World Bank, World Development Indicators"
DOWNLOAD_URL = "https://api.worldbank.org/v2/en/indicator/NY.GDP.MKTP.CD?downloadformat=csv"
#: One bulk download per indicator (each a zip holding the data and metadata CSVs).
DOWNLOAD_URLS: dict[str, str] = {
    code: f"https://api.worldbank.org/v2/en/indicator/{code}?downloadformat=csv"
    for code in ("NY.GDP.MKTP.CD", "SP.POP.TOTL", "MS.MIL.XPND.GD.ZS")
}
TERMS = worldbank_meta.TERMS

#: WDI indicator code -> (indicator, unit, factor applied to the published value).
INDICATORS: dict[str, tuple[str, str, float]] = {
    "NY.GDP.MKTP.CD": ("gdp_usd_m", "usd_m", 1e-6),
    "SP.POP.TOTL": ("population", "persons", 1.0),
    "MS.MIL.XPND.GD.ZS": ("milex_gdp_pct", "percent", 1.0),
}

REQUIRED = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
_YEAR = re.compile(r"^\d{4}$")
_META_GLOB = "*Metadata_Country_*.csv"


def sniff(path: Path) -> bool:
    """True for the WDI preamble followed by the WDI header row."""
    head = head_text(path)
    if first_line_fields(head)[:2] != ["Data Source", "World Development Indicators"]:
        return False
    return any(split_header(line)[:4] == list(REQUIRED) for line in head.split("\n")[:10])


@lru_cache(maxsize=1)
def package_aggregates() -> frozenset[str]:
    """World Bank aggregate codes from ``data/countries/wb_aggregates.yaml``."""
    text = resources.files("burdenshare.data.countries").joinpath("wb_aggregates.yaml")
    return frozenset(yaml.safe_load(text.read_text("utf-8"))["aggregates"])


def _preamble_date(lines: list[str], header_idx: int, path: Path) -> str:
    for i, line in enumerate(lines[:header_idx]):
        fields = [f.strip() for f in split_header(line)]
        if fields[:1] == ["Last Updated Date"]:
            value = fields[1] if len(fields) > 1 else ""
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise DataFormatError(
                    f"line {i + 1}: 'Last Updated Date' {value!r} is not a YYYY-MM-DD date",
                    where=path.name,
                ) from None
    raise DataFormatError(
        f"no 'Last Updated Date' line before the header (line {header_idx + 1})", where=path.name
    )


def _header_index(lines: list[str], path: Path) -> int:
    return find_line(
        lines, lambda s: bool(set(REQUIRED) & set(split_header(s))), path, "WDI header line"
    )


def last_updated(path: Path) -> str:
    """The "Last Updated Date" of a WDI data file (its vintage)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig",), "UTF-8").split("\n")
    return _preamble_date(lines, _header_index(lines, path), path)


def sibling_metadata(path: Path) -> Path | None:
    """The WDI country-metadata file beside ``path``: the one named after it, else any."""
    path = Path(path)
    candidates = sorted(p for p in path.parent.glob(_META_GLOB) if p != path)
    same = [p for p in candidates if p.name.endswith("Metadata_Country_" + path.name)]
    for p in same + candidates:
        if worldbank_meta.sniff(p):
            return p
    return None


def _aggregate_mask(codes: pd.Series, path: Path) -> tuple[np.ndarray, str]:
    """Which rows are World Bank aggregates, and what decided it (for ``meta``)."""
    listed = package_aggregates()
    meta_path = sibling_metadata(path)
    if meta_path is None:
        return codes.isin(listed).to_numpy(), "package list data/countries/wb_aggregates.yaml"
    meta = worldbank_meta.read_metadata(meta_path)
    region = dict(zip(meta["code"], meta["wb_region"], strict=True))
    mask = np.array(
        [(region[c] == "") if c in region else (c in listed) for c in codes], dtype=bool
    )
    return mask, meta_path.name


def _check_header(header: list[str], years: list[str], path: Path, h: int) -> None:
    """Refuse a header cell that is neither a known column nor a year, and a gap in the years.

    A garbled year ("l965", "19 65") would otherwise drop that year's column without a word.
    """
    for j, cell in enumerate(header):
        if cell and cell not in REQUIRED and not _YEAR.match(cell):
            raise DataFormatError(
                f"line {h + 1}, column {j + 1}: header {cell!r} is neither a year nor one of "
                f"{', '.join(REQUIRED)}",
                where=path.name,
            )
    numbers_ = [int(y) for y in years]
    for a, b in itertools.pairwise(numbers_):
        if b != a + 1:
            raise DataFormatError(
                f"line {h + 1}: year columns jump from {a} to {b} (a year missing or repeated)",
                where=path.name,
            )


def parse(path: Path) -> ParseResult:
    """Facts for every economy, year and non-empty cell; aggregates left out (see module doc)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig",), "UTF-8").split("\n")
    h = _header_index(lines, path)
    vintage = _preamble_date(lines, h, path)
    header = [f.strip() for f in split_header(lines[h])]
    require_columns(header, REQUIRED, path, h + 1)
    years = [c for c in header if _YEAR.match(c)]
    if not years:
        raise DataFormatError(f"line {h + 1}: no year columns (1960, 1961, ...)", where=path.name)
    _check_header(header, years, path, h)
    names = [c or f"_col{i}" for i, c in enumerate(header)]
    df, lineno = read_body(lines, h, names, path)
    if df.empty:
        raise DataFormatError(f"no data rows after the header (line {h + 1})", where=path.name)

    ind_code = df["Indicator Code"].str.strip()
    unknown = ~ind_code.isin(list(INDICATORS)).to_numpy()
    if unknown.any():
        k = int(np.flatnonzero(unknown)[0])
        raise DataFormatError(
            f"line {lineno[k]}, column 'Indicator Code': unknown WDI indicator "
            f"{ind_code.iloc[k]!r}; supported: {', '.join(INDICATORS)}",
            where=path.name,
        )
    values = numbers(df[years].to_numpy(dtype=object), lineno, years, path)

    codes = df["Country Code"].str.strip()
    blank = (codes == "").to_numpy()
    if blank.any():
        k = int(np.flatnonzero(blank)[0])
        raise DataFormatError(
            f"line {lineno[k]}, column 'Country Code': blank for "
            f"{df['Country Name'].iloc[k].strip()!r}; every WDI row has a code (damaged file?)",
            where=path.name,
        )
    is_agg, agg_from = _aggregate_mask(codes, path)
    iso = codes.map(code_to_iso3(codes)).to_numpy(dtype=object)
    country_rows = ~is_agg & pd.notna(iso)
    unresolved = ~is_agg & pd.isna(iso)
    names_unresolved = df["Country Name"].str.strip()[unresolved]
    unmatched = sorted(
        {f"{n} ({c})" for n, c in zip(names_unresolved, codes[unresolved], strict=True)}
    )

    key = pd.DataFrame({"iso3": iso, "code": ind_code})[country_rows]
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = lineno[country_rows][dup]
        raise DataFormatError(
            f"lines {rows[0]} and {rows[1]}: the same country and indicator twice "
            f"({key[dup].iloc[0, 0]}, {key[dup].iloc[0, 1]})",
            where=path.name,
        )

    spec = ind_code.map(INDICATORS)
    factor = np.array([s[2] for s in spec], dtype=float)
    vals = values[country_rows] * factor[country_rows, None]
    r, c = np.nonzero(np.isfinite(vals))
    indicator = np.array([s[0] for s in spec], dtype=object)[country_rows]
    unit = np.array([s[1] for s in spec], dtype=object)[country_rows]
    facts = fact_frame(
        iso3=iso[country_rows][r],
        year=np.array(years, dtype=np.int64)[c],
        indicator=indicator[r],
        value=vals[r, c],
        unit=unit[r],
        source=SOURCE,
        vintage=vintage,
    )

    warnings = []
    if is_agg.any():
        warnings.append(
            f"{int(is_agg.sum())} World Bank aggregates excluded (not countries): "
            + name_list(codes[is_agg], limit=1000)
        )
    if unmatched:
        warnings.append(
            f"{len(unmatched)} economies without an ISO3 country code: " + ", ".join(unmatched)
        )
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=vintage,
        warnings=warnings,
        unmatched=unmatched,
        meta={
            "publisher": PUBLISHER,
            "url": " ".join(DOWNLOAD_URLS.get(c, DOWNLOAD_URL) for c in sorted(set(ind_code))),
            "file": path.name,
            "indicator_codes": ", ".join(sorted(set(ind_code))),
            "aggregates_from": agg_from,
        },
    )
