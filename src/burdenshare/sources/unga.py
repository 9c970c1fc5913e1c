"""UN General Assembly ideal points (Bailey, Strezhnev & Voeten), country-year CSV.

Bailey, Michael A., Anton Strezhnev and Erik Voeten (2017), "Estimating Dynamic State
Preferences from United Nations Voting Data", Journal of Conflict Resolution 61(2): 430-456;
data: Voeten, Strezhnev & Bailey, "United Nations General Assembly Voting Data", Harvard
Dataverse, hdl:1902.1/12379 (doi:10.7910/DVN/LEJUQZ), July 2025 version (sessions to 2024).

Columns used: ``iso3c``, ``countryname``, ``year``, ``idealpointfp`` -> ``unga_idealpoint``,
``idealpointall`` -> ``unga_idealpoint_all`` (both unit ``index``; higher = closer to the
Western/US position), ``nvotesfp`` -> ``unga_votes`` (unit ``count``: the votes the
estimate rests on). ``idealpointfp`` is the authors' headline estimate and the one filled for
the latest session; ``idealpointall`` is empty for 2024.

Countries: the file's own ``iso3c`` is used when it is a known code; an empty ``iso3c`` is
resolved from ``countryname`` through :mod:`burdenshare.countries`, else reported unmatched.
Rows with neither name nor code (COW codes only) are listed in a warning. Where the
publisher's ``iso3c`` puts two states on one country-year (the July 2025 file codes South
Yemen, COW 680 "Yemen People's Republic", as ``YAR`` like North Yemen, COW 678), the rows
whose name resolves to another country move there, and rows whose name does not resolve are
left out and reported unmatched, so no country-year is ever averaged or overwritten.

Vintage: ``"2025-07"`` (the July 2025 release; the file carries no date of its own).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from burdenshare.countries import resolve_many
from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
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

SOURCE = "unga_idealpoints"
FORMAT = "unga-idealpoints-csv"
DESCRIPTION = (
    "UN General Assembly ideal points (Bailey, Strezhnev & Voeten), country-year CSV: "
    "idealpointfp, idealpointall, nvotesfp"
)
PUBLISHER = "Erik Voeten, Anton Strezhnev, Michael Bailey (Harvard Dataverse)"
DOWNLOAD_URL = "https://doi.org/10.7910/DVN/LEJUQZ"
TERMS = (
    "Harvard Dataverse terms; cite Bailey, Strezhnev & Voeten (2017), Journal of Conflict "
    "Resolution 61(2), and the dataset (hdl:1902.1/12379)"
)
VINTAGE = "2025-07"

#: File column -> (indicator, unit).
INDICATORS: dict[str, tuple[str, str]] = {
    "idealpointfp": ("unga_idealpoint", "index"),
    "idealpointall": ("unga_idealpoint_all", "index"),
    "nvotesfp": ("unga_votes", "count"),
}
REQUIRED = ("ccode", "iso3c", "countryname", "year", *INDICATORS)
_MISSING = ("", "NA", ".")


def sniff(path: Path) -> bool:
    """True when the first line is a header with the ideal-point columns."""
    fields = set(first_line_fields(head_text(path)))
    return {"iso3c", "countryname", "year", "idealpointfp"} <= fields


def parse(path: Path) -> ParseResult:
    """Ideal points and vote counts per country and year (see module doc)."""
    path = Path(path)
    lines = read_text(path, ("utf-8-sig", "cp1252"), "UTF-8").split("\n")
    header = [f.strip() for f in split_header(lines[0])]
    require_columns(header, REQUIRED, path, 1)
    names = [c or f"_col{i}" for i, c in enumerate(header)]
    df, lineno = read_body(lines, 0, names, path)
    if df.empty:
        raise DataFormatError("no data rows after the header (line 1)", where=path.name)

    code = df["iso3c"].str.strip()
    name = df["countryname"].str.strip()
    year = integers(df["year"], lineno, "year", path, missing=())
    values = numbers(
        df[list(INDICATORS)].to_numpy(dtype=object),
        lineno,
        list(INDICATORS),
        path,
        missing=_MISSING,
    )

    iso = code.map(code_to_iso3(code)).to_numpy(dtype=object, copy=True)
    by_name = name.map(resolve_many(name[name != ""])).to_numpy(dtype=object)
    no_code = pd.isna(iso)
    iso[no_code] = by_name[no_code]
    warnings: list[str] = []
    unmatched: set[str] = set()
    nameless = no_code & (name == "").to_numpy()
    if nameless.any():
        held = np.isfinite(values[nameless]).any()
        warnings.append(
            f"{int(nameless.sum())} rows have neither iso3c nor countryname and are left out "
            f"(COW ccode {name_list(df['ccode'][nameless].str.strip(), limit=40)}); "
            + ("some hold values" if held else "none holds idealpointfp/idealpointall/nvotesfp")
        )
    named_unresolved = pd.isna(iso) & ~nameless
    unmatched |= set(name[named_unresolved])

    key = pd.DataFrame({"iso3": iso, "year": year})
    clash = key.duplicated(keep=False).to_numpy() & pd.notna(iso)
    if clash.any():
        move = clash & pd.notna(by_name) & (by_name != iso)
        drop = clash & pd.isna(by_name)
        iso[move] = by_name[move]
        if move.any() or drop.any():
            moved = sorted({f"{n} -> {i}" for n, i in zip(name[move], iso[move], strict=True)})
            shared = sorted(set(code[clash]))
            msg = f"publisher iso3c {', '.join(shared)} is shared by two states in one year"
            if moved:
                msg += "; moved by name: " + ", ".join(moved)
            if drop.any():
                msg += "; left out (name not resolved): " + ", ".join(sorted(set(name[drop])))
            warnings.append(msg)
        iso[drop] = None
        unmatched |= set(name[drop])
        key = pd.DataFrame({"iso3": iso, "year": year})
        still = key.duplicated(keep=False).to_numpy() & pd.notna(iso)
        if still.any():
            rows = lineno[still]
            raise DataFormatError(
                f"lines {rows[0]} and {rows[1]}: the same country and year twice "
                f"({iso[still][0]}, {int(year[still][0])})",
                where=path.name,
            )
    if unmatched:
        warnings.append(
            f"{len(unmatched)} country names not resolved: " + ", ".join(sorted(unmatched))
        )

    ok = pd.notna(iso)
    vals = values[ok]
    r, c = np.nonzero(np.isfinite(vals))
    spec = list(INDICATORS.values())
    facts = fact_frame(
        iso3=iso[ok][r],
        year=year[ok][r].astype(np.int64),
        indicator=np.array([s[0] for s in spec], dtype=object)[c],
        value=vals[r, c],
        unit=np.array([s[1] for s in spec], dtype=object)[c],
        source=SOURCE,
        vintage=VINTAGE,
    )
    return ParseResult(
        facts=validate_facts(facts),
        source=SOURCE,
        vintage=VINTAGE,
        warnings=warnings,
        unmatched=sorted(unmatched),
        meta={"publisher": PUBLISHER, "url": DOWNLOAD_URL, "file": path.name},
    )
