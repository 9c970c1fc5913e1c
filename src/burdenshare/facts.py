"""The tidy fact: the one shape every parser produces and the store keeps.

A fact is one number about one country in one year from one release of one publisher:
``iso3, year, indicator, value, unit, flags, source, vintage``. Parsers return a
:class:`pandas.DataFrame` with exactly :data:`FACT_COLUMNS` (see :func:`empty_facts` and
:func:`validate_facts`). Flags are a ``|``-joined, sorted string of names from
:data:`KNOWN_FLAGS` (empty when none), so they survive CSV and SQL round trips unchanged.

Units are explicit: ``percent`` (0-100), ``usd_m`` (US$ millions), ``usd_m_const2023``,
``usd``, ``persons``, ``tiv_m`` (SIPRI trend-indicator value, millions), ``index`` ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

FACT_COLUMNS: tuple[str, ...] = (
    "iso3",
    "year",
    "indicator",
    "value",
    "unit",
    "flags",
    "source",
    "vintage",
)

#: Flag vocabulary. ``estimate``: publisher's estimate (SIPRI blue cell, NATO ``2024e``);
#: ``uncertain``: SIPRI red cell (highly uncertain); ``missing``: the publisher shows the
#: value as unavailable (". .", "..."); ``not_independent``: SIPRI "xxx";
#: ``footnote``: a footnote marker is attached; ``imputed``: filled by a missing-data rule;
#: ``derived``: computed by burdenshare from other facts (e.g. spread over delivery years).
KNOWN_FLAGS: frozenset[str] = frozenset(
    {"estimate", "uncertain", "missing", "not_independent", "footnote", "imputed", "derived"}
)


def join_flags(flags: Iterable[str]) -> str:
    """Canonical flag string: unique, sorted, ``|``-joined ("" for none)."""
    return "|".join(sorted({f for f in flags if f}))


def split_flags(flags: str | None) -> frozenset[str]:
    """Inverse of :func:`join_flags`."""
    if not flags:
        return frozenset()
    return frozenset(flags.split("|"))


def empty_facts() -> pd.DataFrame:
    """A facts frame with the right columns and dtypes and no rows."""
    return pd.DataFrame(
        {
            "iso3": pd.Series(dtype="object"),
            "year": pd.Series(dtype="int64"),
            "indicator": pd.Series(dtype="object"),
            "value": pd.Series(dtype="float64"),
            "unit": pd.Series(dtype="object"),
            "flags": pd.Series(dtype="object"),
            "source": pd.Series(dtype="object"),
            "vintage": pd.Series(dtype="object"),
        }
    )


def validate_facts(df: pd.DataFrame) -> pd.DataFrame:
    """Check a parser's output against the fact contract and return it in canonical order.

    Raises ``ValueError`` (a programming error, not a user error) when the contract is broken:
    missing columns, unknown flags, or duplicate keys.
    """
    missing = [c for c in FACT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"facts frame lacks columns {missing}")
    out = df.loc[:, list(FACT_COLUMNS)].copy()
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["flags"] = out["flags"].fillna("").astype(object)
    bad = set()
    for s in out["flags"].unique():
        bad |= split_flags(s) - KNOWN_FLAGS
    if bad:
        raise ValueError(f"unknown flags {sorted(bad)}")
    key = ["source", "vintage", "iso3", "year", "indicator"]
    dup = out.duplicated(key)
    if dup.any():
        first = out.loc[dup, key].iloc[0].to_dict()
        raise ValueError(f"duplicate fact key {first}")
    return out.sort_values(key, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ParseResult:
    """What a parser returns: the facts, plus what it noticed.

    ``warnings`` are shown to the user (e.g. broken continuation rows skipped);
    ``unmatched`` lists publisher names that did not resolve to a country (never dropped
    silently); ``meta`` carries provenance the store records (publisher URL, release date).
    ``extra`` holds non-fact tables a source may provide (e.g. the SIPRI trade register deals),
    keyed by table name.
    """

    facts: pd.DataFrame
    source: str
    vintage: str
    warnings: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
