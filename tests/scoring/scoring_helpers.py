"""Helpers for the scoring tests: synthetic facts and hand-built panels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from burdenshare.facts import FACT_COLUMNS
from burdenshare.panel import GROUPS, VALUE_INDICATORS, Panel

#: Real ISO3 codes so that the real group and geography data apply.
SYNTH_COUNTRIES = (
    "POL",
    "DEU",
    "ESP",
    "FIN",
    "JPN",
    "KOR",
    "ISR",
    "IND",
    "BRA",
    "CHN",
    "RUS",
    "USA",
    "AUS",
    "EGY",
)
NATO_SINCE = {"POL": 1999, "DEU": 1955, "ESP": 1982, "FIN": 2023, "USA": 1949}


def make_facts(years=range(2016, 2025), seed: int = 7) -> pd.DataFrame:
    """A deterministic facts frame in the store's shape, with several sources per country:
    SIPRI for everyone, NATO figures (different by design) for NATO members of any year,
    World Bank GDP and population, UN ideal points, troops and arms-register imports."""
    rng = np.random.default_rng(seed)
    rows: list[tuple] = []

    def add(iso3, year, ind, value, unit, source, vintage, flags=""):
        rows.append((iso3, int(year), ind, float(value), unit, flags, source, vintage))

    for c in SYNTH_COUNTRIES:
        base = float(rng.uniform(0.9, 4.0))
        slope = float(rng.uniform(-0.05, 0.25))
        gdp0 = float(rng.uniform(2e5, 5e6))
        pop = float(rng.uniform(5e6, 3e8))
        ip = float(rng.uniform(-1.5, 1.5)) if c != "USA" else 2.0
        for y in years:
            pct = base + slope * (y - years[0])
            gdp = gdp0 * 1.03 ** (y - years[0])
            add(
                c,
                y,
                "milex_gdp_pct",
                pct,
                "percent",
                "sipri_milex",
                "2025-04-30",
                "estimate" if y == years[-1] else "",
            )
            add(c, y, "milex_usd_m", pct / 100 * gdp, "usd_m", "sipri_milex", "2025-04-30")
            add(
                c,
                y,
                "milex_const_usd_m",
                pct / 100 * gdp * 0.9,
                "usd_m_const2023",
                "sipri_milex",
                "2025-04-30",
            )
            add(
                c,
                y,
                "milex_per_capita_usd",
                pct / 100 * gdp * 1e6 / pop,
                "usd",
                "sipri_milex",
                "2025-04-30",
            )
            add(c, y, "milex_gov_pct", pct * 3.1, "percent", "sipri_milex", "2025-04-30")
            add(c, y, "gdp_usd_m", gdp, "usd_m", "worldbank_wdi", "2026-07-13")
            add(c, y, "population", pop, "persons", "worldbank_wdi", "2026-07-13")
            add(c, y, "milex_gdp_pct", pct * 0.98, "percent", "worldbank_wdi", "2026-02-24")
            if c in NATO_SINCE:
                add(
                    c,
                    y,
                    "milex_gdp_pct",
                    pct + 0.1,
                    "percent",
                    "nato_defexp",
                    "2024-06-17",
                    "estimate" if y >= years[-2] else "",
                )
                add(c, y, "gdp_usd_m", gdp * 1.01, "usd_m", "nato_defexp", "2024-06-17")
                add(
                    c,
                    y,
                    "milex_usd_m",
                    (pct + 0.1) / 100 * gdp,
                    "usd_m",
                    "nato_defexp",
                    "2024-06-17",
                )
                add(
                    c,
                    y,
                    "equipment_share_pct",
                    15 + 2 * base,
                    "percent",
                    "nato_defexp",
                    "2024-06-17",
                )
            add(
                c,
                y,
                "unga_idealpoint",
                ip + 0.01 * (y - years[0]),
                "index",
                "unga_idealpoints",
                "2025-07",
            )
            if c != "USA":
                add(
                    c,
                    y,
                    "us_troops_active",
                    float(rng.integers(0, 40000)),
                    "persons",
                    "troopdata",
                    "2024-06-18",
                )
                tot = float(rng.uniform(0, 900))
                add(
                    c,
                    y,
                    "arms_imports_total_tiv_m",
                    tot,
                    "tiv_m",
                    "sipri_at_register",
                    "2025-03-13",
                    "derived",
                )
                add(
                    c,
                    y,
                    "arms_imports_from_us_tiv_m",
                    tot * float(rng.uniform(0, 1)),
                    "tiv_m",
                    "sipri_at_register",
                    "2025-03-13",
                    "derived",
                )
    return pd.DataFrame(rows, columns=list(FACT_COLUMNS))


def hand_panel(
    values: np.ndarray,
    countries: list[str],
    *,
    theater: list[str] | None = None,
    membership: dict[str, list[bool]] | None = None,
    year: int = 2024,
) -> Panel:
    """A panel built by hand (for property tests): ``values`` is (n, len(VALUE_INDICATORS));
    the derived columns are made consistent with ``milex_gdp_pct`` so that what-if
    counterfactuals reproduce them at the current value."""
    from burdenshare.panel import _hague_path, _target

    n = len(countries)
    v = np.array(values, dtype=float)
    col = {name: j for j, name in enumerate(VALUE_INDICATORS)}
    pct = v[:, col["milex_gdp_pct"]]
    v[:, col["gap_to_2pct"]] = pct - _target("nato_2pct")
    v[:, col["gap_to_3_5pct"]] = pct - _target("hague_core_3_5pct")
    v[:, col["gap_to_5pct"]] = pct - _target("hague_total_5pct")
    v[:, col["hague_path_gap"]] = _hague_path(v[:, col["milex_gdp_trend_5y"]], pct, year)
    gdp = np.abs(v[:, col["gdp_usd_m"]]) + 1.0
    v[:, col["gdp_usd_m"]] = gdp
    num = np.nansum(pct * gdp)
    den = float(np.sum(gdp[~np.isnan(pct)]))
    with np.errstate(invalid="ignore", divide="ignore"):
        v[:, col["burden_ratio"]] = pct * den / num
    mem = membership or {g: [False] * n for g in GROUPS}
    mem = {g: list(mem.get(g, [False] * n)) for g in GROUPS}
    base = {
        "mean3": v[:, col["milex_gdp_pct_3y"]],
        "n3": np.full(n, 3.0),
        "trend": v[:, col["milex_gdp_trend_5y"]],
        "trend_coef": np.full(n, 0.1),
        "br_gdp": gdp,
        "br_num": np.full(n, num),
        "br_den": np.full(n, den),
        "br_uses_nato": np.zeros(n, dtype=bool),
        "br_in_nato": np.zeros(n, dtype=bool),
        "br_in_allies": ~np.isnan(pct),
    }
    return Panel(
        year=year,
        countries=tuple(countries),
        names=tuple(countries),
        indicators=VALUE_INDICATORS,
        values=v,
        sources=np.full(v.shape, "test", dtype=object),
        flags=np.full(v.shape, "", dtype=object),
        theater=np.array(theater or ["europe"] * n, dtype=object),
        membership=pd.DataFrame(mem, index=pd.Index(countries, name="iso3")),
        vintages={"test": "1"},
        base=base,
    )
