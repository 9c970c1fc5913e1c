"""Geography of countries: UN regions, strategic theaters, capitals and distances.

* Regions: UN M49 region / sub-region per ISO3 (``data/countries/regions.csv``, built from
  the public-domain datahub "country-codes" package by ``scripts/build_country_tables.py``).
* Theaters: one of :data:`THEATERS` per country, from the M49 sub-region with the documented
  exceptions in ``data/countries/theaters.yaml`` (Türkiye -> europe, Iran -> middle_east, ...).
* Capitals: name and coordinates from GeoNames (CC BY 4.0), ``data/countries/capitals.csv``.
* Distances: great-circle (haversine) kilometres on a sphere of the IUGG mean Earth radius,
  vectorised with numpy; :func:`distance_to_nearest` gives each country's capital-to-capital
  distance to the nearest of a set of targets (by default the principal US adversaries).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import yaml

from burdenshare.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Mean Earth radius R1 = (2a + b) / 3 of the WGS 84 ellipsoid, km (IUGG; Moritz 2000).
EARTH_RADIUS_KM = 6371.0088

#: The theaters a country can belong to (see ``theaters.yaml``).
THEATERS = (
    "europe",
    "indo_pacific",
    "middle_east",
    "western_hemisphere",
    "africa",
    "south_central_asia",
)

#: Default targets of :func:`distance_to_nearest`: Russia, China, Iran, North Korea.
ADVERSARIES = ("RUS", "CHN", "IRN", "PRK")


class Capital(NamedTuple):
    """A capital city: name, latitude and longitude in decimal degrees."""

    name: str
    lat: float
    lon: float


def _data(name: str):
    return resources.files("burdenshare.data.countries").joinpath(name)


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    import pandas as pd

    with _data("regions.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, comment="#", keep_default_na=False, na_values=[""], dtype=str)
    return frame.set_index("iso3")


@lru_cache(maxsize=1)
def _capitals() -> pd.DataFrame:
    import pandas as pd

    with _data("capitals.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, comment="#", keep_default_na=False, na_values=[""])
    return frame.set_index("iso3")


@lru_cache(maxsize=1)
def _theater_rule() -> tuple[dict[str, str], dict[str, str]]:
    spec = yaml.safe_load(_data("theaters.yaml").read_text("utf-8"))
    by_sub, exceptions = spec["by_subregion"], spec.get("exceptions") or {}
    bad = sorted({*by_sub.values(), *exceptions.values()} - set(THEATERS))
    if bad:  # pragma: no cover - guards the data file
        raise ValueError(f"theaters.yaml: unknown theater(s) {bad}")
    return by_sub, exceptions


def _field(iso3: str, column: str) -> str | None:
    regions = _regions()
    if iso3 not in regions.index:
        return None
    value = regions.at[iso3, column]
    return None if value is None or value != value else str(value)  # NaN -> None


def region(iso3: str) -> str | None:
    """UN M49 region ("Europe", "Asia", ...) of ``iso3``, or None if unknown."""
    return _field(iso3, "un_region")


def subregion(iso3: str) -> str | None:
    """UN M49 sub-region ("Eastern Europe", "Western Asia", ...) of ``iso3``, or None."""
    return _field(iso3, "un_subregion")


@lru_cache(maxsize=1)
def _theater_table() -> dict[str, str]:
    """ISO3 -> theater for every country with a region, exceptions applied."""
    by_sub, exceptions = _theater_rule()
    subs = _regions()["un_subregion"].dropna()
    table = {iso3: by_sub[s] for iso3, s in subs.items() if s in by_sub}
    table.update(exceptions)
    return table


def theater(iso3: str) -> str | None:
    """The theater of ``iso3`` (one of :data:`THEATERS`), or None if it has no region."""
    return _theater_table().get(iso3)


def theaters(iso3s: Iterable[str]) -> pd.Series:
    """:func:`theater` for many countries at once (index: the given codes, in order)."""
    import pandas as pd

    index = pd.Index(list(iso3s), name="iso3")
    table = _theater_table()
    return pd.Series([table.get(c) for c in index], index=index, name="theater", dtype=object)


def capital(iso3: str) -> Capital | None:
    """Capital of ``iso3`` as ``(name, lat, lon)``, or None when none is recorded."""
    caps = _capitals()
    if iso3 not in caps.index:
        return None
    row = caps.loc[iso3]
    return Capital(str(row["capital"]), float(row["lat"]), float(row["lon"]))


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray | float:
    """Haversine great-circle distance in km between points given in decimal degrees.

    Arguments broadcast like numpy arrays; scalars in, a float out.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    d = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def distance_to_nearest(iso3s: Iterable[str], targets: Iterable[str] = ADVERSARIES) -> pd.Series:
    """Capital-to-capital km from each country to the nearest target (0 for a target itself).

    Index: the given codes in order; NaN where a country has no recorded capital. Raises
    :class:`UserError` if a target has no capital. Computed as one (countries x targets)
    distance matrix, so it is cheap for the whole panel.
    """
    import pandas as pd

    index = pd.Index(list(iso3s), name="iso3")
    targets = list(dict.fromkeys(targets))
    caps = _capitals()
    missing = [t for t in targets if t not in caps.index]
    if missing or not targets:
        raise UserError(
            f"no capital recorded for target(s) {missing or '(none given)'}", where="targets"
        )
    tgt = caps.loc[targets, ["lat", "lon"]].to_numpy(dtype=float)
    src = caps[["lat", "lon"]].reindex(index).to_numpy(dtype=float)
    d = great_circle_km(src[:, None, 0], src[:, None, 1], tgt[None, :, 0], tgt[None, :, 1])
    d = np.atleast_2d(d)
    nearest = np.full(len(index), np.nan) if not len(index) else np.min(d, axis=1)
    nearest = np.where(index.isin(targets), 0.0, nearest)
    return pd.Series(nearest, index=index, name="distance_km")
