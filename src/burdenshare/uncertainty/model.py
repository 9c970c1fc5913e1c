"""A panel and a policy compiled into a batch model: many assumption sets scored at once.

:func:`build_model` takes the scoring engine's pure steps (:mod:`burdenshare.scoring`) and
precomputes everything that does not change between samples, so that one sample costs a
few array operations over the panel:

* for every *static configuration* (missing-data rule set x indicator left out) the
  missing-data rules are applied and every indicator is normalised by each alternative
  method, with the engine's own ``impute`` and ``normalise_matrix``; a sample's score is
  then its weights times its configuration's table of normalised values, the product of
  about 7 non-zero weights with their rows (:meth:`RobustnessModel.evaluate`);
* indicators with values flagged ``estimate`` or ``uncertain`` are the exception when data
  noise is on: their flagged cells are perturbed per sample and, for normalisations with
  statistics over the countries (min-max, percentile), the column is renormalised per
  sample from precomputed statistics of its unflagged cells (same numbers as the
  engine's functions, tested): a sample's column is one row of numbers per distinct
  value, built in ``O(u + F)`` (``F`` flagged cells: percentile ranks by cumulative
  histograms and exact integer arithmetic, no sort of the column) and gathered into the
  countries (:class:`_NoisyColumn`), one compiled pass over a batch per indicator
  (:mod:`burdenshare.uncertainty.kernels`);
* gates, tiers and the ranking follow the engine's rules: tier first, then score compared
  at 1e-9, then the policy's tie-break keys, then ISO3 order (the last two from the
  nominal data); the nominal run reproduces the engine's ranks and tiers (tested).

Scores differ from the engine's in the last bits (sums add in another order), never enough
to move a rank compared at 1e-9 except on a knife edge. Every step is row by row, so the
numbers do not depend on the chunk size, the batch size, the number of threads or the
backend.
Monte Carlo counts skip the countries no configuration can rank
(:meth:`RobustnessModel.counting_view`). Countries outside the policy's pool (denied by a
gate) are not in the model at all, so that its statistics come from partners only, as the
engine's do.

Tiers are on one scale: a sample whose scores are on the policy's scale (its own
normalisations and aggregation) is tiered with the policy's absolute cut-offs; any other
sample with cut-offs re-anchored to the nominal share of eligible countries at or above each
cut-off (:meth:`RobustnessModel._thresholds`, the functions of
:mod:`burdenshare.scoring.aggregate`).

What is varied (each switchable; :class:`Variation` holds the defaults):

``weights``
    Dirichlet around the policy's effective weights (``concentration``; mean = the
    policy's weights) or each weight times U(1 - x, 1 + x), rescaled to sum 1.
``normalisation``
    one switch for the whole index, uniformly: the policy's own methods, or every
    indicator min-max, or every indicator percentile rank (the defaults; both on [0, 1]
    like goalposts), as the JRC and COINr vary it. Min-max and z-score apply the policy's
    outlier treatment, decided on the published data (:mod:`burdenshare.scoring.outliers`).
``aggregation``
    weighted arithmetic or geometric mean (OECD/JRC Handbook 2008, Part 2 Step 6,
    pp. 102-116).
``missing``
    the policy's per-indicator rules, or one rule (default ``group_mean``, ``worst``)
    for every indicator whose policy rule is not ``exclude`` (``exclude`` as an
    alternative applies to all indicators).
``leave_one_out``
    (only when named; not in "all") none, or one indicator dropped (weight 0, others
    rescaled), uniformly. The robustness report runs it as separate named scenarios over
    a fixed set of countries instead (:mod:`burdenshare.scoring.scenarios`).
``estimates`` / ``uncertain``
    every value flagged ``estimate`` (SIPRI blue cells; publishers' estimates) or
    ``uncertain`` (SIPRI red cells) is multiplied by ``exp(spread * z)``, ``z ~ N(0, 1)``
    drawn once per country and flag, so all of a country's indicators derived from the
    same published figure move together; the spread is the standard deviation of the log
    value (about the relative error). Gaps to spending targets, the Hague trajectory and
    the share of government spending move as their formulas in :mod:`burdenshare.panel`
    say; other indicators scale. Imputed values keep their nominal fill.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from burdenshare.errors import UserError
from burdenshare.scoring.aggregate import GEOMETRIC_TOP
from burdenshare.uncertainty import kernels
from burdenshare.uncertainty.montecarlo import Evaluation
from burdenshare.uncertainty.sampling import (
    BLOCK_SIZE,
    States,
    choice_from_unit,
    dirichlet_weights,
    dirichlet_weights_from_unit,
    normal_from_unit,
    standard_normal,
    uniform_weights,
    uniform_weights_from_unit,
)

#: The assumptions that can be varied, in the order of the Sobol' table.
ASSUMPTIONS: tuple[str, ...] = (
    "weights",
    "normalisation",
    "aggregation",
    "missing",
    "leave_one_out",
    "estimates",
    "uncertain",
)
#: What "all" varies: every assumption but ``leave_one_out``, which is not an uncertainty
#: of the same kind (it changes the indicator set, and so which countries can be scored);
#: it is reported as separate named scenarios over a fixed set of countries
#: (:func:`burdenshare.scoring.scenarios.leave_one_out`; OECD/JRC Handbook 2008, Part 2
#: Step 7, p. 117, whose TAI example draws it inside the Monte Carlo instead, p. 119; and
#: Saisana, Saltelli & Tarantola 2005) and stays available by name.
DEFAULT_VARY: tuple[str, ...] = tuple(a for a in ASSUMPTIONS if a != "leave_one_out")
#: Convenience names accepted by ``--vary``.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "all": DEFAULT_VARY,
    "data": ("estimates", "uncertain"),
    "normalization": ("normalisation",),
}
#: Which state arrays each assumption owns (the columns swapped in Saltelli's AB_i).
STATE_KEYS: Mapping[str, tuple[str, ...]] = {
    "weights": ("weights",),
    "normalisation": ("norm",),
    "aggregation": ("agg",),
    "missing": ("rule",),
    "leave_one_out": ("drop",),
    "estimates": ("z_est",),
    "uncertain": ("z_unc",),
}
NORMALISATIONS = ("minmax", "zscore", "percentile")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING_RULES = ("exclude", "group_mean", "worst")
NOT_RANKED = "not ranked"
#: Gap indicators: value = % of GDP - target (panel.targets() key).
_GAP_TARGETS = {
    "gap_to_2pct": "nato_2pct",
    "gap_to_3_5pct": "hague_core_3_5pct",
    "gap_to_5pct": "hague_total_5pct",
}
#: Seeding blocks per evaluation batch (:attr:`RobustnessModel.batch_rows`).
BATCH_BLOCKS = 2
#: Bits of :func:`rank_order`'s int64 key: tier | score (rounded to 1e-9, offset) | position.
_IDX_BITS, _SCORE_BITS = 12, 46


def parse_vary(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Assumption names from ``--vary`` ("weights,normalisation", "all", "data", "none")."""
    if value is None:
        return DEFAULT_VARY
    items = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for raw in items:
        name = raw.strip().lower().replace("-", "_")
        if not name:
            continue
        if name == "none":
            continue
        expanded = ALIASES.get(name, (name,))
        for n in expanded:
            if n not in ASSUMPTIONS:
                import difflib

                close = difflib.get_close_matches(n, [*ASSUMPTIONS, *ALIASES], n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise UserError(
                    f"unknown assumption {raw.strip()!r}{hint} "
                    f"(known: {', '.join(ASSUMPTIONS)}; or all, data, none)",
                    where="--vary",
                )
            if n not in names:
                names.append(n)
    return tuple(a for a in ASSUMPTIONS if a in names)


@dataclass(frozen=True)
class Variation:
    """Which assumptions vary and how (defaults used by the CLI).

    ``concentration`` 50: each Dirichlet weight has standard deviation
    ``sqrt(w(1-w)/51)``, about a quarter of a weight of 0.25. ``weight_spread`` 0.25:
    the +-25% of the uniform scheme. ``estimate_spread`` 0.05 and ``uncertain_spread``
    0.15: 5% and 15% log-normal errors for SIPRI's estimates and highly uncertain figures
    (SIPRI publishes no error margins; these are the analyst's assumptions, to be set).
    """

    vary: tuple[str, ...] = DEFAULT_VARY
    weight_scheme: str = "dirichlet"
    concentration: float = 50.0
    weight_spread: float = 0.25
    normalisations: tuple[str, ...] = ("minmax", "percentile")
    aggregations: tuple[str, ...] = AGGREGATIONS
    missing_rules: tuple[str, ...] = ("group_mean", "worst")
    estimate_spread: float = 0.05
    uncertain_spread: float = 0.15

    def __post_init__(self) -> None:
        object.__setattr__(self, "vary", parse_vary(self.vary))
        norms = tuple("percentile" if m == "rank" else m for m in self.normalisations)
        object.__setattr__(self, "normalisations", tuple(dict.fromkeys(norms)))
        self._check()

    def _check(self) -> None:
        if self.weight_scheme not in ("dirichlet", "uniform"):
            raise UserError(
                f"unknown weight scheme {self.weight_scheme!r}; use dirichlet or uniform",
                where="--weight-scheme",
            )
        if not (np.isfinite(self.concentration) and self.concentration > 0):
            raise UserError(
                f"concentration must be a positive number, not {self.concentration}",
                where="--concentration",
            )
        if not 0 <= self.weight_spread < 1:
            raise UserError(
                f"weight spread must be in [0, 1), not {self.weight_spread}",
                where="--weight-spread",
            )
        for name, value in (
            ("--estimate-spread", self.estimate_spread),
            ("--uncertain-spread", self.uncertain_spread),
        ):
            if not (np.isfinite(value) and 0 <= value <= 1):
                raise UserError(f"spread must be in [0, 1], not {value}", where=name)
        for name, given, known in (
            ("--normalisations", self.normalisations, NORMALISATIONS),
            ("--aggregations", self.aggregations, AGGREGATIONS),
            ("--missing-rules", self.missing_rules, MISSING_RULES),
        ):
            bad = [g for g in given if g not in known]
            if bad:
                raise UserError(f"unknown option {bad[0]!r}; known: {', '.join(known)}", where=name)
        if (
            "aggregation" in self.vary
            and "geometric" in self.aggregations
            and ("normalisation" in self.vary and "zscore" in self.normalisations)
        ):
            raise UserError(
                "zscore cannot be an alternative when geometric aggregation is: geometric "
                "means need positive normalised values",
                where="--normalisations",
            )


#: Normalisations computed cell by cell (no statistics over the countries).
_PER_CELL = frozenset({"goalposts", "distance_to_target"})


@dataclass(frozen=True, eq=False)
class _Column:
    """A panel column whose flagged values get noise: a policy indicator or a gate's.

    ``values`` (C,) nominal raw values; ``rows`` (F,) countries with a flagged value,
    ``source`` 0 for ``estimate``, 1 for ``uncertain``, ``slot`` their column in the
    ``z_est``/``z_unc`` draws (one per country and flag). ``kind`` says how the value moves
    when the published figure behind it is off by a factor ``f`` (see :meth:`flagged_raw`).
    """

    name: str
    kind: str
    target: float
    values: np.ndarray
    rows: np.ndarray
    source: np.ndarray
    slot: np.ndarray
    pct: np.ndarray  # (F,) % of GDP of the flagged rows (Hague trajectory)
    trend: np.ndarray  # (F,) their 5-year trend
    hague_core: float
    hague_years: float

    def flagged_raw(
        self, factors: tuple[np.ndarray | None, np.ndarray | None], n: int
    ) -> np.ndarray:
        """(n, F) perturbed raw values of the flagged cells; ``factors``: the per-country
        factors ``exp(spread * z)`` for estimates and uncertain values (``f = 1`` gives
        the published values exactly)."""
        f = np.ones((n, self.rows.size))
        for src in (0, 1):
            fac = factors[src]
            hit = self.source == src
            if fac is not None and hit.any():
                f[:, hit] = fac[:, self.slot[hit]]
        return self.raw_from_factors(f, out=f)

    def raw_from_factors(self, f: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """(n, F) perturbed raw values from the factors ``f`` (n, F) of the flagged cells
        (``out`` may be ``f``: the common scaling is done in place)."""
        v = self.values[self.rows]
        if self.kind == "scale":
            return np.multiply(v, f, out=out)
        if self.kind == "shift":  # gap = pct - target: the underlying % of GDP scales
            return v + (v + self.target) * (f - 1.0)
        if self.kind == "gov_share":  # share of a total whose defense part scales
            s = v / 100.0
            return v + (100.0 * s * f / (1.0 - s + s * f) - 100.0 * s)

        # hague: trend * f - max(core - pct * f, 0) / years left  (panel._hague_path)
        def path(ff: np.ndarray) -> np.ndarray:
            return self.trend * ff - np.maximum(self.hague_core - self.pct * ff, 0.0) / (
                self.hague_years
            )

        return v + (path(f) - path(np.ones_like(f)))

    def column_raw(
        self, factors: tuple[np.ndarray | None, np.ndarray | None], n: int
    ) -> np.ndarray:
        """(n, C) the whole column with its flagged cells perturbed."""
        out = np.broadcast_to(self.values, (n, self.values.size)).copy()
        out[:, self.rows] = self.flagged_raw(factors, n)
        return out


@dataclass(frozen=True, eq=False)
class _NoisyColumn:
    """Per-sample min-max and percentile normalisation of a column whose flagged cells move.

    Configurations with the same unflagged values (same exclusions and fills) form a group
    ``g``. Every unflagged value of every group is one of the distinct values ``U``
    (``values``), so a sample's normalised column is a row ``E`` of ``u + 1 + F`` numbers
    -- one per distinct value, a NaN for cells without a value, one per flagged cell --
    read out by a gather (``index[g]``: each cell's position in ``E``). Building ``E``
    costs ``O(u + F)`` per sample, and transforms applied to it (the geometric mean's log,
    the weight) are applied once per distinct value rather than once per country.

    Min-max: ``E = (U - lo) / span`` with ``lo`` and ``hi`` the group's unflagged extremes
    (``lohi``) widened by the sample's flagged values: exact, so these are the engine's
    numbers. Percentile, ``(R - 1) / (m - 1)`` with ``R`` the average rank among the ``m``
    values, without sorting the column: twice the average rank minus 2 of a value ``U[t]``
    among its group's unflagged values is ``2 below + equal - 1`` (``twice``), to which a
    sample adds the flagged values below ``U[t]`` twice and those equal once; the few
    flagged values are ranked among themselves and placed among the unflagged with
    ``below``. Ranks are multiples of 1/2, exact in floating point, so the numbers equal
    scipy's ``rankdata`` path bit for bit. The per-row work is compiled
    (:mod:`burdenshare.uncertainty.kernels`)."""

    group_of: np.ndarray  # (S,) configuration -> group
    y: np.ndarray  # (G, C) oriented unflagged values (NaN: flagged or no value)
    lohi: np.ndarray  # (G, 2) their min and max
    values: np.ndarray  # (u,) distinct unflagged values, all groups
    index: np.ndarray  # (G, C) position of each cell in a row of E (see above)
    twice: np.ndarray  # (G, u + 1) 2 * average rank - 2 of U[t] among the group's; 0 last
    below: np.ndarray  # (G, u + 1) unflagged values below values[t]; their count last
    count: np.ndarray  # (G,) unflagged values
    flagged: np.ndarray  # (F,)
    guide: np.ndarray  # (K + 1,) values below the start of each of K equal bins of U's range
    guide_at: np.ndarray  # (2,) the range's start and bins per unit

    #: Bins of the percentile guide per distinct value (64: ~10% faster percentile ranks
    #: than 8 on the SIPRI columns, whose values crowd into part of their range; 128 no
    #: faster; the guide takes 64 u small ints, 16 KB for 126 values).
    GUIDE_BINS_PER_VALUE = 64

    @classmethod
    def build(cls, y: np.ndarray, flagged: np.ndarray) -> _NoisyColumn:
        """From oriented values ``y`` (S, C) (higher is better) and the flagged cells."""
        y = y.copy()
        y[:, flagged] = np.nan
        keys: list[np.ndarray] = []
        group_of = np.empty(y.shape[0], dtype=np.intp)
        for s in range(y.shape[0]):
            for g, k in enumerate(keys):
                if np.array_equal(k, y[s], equal_nan=True):
                    group_of[s] = g
                    break
            else:
                group_of[s] = len(keys)
                keys.append(y[s])
        ys = np.array(keys)
        finite = ~np.isnan(ys)
        values = np.unique(ys[finite]) + 0.0  # no -0.0
        u = values.size
        index = np.full(ys.shape, u, dtype=np.intp)
        below = np.zeros((len(keys), u + 1), dtype=np.int64)
        for g, row in enumerate(ys):
            ok = finite[g]
            index[g, ok] = np.searchsorted(values, row[ok])
            srt = np.sort(row[ok])
            below[g, :-1] = np.searchsorted(srt, values, side="left")
            below[g, -1] = srt.size
        index[:, flagged] = u + 1 + np.arange(flagged.size)
        equal = np.diff(below, axis=1)
        twice = np.zeros(below.shape, dtype=np.int64)
        twice[:, :-1] = 2 * below[:, :-1] + equal - 1
        with np.errstate(invalid="ignore"):
            lohi = np.stack([np.fmin.reduce(ys, axis=1), np.fmax.reduce(ys, axis=1)], axis=1)
        guide, guide_at = cls._guide(values)
        return cls(
            group_of=group_of,
            y=ys,
            lohi=lohi,
            values=values,
            index=index,
            twice=twice,
            below=below,
            count=finite.sum(axis=1).astype(np.int64),
            flagged=flagged,
            guide=guide,
            guide_at=guide_at,
        )

    @classmethod
    def _guide(cls, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A first guess of a value's place among the sorted distinct ``values``: the
        range cut into ``K`` equal bins, with the count of values below each bin's start
        (the kernel corrects the guess by stepping, so it is exact whatever the guess;
        the bins make the steps few)."""
        u = values.size
        if u < 2 or not values[-1] > values[0]:
            return np.zeros(1, dtype=np.int16), np.array([0.0, 0.0])
        k = cls.GUIDE_BINS_PER_VALUE * u
        per_unit = k / (values[-1] - values[0])
        starts = values[0] + np.arange(k + 1) / per_unit
        # small ints: the guide is read at random, and 64 bins a value as int64 left the
        # L1 cache (int16 made the percentile ranks ~5% faster)
        small = np.int16 if u < 2**15 else np.int32
        guide = np.searchsorted(values, starts, side="left").astype(small)
        return guide, np.array([values[0], per_unit])

    def normalise(self, method: str, yf: np.ndarray, config: np.ndarray) -> np.ndarray:
        """``method`` ("minmax" or "percentile") values (n, C) when the flagged cells hold
        the oriented values ``yf`` (n, F; NaN: no value), row ``b`` in configuration
        ``config[b]``."""
        n = yf.shape[0]
        out = np.empty((n, self.y.shape[1]))
        mode = np.full(n, kernels.NORMALISED, dtype=np.int8)
        self._rows(method, out, yf, config, np.ones(n), mode)
        return out

    def add(
        self,
        method: str,
        score: np.ndarray,
        rows: np.ndarray,
        yf: np.ndarray,
        config: np.ndarray,
        weight: np.ndarray,
        mode: np.ndarray,
    ) -> None:
        """Add each row's contribution to ``score[rows]``: ``weight * N`` (mode 1,
        arithmetic mean) or ``weight * ln(1 + 99 N)`` (mode 2, geometric mean on COINr's
        [1, 100]) for the flagged values ``yf`` (n, F), rows in configurations ``config``."""
        part = np.zeros((len(rows), self.y.shape[1]))
        self._rows(method, part, yf, config, weight, mode)
        score[np.asarray(rows, dtype=np.intp)] += part

    def _rows(
        self,
        method: str,
        out: np.ndarray,
        yf: np.ndarray,
        config: np.ndarray,
        weight: np.ndarray,
        mode: np.ndarray,
    ) -> None:
        """Row ``r`` of ``out`` from ``yf[r]`` by the batch model's own kernel
        (:func:`kernels.noisy_rows`, every row drawing ``method``; values already oriented,
        no outlier treatment)."""
        n = yf.shape[0]
        code = kernels.MINMAX_CODE if method == "minmax" else kernels.PERCENTILE_CODE
        none = np.zeros(0, dtype=np.intp)
        kernels.noisy_rows(
            out,
            np.ascontiguousarray(yf, dtype=np.float64),
            np.zeros(n, dtype=np.intp),
            np.asarray(mode, dtype=np.int8),
            np.asarray(weight, dtype=np.float64),
            np.asarray(config, dtype=np.intp),
            np.array([code], dtype=np.int64),
            (True, 0, 0.0, 0.0),
            (none, none, 0.0, 1.0),
            (self.group_of, self.values, self.lohi, self.index),
            (
                self.group_of,
                self.values,
                self.twice,
                self.below,
                self.count,
                self.index,
                self.guide,
                self.guide_at,
            ),  # fmt: skip
        )


def _log_floor(vals: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """The geometric mean's ``ln(1 + 99 N)`` on COINr's [1, 100] range, in place (returns
    ``vals``; ``floor`` is unused, see :func:`burdenshare.scoring.aggregate.geometric_log`)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        np.multiply(vals, GEOMETRIC_TOP - 1.0, out=vals)
        np.log1p(vals, out=vals)
    return vals


class _Scored(NamedTuple):
    """A batch's scores before tiers (see :meth:`RobustnessModel._scored`)."""

    score: np.ndarray  # (n, C)
    eligible: np.ndarray  # (n, C)
    norm: np.ndarray  # (n, k) normalisation choices
    agg: np.ndarray  # (n,) aggregation choices
    caps: list[tuple[np.ndarray, np.ndarray]]  # gate caps on noisy columns (_gates)


class _Prepared(NamedTuple):
    """A noisy indicator's per-batch inputs (see :meth:`RobustnessModel._prepare_noisy`)."""

    xf: np.ndarray  # (n, F) transformed flagged values, NaN where excluded
    choice: np.ndarray  # (n,) method index, -1 where left out


@dataclass(frozen=True, eq=False)
class RobustnessModel:
    """A policy and one panel year as arrays, ready for batches of assumption sets.

    Countries are held in tie-break order (the policy's tie-break keys, then ISO3), so a
    country's position doubles as its final tie-break key. A row's *static configuration*
    is ``rule_set * n_drop + dropped`` (``dropped`` 0: none, ``j + 1``: indicator ``j``).

    The part of the score that does not depend on data noise is, row by row, the product
    ``A[b] (K,) @ table (K, C)`` of its configuration's table, where row
    ``b`` of ``A`` holds weight ``w_bj`` in the column of indicator ``j`` and method
    ``method_bj`` and the table holds the normalised values (or their logs, for the
    geometric mean) of every method; rows that are zero in every table are left out
    (``table_column``). Noisy indicators add their part per sample (:meth:`_add_noisy`).
    """

    countries: tuple[str, ...]
    indicators: tuple[str, ...]
    tier_names: tuple[str, ...]
    variation: Variation
    year: int
    policy_name: str
    weights: np.ndarray
    methods: tuple[tuple[str, ...], ...]
    aggregations: tuple[str, ...]
    rule_sets: tuple[tuple[str, ...], ...]
    n_drop: int
    tables: np.ndarray  # (2G, K, C): G distinct static tables, then their logs
    table_of: np.ndarray  # (S,) configuration -> table
    table_column: np.ndarray  # (k*M,) weight column -> table row (K: none)
    nan_static: np.ndarray  # (S, C) a static indicator is NaN: no score
    ok_static: np.ndarray  # (S, C) eligible as far as static data and gates tell
    excluded: np.ndarray  # (S, C) not scored for missing data
    columns: tuple[_Column, ...]  # columns with flagged values (noise)
    noisy: np.ndarray  # (kn,) policy indicators normalised per sample
    noisy_column: np.ndarray  # (kn,) their entry in ``columns``
    noisy_filled: np.ndarray  # (kn, S, C) transformed, imputed values (NaN: excluded)
    noisy_excluded: tuple[np.ndarray, ...]  # per noisy indicator: (S, F) flagged excluded
    noisy_stats: tuple[_NoisyColumn, ...]  # min-max and percentile machinery per column
    log1p: np.ndarray  # (k,)
    params: dict[str, np.ndarray]  # (k,) normalisation parameters
    higher: np.ndarray  # (k,)
    n_est: int
    n_unc: int
    ineligible: np.ndarray  # (C,) from gates that do not depend on noisy values
    cap: np.ndarray  # (C,) best tier index allowed by those gates
    noisy_gates: tuple[tuple[np.ndarray, int, str, float, str, int], ...]
    flag_index: np.ndarray  # (sum F,) each flagged cell's column in [1, est, unc] factors
    flag_values: np.ndarray  # (sum F,) their published values
    flag_keep: tuple[np.ndarray | None, ...]  # per column: flagged cells held (None: all)
    flag_cells: tuple[np.ndarray, ...]  # their positions in ``countries``
    tier_method: str
    tier_params: np.ndarray
    floor: float
    scale: float
    _groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keep: np.ndarray | None = None  # positions in the full model (see counting_view)
    #: countries scored by the engine but outside the policy's pool: denied by a gate,
    #: never ranked, not in the model (its statistics come from the pool)
    outside: tuple[str, ...] = ()
    #: per noisy indicator with an outlier treatment, its min-max machinery on the treated
    #: values (None: untreated; min-max uses ``noisy_stats``)
    noisy_treated: tuple[_NoisyColumn | None, ...] = ()

    #: Rows evaluated at once: whole seeding blocks, so that every batch holds the same
    #: samples whatever the chunk size. Two blocks are the measured best: larger batches
    #: mean fewer NumPy calls, but temporaries that no longer fit the cores' caches.
    batch_rows = BATCH_BLOCKS * BLOCK_SIZE

    # -- the BatchModel protocol ----------------------------------------------------------

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """Varied assumptions that can change something -> their state keys."""
        return dict(self._groups)

    @property
    def k(self) -> int:
        return len(self.indicators)

    @property
    def n_methods(self) -> int:
        return max(len(m) for m in self.methods)

    def bytes_per_sample(self) -> int:
        """Bytes a sample's draws take (evaluation temporaries are bounded separately by
        :attr:`batch_rows`)."""
        return 8 * (2 * self.k + 3 + self.n_est + self.n_unc) + 64

    def batch_bytes(self) -> int:
        """Peak bytes of evaluation temporaries for one batch of :attr:`batch_rows`."""
        c = len(self.countries)
        return 8 * self.batch_rows * (c * (16 + 4 * len(self.noisy)) + self.k * self.n_methods)

    def draw(self, rng: np.random.Generator, n: int) -> States:
        """``n`` random assumption sets, drawn in a fixed order (a block's samples depend
        only on its generator)."""
        v = self.variation
        out: States = {}
        g = self._groups
        if "weights" in g:
            if v.weight_scheme == "dirichlet":
                out["weights"] = dirichlet_weights(rng, self.weights, v.concentration, n)
            else:
                out["weights"] = uniform_weights(rng, self.weights, v.weight_spread, n)
        if "normalisation" in g:
            # one switch for the whole index (COINr, JRC audits): column m of every
            # indicator's alternatives is the same method
            choice = (rng.random(n) * self.n_methods).astype(np.int8)
            out["norm"] = np.repeat(choice[:, None], self.k, axis=1)
        if "aggregation" in g:
            out["agg"] = rng.integers(0, len(self.aggregations), size=n, dtype=np.int8)
        if "missing" in g:
            out["rule"] = rng.integers(0, len(self.rule_sets), size=n, dtype=np.int16)
        if "leave_one_out" in g:
            out["drop"] = rng.integers(0, self.n_drop, size=n, dtype=np.int16)
        if "estimates" in g:
            out["z_est"] = standard_normal(rng, (n, self.n_est))
        if "uncertain" in g:
            out["z_unc"] = standard_normal(rng, (n, self.n_unc))
        return out

    def unit_layout(self) -> list[tuple[str, int]]:
        """(assumption, dimensions) of the unit hypercube read by :meth:`states_from_unit`."""
        dims = {
            "weights": self.k,
            "normalisation": 1,
            "aggregation": 1,
            "missing": 1,
            "leave_one_out": 1,
            "estimates": self.n_est,
            "uncertain": self.n_unc,
        }
        return [(name, dims[name]) for name in self._groups]

    def states_from_unit(self, u: np.ndarray) -> States:
        """Map points of the unit hypercube (columns as in :meth:`unit_layout`) to states
        distributed as :meth:`draw`'s, so that SALib's designs can drive this model."""
        u = np.asarray(u, dtype=np.float64)
        out: States = {}
        col = 0
        v = self.variation
        for name, d in self.unit_layout():
            part = u[:, col : col + d]
            col += d
            if name == "weights":
                out["weights"] = (
                    dirichlet_weights_from_unit(part, self.weights, v.concentration)
                    if v.weight_scheme == "dirichlet"
                    else uniform_weights_from_unit(part, self.weights, v.weight_spread)
                )
            elif name == "normalisation":
                choice = choice_from_unit(part[:, 0], self.n_methods).astype(np.int8)
                out["norm"] = np.repeat(choice[:, None], self.k, axis=1)
            elif name == "aggregation":
                out["agg"] = choice_from_unit(part[:, 0], len(self.aggregations)).astype(np.int8)
            elif name == "missing":
                out["rule"] = choice_from_unit(part[:, 0], len(self.rule_sets)).astype(np.int16)
            elif name == "leave_one_out":
                out["drop"] = choice_from_unit(part[:, 0], self.n_drop).astype(np.int16)
            else:
                out["z_est" if name == "estimates" else "z_unc"] = normal_from_unit(part)
        return out

    def perturbed_panel(self, panel, state: Mapping[str, np.ndarray]):
        """``panel`` (the one the model was built from) with one sample's data noise applied
        to the flagged values of every column the model perturbs, each by its column's own
        formula (scaled, gap, share, Hague path): the data a ``score`` call of that sample
        reads (the benchmark's per-sample loop, the tests against the engine)."""
        factors = (np.empty((1, self.n_est)), np.empty((1, self.n_unc)))
        self._factors({k: np.asarray(v)[None] for k, v in state.items()}, *factors)
        values = panel.values.copy()
        rows = {c: i for i, c in enumerate(panel.countries)}
        for col in self.columns:
            v = col.column_raw(factors, 1)[0]
            j = panel.indicators.index(col.name)
            for i, iso3 in enumerate(self.countries):
                values[rows[iso3], j] = v[i]
        return dataclasses.replace(panel, values=values)

    def counting_view(self) -> tuple[RobustnessModel, np.ndarray]:
        """This model restricted to the countries that can be ranked at all, and their
        positions here (cached).

        A country that no configuration lets through (a gate on published data, no data
        under any rule) is "not ranked" in every sample, and its score changes nobody
        else's rank or tier: Monte Carlo counts need nothing computed for it
        (:func:`montecarlo.mc_chunk` fills its row of the tables). The normalisation
        statistics still come from every country, so the others' numbers are unchanged."""
        cached = self.__dict__.get("_counting_view")
        if cached is None:
            keep = np.flatnonzero(self.ok_static.any(axis=0))
            if keep.size in (0, len(self.countries)):  # nothing to leave out, or nobody
                keep = np.arange(len(self.countries))
                view = self
            else:
                view = self._restricted(keep)
            cached = (view, keep)
            object.__setattr__(self, "_counting_view", cached)
        return cached

    def _restricted(self, keep: np.ndarray) -> RobustnessModel:
        """The model over the countries at positions ``keep`` (ascending) only."""
        pos = np.full(len(self.countries), -1, dtype=np.intp)
        pos[keep] = np.arange(keep.size)
        flag_keep, flag_cells = [], []
        for col in self.columns:
            cells = pos[col.rows]
            held = np.flatnonzero(cells >= 0)
            flag_keep.append(None if held.size == cells.size else held)
            flag_cells.append(cells[held])
        return dataclasses.replace(
            self,
            countries=tuple(self.countries[i] for i in keep),
            tables=np.ascontiguousarray(self.tables[:, :, keep]),
            nan_static=self.nan_static[:, keep],
            ok_static=self.ok_static[:, keep],
            excluded=self.excluded[:, keep],
            noisy_stats=tuple(
                dataclasses.replace(
                    st, y=st.y[:, keep], index=np.ascontiguousarray(st.index[:, keep])
                )
                for st in self.noisy_stats
            ),
            noisy_treated=tuple(
                None
                if st is None
                else dataclasses.replace(
                    st, y=st.y[:, keep], index=np.ascontiguousarray(st.index[:, keep])
                )
                for st in self.noisy_treated
            ),
            ineligible=self.ineligible[keep],
            cap=self.cap[keep],
            flag_keep=tuple(flag_keep),
            flag_cells=tuple(flag_cells),
            keep=keep if self.keep is None else self.keep[keep],
        )

    def nominal(self) -> Evaluation:
        """The policy's own result, computed by this model (one sample, nothing varied)."""
        cached = self.__dict__.get("_nominal")
        if cached is None:
            cached = self.evaluate({}, n=1)
            object.__setattr__(self, "_nominal", cached)
        return cached

    def evaluate(self, states: Mapping[str, np.ndarray], n: int | None = None) -> Evaluation:
        """Score, tier and rank every country under each assumption set in ``states``.

        Missing keys take the policy's value. A row's numbers depend only on that row."""
        scored = self._scored(states, n)
        tier, order = self._tiers_and_order(*scored)
        return Evaluation(
            order=order,
            score=scored.score,
            tier=tier,
            eligible=scored.eligible,
            n_ranked=scored.eligible.sum(axis=1),
        )

    def add_counts(
        self, states: Mapping[str, np.ndarray], rank_counts: np.ndarray, tier_counts: np.ndarray
    ) -> None:
        """Add the ranks and tiers of every row of ``states`` to the Monte Carlo count
        tables (as :func:`montecarlo.count` of :meth:`evaluate` would, without building the
        order and tier arrays: :func:`kernels.tiers_and_order` counts as it sorts)."""
        self._tiers_and_order(*self._scored(states, None), counts=(rank_counts, tier_counts))

    def _scored(self, states: Mapping[str, np.ndarray], n: int | None) -> _Scored:
        """Scores, eligibility and gate caps of every row of ``states`` (see :meth:`evaluate`)."""
        n = _batch_size(states, n)
        k = self.k
        w = states.get("weights")
        w = np.broadcast_to(self.weights, (n, k)).copy() if w is None else np.array(w, float)
        norm = _ints(states.get("norm"), (n, k))
        rule = _ints(states.get("rule"), (n,))
        drop = _ints(states.get("drop"), (n,))
        agg = _ints(states.get("agg"), (n,))

        # Leaving an indicator out: weight 0, the others rescaled to sum 1.
        out_rows = np.flatnonzero(drop > 0)
        unweighted = out_rows[:0]
        if out_rows.size:
            w[out_rows, drop[out_rows] - 1] = 0.0
            total = w[out_rows].sum(axis=1, keepdims=True)
            # nothing left to weigh (the only weighted indicator left out): no scores
            unweighted = out_rows[total[:, 0] <= 0]
            np.copyto(total, 1.0, where=total <= 0)
            w[out_rows] /= total
        config = rule * self.n_drop + drop
        geometric = np.array([a == "geometric" for a in self.aggregations])[agg]

        raw = self._flagged_raw(states, n)
        noisy = self._prepare_noisy(raw, config, norm, drop)
        score = self._static_part(w, norm, config, geometric)
        self._add_noisy(score, noisy, config, w, geometric)
        kernels.finish_scores(score, geometric, float(self.scale))

        eligible = np.take(self.ok_static, config, axis=0)
        if unweighted.size:
            score[unweighted] = np.nan
            eligible[unweighted] = False
        if self.noisy.size:
            eligible &= score == score  # not NaN
        if self.nan_static.any():
            np.copyto(score, np.nan, where=np.take(self.nan_static, config, axis=0))
        return _Scored(score, eligible, norm, agg, self._gates(raw, eligible))

    # -- outlier treatment of the noisy columns ---------------------------------------------

    def _mm_stats(self, i: int) -> _NoisyColumn:
        """The min-max machinery of noisy indicator ``i`` (on treated values if treated)."""
        treated = self.noisy_treated[i] if self.noisy_treated else None
        return self.noisy_stats[i] if treated is None else treated

    # -- tiers on one scale ---------------------------------------------------------------

    def on_scale(self, norm: np.ndarray, agg: np.ndarray) -> np.ndarray:
        """(n,) True where a row's scores are on the policy's own scale: its normalisation
        methods and its aggregation (weights, missing-data rule and data noise keep the
        scale; min-max or percentile instead of goalposts, or a geometric mean instead
        of an arithmetic one, do not, so absolute cut-offs mean nothing there)."""
        same = np.array(
            [all(m[i] == m[0] for m in self.methods) for i in range(self.n_methods)], dtype=bool
        )
        norm_ok = same[np.asarray(norm)[:, 0]] if np.size(norm) else np.ones(len(agg), bool)
        return norm_ok & (np.asarray(agg) == 0)

    def share_on_scale(self) -> float:
        """The probability that a sample is on the policy's scale (:meth:`on_scale`): the
        normalisation and aggregation choices are uniform."""
        g = self._groups
        m = self.n_methods if "normalisation" in g else 1
        same = sum(all(x[i] == x[0] for x in self.methods) for i in range(m))
        a = len(self.aggregations) if "aggregation" in g else 1
        return same / m / a

    def tier_basis(self) -> dict[str, object]:
        """How the Monte Carlo samples are tiered, for the output (``settings.tiers``)."""
        if self.tier_method != "absolute":
            return {
                "method": "quantile",
                "text": "the policy's quantile tiers in every sample (a relative rule, "
                "on any scale)",
            }
        shares = self.anchored_shares()
        on = self.share_on_scale()
        return {
            "method": "absolute, re-anchored off scale",
            "share_on_policy_scale": on,
            "anchored_top_shares": [round(float(x), 6) for x in shares],
            "text": (
                f"the policy's absolute cut-offs in the {on:.0%} of samples whose scores are "
                "on its scale (only weights, missing-data rule or data noise varied); in "
                "samples with another normalisation or aggregation the cut-offs are "
                "re-anchored to the nominal share of eligible countries at or above each "
                "cut-off (" + ", ".join(f"{x:.1%}" for x in shares) + "), gates applied "
                "after"
            ),
        }

    def anchored_shares(self) -> np.ndarray:
        """The nominal run's cumulative share of eligible countries at or above each tier
        cut-off (before gate caps): the tiers of a row off the policy's scale are the same
        shares of that row's eligible countries (see :func:`aggregate.anchored_shares`)."""
        cached = self.__dict__.get("_anchored")
        if cached is None:
            from burdenshare.scoring.aggregate import anchored_shares

            nom = self.nominal()
            cached = anchored_shares(
                nom.score[0].astype(np.float64), nom.eligible[0], self.tier_params
            )
            object.__setattr__(self, "_anchored", cached)
        return cached

    def _thresholds(
        self, score: np.ndarray, eligible: np.ndarray, norm: np.ndarray, agg: np.ndarray
    ) -> np.ndarray:
        """Tier cut-offs per row: the policy's (absolute, or quantiles of the row); rows off
        the policy's scale (:meth:`on_scale`) take quantile cut-offs at the nominal shares
        (:meth:`anchored_shares`)."""
        from burdenshare.scoring.aggregate import quantile_thresholds, share_thresholds

        if self.tier_method != "absolute":
            return quantile_thresholds(score, eligible, self.tier_params)
        off = np.flatnonzero(~self.on_scale(norm, agg))
        if off.size == 0:
            return self.tier_params
        thr = np.broadcast_to(self.tier_params, (len(score), self.tier_params.size)).copy()
        thr[off] = share_thresholds(score[off], eligible[off], self.anchored_shares())
        return thr

    def _tiers_and_order(
        self,
        score: np.ndarray,
        eligible: np.ndarray,
        norm: np.ndarray,
        agg: np.ndarray,
        caps: list[tuple[np.ndarray, np.ndarray]],
        counts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Tiers (cut-offs from :meth:`_thresholds`, gates' caps) and rank order of a batch:
        one sort of per-cell score keys (NumPy's SIMD sort), then one compiled pass per row
        for the re-anchored cut-offs, the tiers and the order
        (:func:`kernels.tiers_and_order`). The NumPy functions (:meth:`_thresholds`,
        :func:`tier_index`, :func:`rank_order`) are the reference, tested equal, and run
        where a score does not fit the key. With ``counts`` (rank and tier count tables),
        the batch is added to them instead and nothing is returned."""
        n, c = score.shape
        not_ranked = len(self.tier_names) - 1
        if caps:  # the gates on noisy values: (countries, caps (n, F)) side by side
            cap_cells = np.concatenate([rows for rows, _ in caps]).astype(np.intp)
            cap_extra = np.concatenate([extra for _, extra in caps], axis=1).astype(np.int8)
        else:
            cap_cells, cap_extra = np.zeros(0, dtype=np.intp), np.zeros((n, 0), dtype=np.int8)
        score = np.ascontiguousarray(score)
        eligible = np.ascontiguousarray(eligible, dtype=np.bool_)
        keys = np.empty((n, c), dtype=np.int32)
        if c <= kernels.KEY_COUNTRIES and kernels.score_keys(score, eligible, keys, self.scale):
            keys.sort(axis=1)
            params = np.asarray(self.tier_params, dtype=np.float64)
            if self.tier_method != "absolute":
                quantile_row = np.ones(n, dtype=np.bool_)
                shares, infinite = params, np.zeros(params.size, dtype=np.bool_)
            else:
                quantile_row = ~self.on_scale(norm, agg)
                # (the nominal run, which the anchored shares come from, is on the scale)
                shares = self.anchored_shares() if quantile_row.any() else params
                infinite = shares <= 0
            levels = 1.0 - np.clip(shares, 0.0, 1.0)
            shape = (0, 0) if counts else (n, c)
            tier = np.empty(shape, dtype=np.int8)
            order = np.empty(shape, dtype=np.int64)
            rank_counts, tier_counts = counts or (kernels.NO_COUNTS, kernels.NO_COUNTS)
            kernels.tiers_and_order(
                score,
                keys,
                params,
                quantile_row,
                levels,
                infinite,
                np.asarray(self.cap, dtype=np.int8),
                cap_cells,
                cap_extra,
                not_ranked,
                tier,
                order,
                counts is not None,
                rank_counts,
                tier_counts,
            )
            return None if counts else (tier, order)
        thr = self._thresholds(score, eligible, norm, agg)
        tier = tier_index(score, thr, eligible, self.cap, not_ranked, caps)
        order = rank_order(score, tier, eligible)
        if counts is None:
            return tier, order
        kernels.count_rows(
            np.ascontiguousarray(order, dtype=np.int64),
            eligible.sum(axis=1).astype(np.int64),
            np.ascontiguousarray(tier, dtype=np.int8),
            *counts,
        )
        return None

    # -- pieces ---------------------------------------------------------------------------

    def _static_part(
        self,
        w: np.ndarray,
        norm: np.ndarray,
        config: np.ndarray,
        geometric: np.ndarray,
    ) -> np.ndarray:
        """Sum over the indicators without noise of ``w_bj N_bj`` (``w_bj ln N_bj`` for
        geometric rows): row ``b`` of the weight matrix ``A`` times its configuration's
        table, row by row (:func:`kernels.weighted_rows`), so that a row's numbers depend on
        nothing else."""
        g = self.table_of[config] + geometric * (self.tables.shape[0] // 2)
        out = np.empty((w.shape[0], len(self.countries)))
        kernels.weighted_rows(
            np.ascontiguousarray(w, dtype=np.float64),
            np.ascontiguousarray(norm, dtype=np.intp),
            self.table_column,
            self.n_methods,
            np.asarray(g, dtype=np.intp),
            self.tables,
            out,
        )
        return out

    def _flagged_raw(self, states: Mapping[str, np.ndarray], n: int) -> list[np.ndarray]:
        """Perturbed raw values ``(n, F)`` of the flagged cells of every noisy column (views
        into one array): the per-country factors ``exp(spread * z)`` gathered once for all
        columns, then each column's formula (:meth:`_Column.raw_from_factors`)."""
        if not self.columns:
            return []
        fac = np.empty((n, 1 + self.n_est + self.n_unc))
        fac[:, 0] = 1.0
        self._factors(states, fac[:, 1 : 1 + self.n_est], fac[:, 1 + self.n_est :])
        out = tuple(np.empty((n, col.rows.size)) for col in self.columns)
        scaled = all(col.kind == "scale" for col in self.columns)
        # each column's factors gathered into its own contiguous array (times the published
        # values when every column scales: one product for all)
        kernels.gather_columns(fac, self.flag_index, self.flag_values, scaled, out)
        if scaled:
            return list(out)
        pairs = zip(self.columns, out, strict=True)
        return [col.raw_from_factors(part, out=part) for col, part in pairs]

    def _prepare_noisy(
        self, raw: list[np.ndarray], config: np.ndarray, norm: np.ndarray, drop: np.ndarray
    ) -> list[_Prepared]:
        """Per noisy indicator: its transformed flagged values (NaN where the row's
        missing-data rule excludes the country) and each row's method (-1: left out)."""
        out = []
        for i, j in enumerate(self.noisy):
            j = int(j)
            xf = raw[self.noisy_column[i]]
            excluded = self.noisy_excluded[i]
            if self.log1p[j]:
                with np.errstate(invalid="ignore"):
                    xf = np.log1p(np.maximum(xf, 0.0))
            elif excluded.any():
                xf = xf.copy()  # ours to change (the raw values also feed the gates)
            if excluded.any():
                # a flagged cell of a country excluded under the row's missing-data rule
                np.copyto(xf, np.nan, where=np.take(excluded, config, axis=0))
            choice = np.where(drop != j + 1, norm[:, j], -1)
            out.append(_Prepared(xf, choice))
        return out

    def _add_noisy(
        self,
        score: np.ndarray,
        noisy: list[_Prepared],
        config: np.ndarray,
        w: np.ndarray,
        geometric: np.ndarray,
    ) -> None:
        """Add the contributions of the indicators with noisy values to ``score``.

        Goalposts, min-max and percentile ranks: one compiled pass over the rows per
        indicator (:func:`kernels.noisy_rows`): goalposts normalise only the flagged cells
        (the unflagged are in the static tables); min-max and percentile ranks renormalise
        the perturbed column per sample with the engine's formulas (:class:`_NoisyColumn`),
        one row of values per distinct value (log and weight applied there) gathered into
        the countries. Other methods (z-scores, distance to target) go through the engine's
        ``normalise_matrix``."""
        mode = np.where(geometric, kernels.GEOMETRIC, kernels.ARITHMETIC).astype(np.int8)
        config = np.asarray(config, dtype=np.intp)
        for i, j in enumerate(self.noisy):
            j = int(j)
            xf, choice = noisy[i]
            weight = np.ascontiguousarray(w[:, j])
            kernels.noisy_rows(
                score,
                xf,
                np.asarray(choice, dtype=np.intp),
                mode,
                weight,
                config,
                *self._noisy_args(i),
            )
            for m, method in enumerate(self.methods[j]):
                if method not in ("goalposts", "minmax", "percentile"):
                    self._add_other(score, i, j, m, method, xf, choice, config, weight, geometric)

    def _noisy_args(self, i: int) -> tuple:
        """The per-indicator arguments of :func:`kernels.noisy_rows` (cached): method codes,
        ``(higher, treat, treat_a, treat_b)``, the goalposts' flagged cells and bounds, the
        min-max machinery (on treated values if treated) and the percentile machinery."""
        cache = self.__dict__.setdefault("_noisy_args_cache", {})
        if i not in cache:
            j = int(self.noisy[i])
            codes = {
                "goalposts": kernels.GOALPOSTS_CODE,
                "minmax": kernels.MINMAX_CODE,
                "percentile": kernels.PERCENTILE_CODE,
            }
            keep, cells = self._flag_cells(int(self.noisy_column[i]))
            mm, pc = self._mm_stats(i), self.noisy_stats[i]
            treated = mm is not pc

            def param(name: str, default: float = np.nan) -> float:
                values = self.params.get(name)
                return default if values is None else float(values[j])

            cache[i] = (
                np.array([codes.get(m, -1) for m in self.methods[j]], dtype=np.int64),
                (
                    bool(self.higher[j]),
                    int(param("treat", 0.0)) if treated else 0,
                    param("treat_a"),
                    param("treat_b"),
                ),
                (keep.astype(np.intp), cells.astype(np.intp), param("lower"), param("upper")),
                (mm.group_of, mm.values, mm.lohi, mm.index),
                (
                    pc.group_of,
                    pc.values,
                    pc.twice,
                    pc.below,
                    pc.count,
                    pc.index,
                    pc.guide,
                    pc.guide_at,
                ),  # fmt: skip
            )
        return cache[i]

    def _add_other(
        self,
        score: np.ndarray,
        i: int,
        j: int,
        m: int,
        method: str,
        xf: np.ndarray,
        choice: np.ndarray,
        config: np.ndarray,
        weight: np.ndarray,
        geometric: np.ndarray,
    ) -> None:
        """Rows of noisy indicator ``i`` whose method ``m`` is neither goalposts, min-max nor
        percentile ranks, through the engine's ``normalise_matrix``: per cell (distance to
        target) on the flagged cells, else (z-scores) on the whole column."""
        from burdenshare.scoring.normalise import normalise_matrix

        rows = np.flatnonzero(choice == m)
        if rows.size == 0:
            return
        ci = int(self.noisy_column[i])
        rows = np.concatenate([rows[~geometric[rows]], rows[geometric[rows]]])
        n_geo = int(geometric[rows].sum())
        flagged = xf[rows]
        params = {key: val[j : j + 1] for key, val in self.params.items()}
        higher = self.higher[j : j + 1]
        if method in _PER_CELL:
            vals = normalise_matrix(flagged[:, :, None], [method], params, higher)
        else:  # statistics over all countries, then this model's
            x = np.take(self.noisy_filled[i], config[rows], axis=0)
            x[:, self.columns[ci].rows] = flagged
            vals = normalise_matrix(x[:, :, None], [method], params, higher)
            if self.keep is not None:
                vals = vals[:, self.keep]
        vals = vals[:, :, 0] if vals.ndim == 3 else vals
        if n_geo:
            _log_floor(vals[vals.shape[0] - n_geo :], self.floor)
        vals *= weight[rows, None]
        if method in _PER_CELL:
            self._add_flagged(score.reshape(-1), score.shape[1], rows, ci, vals)
        else:
            score[rows] += vals

    def _factors(self, states: Mapping[str, np.ndarray], est: np.ndarray, unc: np.ndarray) -> None:
        """Per-country noise factors ``exp(spread * z)`` into ``est`` and ``unc`` (estimates,
        uncertain; 1 where that noise is not drawn). Computed on a contiguous array, then
        copied: on the strided columns of a wider array, NumPy's exp is scalar (3x slower)."""
        for key, spread, out in (
            ("z_est", self.variation.estimate_spread, est),
            ("z_unc", self.variation.uncertain_spread, unc),
        ):
            z = states.get(key)
            if z is None:
                out[...] = 1.0
            else:
                factor = np.multiply(np.asarray(z, dtype=float), spread)
                out[...] = np.exp(factor, out=factor)

    def _gates(
        self, raw: list[np.ndarray], eligible: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Apply the gates on noisy columns: ``eligible`` loses the flagged countries a
        gate makes ineligible (in place); returns the tier caps of the others as
        ``(countries, cap (n, F))`` pairs.

        Only flagged cells can change a gate's verdict; the unflagged cells' verdicts at
        the published values are already in :attr:`ineligible` and :attr:`cap`."""
        caps = []
        for member, col, op, threshold, effect, max_tier in self.noisy_gates:
            keep, cells = self.flag_keep[col], self.flag_cells[col]
            v = raw[col] if keep is None else raw[col][:, keep]
            with np.errstate(invalid="ignore"):
                cond = (v < threshold) if op == "below" else (v >= threshold)
            cond &= member if keep is None else member[keep]
            if effect == "ineligible":
                eligible[:, cells] &= ~cond
            else:
                caps.append((cells, cond.view(np.int8) * np.int8(max_tier - 1)))
        return caps

    def _flag_cells(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """The flagged cells of ``column`` this model holds (their positions among the
        column's flagged cells) and their countries."""
        keep = self.flag_keep[column]
        cells = self.flag_cells[column]
        if keep is None:
            keep = np.arange(cells.size)
        return keep, cells

    def _add_flagged(
        self, flat: np.ndarray, c: int, rows: np.ndarray, column: int, vals: np.ndarray
    ) -> None:
        """``score[rows, flagged cells of column] += vals`` (``flat``: the score raveled),
        for the flagged countries this model holds."""
        keep = self.flag_keep[column]
        if keep is not None:
            vals = vals[:, keep]
        flat[(rows * c)[:, None] + self.flag_cells[column]] += vals


def _ints(value: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    if value is None:
        return np.zeros(shape, dtype=np.intp)
    return np.asarray(value).astype(np.intp)


def _batch_size(states: Mapping[str, np.ndarray], n: int | None) -> int:
    sizes = {len(v) for v in states.values()}
    if n is not None:
        sizes.add(n)
    if len(sizes) != 1:
        raise ValueError(f"inconsistent batch sizes {sorted(sizes)}")
    return sizes.pop()


# --------------------------------------------------------------------------- kernels


def assign_tiers(
    score: np.ndarray, thresholds: np.ndarray, eligible: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """The engine's ``aggregate.assign_tiers`` (0 = tier 1, -1 not ranked), through
    :func:`tier_index`."""
    t = tier_index(score, thresholds, eligible & ~np.isnan(score), cap, -1)
    return t.astype(np.int64)


def tier_index(
    score: np.ndarray,
    thresholds: np.ndarray,
    eligible: np.ndarray,
    cap: np.ndarray,
    not_ranked: int,
    caps: Iterable[tuple[np.ndarray, np.ndarray]] = (),
) -> np.ndarray:
    """Tier index per cell as int8: the number of thresholds above the score (absolute
    ``(T-1,)`` or per row ``(n, T-1)``), raised to the gates' ``cap`` (and to each
    ``(countries, cap (n, F))`` of ``caps``, gates whose verdict varies per sample);
    ``not_ranked`` where not eligible. Same rule as the engine's ``assign_tiers``, without
    its (n, C, T) temporary."""
    thr = np.asarray(thresholds, dtype=float)
    idx = np.zeros(score.shape, dtype=np.int8)
    below = np.empty(score.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for t in range(thr.shape[-1]):
            th = thr[..., t]
            np.less(score, th[..., None] if th.ndim else th, out=below)
            idx += below.view(np.int8)
    np.maximum(idx, np.asarray(cap, dtype=np.int8), out=idx)
    for rows, extra in caps:
        idx[:, rows] = np.maximum(idx[:, rows], extra)
    # not ranked where not eligible: idx + (not_ranked - idx) * (1 - eligible), in int8
    idx -= np.int8(not_ranked)
    idx *= np.asarray(eligible, dtype=bool).view(np.int8)
    idx += np.int8(not_ranked)
    return idx


def rank_order(score: np.ndarray, tier: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Countries in rank order per row (int64 positions into ``countries``).

    The engine's order (``aggregate.rank_order``): tier, then score rounded to 1e-9 (higher
    first), then the tie-break order, which is the country's position here; countries not
    ranked come last (in position order: their score counts as 0). One int64 key per cell,
    ``tier | 2**45 - rint(score * 1e9) | position`` in bits ``58+ | 12-57 | 0-11``, sorted
    with NumPy's SIMD sort; a lexsort when the scores do not fit the key.

    The key's upper part is an integer below 2**51, summed exactly in float64 and read off
    the float's bits: a float in [2**52, 2**53) holds ``2**52 + x`` with ``x`` in its
    mantissa, so adding 1.5 * 2**52 and subtracting that float's bit pattern converts
    without a (slow) float-to-integer cast."""
    n, c = score.shape
    q = np.multiply(score, -1e9)
    np.rint(q, out=q)
    np.copyto(q, 0.0, where=~np.asarray(eligible, dtype=bool))  # in place: no second (n, C)
    limit = 2.0 ** (_SCORE_BITS - 1)
    if c >= 1 << _IDX_BITS or (q.size and max(-q.min(), q.max()) >= limit):
        pos = np.broadcast_to(np.arange(c), (n, c))
        return np.lexsort((pos, q, tier), axis=-1)
    q += _MAGIC + limit  # integers below 2**53 throughout: every sum is exact
    key_f = np.multiply(tier, 2.0**_SCORE_BITS, dtype=np.float64)
    key_f += q
    key = key_f.view(np.int64)
    key -= _MAGIC_BITS
    key <<= _IDX_BITS
    key |= np.arange(c, dtype=np.int64)
    key.sort(axis=1)
    key &= (1 << _IDX_BITS) - 1
    return key


#: 1.5 * 2**52 and its bit pattern (see :func:`rank_order`).
_MAGIC = 1.5 * 2.0**52
_MAGIC_BITS = np.float64(_MAGIC).view(np.int64)


# --------------------------------------------------------------------------- building


def build_model(panel, policy, variation: Variation | None = None) -> RobustnessModel:
    """Compile ``panel`` (one year) and ``policy`` (a Policy, built-in name or file) into a
    :class:`RobustnessModel` for ``variation`` (default: everything varied).

    Everything is computed with the engine's own steps in the engine's country order and
    permuted into tie-break order at the end."""
    from burdenshare.panel import targets
    from burdenshare.policy import load_policy
    from burdenshare.scoring.engine import (
        SCALE,
        context,
        gate_effects,
        impute,
        policy_values,
        prepare,
        restrict,
        tie_keys,
        transform,
    )
    from burdenshare.scoring.normalise import normalise_matrix

    variation = variation or Variation()
    policy = load_policy(policy)
    prep = prepare(policy)
    ctx = context(panel, prep)
    outside: tuple[str, ...] = ()
    if ctx.pool is not None:
        outside = tuple(c for c, inside in zip(ctx.countries, ctx.pool, strict=True) if not inside)
        # Countries outside the policy's pool are denied by a gate (the schema checks it)
        # and never ranked: the model leaves them out, so that its statistics come from
        # the pool as the engine's do.
        ctx = restrict(ctx, np.flatnonzero(ctx.pool))
    params = {**prep.params, **ctx.treatment}
    treated = np.asarray(ctx.treatment.get("treat", np.zeros(prep.k)), dtype=bool)
    vary = set(variation.vary)
    k, c = prep.k, len(ctx.countries)

    # Countries in tie-break order (the engine's keys after tier and score).
    keys = tie_keys(panel.values, prep, ctx)
    perm = np.lexsort([ctx.code_order, *[-np.nan_to_num(x, nan=-np.inf) for x in reversed(keys)]])
    inv = np.empty_like(perm)
    inv[perm] = np.arange(c)

    # Alternatives.
    methods = []
    for j in range(k):
        own = "percentile" if prep.methods[j] == "rank" else prep.methods[j]
        alts = [own]
        if "normalisation" in vary:  # one switch: alternative i is the same for every column
            alts += list(variation.normalisations)
        methods.append(tuple(alts))
    m_count = max(len(m) for m in methods)
    aggregations: tuple[str, ...] = (policy.aggregation,)
    if "aggregation" in vary:
        aggregations += tuple(a for a in variation.aggregations if a != policy.aggregation)
    rule_sets = [tuple(prep.missing)]
    if "missing" in vary:
        for r in variation.missing_rules:
            rs = tuple(r if (r == "exclude" or p != "exclude") else p for p in prep.missing)
            if rs not in rule_sets:
                rule_sets.append(rs)
    n_drop = k + 1 if "leave_one_out" in vary else 1

    # Static stacks: every rule set x left-out indicator x method alternative.
    x_raw = policy_values(panel.values, ctx)
    x_t = transform(x_raw, prep)
    n_static = len(rule_sets) * n_drop
    stack = np.empty((n_static, m_count, k, c))
    excluded = np.zeros((n_static, c), dtype=bool)
    filled = np.empty((n_static, c, k))
    for r, rules in enumerate(rule_sets):
        for d in range(n_drop):
            s = r * n_drop + d
            rs = list(rules)
            if d > 0 and rs[d - 1] in ("exclude", "fail"):
                rs[d - 1] = "worst"  # an indicator left out excludes no one
            x_f, _, excl = impute(x_t, dataclasses.replace(prep, missing=tuple(rs)), ctx)
            excluded[s] = excl
            filled[s] = x_f
            for m in range(m_count):
                meth = [methods[j][min(m, len(methods[j]) - 1)] for j in range(k)]
                stack[s, m] = normalise_matrix(x_f, meth, params, prep.higher).T

    # Data noise: flagged values of the policy's panel columns and of gate columns.
    noise_on = {"estimates", "uncertain"} & vary
    tg = targets()
    pct_all = panel.values[ctx.rows, panel.indicators.index("milex_gdp_pct")]
    if "h_level" in panel.base:  # the Hague trajectory's series: core where NATO has it
        pct_all = np.asarray(panel.base["h_level"])[ctx.rows]
    trend_all = np.asarray(
        panel.base.get("h_trend", panel.base.get("trend", np.full(len(panel.countries), np.nan)))
    )
    trend_all = trend_all[ctx.rows] if trend_all.size == len(panel.countries) else trend_all

    def flagged(name: str) -> tuple[np.ndarray, np.ndarray]:
        col = panel.indicators.index(name)
        vals = panel.values[ctx.rows, col]
        fl = [set(str(f).split("|")) for f in panel.flags[ctx.rows, col]]
        has = ~np.isnan(vals)
        unc = has & np.array(["uncertain" in f for f in fl]) & ("uncertain" in noise_on)
        est = has & ~unc & np.array(["estimate" in f for f in fl]) & ("estimates" in noise_on)
        return est[perm], unc[perm]  # in tie-break order from here on

    candidates = [name for name in prep.indicators if name in panel.indicators]
    candidates += [g.when.indicator for g in policy.gates if g.when.indicator]
    col_masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if noise_on:
        for name in dict.fromkeys(candidates):
            est, unc = flagged(name)
            if est.any() or unc.any():
                col_masks[name] = (est, unc)
    est_any = np.zeros(c, dtype=bool)
    unc_any = np.zeros(c, dtype=bool)
    for est, unc in col_masks.values():
        est_any |= est
        unc_any |= unc
    est_slot, unc_slot = np.cumsum(est_any) - 1, np.cumsum(unc_any) - 1
    columns = []
    for name, (est, unc) in col_masks.items():
        rows = np.flatnonzero(est | unc)
        src = unc[rows].astype(np.intp)
        if name in _GAP_TARGETS:
            kind, target = "shift", float(tg[_GAP_TARGETS[name]]["value"])
        elif name in ("milex_gov_pct", "hague_path_gap"):
            kind, target = ("gov_share" if name == "milex_gov_pct" else "hague"), 0.0
        else:
            kind, target = "scale", 0.0
        columns.append(
            _Column(
                name=name,
                kind=kind,
                target=target,
                values=panel.values[ctx.rows, panel.indicators.index(name)][perm],
                rows=rows,
                source=src,
                slot=np.where(src == 1, unc_slot[rows], est_slot[rows]),
                pct=pct_all[perm][rows],
                trend=trend_all[perm][rows],
                hague_core=float(tg["hague_core_3_5pct"]["value"]),
                hague_years=float(max(int(tg["hague_core_3_5pct"]["by_year"]) - panel.year, 1)),
            )
        )
    names = [col.name for col in columns]
    noisy = [j for j, name in enumerate(prep.indicators) if name in names]

    # Static tables for the matrix product, deduplicated across configurations.
    stack = stack[..., perm]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_stack = np.log1p((GEOMETRIC_TOP - 1.0) * stack)
    # A score is NaN where a used static indicator is; a left-out indicator has weight 0
    # and is not used (its table entries stay, so configurations share tables).
    used = np.ones((n_static, k), dtype=bool)
    for s in range(n_static):
        if s % n_drop:
            used[s, s % n_drop - 1] = False
    nan_cells = np.isnan(stack).any(axis=1)  # (S, k, C)
    for j in noisy:  # flagged cells are NaN only when excluded: judged per sample
        nan_cells[:, j, columns[names.index(prep.indicators[j])].rows] = False
    nan_static = (nan_cells & used[:, :, None]).any(axis=1)
    lin = np.nan_to_num(stack.transpose(0, 2, 1, 3), nan=0.0)  # (S, k, M, C)
    log = np.nan_to_num(log_stack.transpose(0, 2, 1, 3), nan=0.0)
    for j in noisy:  # per-cell methods: the unflagged cells; others: added per sample
        flagged_rows = columns[names.index(prep.indicators[j])].rows
        for m in range(m_count):
            if methods[j][min(m, len(methods[j]) - 1)] in _PER_CELL:
                lin[:, j, m, flagged_rows] = 0.0
                log[:, j, m, flagged_rows] = 0.0
            else:
                lin[:, j, m] = 0.0
                log[:, j, m] = 0.0
    lin = lin.reshape(n_static, k * m_count, c)
    log = log.reshape(n_static, k * m_count, c)
    noisy_ix = np.array(noisy, dtype=np.intp)
    noisy_filled = np.ascontiguousarray(filled[:, perm][:, :, noisy_ix].transpose(2, 0, 1))

    def treat(j: int, x: np.ndarray) -> np.ndarray:
        """Column j's outlier treatment (identity when untreated): min-max of a treated
        column is min-max of the treated values, whose order is the same (monotone)."""
        if not treated[j]:
            return x
        from burdenshare.scoring.outliers import apply

        keys = ("treat", "treat_a", "treat_b")
        return apply(x[..., None], *(np.asarray(params[key])[j : j + 1] for key in keys))[..., 0]

    unique: list[int] = []
    table_of = np.empty(n_static, dtype=np.intp)
    for s in range(n_static):
        for g, u in enumerate(unique):
            if np.array_equal(lin[s], lin[u]) and np.array_equal(log[s], log[u]):
                table_of[s] = g
                break
        else:
            table_of[s] = len(unique)
            unique.append(s)
    tables = np.concatenate([lin[unique], log[unique]])
    # Rows that are zero in every table (noisy indicators' per-sample methods) are left
    # out of the product: ``table_column`` maps a weight's column to its row, or to a
    # last column that is dropped.
    live = np.flatnonzero(tables.any(axis=(0, 2)))
    table_column = np.full(tables.shape[1], live.size, dtype=np.intp)
    table_column[live] = np.arange(live.size)
    tables = np.ascontiguousarray(tables[:, live])

    # Gates: those on noisy columns are re-evaluated per sample.
    noisy_gate_ids = {i for i, g in enumerate(policy.gates) if g.when.indicator in names}
    static_policy = policy.model_copy(
        update={"gates": [g for i, g in enumerate(policy.gates) if i not in noisy_gate_ids]}
    )
    _, inel, cap = gate_effects(panel.values, dataclasses.replace(prep, policy=static_policy), ctx)
    member_of = {g: ctx.membership[g].to_numpy(dtype=bool)[perm] for g in ctx.membership.columns}
    gate_inel = np.asarray(inel, dtype=bool)[perm]
    gate_cap = np.asarray(cap, dtype=np.int64)[perm]
    noisy_gates = []
    for i in sorted(noisy_gate_ids):
        gate = policy.gates[i]
        when = gate.when
        member = np.ones(c, dtype=bool)
        if when.member_of:
            member &= np.any([member_of[g] for g in when.member_of], axis=0)
        if when.not_member_of:
            member &= ~np.any([member_of[g] for g in when.not_member_of], axis=0)
        op, thr = ("below", when.below) if when.below is not None else ("at_least", when.at_least)
        col = columns[names.index(when.indicator)]
        # unflagged cells: the verdict at the published values, once and for all
        with np.errstate(invalid="ignore"):
            at = col.values < thr if op == "below" else col.values >= thr
        fixed = member & at
        fixed[col.rows] = False
        if gate.effect == "ineligible":
            gate_inel |= fixed
        else:
            gate_cap = np.maximum(gate_cap, np.where(fixed, gate.max_tier - 1, 0))
        noisy_gates.append(
            (
                member[col.rows],
                names.index(when.indicator),
                op,
                float(thr),
                gate.effect,
                gate.max_tier or 0,
            )
        )

    noisy_stats = []
    noisy_treated: list[_NoisyColumn | None] = []
    for i, j in enumerate(noisy):
        rows = columns[names.index(prep.indicators[j])].rows
        y = noisy_filled[i] if prep.higher[j] else -noisy_filled[i]
        noisy_stats.append(_NoisyColumn.build(y, rows))
        if treated[j]:  # min-max machinery on the treated values
            tf = treat(j, noisy_filled[i])
            noisy_treated.append(_NoisyColumn.build(tf if prep.higher[j] else -tf, rows))
        else:
            noisy_treated.append(None)

    n_est = int(est_any.sum())
    levels = policy.tiers.levels
    key = "min_score" if policy.tiers.method == "absolute" else "top_share"
    tier_params = np.array([getattr(lvl, key) for lvl in levels[:-1]], dtype=float)

    active = {
        "weights": np.count_nonzero(prep.weights) >= 2,
        "normalisation": m_count >= 2,
        "aggregation": len(aggregations) >= 2,
        "missing": len(rule_sets) >= 2 and bool(np.isnan(x_t).any()),
        "leave_one_out": n_drop >= 2,
        "estimates": bool(est_any.any()),
        "uncertain": bool(unc_any.any()),
    }
    groups = {name: STATE_KEYS[name] for name in ASSUMPTIONS if name in vary and active[name]}
    return RobustnessModel(
        countries=tuple(ctx.countries[i] for i in perm),
        indicators=prep.indicators,
        tier_names=(*(lvl.label for lvl in levels), NOT_RANKED),
        variation=variation,
        year=panel.year,
        policy_name=policy.name,
        weights=np.asarray(prep.weights, dtype=float),
        methods=tuple(methods),
        aggregations=aggregations,
        rule_sets=tuple(rule_sets),
        n_drop=n_drop,
        tables=tables,
        table_of=table_of,
        nan_static=nan_static,
        ok_static=~gate_inel & ~excluded[:, perm] & ~nan_static,
        excluded=excluded[:, perm],
        columns=tuple(columns),
        noisy=noisy_ix,
        noisy_column=np.array([names.index(prep.indicators[j]) for j in noisy], dtype=np.intp),
        noisy_filled=noisy_filled,
        noisy_stats=tuple(noisy_stats),
        noisy_treated=tuple(noisy_treated),
        noisy_excluded=tuple(
            np.ascontiguousarray(
                excluded[:, perm][:, columns[names.index(prep.indicators[j])].rows]
            )
            for j in noisy
        ),
        log1p=np.asarray(prep.log1p, dtype=bool),
        params={name: np.asarray(val, dtype=float) for name, val in params.items()},
        higher=np.asarray(prep.higher, dtype=bool),
        n_est=n_est,
        n_unc=int(unc_any.sum()),
        ineligible=gate_inel,
        cap=gate_cap,
        noisy_gates=tuple(noisy_gates),
        table_column=table_column,
        flag_keep=tuple(None for _ in columns),
        flag_cells=tuple(col.rows for col in columns),
        flag_values=np.concatenate([col.values[col.rows] for col in columns] or [np.zeros(0)]),
        flag_index=np.concatenate(
            [np.where(col.source == 1, 1 + n_est + col.slot, 1 + col.slot) for col in columns]
            or [np.zeros(0, dtype=np.intp)]
        ).astype(np.intp),
        tier_method=policy.tiers.method,
        tier_params=tier_params,
        floor=float(policy.geometric_floor),
        scale=float(SCALE),
        _groups=groups,
        outside=outside,
    )


__all__ = [
    "ASSUMPTIONS",
    "RobustnessModel",
    "Variation",
    "assign_tiers",
    "build_model",
    "parse_vary",
    "rank_order",
]
