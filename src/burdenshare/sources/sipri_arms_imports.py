"""SIPRI Arms Transfers Database: import values by recipient (TIV tables, CSV export).

The export of "Volume of transfers of major arms", imports by recipient from all suppliers,
in millions of SIPRI trend-indicator values (TIV; https://www.sipri.org/databases/armstransfers/
sources-and-methods). Layout: nine preamble lines (title, notes, ``Source: SIPRI Arms
Transfers Database (c) SIPRI.``, ``Data generated: 13 Oct 2024 12:33:29 PM``, a blank line),
then ``Recipient,1950,...,2024,1950-2024,Percentage,Sum total years,Percentage of total``.

- Indicator ``arms_imports_tiv_m`` (unit ``tiv_m``) per recipient and year column; the range
  and percentage columns are totals and are not read.
- SIPRI writes a value between 0 and 0.5 as ``0`` (here ``"0 "``); it is kept as 0. An empty
  cell means "no deliveries identified" and yields no fact (so the empty 2024 column of the
  2024-10-13 export yields nothing, not zeros).
- Recipients marked ``*`` are non-state actors (rebel groups) and ``**`` international
  organisations (NATO, UN, African Union); a few unmarked names are not countries either
  (:data:`UNMARKED_NON_STATE`: "unknown recipient(s)", Katanga, Biafra, ...). They yield no
  facts and are listed in a warning. "Total world import" is
  the world total, not a country.
- Vintage: the ``Data generated`` date, as ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from burdenshare.countries import resolve_many
from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
from burdenshare.sources._tabular import (
    fact_frame,
    find_line,
    head_text,
    name_list,
    numbers,
    read_body,
    read_text,
    split_header,
)

SOURCE = "sipri_at_imports"
FORMAT = "sipri-at-imports-csv"
DESCRIPTION = (
    "SIPRI Arms Transfers Database, import values by recipient from all suppliers "
    "(TIV tables CSV export), millions of trend-indicator values per year"
)
PUBLISHER = "Stockholm International Peace Research Institute (SIPRI), Arms Transfers Database"
DOWNLOAD_URL = "https://armstransfers.sipri.org/ArmsTransfer/ImportExportTIV"
TERMS = (
    "(c) SIPRI. Data may be used for non-commercial purposes with SIPRI credited as the "
    "source; see https://www.sipri.org/about/terms-and-conditions"
)

_YEAR = re.compile(r"^\d{4}$")
_GENERATED = re.compile(r"Data generated:\s*(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
#: Rows that are neither countries nor non-state actors: the world total.
TOTAL_ROWS = frozenset({"Total world import"})
#: Actors SIPRI lists without the ``*`` marker that are still not ISO 3166 countries: its
#: catch-alls for unknown parties, secessionist entities of the 1960s (Katanga 1960-63, Biafra
#: 1967-70), the unrecognised Northern Cyprus, and Libya's rival General National Congress
#: government (2014-16; its rival, the House of Representatives, SIPRI marks ``Libya HoR*``).
UNMARKED_NON_STATE = frozenset(
    {
        "unknown recipient(s)",
        "unknown supplier(s)",
        "Katanga",
        "Biafra",
        "Northern Cyprus",
        "Libya GNC",
    }
)


def sniff(path: Path) -> bool:
    """True for a SIPRI TIV export whose header row starts ``Recipient,<year>``."""
    head = head_text(path)
    if "SIPRI" not in head or "trend-indicator value" not in head:
        return False
    for line in head.split("\n")[:20]:
        fields = split_header(line)
        if len(fields) > 1 and fields[0] == "Recipient" and _YEAR.match(fields[1].strip()):
            return True
    return False


def generated_date(lines: list[str], header_idx: int, path: Path) -> str:
    """ISO date of the ``Data generated: 13 Oct 2024 ...`` preamble line (the vintage)."""
    for i, line in enumerate(lines[:header_idx]):
        m = _GENERATED.search(line)
        if m:
            day, month, year = m.groups()
            try:
                return dt.date(int(year), _MONTHS[month.lower()], int(day)).isoformat()
            except (KeyError, ValueError):
                raise DataFormatError(
                    f"line {i + 1}: 'Data generated' date {m.group(0)[16:]!r} is not a date",
                    where=Path(path).name,
                ) from None
    raise DataFormatError(
        f"no 'Data generated: DD Mon YYYY' line before the header (line {header_idx + 1})",
        where=Path(path).name,
    )


def is_non_state(name: str) -> bool:
    """SIPRI marks non-state actors ``*`` and international organisations ``**``."""
    return "*" in name or name.strip() in UNMARKED_NON_STATE


def parse(path: Path) -> ParseResult:
    """``arms_imports_tiv_m`` per recipient country and year (see module doc)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252", "latin-1"), "UTF-8 or Latin-1").split("\n")
    h = find_line(
        lines, lambda s: split_header(s)[:1] == ["Recipient"], path, "header line 'Recipient,...'"
    )
    vintage = generated_date(lines, h, path)
    header = [f.strip() for f in split_header(lines[h])]
    years = [c for c in header if _YEAR.match(c)]
    if not years:
        raise DataFormatError(f"line {h + 1}: no year columns (1950, 1951, ...)", where=path.name)
    names = [c or f"_col{i}" for i, c in enumerate(header)]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DataFormatError(f"line {h + 1}: column {dup!r} appears twice", where=path.name)
    df, lineno = read_body(lines, h, names, path)
    if df.empty:
        raise DataFormatError(f"no data rows after the header (line {h + 1})", where=path.name)

    recipient = df["Recipient"].str.strip()
    values = numbers(df[years].to_numpy(dtype=object), lineno, years, path)

    total = recipient.isin(list(TOTAL_ROWS)).to_numpy()
    if not total.any() or not total[-1]:
        raise DataFormatError(
            f"line {lineno[-1] if len(lineno) else h + 1}: the file does not end with SIPRI's "
            "closing 'Total world import' row: incomplete (truncated download?)",
            where=path.name,
        )
    non_state = recipient.map(is_non_state).to_numpy(dtype=bool) & ~total
    iso = recipient.map(resolve_many(recipient)).to_numpy(dtype=object)
    country = ~total & ~non_state & pd.notna(iso)
    unresolved = ~total & ~non_state & pd.isna(iso)
    unmatched = sorted(set(recipient[unresolved]))

    warnings = []
    iso_c = iso[country]
    vals = values[country]
    dup = pd.Series(iso_c).duplicated(keep=False).to_numpy()
    if dup.any():
        # SIPRI splits a few states over two rows (e.g. "North Yemen" and "Yemen Arab Republic
        # (North Yemen)", with disjoint years): one country-year is the sum of its rows.
        overlap = (
            pd.DataFrame(np.isfinite(vals[dup])).groupby(iso_c[dup]).sum().to_numpy() > 1
        ).any()
        merged = pd.Series(recipient[country].to_numpy()[dup]).groupby(iso_c[dup]).unique()
        warnings.append(
            "rows for the same country were added up"
            + (" (some years appear in both rows)" if overlap else " (their years do not overlap)")
            + ": "
            + "; ".join(f"{k}: {' + '.join(v)}" for k, v in merged.items())
        )
        grouped = pd.DataFrame(vals).groupby(iso_c, sort=True).sum(min_count=1)
        iso_c, vals = grouped.index.to_numpy(dtype=object), grouped.to_numpy()
    r, c = np.nonzero(np.isfinite(vals))
    facts = fact_frame(
        iso3=iso_c[r],
        year=np.array(years, dtype=np.int64)[c],
        indicator="arms_imports_tiv_m",
        value=vals[r, c],
        unit="tiv_m",
        source=SOURCE,
        vintage=vintage,
    )

    if non_state.any():
        warnings.append(
            f"{int(non_state.sum())} non-state or international recipients left out "
            f"(SIPRI '*' non-state actor, '**' international organisation): "
            + name_list(recipient[non_state], limit=1000)
        )
    if unmatched:
        warnings.append(
            f"{len(unmatched)} recipients not resolved to a country: " + ", ".join(unmatched)
        )
    empty_years = [y for y, k in zip(years, np.isfinite(values).any(axis=0), strict=True) if not k]
    if empty_years:
        warnings.append(f"no values at all for {', '.join(empty_years)} (no facts for those years)")
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=vintage,
        warnings=warnings,
        unmatched=unmatched,
        meta={"publisher": PUBLISHER, "url": DOWNLOAD_URL, "file": path.name},
    )
