"""The panel: country x year x indicator, assembled from tidy facts, with derived indicators.

``build_panel(facts, year=Y)`` turns the store's facts into an immutable :class:`Panel` for
one year: a (countries x indicators) float matrix, and for every value the source it came
from and its flags (``estimate``, ``uncertain``, ``imputed`` ...). It is pure: no database,
no network; group membership and geography come from :mod:`burdenshare.groups` and
:mod:`burdenshare.geo` (or are injected, e.g. in tests).

Vintages
    ``vintage="latest"`` (default): for each (source, indicator) the newest vintage holding
    it (the store's rule, so one indicator never mixes releases or price bases).
    ``vintage="YYYY[-MM[-DD]]"``: as of that date, the newest vintage released on or before
    it. A mapping ``{source: vintage}`` pins releases exactly.

Source preference (recorded per value in :attr:`Panel.sources`)
    Defense spending: NATO's figures for countries that are NATO members in the year (as of
    31 December), SIPRI otherwise, World Bank WDI as the fallback. Constant-US$ levels, per
    capita and share of government spending come from SIPRI only, so that one price base and
    one definition apply to every country. Multi-year indicators (3-year mean, 5-year trend)
    are computed on the *same* source's series as the year's value, never on a series
    stitched from two publishers.

Core and defence-related spending (The Hague, 25 Jun 2025, paras. 2-3)
    ``milex_gdp_pct`` stays NATO's total (pensions included; the Wales 2% measure), SIPRI's or
    the World Bank's figure for others. ``milex_core_gdp_pct`` (core defence, the 3.5%
    measure) and ``milex_related_gdp_pct`` (defence- and security-related spending, up to
    1.5%) are taken from NATO only (its "Core defence expenditure" tables from the 2026
    edition on; no other publisher separates them), for members in the year. Where a
    country-year has core spending, ``gap_to_3_5pct`` is core minus 3.5 and
    ``hague_path_gap`` runs on the core series (value and 5-year trend); where it also has
    defence-related spending, ``gap_to_5pct`` is core plus related (counted up to 1.5) minus
    5. Elsewhere they fall back to the total. :meth:`Panel.measure` says per country which
    measure each of these values used (``core``, ``core+related`` or ``total``).

Derived indicators (see :data:`INDICATORS`)
    3-year mean; 5-year OLS trend (percentage points a year, at least 3 points); gaps to the
    NATO 2% guideline and to the Hague 3.5% core and 5% targets; the Hague trajectory gap
    (trend minus the yearly increase still needed to reach 3.5% by 2035); the burden ratio of
    the DoD "Report on Allied Contributions to the Common Defense" (P.L. 96-342 s.1006): a
    country's share of its alliance's defense spending divided by its share of the alliance's
    GDP, i.e. its spending/GDP over the alliance's aggregate spending/GDP, where the alliance
    is NATO for members and otherwise the US alliance network (NATO, treaty allies, Major
    Non-NATO Allies) in that year, spending taken as the % of GDP times GDP; alliance
    commitment as of the year; theater, distance from the capital to the nearest principal
    adversary; US active-duty troops hosted (troopdata/DMDC, carried forward at most two years,
    flagged ``imputed``); UN General Assembly ideal-point distance to the US in the same year
    (Bailey, Strezhnev & Voeten); the US share of the country's major-arms imports over five
    years (SIPRI trade register, TIV).

Targets (2%, 3.5%, 5%, 2035) are read from ``data/targets/nato_spending.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np
import pandas as pd
import yaml

from burdenshare.errors import UserError
from burdenshare.facts import KNOWN_FLAGS

# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class IndicatorInfo:
    """What a panel indicator means: label, unit, the natural direction, how it is made."""

    label: str
    unit: str
    direction: str  # "higher" or "lower" is better, for a partner
    description: str
    kind: str = "value"  # "value": a panel column; "category": mapped from a category by policy


INDICATORS: Mapping[str, IndicatorInfo] = MappingProxyType(
    {
        "milex_gdp_pct": IndicatorInfo(
            "Defense spending, % of GDP",
            "percent",
            "higher",
            "NATO for members in the year, else SIPRI, else World Bank WDI",
        ),
        "milex_gdp_pct_3y": IndicatorInfo(
            "Defense spending, % of GDP, 3-year mean",
            "percent",
            "higher",
            "mean of the available values in the year and the two before, same source",
        ),
        "milex_gdp_trend_5y": IndicatorInfo(
            "5-year trend of defense spending",
            "pp_per_year",
            "higher",
            "OLS slope of % of GDP over the year and the four before (>= 3 points), same source",
        ),
        "gap_to_2pct": IndicatorInfo(
            "Distance to NATO 2% guideline",
            "pp",
            "higher",
            "% of GDP minus 2 (Wales 2014); >= 0 means the guideline is met",
        ),
        "gap_to_3_5pct": IndicatorInfo(
            "Distance to 3.5% core (Hague 2025)",
            "pp",
            "higher",
            "core defence % of GDP minus 3.5 where NATO publishes core spending, else the "
            "total % of GDP minus 3.5 (Panel.measure says which)",
        ),
        "gap_to_5pct": IndicatorInfo(
            "Distance to 5% (Hague 2025)",
            "pp",
            "higher",
            "core plus defence-related (up to 1.5) % of GDP minus 5 where NATO publishes "
            "both, else the total % of GDP minus 5",
        ),
        "hague_path_gap": IndicatorInfo(
            "Trajectory to 3.5% by 2035",
            "pp_per_year",
            "higher",
            "5-year trend minus the yearly increase still needed to reach 3.5% by 2035, on "
            "the core series where NATO publishes it (value and trend), else the total",
        ),
        "milex_const_usd_m": IndicatorInfo(
            "Defense spending, constant US$ m",
            "usd_m_const",
            "higher",
            "SIPRI constant-price US$ (one price base for all countries)",
        ),
        "milex_usd_m": IndicatorInfo(
            "Defense spending, current US$ m",
            "usd_m",
            "higher",
            "NATO for members, else SIPRI",
        ),
        "milex_per_capita_usd": IndicatorInfo(
            "Defense spending per capita, US$",
            "usd",
            "higher",
            "SIPRI; else current US$ spending over World Bank population",
        ),
        "milex_gov_pct": IndicatorInfo(
            "Defense share of government spending",
            "percent",
            "higher",
            "SIPRI",
        ),
        "equipment_share_pct": IndicatorInfo(
            "Equipment share of defense spending",
            "percent",
            "higher",
            "NATO Table 8a (members only; Wales guideline 20%)",
        ),
        "burden_ratio": IndicatorInfo(
            "Burden ratio (DoD Allied Contributions)",
            "ratio",
            "higher",
            "share of the alliance's defense spending / share of the alliance's GDP; 1 = fair",
        ),
        "gdp_usd_m": IndicatorInfo(
            "GDP, current US$ m", "usd_m", "higher", "NATO for members, else World Bank"
        ),
        "population": IndicatorInfo("Population", "persons", "higher", "World Bank WDI"),
        "nato_member": IndicatorInfo(
            "NATO member", "bool", "higher", "member on 31 December of the year"
        ),
        "us_treaty_ally": IndicatorInfo(
            "US treaty ally", "bool", "higher", "US collective defense treaty, as of the year"
        ),
        "mnna": IndicatorInfo(
            "Major Non-NATO Ally", "bool", "higher", "designated by 31 December of the year"
        ),
        "alliance_level": IndicatorInfo(
            "Alliance commitment",
            "level",
            "higher",
            "3 NATO member, 2 other US treaty ally, 1 Major Non-NATO Ally, 0 none",
        ),
        "theater_priority": IndicatorInfo(
            "Theater priority",
            "weight",
            "higher",
            "the policy's weight for the country's theater",
            kind="category",
        ),
        "adversary_distance_km": IndicatorInfo(
            "Distance to nearest principal adversary",
            "km",
            "lower",
            "great-circle distance from the capital to the nearest of Russia, China, Iran, "
            "North Korea",
        ),
        "us_troops_active": IndicatorInfo(
            "US troops hosted",
            "persons",
            "higher",
            "US active-duty personnel (troopdata / DMDC)",
        ),
        "unga_distance_us": IndicatorInfo(
            "UNGA distance to the US",
            "index",
            "lower",
            "absolute difference of UN General Assembly ideal points, same year",
        ),
        "us_arms_share_5y": IndicatorInfo(
            "US share of arms imports, 5 years",
            "percent",
            "higher",
            "US-supplied TIV / all TIV delivered over the year and the four before (SIPRI)",
        ),
        "us_arms_tiv_5y": IndicatorInfo(
            "US major arms bought, 5 years",
            "tiv_m",
            "higher",
            "US-supplied major arms delivered over the year and the four before, SIPRI TIV "
            "(million trend-indicator values); 0 where the register, covering those years, "
            "lists no delivery (EO 14383 sec. 3(a): contribution to US economic security)",
        ),
        "milex_core_gdp_pct": IndicatorInfo(
            "Core defence spending, % of GDP",
            "percent",
            "higher",
            "NATO 'Core defence expenditure' (Hague 2025 3.5% measure), members only",
        ),
        "milex_related_gdp_pct": IndicatorInfo(
            "Defence-related spending, % of GDP",
            "percent",
            "higher",
            "NATO defence- and security-related expenditure (Hague 2025, up to 1.5%)",
        ),
        "milex_hague_gdp_pct": IndicatorInfo(
            "Defence spending on the Hague 3.5% measure, % of GDP",
            "percent",
            "higher",
            "core defence % of GDP where NATO publishes it, else the total % of GDP",
        ),
        "milex_hague_gdp_pct_3y": IndicatorInfo(
            "Defence spending on the Hague 3.5% measure, 3-year mean",
            "percent",
            "higher",
            "mean of the year and the two before, on the core series where NATO publishes it",
        ),
    }
)

#: Labels of the spending measure a target indicator was computed on (Panel.measure).
MEASURE_TOTAL, MEASURE_CORE, MEASURE_HAGUE = "total", "core", "core+related"
#: Target indicator -> (Panel.base key marking rows on the Hague measure, that measure).
MEASURED: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "gap_to_3_5pct": ("core_3_5", MEASURE_CORE),
        "milex_hague_gdp_pct": ("core_3_5", MEASURE_CORE),
        "milex_hague_gdp_pct_3y": ("core_3_5", MEASURE_CORE),
        "hague_path_gap": ("core_path", MEASURE_CORE),
        "gap_to_5pct": ("core_5", MEASURE_HAGUE),
    }
)

#: Indicators a policy maps from a panel category (indicator -> category column).
CATEGORY_INDICATORS: Mapping[str, str] = MappingProxyType({"theater_priority": "theater"})

#: Panel value columns, in matrix order.
VALUE_INDICATORS: tuple[str, ...] = tuple(k for k, v in INDICATORS.items() if v.kind == "value")

THEATERS: tuple[str, ...] = (
    "europe",
    "indo_pacific",
    "middle_east",
    "western_hemisphere",
    "africa",
    "south_central_asia",
)
#: ``itar_126_1_full``: listings with a policy of denial for the whole country;
#: ``itar_126_1_review``: partial or suspended listings (22 CFR 126.1; groups.py).
GROUPS: tuple[str, ...] = (
    "nato",
    "us_treaty_ally",
    "mnna",
    "nato_plus_5",
    "itar_126_1",
    "itar_126_1_full",
    "itar_126_1_review",
)
#: Principal adversaries named by the issue/NSS: Russia, China, Iran, North Korea.
DEFAULT_ADVERSARIES: tuple[str, ...] = ("RUS", "CHN", "IRN", "PRK")

#: Source preference per base indicator, first available wins. ``nato_defexp`` is used only
#: for countries that are NATO members in the year ("NATO figures for members").
PREFERENCE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "milex_gdp_pct": ("nato_defexp", "sipri_milex", "worldbank_wdi"),
        "milex_usd_m": ("nato_defexp", "sipri_milex"),
        "gdp_usd_m": ("nato_defexp", "worldbank_wdi"),
        "milex_const_usd_m": ("sipri_milex",),
        "milex_per_capita_usd": ("sipri_milex",),
        "milex_gov_pct": ("sipri_milex",),
        "equipment_share_pct": ("nato_defexp",),
        "population": ("worldbank_wdi",),
        "us_troops_active": ("troopdata",),
        "unga_idealpoint": ("unga_idealpoints",),
        "arms_imports_from_us_tiv_m": ("sipri_at_register",),
        "arms_imports_total_tiv_m": ("sipri_at_register",),
        # core / defence-related: only NATO separates them (2026 edition on)
        "milex_core_gdp_pct": ("nato_defexp",),
        "milex_related_gdp_pct": ("nato_defexp",),
    }
)
NATO_SOURCE = "nato_defexp"
#: Indicators whose presence in a year puts a country in that year's panel.
SPENDING_INDICATORS: tuple[str, ...] = ("milex_gdp_pct", "milex_usd_m", "milex_const_usd_m")
SPENDING_SOURCES: tuple[str, ...] = ("nato_defexp", "sipri_milex", "worldbank_wdi")
#: Coverage rule for the default year: share of that year's NATO members with % of GDP.
DEFAULT_YEAR_COVERAGE = 0.8
TROOPS_CARRY_YEARS = 2

_FLAG_NAMES: tuple[str, ...] = tuple(sorted(KNOWN_FLAGS))
_FLAG_BIT = {name: 1 << i for i, name in enumerate(_FLAG_NAMES)}
_IMPUTED = _FLAG_BIT["imputed"]
_DERIVED = _FLAG_BIT["derived"]


@lru_cache(maxsize=1)
def targets() -> Mapping[str, Mapping]:
    """NATO spending targets (value, by_year, source) from the dated data file."""
    text = (
        resources.files("burdenshare.data")
        .joinpath("targets/nato_spending.yaml")
        .read_text("utf-8")
    )
    return MappingProxyType(yaml.safe_load(text)["targets"])


def _target(name: str) -> float:
    return float(targets()[name]["value"])


# --------------------------------------------------------------------------- providers

MembershipFn = Callable[[list[str], list[str], dt.date], pd.DataFrame]
GeographyFn = Callable[[list[str]], pd.DataFrame]


def default_membership(iso3s: list[str], groups: list[str], as_of: dt.date) -> pd.DataFrame:
    """Group membership as of a date, from :mod:`burdenshare.groups`."""
    from burdenshare import groups as _groups

    return _groups.membership_matrix(iso3s, groups, as_of)


def default_geography(iso3s: list[str]) -> pd.DataFrame:
    """Theater and distance to the nearest principal adversary, from :mod:`burdenshare.geo`."""
    from burdenshare import geo

    iso3s = list(iso3s)
    theater = geo.theaters(iso3s).to_numpy(dtype=object)
    dist = geo.distance_to_nearest(iso3s, DEFAULT_ADVERSARIES).to_numpy(dtype=float)
    return pd.DataFrame({"theater": theater, "adversary_distance_km": dist}, index=iso3s)


# --------------------------------------------------------------------------- the panel


@dataclass(frozen=True, eq=False)
class Panel:
    """One year of the panel: countries x indicators, with source and flags per value.

    ``values[i, j]`` is country ``countries[i]``'s value of ``indicators[j]`` (NaN when
    missing); ``sources[i, j]`` names the publisher it came from (``""`` when missing, or a
    ``+``-joined list for values combined from several); ``flags[i, j]`` is a canonical flag
    string. ``membership`` holds the groups as of 31 December of ``year``. ``base`` keeps what
    :meth:`with_spending` needs to recompute the spending-linked indicators exactly.
    Arrays are read-only.
    """

    year: int
    countries: tuple[str, ...]
    names: tuple[str, ...]
    indicators: tuple[str, ...]
    values: np.ndarray
    sources: np.ndarray
    flags: np.ndarray
    theater: np.ndarray
    membership: pd.DataFrame
    vintages: Mapping[str, str] = field(default_factory=dict)
    base: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Read-only views: the panel cannot be changed, the caller's arrays stay writable.
        for name in ("values", "sources", "flags", "theater"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(
            self, "base", MappingProxyType({k: _frozen(v) for k, v in self.base.items()})
        )

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.countries, name="iso3")

    @cached_property
    def lookups(self) -> PanelLookups:
        """Look-up arrays derived from the panel, computed once on first use and shared by
        every policy scored on it (see :class:`PanelLookups`)."""
        return PanelLookups.of(self)

    def frame(self) -> pd.DataFrame:
        """Values as a DataFrame (iso3 x indicator)."""
        return pd.DataFrame(self.values, index=self.index, columns=list(self.indicators))

    def column(self, indicator: str) -> np.ndarray:
        return self.values[:, self.indicators.index(indicator)]

    def measure(self, indicator: str) -> np.ndarray:
        """Per country, the spending measure ``indicator`` was computed on: ``core`` (core
        defence, the Hague 3.5% measure), ``core+related`` (core plus defence-related up to
        1.5%, the Hague 5%) or ``total`` (NATO's total with pensions, or SIPRI/World Bank);
        ``""`` where the value is missing or the indicator is not a spending target."""
        n = len(self.countries)
        if indicator in MEASURED:
            key, label = MEASURED[indicator]
            hague = np.asarray(self.base.get(key, np.zeros(n, dtype=bool)), dtype=bool)
            out = np.where(hague, label, MEASURE_TOTAL).astype(object)
        elif indicator in (
            "milex_gdp_pct",
            "milex_gdp_pct_3y",
            "milex_gdp_trend_5y",
            "gap_to_2pct",
        ):
            out = np.full(n, MEASURE_TOTAL, dtype=object)
        else:
            return np.full(n, "", dtype=object)
        return np.where(np.isnan(self.column(indicator)), "", out)

    def row(self, iso3: str) -> int:
        try:
            return self.countries.index(iso3)
        except ValueError:
            raise UserError(
                f"{iso3} is not in the {self.year} panel (no data for that year)"
            ) from None

    def meets(self, target_pct: float) -> pd.Series:
        """Countries whose % of GDP is at or above ``target_pct`` (NaN -> False)."""
        pct = self.column("milex_gdp_pct")
        return pd.Series(np.nan_to_num(pct, nan=-np.inf) >= target_pct - 1e-9, index=self.index)

    def spending_matrix(self, rows: np.ndarray, new_pct: np.ndarray) -> np.ndarray:
        """Batch counterfactual: for each b, country ``rows[b]`` spends ``new_pct[b]`` % of GDP.

        Returns values of shape (B, n, k): every spending-linked indicator of that country is
        recomputed exactly (3-year mean, trend, gaps, Hague trajectory, levels and per capita
        scaled with spending, share of government spending with other spending held fixed,
        and the burden ratio with the alliance aggregate updated); all else stays fixed.
        """
        rows = np.asarray(rows, dtype=int)
        new_pct = np.asarray(new_pct, dtype=float)
        b = rows.shape[0]
        out = np.broadcast_to(self.values, (b, *self.values.shape)).copy()
        cols = {name: j for j, name in enumerate(self.indicators)}
        p0 = self.values[rows, cols["milex_gdp_pct"]]
        delta = new_pct - p0
        batch = np.arange(b)

        def put(name: str, vals: np.ndarray) -> None:
            out[batch, rows, cols[name]] = vals

        put("milex_gdp_pct", new_pct)
        put("milex_gdp_pct_3y", self.base["mean3"][rows] + delta / self.base["n3"][rows])
        trend = self.base["trend"][rows] + self.base["trend_coef"][rows] * delta
        put("milex_gdp_trend_5y", trend)
        put("gap_to_2pct", new_pct - _target("nato_2pct"))
        # On the Hague measures (core, core+related) the change is taken as core spending:
        # the gaps move by the same amount and the core series' trend by its coefficient.
        n = len(self.countries)
        none = np.zeros(n, dtype=bool)
        c35 = np.asarray(self.base.get("core_3_5", none))[rows]
        c5 = np.asarray(self.base.get("core_5", none))[rows]
        cpath = np.asarray(self.base.get("core_path", none))[rows]
        put(
            "gap_to_3_5pct",
            np.where(
                c35,
                self.values[rows, cols["gap_to_3_5pct"]] + delta,
                new_pct - _target("hague_core_3_5pct"),
            ),
        )
        put(
            "gap_to_5pct",
            np.where(
                c5,
                self.values[rows, cols["gap_to_5pct"]] + delta,
                new_pct - _target("hague_total_5pct"),
            ),
        )
        put(
            "milex_hague_gdp_pct",
            np.where(
                c35,
                self.values[rows, cols["milex_hague_gdp_pct"]] + delta,
                new_pct,
            ),
        )
        h_n3 = np.asarray(self.base.get("h_n3", self.base["n3"]))[rows]
        h_mean3 = np.asarray(self.base.get("h_mean3", self.base["mean3"]))[rows]
        put(
            "milex_hague_gdp_pct_3y",
            np.where(
                c35,
                h_mean3 + delta / h_n3,
                self.base["mean3"][rows] + delta / self.base["n3"][rows],
            ),
        )
        if cpath.any():
            h_trend = self.base["h_trend"][rows] + self.base["h_coef"][rows] * delta
            h_level = self.base["h_level"][rows] + delta
            path = np.where(
                cpath,
                _hague_path(h_trend, h_level, self.year),
                _hague_path(trend, new_pct, self.year),
            )
        else:
            path = _hague_path(trend, new_pct, self.year)
        put("hague_path_gap", path)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(p0 > 0, new_pct / p0, np.nan)
            for name in ("milex_const_usd_m", "milex_usd_m", "milex_per_capita_usd"):
                put(name, self.values[rows, cols[name]] * factor)
            s = self.values[rows, cols["milex_gov_pct"]] / 100.0
            put("milex_gov_pct", 100.0 * s * factor / (1.0 - s + s * factor))
            # The alliance aggregate moves with the country's spending, so every member's
            # ratio in the same aggregate changes, not only the country's own.
            add = delta * np.nan_to_num(self.base["br_gdp"][rows])
            add_nato = np.where(self.base["br_in_nato"][rows], add, 0.0)[:, None]
            add_allies = np.where(self.base["br_in_allies"][rows], add, 0.0)[:, None]
            uses_nato = self.base["br_uses_nato"][None, :]
            num = self.base["br_num"][None, :] + np.where(uses_nato, add_nato, add_allies)
            pct_all = out[:, :, cols["milex_gdp_pct"]]
            ratio = pct_all * self.base["br_den"][None, :] / num
        valid = ~np.isnan(self.values[:, cols["burden_ratio"]])[None, :] | (
            np.arange(len(self.countries))[None, :] == rows[:, None]
        )
        valid &= ~np.isnan(self.base["br_gdp"])[None, :]
        out[:, :, cols["burden_ratio"]] = np.where(valid, ratio, np.nan)
        return out

    def with_values(self, iso3: str, changes: Mapping[str, float]) -> Panel:
        """A new panel where ``iso3`` has the given values (``milex_gdp_pct`` propagates to the
        spending-linked indicators; other indicators are set as given)."""
        i = self.row(iso3)
        unknown = [k for k in changes if k not in self.indicators]
        if unknown:
            raise UserError(
                f"unknown indicator {unknown[0]!r} in --set; known: {', '.join(self.indicators)}"
            )
        values = self.values.copy()
        if "milex_gdp_pct" in changes:
            values = self.spending_matrix(np.array([i]), np.array([changes["milex_gdp_pct"]]))[0]
        for name, v in changes.items():
            values[i, self.indicators.index(name)] = float(v)
        flags = self.flags.copy()
        for name in changes:
            flags[i, self.indicators.index(name)] = "what-if"
        return Panel(
            year=self.year,
            countries=self.countries,
            names=self.names,
            indicators=self.indicators,
            values=values,
            sources=self.sources.copy(),
            flags=flags,
            theater=self.theater.copy(),
            membership=self.membership,
            vintages=self.vintages,
            base={k: v.copy() for k, v in self.base.items()},
        )


@dataclass(frozen=True, eq=False)
class PanelLookups:
    """Static per-panel arrays the scoring engine needs for every policy and every call:
    built once per panel (vectorised) instead of once per (panel, policy) in Python loops.

    ``member`` (n, G) membership as booleans (columns ``groups``, in ``membership`` column
    order, rows positional); ``theater_labels`` the distinct theater values (``None`` when
    unknown) and ``theater_code`` (n,) each country's position in it; ``code_rank`` (n,) each
    country's position in ISO3 order; ``iso3``, ``names``, ``theater``: the columns as pandas
    arrays with pandas' own dtype inference (so a result table made from them has the same
    dtypes as one made from the plain values); ``flag_vocab`` the distinct flag strings
    (``""`` first) and ``flag_code`` (n, K) each value's position in it.
    """

    position: Mapping[str, int]
    indicator_pos: Mapping[str, int]
    code_rank: np.ndarray
    index: pd.Index
    names: pd.api.extensions.ExtensionArray
    theater: pd.api.extensions.ExtensionArray | np.ndarray
    theater_labels: tuple[object, ...]
    theater_code: np.ndarray
    theater_group: tuple[np.ndarray, np.ndarray] | None
    groups: tuple[str, ...]
    member: np.ndarray
    flag_vocab: tuple[str, ...]
    flag_code: np.ndarray

    @classmethod
    def of(cls, panel: Panel) -> PanelLookups:
        countries = np.asarray(panel.countries, dtype=object)
        labels: dict[object, int] = {}
        theater_code = np.array(
            [labels.setdefault(t, len(labels)) for t in panel.theater], dtype=np.intp
        )
        theater_series = pd.Series(panel.theater, dtype=None, copy=False)
        theater = (
            theater_series.array
            if isinstance(theater_series.dtype, pd.StringDtype)
            else np.asarray(panel.theater, dtype=object)
        )
        try:
            group_names, group_of_label = np.unique(
                np.array([t or "" for t in labels], dtype=object), return_inverse=True
            )
            theater_group = (
                _frozen(group_names),
                _frozen(group_of_label.reshape(-1)[theater_code]),
            )
        except TypeError:  # theater labels that do not sort together
            theater_group = None
        flag_vocab, flag_code = _vocabulary(np.asarray(panel.flags, dtype=object))
        return cls(
            position=MappingProxyType({c: i for i, c in enumerate(panel.countries)}),
            indicator_pos=MappingProxyType({n: j for j, n in enumerate(panel.indicators)}),
            code_rank=_frozen(np.argsort(np.argsort(countries, kind="stable"), kind="stable")),
            index=pd.Index(countries, name="iso3"),
            names=pd.Series(list(panel.names), dtype=None).array,
            theater=theater,
            theater_labels=tuple(labels),
            theater_code=_frozen(theater_code),
            theater_group=theater_group,
            groups=tuple(str(g) for g in panel.membership.columns),
            member=_frozen(panel.membership.to_numpy(dtype=bool).reshape(len(countries), -1)),
            flag_vocab=flag_vocab,
            flag_code=_frozen(flag_code),
        )


def _vocabulary(cells: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """The distinct values of an object array (``""`` first, then in order of first
    appearance) and each cell's position among them (same shape)."""
    flat = cells.ravel()
    codes, uniques = pd.factorize(flat)
    if (codes >= 0).all() and all(type(u) is str for u in uniques):
        vocab = ["", *(u for u in uniques if u != "")]
        slot = np.array([vocab.index(u) for u in uniques] or [0], dtype=np.intp)
        return tuple(vocab), slot[codes].reshape(cells.shape)
    # Non-text cells (None, NaN): keep each object as it is.
    seen: dict[object, int] = {"": 0}
    codes = np.array([seen.setdefault(c, len(seen)) for c in flat.tolist()], dtype=np.intp)
    return tuple(seen), codes.reshape(cells.shape)


def _frozen(arr: np.ndarray) -> np.ndarray:
    view = np.asarray(arr).view()
    view.setflags(write=False)
    return view


def _hague_path(trend: np.ndarray, pct: np.ndarray, year: int) -> np.ndarray:
    core = _target("hague_core_3_5pct")
    years_left = max(int(targets()["hague_core_3_5pct"]["by_year"]) - int(year), 1)
    return trend - np.maximum(core - pct, 0.0) / years_left


# --------------------------------------------------------------------------- vintages


def select_vintage(
    facts: pd.DataFrame, vintage: str | Mapping[str, str] = "latest"
) -> pd.DataFrame:
    """Facts of one vintage per (source, indicator): the newest, the newest as of a date, or
    pinned per source."""
    if facts.empty:
        return facts
    if isinstance(vintage, Mapping):
        keep = facts["vintage"].astype(str) == facts["source"].map(dict(vintage)).fillna("")
        chosen = facts.loc[keep | ~facts["source"].isin(list(vintage))]
        return _newest(chosen)
    if vintage == "latest":
        return _newest(facts)
    as_of = str(vintage)
    as_of = as_of + "-12-31" if len(as_of) == 4 else as_of + "-31" if len(as_of) == 7 else as_of
    earlier = facts.loc[facts["vintage"].astype(str) <= as_of]
    if earlier.empty:
        raise UserError(f"no facts released on or before vintage {vintage!r}")
    return _newest(earlier)


def _newest(facts: pd.DataFrame) -> pd.DataFrame:
    newest = facts.groupby(["source", "indicator"], sort=False)["vintage"].transform("max")
    return facts.loc[facts["vintage"] == newest]


# --------------------------------------------------------------------------- building


@dataclass
class _Grid:
    """Country x year arrays of one (indicator, source): values and flag bitmasks."""

    values: np.ndarray
    flags: np.ndarray


def _known_countries(codes: Iterable[str]) -> list[str]:
    from burdenshare.countries import country_name

    return sorted(c for c in set(codes) if isinstance(c, str) and country_name(c) != c)


def _grids(
    facts: pd.DataFrame, countries: pd.Index, y0: int, n_years: int
) -> dict[tuple[str, str], _Grid]:
    """Country x year arrays per (indicator, source): one pass over the facts for positions
    and flag masks, then one scatter per pair (rows keep their order, so the last of any
    duplicates wins)."""
    out: dict[tuple[str, str], _Grid] = {}
    ci_all = countries.get_indexer(facts["iso3"])
    keep = ci_all >= 0
    f = facts.loc[keep]
    ci = ci_all[keep]
    yi = f["year"].to_numpy() - y0
    value = f["value"].to_numpy(dtype=float)
    flag_codes, flag_uniques = pd.factorize(f["flags"])
    masks = np.array([_flag_mask(u) for u in flag_uniques] + [0], dtype=np.int64)
    flag = masks[flag_codes]  # -1 (missing flags) -> the trailing 0
    ind_codes, ind_uniques = pd.factorize(f["indicator"])
    src_codes, src_uniques = pd.factorize(f["source"])
    pair = np.where(
        (ind_codes >= 0) & (src_codes >= 0), ind_codes * len(src_uniques) + src_codes, -1
    )
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
    ends = np.r_[starts[1:], len(order)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        key = int(sorted_pair[a])
        if key < 0:
            continue
        idx = order[a:b]
        idx = idx[(yi[idx] >= 0) & (yi[idx] < n_years)]
        vals = np.full((len(countries), n_years), np.nan)
        flg = np.zeros((len(countries), n_years), dtype=np.int64)
        vals[ci[idx], yi[idx]] = value[idx]
        flg[ci[idx], yi[idx]] = flag[idx]
        ind, src = ind_uniques[key // len(src_uniques)], src_uniques[key % len(src_uniques)]
        out[(str(ind), str(src))] = _Grid(vals, flg)
    return out


def _flag_mask(s: str) -> int:
    mask = 0
    for name in (s or "").split("|"):
        mask |= _FLAG_BIT.get(name, 0)
    return mask


def _flag_string(mask: int) -> str:
    return "|".join(n for n in _FLAG_NAMES if mask & _FLAG_BIT[n])


def _flag_strings(masks: np.ndarray) -> np.ndarray:
    return _FLAG_TEXT[masks]


#: The flag string of every bit mask of KNOWN_FLAGS (index = mask).
_FLAG_TEXT: np.ndarray = np.array(
    ["|".join(n for n in _FLAG_NAMES if m & _FLAG_BIT[n]) for m in range(1 << len(_FLAG_NAMES))],
    dtype=object,
)


def _shifted(a: np.ndarray, window: int, fill) -> np.ndarray:
    """Stack of ``a`` lagged by 0..window-1 years along the last axis: (window, C, Y)."""
    out = np.full((window, *a.shape), fill, dtype=a.dtype)
    for d in range(window):
        out[d, :, d:] = a[:, : a.shape[1] - d]
    return out


def _window_stats(vals: np.ndarray, flags: np.ndarray) -> dict[str, np.ndarray]:
    """3-year mean and 5-year OLS trend of one series, with what a counterfactual needs."""
    s3 = _shifted(vals, 3, np.nan)
    n3 = np.sum(~np.isnan(s3), axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean3 = np.nansum(s3, axis=0) / n3
    s5 = _shifted(vals, 5, np.nan)
    t = -np.arange(5, dtype=float)[:, None, None] * np.ones_like(s5)
    m = ~np.isnan(s5)
    n = m.sum(axis=0).astype(float)
    st = np.where(m, t, 0).sum(0)
    stt = np.where(m, t * t, 0).sum(0)
    sy = np.where(m, s5, 0).sum(0)
    sty = np.where(m, t * s5, 0).sum(0)
    den = n * stt - st * st
    ok = (n >= 3) & (den > 0) & ~np.isnan(vals)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(ok, (n * sty - st * sy) / den, np.nan)
        coef = np.where(ok, -st / den, np.nan)  # d slope / d (current value)
    f3 = np.bitwise_or.reduce(_shifted(flags, 3, 0), axis=0)
    f5 = np.bitwise_or.reduce(_shifted(flags, 5, 0), axis=0)
    cur = ~np.isnan(vals)
    return {
        "mean3": np.where(cur, mean3, np.nan),
        "n3": n3,
        "trend": slope,
        "trend_coef": coef,
        "flags3": np.where(cur, f3, 0),
        "flags5": np.where(ok, f5, 0),
    }


def _choose(
    grids: dict[tuple[str, str], _Grid], indicator: str, member: np.ndarray, shape
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, flags, source index into PREFERENCE[indicator]) by preference, -1 when none."""
    prefs = PREFERENCE[indicator]
    choice = np.full(shape, -1, dtype=np.int64)
    for k in range(len(prefs) - 1, -1, -1):
        g = grids.get((indicator, prefs[k]))
        if g is None:
            continue
        allowed = member if prefs[k] == NATO_SOURCE else np.ones(shape, dtype=bool)
        choice = np.where(allowed & ~np.isnan(g.values), k, choice)
    vals = np.full(shape, np.nan)
    flg = np.zeros(shape, dtype=np.int64)
    for k, src in enumerate(prefs):
        g = grids.get((indicator, src))
        if g is not None:
            vals = np.where(choice == k, g.values, vals)
            flg = np.where(choice == k, g.flags, flg)
    return vals, flg, choice


def _pick(per_source: list[np.ndarray | None], choice: np.ndarray, fill) -> np.ndarray:
    out = np.full(
        choice.shape, fill, dtype=np.result_type(fill, *(p for p in per_source if p is not None))
    )
    for k, arr in enumerate(per_source):
        if arr is not None:
            out = np.where(choice == k, arr, out)
    return out


def build_panels(
    facts: pd.DataFrame,
    *,
    years: Iterable[int] | None = None,
    vintage: str | Mapping[str, str] = "latest",
    membership: MembershipFn | None = None,
    geography: GeographyFn | pd.DataFrame | None = None,
) -> dict[int, Panel]:
    """Panels for several years at once (all years with spending data by default).

    Every derived indicator is computed on country x year arrays in one pass, so building all
    years costs about as much as building one.
    """
    membership = membership or default_membership
    facts = select_vintage(facts, vintage)
    if facts.empty:
        raise UserError("no facts: import data first (burdenshare data import FILE)")
    countries = pd.Index(_known_countries(facts["iso3"].unique()), name="iso3")
    spend = facts.loc[
        facts["indicator"].isin(SPENDING_INDICATORS) & facts["source"].isin(SPENDING_SOURCES)
    ]
    spend_years = sorted(int(y) for y in spend["year"].unique())
    wanted = sorted({int(y) for y in years}) if years is not None else spend_years
    if not spend_years:
        raise UserError("no defense-spending facts in the store")
    missing = [y for y in wanted if y not in set(spend_years)]
    if missing:
        raise UserError(
            f"no defense-spending data for {missing[0]}; years with data: "
            f"{spend_years[0]}-{spend_years[-1]}",
            where="--year",
        )
    y0 = min(int(facts["year"].min()), wanted[0]) if len(facts) else wanted[0]
    y0 = max(y0, wanted[0] - 10)
    y1 = max(int(facts["year"].max()), wanted[-1])
    n_years = y1 - y0 + 1
    year_axis = np.arange(y0, y1 + 1)
    shape = (len(countries), n_years)
    grids = _grids(facts, countries, y0, n_years)

    # Membership (C x Y) for every group, as of 31 December of each year in the grid.
    iso_list = list(countries)
    mem = {g: np.zeros(shape, dtype=bool) for g in GROUPS}
    if membership is default_membership:
        # The same sets default_membership looks up, without a frame per year: each group's
        # members as of the date, placed by position.
        from burdenshare import groups as _groups

        position = {c: i for i, c in enumerate(iso_list)}
        for j, y in enumerate(year_axis):
            if y < wanted[0] - 5:
                continue
            day = dt.date(int(y), 12, 31)
            for g in GROUPS:
                at = [position[c] for c in _groups.members(g, day) if c in position]
                mem[g][at, j] = True
    else:
        for j, y in enumerate(year_axis):
            if y < wanted[0] - 5:
                continue
            frame = membership(iso_list, list(GROUPS), dt.date(int(y), 12, 31))
            frame = frame.reindex(index=iso_list, columns=list(GROUPS), fill_value=False)
            for g in GROUPS:
                mem[g][:, j] = frame[g].to_numpy(dtype=bool)
    nato = mem["nato"]

    cols: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # values, flags, sources

    def src_names(indicator: str, choice: np.ndarray) -> np.ndarray:
        names = np.array([*PREFERENCE[indicator], ""], dtype=object)
        return names[np.where(choice < 0, len(names) - 1, choice)]

    for ind in (
        "milex_usd_m",
        "gdp_usd_m",
        "milex_const_usd_m",
        "milex_gov_pct",
        "equipment_share_pct",
        "population",
    ):
        v, f, c = _choose(grids, ind, nato, shape)
        cols[ind] = (v, f, src_names(ind, c))

    # Defense spending % GDP and its multi-year companions, each on the chosen source's series.
    pct, pct_flags, pct_choice = _choose(grids, "milex_gdp_pct", nato, shape)
    stats = [
        _window_stats(g.values, g.flags) if (g := grids.get(("milex_gdp_pct", s))) else None
        for s in PREFERENCE["milex_gdp_pct"]
    ]
    pick = {
        key: _pick([s[key] if s else None for s in stats], pct_choice, fill)
        for key, fill in (
            ("mean3", np.nan),
            ("n3", np.nan),
            ("trend", np.nan),
            ("trend_coef", np.nan),
            ("flags3", 0),
            ("flags5", 0),
        )
    }
    pct_src = src_names("milex_gdp_pct", pct_choice)
    cols["milex_gdp_pct"] = (pct, pct_flags, pct_src)
    cols["milex_gdp_pct_3y"] = (pick["mean3"], pick["flags3"], pct_src)
    cols["milex_gdp_trend_5y"] = (pick["trend"], pick["flags5"], pct_src)
    cols["gap_to_2pct"] = (pct - _target("nato_2pct"), pct_flags, pct_src)
    hm = _hague_measures(grids, nato, shape, pct, pct_flags, pct_src, pick)
    cols["milex_core_gdp_pct"] = hm["core_col"]
    cols["milex_related_gdp_pct"] = hm["related_col"]
    cols["gap_to_3_5pct"] = (hm["m35"] - _target("hague_core_3_5pct"), hm["f35"], hm["s35"])
    cols["milex_hague_gdp_pct"] = (hm["m35"], hm["f35"], hm["s35"])
    cols["milex_hague_gdp_pct_3y"] = (hm["h_mean3"], hm["h_flags3"], hm["s35"])
    cols["gap_to_5pct"] = (hm["m5"] - _target("hague_total_5pct"), hm["f5"], hm["s5"])
    hague = np.stack(
        [_hague_path(hm["h_trend"][:, j], hm["h_level"][:, j], y) for j, y in enumerate(year_axis)],
        axis=1,
    )
    cols["hague_path_gap"] = (hague, hm["h_flags"], hm["h_src"])

    # Per capita: SIPRI, else current US$ over population (flagged derived).
    pc_v, pc_f, pc_c = _choose(grids, "milex_per_capita_usd", nato, shape)
    pc_src = src_names("milex_per_capita_usd", pc_c)
    usd_v, usd_f, usd_s = cols["milex_usd_m"]
    pop_v, pop_f, _ = cols["population"]
    with np.errstate(invalid="ignore", divide="ignore"):
        fallback = usd_v * 1e6 / pop_v
    use_fb = np.isnan(pc_v) & ~np.isnan(fallback)
    pc_v = np.where(use_fb, fallback, pc_v)
    pc_f = np.where(use_fb, usd_f | pop_f | _DERIVED, pc_f)
    pc_src = np.where(use_fb, usd_s + "+worldbank_wdi", pc_src)
    cols["milex_per_capita_usd"] = (pc_v, pc_f, pc_src)

    # Burden ratio (DoD Allied Contributions): (pct_i) / (alliance spending / alliance GDP).
    gdp_v, gdp_f, gdp_s = cols["gdp_usd_m"]
    allies = mem["nato"] | mem["us_treaty_ally"] | mem["mnna"]
    valid = ~np.isnan(pct) & ~np.isnan(gdp_v)
    num_n = np.where(valid & nato, pct * gdp_v, 0).sum(0)
    den_n = np.where(valid & nato, gdp_v, 0).sum(0)
    num_a = np.where(valid & allies, pct * gdp_v, 0).sum(0)
    den_a = np.where(valid & allies, gdp_v, 0).sum(0)
    br_num = np.where(nato, num_n[None, :], num_a[None, :])
    br_den = np.where(nato, den_n[None, :], den_a[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(valid & (br_num > 0), pct * br_den / br_num, np.nan)
    cols["burden_ratio"] = (
        ratio,
        pct_flags | gdp_f | _DERIVED,
        np.where(valid, pct_src + "+" + gdp_s, ""),
    )

    # Alliance commitment.
    for g, name in (
        ("nato", "nato_member"),
        ("us_treaty_ally", "us_treaty_ally"),
        ("mnna", "mnna"),
    ):
        cols[name] = (
            mem[g].astype(float),
            np.zeros(shape, np.int64),
            np.full(shape, "burdenshare.groups", dtype=object),
        )
    level = np.select([mem["nato"], mem["us_treaty_ally"], mem["mnna"]], [3.0, 2.0, 1.0], 0.0)
    cols["alliance_level"] = (
        level,
        np.zeros(shape, np.int64),
        np.full(shape, "burdenshare.groups", dtype=object),
    )

    # US troops hosted, carried forward at most TROOPS_CARRY_YEARS years (flagged imputed).
    tr = grids.get(("us_troops_active", "troopdata"))
    if tr is not None:
        tv, tf = tr.values.copy(), tr.flags.copy()
        for d in range(1, TROOPS_CARRY_YEARS + 1):
            fill = np.isnan(tv[:, d:]) & ~np.isnan(tr.values[:, :-d])
            tv[:, d:] = np.where(fill, tr.values[:, :-d], tv[:, d:])
            tf[:, d:] = np.where(fill, tr.flags[:, :-d] | _IMPUTED, tf[:, d:])
        cols["us_troops_active"] = (tv, tf, np.where(np.isnan(tv), "", "troopdata"))

    # UNGA ideal-point distance to the US, same year.
    ip = grids.get(("unga_idealpoint", "unga_idealpoints"))
    if ip is not None:
        usa = _us_row(facts, "unga_idealpoint", "unga_idealpoints", y0, n_years)
        dist = np.abs(ip.values - usa[None, :])
        cols["unga_distance_us"] = (
            dist,
            ip.flags | _DERIVED,
            np.where(np.isnan(dist), "", "unga_idealpoints"),
        )

    # US share of major-arms imports over five years (SIPRI trade register, TIV).
    fu = grids.get(("arms_imports_from_us_tiv_m", "sipri_at_register"))
    tot = grids.get(("arms_imports_total_tiv_m", "sipri_at_register"))
    if fu is not None and tot is not None:
        su = np.nansum(_shifted(fu.values, 5, np.nan), axis=0)
        stot = np.nansum(_shifted(tot.values, 5, np.nan), axis=0)
        seen = (~np.isnan(_shifted(tot.values, 5, np.nan))).any(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(seen & (stot > 0), 100.0 * su / stot, np.nan)
        fl = np.bitwise_or.reduce(_shifted(tot.flags | fu.flags, 5, 0), axis=0)
        cols["us_arms_share_5y"] = (
            share,
            fl | _DERIVED,
            np.where(np.isnan(share), "", "sipri_at_register"),
        )
        # Volume of US major arms delivered over five years (TIV): the register lists every
        # delivery, so a year it covers with no row for a country is a zero for it.
        covered = ~np.isnan(tot.values).all(axis=0)  # (Y,) years the register has data for
        seen_y = _shifted(np.broadcast_to(covered, fu.values.shape), 5, False).any(axis=0)
        vol = np.where(seen_y, su, np.nan)
        cols["us_arms_tiv_5y"] = (
            vol,
            np.bitwise_or.reduce(_shifted(fu.flags, 5, 0), axis=0) | _DERIVED,
            np.where(np.isnan(vol), "", "sipri_at_register"),
        )

    # Geography (static).
    if isinstance(geography, pd.DataFrame):
        geo = geography.reindex(iso_list)
    else:
        geo = (geography or default_geography)(iso_list)
        geo = geo.reindex(iso_list)
    dist_km = geo["adversary_distance_km"].to_numpy(dtype=float)
    cols["adversary_distance_km"] = (
        np.repeat(dist_km[:, None], n_years, axis=1),
        np.zeros(shape, np.int64),
        np.where(np.isnan(np.repeat(dist_km[:, None], n_years, axis=1)), "", "burdenshare.geo"),
    )
    theater = geo["theater"].astype(object).where(geo["theater"].notna(), None).to_numpy()

    # Universe per year: countries a spending publisher covers that year (even as "missing"),
    # plus countries under an ITAR 126.1 denial policy, always listed.
    # A SIPRI "xxx" cell (not_independent: the state did not exist) is not coverage.
    spend_known = spend.loc[
        spend["iso3"].isin(countries) & ~spend["flags"].str.contains("not_independent", regex=False)
    ]
    covered = np.zeros(shape, dtype=bool)
    ci = countries.get_indexer(spend_known["iso3"])
    yi = spend_known["year"].to_numpy() - y0
    ok = (yi >= 0) & (yi < n_years)
    covered[ci[ok], yi[ok]] = True
    covered |= mem["itar_126_1"]

    vintages = _vintages(facts)
    names_all = _names(iso_list)
    # Every indicator of the wanted years stacked once, (C, W, K): values, flag strings and
    # sources ("" where the value is missing); each year's panel is then one gather.
    for y in wanted:
        if not 0 <= y - y0 < n_years:
            raise UserError(f"no data for year {y}")
    wj = np.array(wanted, dtype=np.intp) - y0
    n_ind = len(VALUE_INDICATORS)
    stack_v = np.full((len(countries), len(wj), n_ind), np.nan)
    stack_f = np.zeros(stack_v.shape, dtype=np.int64)
    stack_s = np.full(stack_v.shape, "", dtype=object)
    for k, ind in enumerate(VALUE_INDICATORS):
        if ind in cols:
            v, f, s = cols[ind]
            stack_v[:, :, k] = v[:, wj]
            stack_f[:, :, k] = f[:, wj]
            stack_s[:, :, k] = s[:, wj]
    present = ~np.isnan(stack_v)
    stack_flags = np.where(present, _FLAG_TEXT[stack_f], "")
    stack_s = np.where(present, stack_s, "")
    out: dict[int, Panel] = {}
    for w, y in enumerate(wanted):
        j = y - y0
        rows = np.flatnonzero(covered[:, j])
        values = stack_v[rows, w]
        flags = stack_flags[rows, w]
        sources = stack_s[rows, w]
        mem_frame = pd.DataFrame(
            {g: mem[g][rows, j] for g in GROUPS}, index=pd.Index(countries[rows], name="iso3")
        )
        base = {
            "mean3": pick["mean3"][rows, j],
            "n3": pick["n3"][rows, j],
            "trend": pick["trend"][rows, j],
            "trend_coef": np.nan_to_num(pick["trend_coef"][rows, j]),
            "br_gdp": gdp_v[rows, j],
            "br_num": br_num[rows, j],
            "br_den": br_den[rows, j],
            "br_uses_nato": nato[rows, j],
            "br_in_nato": (nato & valid)[rows, j],
            "br_in_allies": (allies & valid)[rows, j],
            "core_3_5": hm["use35"][rows, j],
            "core_5": hm["use5"][rows, j],
            "core_path": hm["use_path"][rows, j],
            "h_trend": hm["h_trend"][rows, j],
            "h_coef": np.nan_to_num(hm["h_coef"][rows, j]),
            "h_level": hm["h_level"][rows, j],
            "h_mean3": hm["h_mean3"][rows, j],
            "h_n3": hm["h_n3"][rows, j],
        }
        out[int(y)] = Panel(
            year=int(y),
            countries=tuple(countries[rows]),
            names=tuple(names_all[r] for r in rows),
            indicators=VALUE_INDICATORS,
            values=values,
            sources=sources,
            flags=flags,
            theater=theater[rows],
            membership=mem_frame,
            vintages=vintages,
            base=base,
        )
    return out


def _hague_measures(
    grids: dict[tuple[str, str], _Grid],
    nato: np.ndarray,
    shape: tuple[int, int],
    pct: np.ndarray,
    pct_flags: np.ndarray,
    pct_src: np.ndarray,
    pick: Mapping[str, np.ndarray],
) -> dict[str, object]:
    """The Hague measures (C x Y): core spending against 3.5%, core plus defence-related
    (counted up to 1.5%) against 5%, and the series the 2035 trajectory runs on.

    Core and related come from NATO only, for members (:data:`PREFERENCE`); each target
    falls back to the total ``pct`` where its measure is missing. The trajectory uses the
    core series when its 5-year trend exists (never a trend stitched from two measures)."""
    from burdenshare.monitor.targets import load_targets

    names = {}
    vals = {}
    for ind in ("milex_core_gdp_pct", "milex_related_gdp_pct"):
        v, f, c = _choose(grids, ind, nato, shape)
        src = np.where(c >= 0, PREFERENCE[ind][0], "").astype(object)
        vals[ind], names[ind] = (v, f), src
    core, core_f = vals["milex_core_gdp_pct"]
    rel, rel_f = vals["milex_related_gdp_pct"]
    use35 = ~np.isnan(core)
    hague5 = core + np.minimum(rel, load_targets().defence_related_max)
    use5 = ~np.isnan(hague5)
    g = grids.get(("milex_core_gdp_pct", PREFERENCE["milex_core_gdp_pct"][0]))
    if g is not None:
        cs = _window_stats(g.values, g.flags)
        core_trend, core_coef, core_f5 = cs["trend"], cs["trend_coef"], cs["flags5"]
        core_mean3, core_n3, core_f3 = cs["mean3"], cs["n3"], cs["flags3"]
    else:
        core_trend = core_coef = core_mean3 = core_n3 = np.full(shape, np.nan)
        core_f5 = core_f3 = np.zeros(shape, dtype=np.int64)
    use_path = use35 & ~np.isnan(core_trend)
    core_src = names["milex_core_gdp_pct"]
    return {
        "core_col": (core, core_f, core_src),
        "related_col": (rel, rel_f, names["milex_related_gdp_pct"]),
        "use35": use35,
        "use5": use5,
        "use_path": use_path,
        "m35": np.where(use35, core, pct),
        "f35": np.where(use35, core_f, pct_flags),
        "s35": np.where(use35, core_src, pct_src),
        "m5": np.where(use5, hague5, pct),
        "f5": np.where(use5, core_f | rel_f, pct_flags),
        "s5": np.where(use5, core_src, pct_src),
        "h_mean3": np.where(use35, core_mean3, pick["mean3"]),
        "h_n3": np.where(use35, core_n3, pick["n3"]),
        "h_flags3": np.where(use35, core_f3, pick["flags3"]),
        "h_level": np.where(use_path, core, pct),
        "h_trend": np.where(use_path, core_trend, pick["trend"]),
        "h_coef": np.where(use_path, core_coef, pick["trend_coef"]),
        "h_flags": np.where(use_path, core_f5, pick["flags5"]),
        "h_src": np.where(use_path, core_src, pct_src),
    }


def build_panel(
    facts: pd.DataFrame,
    *,
    year: int | None = None,
    vintage: str | Mapping[str, str] = "latest",
    membership: MembershipFn | None = None,
    geography: GeographyFn | pd.DataFrame | None = None,
) -> Panel:
    """The panel for one year (default: :func:`default_year`)."""
    facts = select_vintage(facts, vintage)
    if year is None:
        year = default_year(facts, membership=membership)
    return build_panels(
        facts, years=[year], vintage="latest", membership=membership, geography=geography
    )[int(year)]


def default_year(facts: pd.DataFrame, *, membership: MembershipFn | None = None) -> int:
    """The latest year in which at least 80% of that year's NATO members have a defense
    spending share of GDP (from any source).

    Publishers release the latest year first for a few countries (SIPRI's constant-US$ sheet
    for 2025 comes before the shares); scoring such a year would rank on gaps, so the default
    waits until the alliance is covered.
    """
    membership = membership or default_membership
    f = facts.loc[(facts["indicator"] == "milex_gdp_pct") & facts["value"].notna()]
    if f.empty:
        raise UserError("no defense-spending shares of GDP in the facts: cannot pick a year")
    have = f.groupby("year")["iso3"].agg(lambda s: set(s))
    for y in sorted(have.index, reverse=True):
        members = membership(sorted(set(f["iso3"]) | {"USA"}), ["nato"], dt.date(int(y), 12, 31))
        nato = set(members.index[members["nato"].to_numpy(dtype=bool)])
        if nato and len(nato & have[y]) >= DEFAULT_YEAR_COVERAGE * len(nato):
            return int(y)
    return int(max(have.index))


def _us_row(facts: pd.DataFrame, indicator: str, source: str, y0: int, n: int) -> np.ndarray:
    f = facts.loc[facts["iso3"] == "USA"]  # narrow first: one pass over the whole frame
    f = f.loc[(f["indicator"] == indicator) & (f["source"] == source)]
    out = np.full(n, np.nan)
    yi = f["year"].to_numpy() - y0
    ok = (yi >= 0) & (yi < n)
    out[yi[ok]] = f["value"].to_numpy(dtype=float)[ok]
    return out


def _vintages(facts: pd.DataFrame) -> dict[str, str]:
    pairs = facts[["source", "vintage"]].drop_duplicates()  # a handful of rows
    v = pairs.groupby("source")["vintage"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    return {str(k): str(x) for k, x in v.items()}


def _names(iso3s: list[str]) -> list[str]:
    from burdenshare.countries import country_name

    return [country_name(c) for c in iso3s]
