"""Per-country robustness figures from the Monte Carlo count tables.

Everything is read off the integer tables of :class:`montecarlo.MCCounts`: quantiles of the
rank come from each country's rank histogram (the "inverted CDF" definition, i.e. the
smallest rank ``r`` with ``P(rank <= r) >= q``: what ``numpy.quantile(...,
method="inverted_cdf")`` gives on the full list of ranks), tier probabilities from the tier
counts, ``P(top N)`` from the cumulative histogram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from burdenshare.uncertainty.montecarlo import MCCounts, SobolResult


def rank_quantiles(rank_counts: np.ndarray, qs: np.ndarray | list[float]) -> np.ndarray:
    """``(C, len(qs))`` 1-based rank quantiles from ``(C, R)`` rank histograms.

    For each country and ``q``: the smallest rank ``r`` whose cumulative count reaches
    ``q * n`` (at least the first observed rank for ``q = 0``)."""
    counts = np.asarray(rank_counts, dtype=np.int64)
    cum = np.cumsum(counts, axis=1)
    n = cum[:, -1:]
    out = np.empty((counts.shape[0], len(qs)), dtype=np.int64)
    for j, q in enumerate(qs):
        # cum >= q*n  <=>  cum >= ceil(q*n), numpy's inverted-CDF index, same float product
        target = np.maximum(n * float(q), 1)
        out[:, j] = np.argmax(cum >= target, axis=1) + 1
    return out


@dataclass(frozen=True)
class RobustnessResult:
    """Monte Carlo rank and tier distributions per country, and (optionally) Sobol' indices.

    Arrays are aligned with ``countries``. ``tier_probabilities[c, t]`` refers to
    ``tier_names[t]``; each row sums to 1.
    """

    countries: tuple[str, ...]
    tier_names: tuple[str, ...]
    n_samples: int
    seed: int
    varied: tuple[str, ...]
    nominal_rank: np.ndarray
    nominal_tier: np.ndarray
    nominal_score: np.ndarray
    nominal_eligible: np.ndarray
    rank_median: np.ndarray
    rank_p05: np.ndarray
    rank_p95: np.ndarray
    tier_probabilities: np.ndarray
    p_top_n: np.ndarray
    top_n: int
    p_eligible: np.ndarray
    p_eligibility_changed: np.ndarray
    p_tier_changed: np.ndarray
    sobol: SobolResult | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    #: countries outside the policy's pool (denied by a gate): not ranked in any sample
    outside: tuple[str, ...] = ()
    #: engine-based audit figures: ``effective_importance``, ``leave_one_out``
    #: (:func:`burdenshare.uncertainty.audit`), added when the panel is at hand
    audit: dict[str, Any] = field(default_factory=dict)
    #: (C, 2) the ranks the median can be at this sample size (:func:`median_band`); a
    #: single rank where the median is resolved
    rank_median_band: np.ndarray | None = None

    def index(self, iso3: str) -> int:
        """Position of ``iso3`` in :attr:`countries` (KeyError if absent)."""
        try:
            return self.countries.index(iso3.upper())
        except ValueError:
            raise KeyError(iso3) from None

    def sorted_indices(self) -> np.ndarray:
        """Countries by median rank, then nominal rank, then ISO3 (stable, explicit)."""
        return np.lexsort((np.array(self.countries), self.nominal_rank, self.rank_median))

    def rank(self, value: int) -> int | None:
        """A rank as reported: ``None`` for "not ranked" (``C + 1``)."""
        value = int(value)
        return None if value > len(self.countries) else value

    def country_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per country, sorted by :meth:`sorted_indices`."""
        out = []
        for c in self.sorted_indices():
            score = float(self.nominal_score[c])
            out.append(
                {
                    "iso3": self.countries[c],
                    "nominal_rank": self.rank(self.nominal_rank[c]),
                    "nominal_tier": self.tier_names[int(self.nominal_tier[c])],
                    "nominal_score": None if np.isnan(score) else round(score, 9),
                    "rank_median": self.rank(self.rank_median[c]),
                    "rank_median_mc_band": self._band(c),
                    "rank_p05": self.rank(self.rank_p05[c]),
                    "rank_p95": self.rank(self.rank_p95[c]),
                    "tier_probabilities": {
                        name: float(self.tier_probabilities[c, t])
                        for t, name in enumerate(self.tier_names)
                    },
                    f"p_top_{self.top_n}": float(self.p_top_n[c]),
                    "p_eligible": float(self.p_eligible[c]),
                    "p_eligibility_changed": float(self.p_eligibility_changed[c]),
                    "p_tier_changed": float(self.p_tier_changed[c]),
                    "outside_pool": False,
                }
            )
        return out + [self._outside_record(iso3) for iso3 in self.outside]

    def _outside_record(self, iso3: str) -> dict[str, Any]:
        """A country outside the pool: never ranked, in no sample (its gate is on
        published group membership, which no assumption changes)."""
        return {
            "iso3": iso3,
            "nominal_rank": None,
            "nominal_tier": self.tier_names[-1],
            "nominal_score": None,
            "rank_median": None,
            "rank_median_mc_band": None,
            "rank_p05": None,
            "rank_p95": None,
            "tier_probabilities": {
                name: float(t == len(self.tier_names) - 1) for t, name in enumerate(self.tier_names)
            },
            f"p_top_{self.top_n}": 0.0,
            "p_eligible": 0.0,
            "p_eligibility_changed": 0.0,
            "p_tier_changed": 0.0,
            "outside_pool": True,
        }

    def _band(self, c: int) -> list[int] | None:
        """The median's Monte Carlo band of country ``c`` as reported (None: not ranked at
        either end, or not computed)."""
        if self.rank_median_band is None:
            return None
        lo, hi = (self.rank(v) for v in self.rank_median_band[c])
        return None if lo is None or hi is None else [lo, hi]

    def record(self, iso3: str) -> dict[str, Any]:
        """The JSON record of one country (KeyError if absent)."""
        if iso3.upper() in self.outside:
            return self._outside_record(iso3.upper())
        iso3 = self.countries[self.index(iso3)]
        return next(r for r in self.country_records() if r["iso3"] == iso3)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``burdenshare robustness --format json``."""
        doc: dict[str, Any] = {
            "samples": self.n_samples,
            "seed": self.seed,
            "varied": list(self.varied),
            "top_n": self.top_n,
            "settings": self.settings,
            "countries": self.country_records(),
        }
        sobol = self.sobol
        doc["sobol"] = sobol.rank.to_dict() if sobol is not None else {}
        doc["sobol_score"] = sobol.score.to_dict() if sobol is not None else {}
        doc["sobol_base_samples"] = sobol.n_base if sobol is not None else 0
        if sobol is not None and getattr(sobol, "extra", None):
            doc.update(sobol.extra)
        doc.update(self.audit)
        return doc


def summarise(
    counts: MCCounts,
    *,
    countries: tuple[str, ...],
    tier_names: tuple[str, ...],
    nominal_rank: np.ndarray,
    nominal_tier: np.ndarray,
    nominal_score: np.ndarray,
    nominal_eligible: np.ndarray,
    seed: int,
    varied: tuple[str, ...],
    top_n: int = 10,
    sobol: SobolResult | None = None,
    settings: dict[str, Any] | None = None,
    outside: tuple[str, ...] = (),
) -> RobustnessResult:
    """Turn count tables into per-country probabilities and rank quantiles."""
    n = counts.n
    q = rank_quantiles(counts.rank_counts, [0.5, 0.05, 0.95])
    top = min(max(top_n, 1), len(countries))
    return RobustnessResult(
        countries=countries,
        tier_names=tier_names,
        n_samples=n,
        seed=seed,
        varied=varied,
        nominal_rank=np.asarray(nominal_rank),
        nominal_tier=np.asarray(nominal_tier),
        nominal_score=np.asarray(nominal_score, dtype=np.float64),
        nominal_eligible=np.asarray(nominal_eligible),
        rank_median=q[:, 0],
        rank_p05=q[:, 1],
        rank_p95=q[:, 2],
        tier_probabilities=counts.tier_counts / n,
        p_top_n=counts.rank_counts[:, :top].sum(axis=1) / n,
        top_n=top,
        p_eligible=counts.eligible / n,
        p_eligibility_changed=counts.eligibility_changed / n,
        p_tier_changed=counts.tier_changed / n,
        sobol=sobol,
        settings=dict(settings or {}),
        outside=tuple(outside),
        rank_median_band=median_band(counts.rank_counts),
    )


#: Normal quantile of the median's Monte Carlo band (99%, two-sided).
MEDIAN_BAND_Z = 2.576


def median_band(rank_counts: np.ndarray, z: float = MEDIAN_BAND_Z) -> np.ndarray:
    """(C, 2) the ranks a Monte Carlo median can be at: the rank quantiles at ``0.5 -+ z
    se`` with ``se = sqrt(0.25 / n)``, the standard error of an estimated probability near
    one half. Where a country's rank distribution has (almost) half its mass on each side
    of a rank -- two modes, say -- no affordable sample size pins the median to one rank,
    and two runs of different sizes can report neighbouring medians; the band says so. It
    is one rank wherever the median is resolved."""
    counts = np.asarray(rank_counts, dtype=np.int64)
    n = max(int(counts[0].sum()), 1) if counts.size else 1
    d = z * np.sqrt(0.25 / n)
    return rank_quantiles(counts, [max(0.5 - d, 0.0), min(0.5 + d, 1.0)])


def robustness_line(result: RobustnessResult, iso3: str) -> str:
    """One line for ``explain``: the rank interval and the tier probabilities of ``iso3``.

    Example: ``robustness: rank 4 (90% interval 3-6, 10,000 samples); tier 1 87%, tier 2
    13%; tier differs from nominal in 13% of samples``."""
    if iso3.upper() in result.outside:
        return (
            f"robustness: not ranked in any of {result.n_samples:,} samples (denied by a gate "
            "on published group membership; outside the pool of the statistics)"
        )
    c = result.index(iso3)
    probs = result.tier_probabilities[c]
    order = np.argsort(-probs, kind="stable")
    tiers = ", ".join(f"{result.tier_names[t]} {_pct(probs[t])}" for t in order if probs[t] > 0)

    def show(value: int) -> str:
        r = result.rank(value)
        return "not ranked" if r is None else str(r)

    median = show(result.rank_median[c])
    head = f"rank {median}" if median != "not ranked" else "median: not ranked"
    band = result._band(c)
    if band is not None and band[0] != band[1]:
        head += f" (median not resolved at this sample size: {band[0]} to {band[1]})"
    return (
        f"robustness: {head} (90% interval {show(result.rank_p05[c])} to "
        f"{show(result.rank_p95[c])}, {result.n_samples:,} samples); {tiers}; "
        f"tier differs from nominal in {_pct(result.p_tier_changed[c])} of samples"
    )


def _pct(p: float) -> str:
    p = float(p)
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return f"{p:.0%}"
