"""SIPRI Arms Transfers Database: trade register (all deals, CSV export, Latin-1).

Layout: eleven preamble lines (title, notes, ``Source: SIPRI Arms Transfers Database (c)
SIPRI.``, ``Data generated: 13 Mar 2025 10:02:49 AM``), then the header ``Recipient, Supplier,
Year of order, ' ', Number ordered, ' ', Weapon designation, Weapon description, Number
delivered, ' ', Year(s) of delivery, status, Comments, SIPRI TIV per unit, SIPRI TIV for total
order, SIPRI TIV of delivered weapons``. Each ``' '`` column holds ``?`` when the value before
it is uncertain. TIV are millions of SIPRI trend-indicator values
(https://www.sipri.org/databases/armstransfers/sources-and-methods); the register gives each
deal's *total* delivered TIV and the list of delivery years, not TIV per year.

What :func:`parse` returns:

- ``extra["deals"]``: one row per deal (:data:`DEAL_COLUMNS`), names resolved to ISO3 where
  they are countries; ``delivery_years`` is a list of ints (``"2019; 2020"`` -> [2019, 2020]).
- Facts, flagged ``derived``, unit ``tiv_m``, per recipient country and year:
  ``arms_imports_total_tiv_m`` (all suppliers) and ``arms_imports_from_us_tiv_m`` (supplier the
  United States). Each deal's delivered TIV is spread evenly over its listed delivery years
  (SIPRI publishes no per-year split in the register), so per recipient the facts sum back to
  the delivered TIV of its deals that list delivery years.
- Broken rows: SIPRI's export writes a line break inside a few ``Comments`` cells, which
  splits a deal over two lines: the deal line stops after ``Comments`` and the next line starts
  with an empty ``Recipient`` and holds the three TIV values. Such a continuation line is never
  read as a deal: it is kept out, and when the two halves add up to exactly one record it is
  joined back onto the deal it belongs to. Either way a warning names the line numbers.
  (The 2025-03-13 export has four: lines 5433, 21489, 25179 and 27956.)
- Non-state actors (SIPRI's ``*``; ``**`` international organisations; the unmarked names in
  :data:`burdenshare.sources.sipri_arms_imports.UNMARKED_NON_STATE`) keep a ``None`` ISO3 and
  are listed in a warning; their deals stay in the deals table but yield no facts.
- Vintage: the ``Data generated`` date.

The file is ~30k rows; everything after reading is vectorised pandas/numpy.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd

from burdenshare.countries import resolve_many
from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
from burdenshare.sources import sipri_arms_imports
from burdenshare.sources._tabular import (
    fact_frame,
    find_line,
    head_text,
    integers,
    name_list,
    numbers,
    read_body,
    read_text,
    split_header,
)
from burdenshare.sources.sipri_arms_imports import generated_date, is_non_state

SOURCE = "sipri_at_register"
FORMAT = "sipri-at-register-csv"
DESCRIPTION = (
    "SIPRI Arms Transfers Database trade register (all deals, CSV export): deals table, and "
    "delivered TIV per recipient and year spread over delivery years (all suppliers; from US)"
)
PUBLISHER = "Stockholm International Peace Research Institute (SIPRI), Arms Transfers Database"
DOWNLOAD_URL = "https://armstransfers.sipri.org/ArmsTransfer/TransferRegister"
TERMS = sipri_arms_imports.TERMS

#: Publisher column name -> deals column. The unnamed ``' '`` column after a field is
#: ``<field>_uncertain`` (see :data:`_UNCERTAIN_AFTER`).
COLUMN_MAP: dict[str, str] = {
    "Recipient": "recipient",
    "Supplier": "supplier",
    "Year of order": "order_year",
    "Number ordered": "number_ordered",
    "Weapon designation": "designation",
    "Weapon description": "description",
    "Number delivered": "number_delivered",
    "Year(s) of delivery": "delivery_years",
    "status": "status",
    "Comments": "comments",
    "SIPRI TIV per unit": "tiv_per_unit",
    "SIPRI TIV for total order": "tiv_total_order",
    "SIPRI TIV of delivered weapons": "tiv_delivered",
}
_UNCERTAIN_AFTER = ("order_year", "number_ordered", "number_delivered")
_PUBLISHER_NAME = {v: k for k, v in COLUMN_MAP.items()}

DEAL_COLUMNS: tuple[str, ...] = (
    "recipient_iso3",
    "supplier_iso3",
    "recipient",
    "supplier",
    "order_year",
    "order_year_uncertain",
    "number_ordered",
    "number_ordered_uncertain",
    "designation",
    "description",
    "number_delivered",
    "number_delivered_uncertain",
    "delivery_years",
    "status",
    "comments",
    "tiv_per_unit",
    "tiv_total_order",
    "tiv_delivered",
)
US = "USA"
_HEADER_START = ["Recipient", "Supplier", "Year of order"]


def sniff(path: Path) -> bool:
    """True when a line in the first few KB starts ``Recipient,Supplier,Year of order``."""
    head = head_text(path)
    return any(
        [f.strip() for f in split_header(line)][:3] == _HEADER_START
        for line in head.split("\n")[:30]
    )


def _canonical_header(header: list[str], path: Path, header_line: int) -> list[str]:
    """Deals column names for the header fields; missing columns are an error."""
    names: list[str] = []
    for i, field in enumerate(header):
        f = field.strip()
        if f:
            names.append(COLUMN_MAP.get(f, f))
        elif names and names[-1] in _UNCERTAIN_AFTER:
            names.append(names[-1] + "_uncertain")
        else:
            names.append(f"_col{i}")
    for col in [*COLUMN_MAP.values(), *(c + "_uncertain" for c in _UNCERTAIN_AFTER)]:
        if col not in names:
            label = (
                f"' ' (uncertainty flag after {_PUBLISHER_NAME[col[:-10]]!r})"
                if col.endswith("_uncertain")
                else repr(_PUBLISHER_NAME[col])
            )
            raise DataFormatError(
                f"line {header_line}: missing column {label} in the header", where=path.name
            )
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DataFormatError(
            f"line {header_line}: column {_PUBLISHER_NAME.get(dup, dup)!r} appears twice",
            where=path.name,
        )
    return names


def _repair_continuations(lines: list[str], h: int, width: int) -> tuple[list[str], list[str]]:
    """Keep continuation lines (empty Recipient) out; join each back onto its deal when the two
    halves make exactly one record. Returns the new lines (continuations blanked, so line
    numbers stay) and the warnings."""
    body = pd.Series(lines[h + 1 :], dtype=object)
    starts = np.flatnonzero(body.str.startswith(",").to_numpy(dtype=bool)) + h + 1
    if not len(starts):
        return lines, []
    lines = list(lines)
    joined: list[int] = []
    dropped: list[int] = []
    for j in starts:
        prev = j - 1
        n_prev = len(split_header(lines[prev])) if prev > h and lines[prev] else 0
        n_cur = len(split_header(lines[j]))
        if prev > h and prev not in starts and 0 < n_prev < width and n_prev + n_cur - 1 == width:
            lines[prev] = lines[prev] + " " + lines[j]
            joined.append(j + 1)
        else:
            dropped.append(j + 1)
        lines[j] = ""
    warnings = []
    if joined:
        warnings.append(
            f"{len(joined)} broken continuation rows (empty Recipient; a line break inside the "
            f"previous deal's Comments) kept out as deals at lines "
            f"{', '.join(map(str, joined))}; their values were joined back onto the deal on the "
            "line before each"
        )
    if dropped:
        warnings.append(
            f"{len(dropped)} broken rows with an empty Recipient kept out at lines "
            f"{', '.join(map(str, dropped))} (they could not be joined to a deal)"
        )
    return lines, warnings


def _flags(series: pd.Series, lineno: np.ndarray, col: str, path: Path) -> np.ndarray:
    """``?`` -> True, empty -> False; anything else names line and column."""
    values = series.to_numpy(dtype=object)
    marked = values == "?"
    odd = np.flatnonzero(~marked & (values != ""))
    if len(odd):
        text = pd.Series(values[odd], dtype=object).str.strip()
        bad = ~text.isin(["", "?"]).to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataFormatError(
                f"line {lineno[odd[k]]}, column ' ' (uncertainty flag after "
                f"{_PUBLISHER_NAME[col[:-10]]!r}): expected '?' or empty, got {text.iloc[k]!r}",
                where=path.name,
            )
        marked[odd] = (text == "?").to_numpy()
    return marked


_YEARS = re.compile(r"\s*(\d{4}(\s*;\s*\d{4})*)?\s*")


def _delivery_years(series: pd.Series, lineno: np.ndarray, path: Path) -> list[list[int]]:
    """``"2019; 2020"`` -> ``[2019, 2020]``; "" -> []; anything else names line and column."""
    out: list[list[int]] = []
    for k, value in enumerate(series.to_numpy(dtype=object)):
        if not value:
            out.append([])
        elif _YEARS.fullmatch(value):
            out.append([int(y) for y in value.split(";") if y.strip()])
        else:
            raise DataFormatError(
                f"line {lineno[k]}, column 'Year(s) of delivery': {value.strip()!r} is not a "
                "'YYYY; YYYY' list of years",
                where=path.name,
            )
    return out


def _int_column(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(np.where(np.isfinite(values), values, np.nan)).astype("Int64"))


def _text(series: pd.Series) -> np.ndarray:
    s = series.str.strip()
    return s.where(s != "", None).to_numpy(dtype=object)


def spread_deliveries(deals: pd.DataFrame) -> pd.DataFrame:
    """Each deal's delivered TIV spread evenly over its delivery years.

    Returns ``recipient_iso3, supplier_iso3, year, tiv`` with one row per deal and delivery
    year, for deals to a country (``recipient_iso3`` set) with a delivered TIV and at least one
    delivery year. Pure: used by :func:`parse` and by the tests' sum-back check.
    """
    n_years = deals["delivery_years"].map(len).to_numpy(dtype=np.int64)
    tiv = deals["tiv_delivered"].to_numpy(dtype=float)
    keep = (n_years > 0) & np.isfinite(tiv) & deals["recipient_iso3"].notna().to_numpy()
    idx = np.flatnonzero(keep)
    rep = np.repeat(idx, n_years[idx])
    years = np.fromiter(
        itertools.chain.from_iterable(deals["delivery_years"].iloc[idx]),
        dtype=np.int64,
        count=int(n_years[idx].sum()),
    )
    return pd.DataFrame(
        {
            "recipient_iso3": deals["recipient_iso3"].to_numpy(dtype=object)[rep],
            "supplier_iso3": deals["supplier_iso3"].to_numpy(dtype=object)[rep],
            "year": years,
            "tiv": tiv[rep] / n_years[rep],
        }
    )


def _facts(spread: pd.DataFrame, vintage: str) -> pd.DataFrame:
    parts = []
    for indicator, rows in (
        ("arms_imports_total_tiv_m", spread),
        ("arms_imports_from_us_tiv_m", spread[spread["supplier_iso3"] == US]),
    ):
        g = rows.groupby(["recipient_iso3", "year"], sort=True)["tiv"].sum().reset_index()
        parts.append(
            fact_frame(
                iso3=g["recipient_iso3"],
                year=g["year"],
                indicator=indicator,
                value=g["tiv"],
                unit="tiv_m",
                flags="derived",
                source=SOURCE,
                vintage=vintage,
            )
        )
    return pd.concat(parts, ignore_index=True)


def parse(path: Path) -> ParseResult:
    """Deals table and derived per-year TIV facts (see module doc)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252", "latin-1"), "Latin-1").split("\n")
    h = find_line(
        lines,
        lambda s: [f.strip() for f in split_header(s)][:1] == ["Recipient"],
        path,
        "header line 'Recipient,Supplier,...'",
    )
    vintage = generated_date(lines, h, path)
    header = split_header(lines[h])
    names = _canonical_header(header, path, h + 1)
    lines, warnings = _repair_continuations(lines, h, len(header))
    raw, lineno = read_body(lines, h, names, path)

    recipient = raw["recipient"].str.strip()
    empty = (recipient == "").to_numpy()
    if empty.any():
        warnings.append(
            f"{int(empty.sum())} rows with an empty Recipient kept out at lines "
            + ", ".join(map(str, lineno[empty]))
        )
        raw, lineno, recipient = raw.loc[~empty], lineno[~empty], recipient[~empty]
    if raw.empty:
        raise DataFormatError(f"no deals after the header (line {h + 1})", where=path.name)
    raw = raw.reset_index(drop=True)
    recipient = recipient.reset_index(drop=True)
    supplier = raw["supplier"].str.strip()

    names_all = pd.concat([recipient, supplier]).unique()
    non_state = {n for n in names_all if is_non_state(n)}
    resolved = resolve_many(n for n in names_all if n not in non_state)
    resolved.update(dict.fromkeys(non_state))
    unmatched = sorted(n for n, iso in resolved.items() if iso is None and n not in non_state)

    deals = pd.DataFrame(
        {
            "recipient_iso3": recipient.map(resolved).to_numpy(dtype=object),
            "supplier_iso3": supplier.map(resolved).to_numpy(dtype=object),
            "recipient": recipient.to_numpy(dtype=object),
            "supplier": supplier.to_numpy(dtype=object),
            "order_year": _int_column(integers(raw["order_year"], lineno, "Year of order", path)),
            "order_year_uncertain": _flags(
                raw["order_year_uncertain"], lineno, "order_year_uncertain", path
            ),
            "number_ordered": _int_column(
                integers(raw["number_ordered"], lineno, "Number ordered", path)
            ),
            "number_ordered_uncertain": _flags(
                raw["number_ordered_uncertain"], lineno, "number_ordered_uncertain", path
            ),
            "designation": _text(raw["designation"]),
            "description": _text(raw["description"]),
            "number_delivered": _int_column(
                integers(raw["number_delivered"], lineno, "Number delivered", path)
            ),
            "number_delivered_uncertain": _flags(
                raw["number_delivered_uncertain"], lineno, "number_delivered_uncertain", path
            ),
            "delivery_years": pd.Series(
                _delivery_years(raw["delivery_years"], lineno, path), dtype=object
            ),
            "status": _text(raw["status"]),
            "comments": _text(raw["comments"]),
            "tiv_per_unit": numbers(raw["tiv_per_unit"], lineno, "SIPRI TIV per unit", path),
            "tiv_total_order": numbers(
                raw["tiv_total_order"], lineno, "SIPRI TIV for total order", path
            ),
            "tiv_delivered": numbers(
                raw["tiv_delivered"], lineno, "SIPRI TIV of delivered weapons", path
            ),
        },
        columns=list(DEAL_COLUMNS),
    )

    n_years = deals["delivery_years"].map(len).to_numpy()
    unspread = (n_years == 0) & (deals["tiv_delivered"].to_numpy() > 0)
    if unspread.any():
        warnings.append(
            f"{int(unspread.sum())} deals have a delivered TIV but no delivery years and are "
            "left out of the per-year facts; lines " + ", ".join(map(str, lineno[unspread][:20]))
        )
    if non_state:
        warnings.append(
            f"{len(non_state)} non-state or international parties keep no ISO3 and yield no "
            "facts (SIPRI '*' non-state actor, '**' international organisation): "
            + name_list(non_state, limit=1000)
        )
    if unmatched:
        warnings.append(
            f"{len(unmatched)} recipient/supplier names not resolved to a country: "
            + ", ".join(unmatched)
        )
    facts = _facts(spread_deliveries(deals), vintage)
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=vintage,
        warnings=warnings,
        unmatched=unmatched,
        meta={"publisher": PUBLISHER, "url": DOWNLOAD_URL, "file": path.name},
        extra={"deals": deals},
    )
