"""A panel and a policy compiled into a batch model: many assumption sets scored at once.

:func:`build_model` takes the scoring engine's pure steps (:mod:`burdenshare.scoring`) and
precomputes everything that does not change between samples, so that one sample costs a
few array operations over the panel:

* for every *static configuration* (missing-data rule set x indicator left out) the
  missing-data rules are applied and every indicator is normalised by each alternative
  method, with the engine's own ``impute`` and ``normalise_matrix``; a sample's score is
  then one matrix product, weights x normalised values (:meth:`RobustnessModel.evaluate`);
* indicators with values flagged ``estimate`` or ``uncertain`` are the exception when data
  noise is on: their flagged cells are perturbed per sample and, for normalisations with
  statistics over the countries (min-max, percentile), the column is renormalised per
  sample from precomputed statistics of its unflagged cells (same numbers as the
  engine's functions, tested);
* gates, tiers and the ranking follow the engine's rules: tier first, then score compared
  at 1e-9, then the policy's tie-break keys, then ISO3 order (the last two from the
  nominal data); the nominal run reproduces the engine's ranks and tiers (tested).

Scores differ from the engine's in the last bits (a matrix product adds in another order),
never enough to move a rank compared at 1e-9 except on a knife edge. Each seeding block is
evaluated as one batch, so the numbers do not depend on the chunk size or the backend.

What is varied (each switchable; :class:`Variation` holds the defaults):

``weights``
    Dirichlet around the policy's effective weights (``concentration``; mean = the
    policy's weights) or each weight times U(1 - x, 1 + x), rescaled to sum 1.
``normalisation``
    per indicator, uniformly among its policy method and the alternatives (default
    min-max and percentile rank, both on [0, 1] like the policy's goalposts).
``aggregation``
    weighted arithmetic or geometric mean (OECD/JRC Handbook 2008, section 6).
``missing``
    the policy's per-indicator rules, or one rule (default ``group_mean``, ``worst``)
    for every indicator whose policy rule is not ``exclude`` (``exclude`` as an
    alternative applies to all indicators).
``leave_one_out``
    none, or one indicator dropped (weight 0, others rescaled), uniformly.
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

import numpy as np

from burdenshare.errors import UserError
from burdenshare.uncertainty.montecarlo import Evaluation
from burdenshare.uncertainty.sampling import (
    BLOCK_SIZE,
    States,
    choice_from_unit,
    dirichlet_weights,
    dirichlet_weights_from_unit,
    normal_from_unit,
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
#: Convenience names accepted by ``--vary``.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "all": ASSUMPTIONS,
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
#: Bits of the uint64 sort key: tier | score (rounded to 1e-9) | country position.
_IDX_BITS, _SCORE_BITS = 12, 46


def parse_vary(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Assumption names from ``--vary`` ("weights,normalisation", "all", "data", "none")."""
    if value is None:
        return ASSUMPTIONS
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

    vary: tuple[str, ...] = ASSUMPTIONS
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
        v = self.values[self.rows]
        if self.kind == "scale":
            return v * f
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
    ``g``; ``y[g]`` holds its oriented unflagged values (flagged cells NaN), ``lohi[g]``
    their minimum and maximum. A min-max row is ``(y - lo) / span`` with ``lo`` and ``hi``
    widened by the sample's flagged values: min and max are exact, so these are the
    engine's numbers.

    Percentile, ``(R - 1) / (m - 1)`` with ``R`` the average rank among the ``m`` values,
    without sorting per sample: the distinct unflagged values of all groups ``U``, each
    cell's position in ``U`` (``index``), twice its average rank among its group's unflagged
    values minus 2 (``avg2m2``, NaN where there is no value) and how many of them lie below
    each ``U[t]`` (``below``) are precomputed. A sample adds to an unflagged cell's ``2 R``
    the flagged values below it twice and those equal once -- cumulative histograms over
    ``U`` -- and ranks the few flagged values among themselves. Ranks are multiples of 1/2,
    exact in floating point, so the numbers equal scipy's ``rankdata`` path bit for bit."""

    group_of: np.ndarray  # (S,) configuration -> group
    y: np.ndarray  # (G, C) oriented unflagged values (NaN: flagged or no value)
    lohi: np.ndarray  # (G, 2) their min and max
    values: np.ndarray  # (u,) distinct unflagged values, all groups
    index: np.ndarray  # (G, C) position of each unflagged cell's value in ``values``
    avg2m2: np.ndarray  # (G, C) 2 * average rank among the unflagged - 2 (NaN: no value)
    below: np.ndarray  # (G, u + 1) unflagged values below values[t]; their count last
    count: np.ndarray  # (G,) unflagged values
    flagged: np.ndarray  # (F,)

    @classmethod
    def build(cls, y: np.ndarray, flagged: np.ndarray) -> _NoisyColumn:
        """From oriented values ``y`` (S, C) (higher is better) and the flagged cells."""
        from scipy.stats import rankdata

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
        values = np.unique(ys[finite])
        index = np.zeros(ys.shape, dtype=np.intp)
        avg2m2 = np.full(ys.shape, np.nan)
        below = np.zeros((len(keys), values.size + 1), dtype=np.int64)
        for g, row in enumerate(ys):
            ok = finite[g]
            index[g, ok] = np.searchsorted(values, row[ok])
            avg2m2[g, ok] = 2 * rankdata(row[ok], method="average") - 2
            srt = np.sort(row[ok])
            below[g, :-1] = np.searchsorted(srt, values, side="left")
            below[g, -1] = srt.size
        avg2m2[:, flagged] = 0.0
        with np.errstate(invalid="ignore"):
            lohi = np.stack([np.fmin.reduce(ys, axis=1), np.fmax.reduce(ys, axis=1)], axis=1)
        return cls(group_of, ys, lohi, values, index, avg2m2, below, finite.sum(axis=1), flagged)

    def normalise(self, method: str, yf: np.ndarray, config: np.ndarray) -> np.ndarray:
        """``method`` ("minmax" or "percentile") values (n, C) when the flagged cells hold
        the oriented values ``yf`` (n, F; NaN: no value), row ``b`` in configuration
        ``config[b]``."""
        group = self.group_of[config]
        if method == "minmax":
            return self._minmax(group, yf)
        return self._percentile(group, yf)

    def _minmax(self, group: np.ndarray, yf: np.ndarray) -> np.ndarray:
        """The engine's ``normalise.minmax``: ``(y - lo) / (hi - lo)``, 0.5 if constant."""
        with np.errstate(invalid="ignore"):
            lo = np.fmin(self.lohi[group, 0], np.fmin.reduce(yf, axis=1))[:, None]
            hi = np.fmax(self.lohi[group, 1], np.fmax.reduce(yf, axis=1))[:, None]
            span = hi - lo
            out = np.take(self.y, group, axis=0)
            out -= lo
            out /= span
            out[:, self.flagged] = (yf - lo) / span
        bad = ~(span[:, 0] > 0)
        if bad.any():  # constant (or empty) column: 0.5 wherever there is a value
            fill = np.where(np.isnan(self.y[group[bad]]), np.nan, 0.5)
            fill[:, self.flagged] = np.where(np.isnan(yf[bad]), np.nan, 0.5)
            out[bad] = fill
        return out

    def _percentile(self, group: np.ndarray, yf: np.ndarray) -> np.ndarray:
        n, f = yf.shape
        u = self.values
        nu = u.size
        # the flagged values in ascending order per row (NaN last): sorted queries make
        # searchsorted cheap, and ties among them are adjacent
        order = np.argsort(yf, axis=1)
        sv = np.take_along_axis(yf, order, axis=1)
        valid = ~np.isnan(sv)
        lo = np.searchsorted(u, sv, side="left") if nu else np.zeros(sv.shape, np.intp)
        hi = lo + (u[np.minimum(lo, nu - 1)] == sv) if nu else lo
        lo[~valid] = nu
        hi[~valid] = nu
        offsets = (np.arange(n) * (nu + 1))[:, None]
        size = n * (nu + 1)
        cum = np.bincount((lo + offsets).ravel(), minlength=size)
        cum += np.bincount((hi + offsets).ravel(), minlength=size)
        cum = cum.reshape(n, nu + 1)
        np.cumsum(cum, axis=1, out=cum)
        if (group == group[0]).all():
            twice = cum[:, self.index[group[0]]] + self.avg2m2[group[0]]
        else:
            flat = np.take(self.index, group, axis=0)
            flat += offsets
            twice = np.take(cum, flat) + np.take(self.avg2m2, group, axis=0)
        m = (self.count[group] + valid.sum(axis=1)).astype(float)[:, None]
        # (R - 1) / (m - 1) with 2R - 2 exact: one division by 2 (m - 1) rounds the same
        # exact quotient as the engine's two steps
        with np.errstate(invalid="ignore", divide="ignore"):
            out = twice
            out /= 2.0 * (m - 1.0)
            # flagged: rank among the flagged (average over ties), plus the unflagged below
            # them and half the unflagged equal to them
            rank = np.broadcast_to(np.arange(1.0, f + 1.0), (n, f))
            tie = sv[:, 1:] == sv[:, :-1]
            if tie.any():
                rank = _tied_ranks(tie)
            bl = self.below[group[:, None], lo]
            bh = self.below[group[:, None], hi]
            rf = rank + bl + 0.5 * (bh - bl)
            vals = np.where(valid, (rf - 1.0) / (m - 1.0), np.nan)
        flagged_out = np.empty((n, f))
        np.put_along_axis(flagged_out, order, vals, axis=1)
        out[:, self.flagged] = flagged_out
        few = m[:, 0] <= 1
        if few.any():  # at most one value: 0.5 wherever there is one
            fill = np.where(np.isnan(self.avg2m2[group[few]]), np.nan, 0.5)
            fill[:, self.flagged] = np.where(np.isnan(yf[few]), np.nan, 0.5)
            out[few] = fill
        return out


def _tied_ranks(tie: np.ndarray) -> np.ndarray:
    """1-based average ranks of sorted rows, given where each value equals the previous."""
    n, c = tie.shape[0], tie.shape[1] + 1
    pos = np.arange(c)
    new = np.ones((n, c), dtype=bool)
    new[:, 1:] = ~tie
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    last = np.ones((n, c), dtype=bool)
    last[:, :-1] = new[:, 1:]
    end = np.minimum.accumulate(np.where(last, pos, c - 1)[:, ::-1], axis=1)[:, ::-1]
    return (start + end) / 2 + 1


@dataclass(frozen=True, eq=False)
class RobustnessModel:
    """A policy and one panel year as arrays, ready for batches of assumption sets.

    Countries are held in tie-break order (the policy's tie-break keys, then ISO3), so a
    country's position doubles as its final tie-break key. A row's *static configuration*
    is ``rule_set * n_drop + dropped`` (``dropped`` 0: none, ``j + 1``: indicator ``j``).

    The part of the score that does not depend on data noise is one matrix product per
    group of rows sharing a configuration: ``A (rows, k*M) @ table (k*M, C)``, where row
    ``b`` of ``A`` holds weight ``w_bj`` in column ``j*M + method_bj`` and the table holds
    the normalised values (or their logs, for the geometric mean) of every method.
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
    tables: np.ndarray  # (2G, k*M, C): G distinct static tables, then their logs
    table_of: np.ndarray  # (S,) configuration -> table
    nan_static: np.ndarray  # (S, C) a static indicator is NaN: no score
    ok_static: np.ndarray  # (S, C) eligible as far as static data and gates tell
    excluded: np.ndarray  # (S, C) not scored for missing data
    columns: tuple[_Column, ...]  # columns with flagged values (noise)
    noisy: np.ndarray  # (kn,) policy indicators normalised per sample
    noisy_column: np.ndarray  # (kn,) their entry in ``columns``
    noisy_stack: np.ndarray  # (kn, S*M, C) their static normalised values
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
    tier_method: str
    tier_params: np.ndarray
    floor: float
    scale: float
    _groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    #: Rows evaluated at once: one seeding block, so that every batch holds the same
    #: samples whatever the chunk size (and the temporaries stay in cache).
    batch_rows = BLOCK_SIZE

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
            sizes = np.array([len(m) for m in self.methods])
            out["norm"] = (rng.random((n, self.k)) * sizes).astype(np.int8)
        if "aggregation" in g:
            out["agg"] = rng.integers(0, len(self.aggregations), size=n, dtype=np.int8)
        if "missing" in g:
            out["rule"] = rng.integers(0, len(self.rule_sets), size=n, dtype=np.int16)
        if "leave_one_out" in g:
            out["drop"] = rng.integers(0, self.n_drop, size=n, dtype=np.int16)
        if "estimates" in g:
            out["z_est"] = rng.standard_normal((n, self.n_est))
        if "uncertain" in g:
            out["z_unc"] = rng.standard_normal((n, self.n_unc))
        return out

    def unit_layout(self) -> list[tuple[str, int]]:
        """(assumption, dimensions) of the unit hypercube read by :meth:`states_from_unit`."""
        dims = {
            "weights": self.k,
            "normalisation": self.k,
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
                sizes = np.array([len(m) for m in self.methods])
                out["norm"] = np.minimum((part * sizes).astype(np.int64), sizes - 1).astype(np.int8)
            elif name == "aggregation":
                out["agg"] = choice_from_unit(part[:, 0], len(self.aggregations)).astype(np.int8)
            elif name == "missing":
                out["rule"] = choice_from_unit(part[:, 0], len(self.rule_sets)).astype(np.int16)
            elif name == "leave_one_out":
                out["drop"] = choice_from_unit(part[:, 0], self.n_drop).astype(np.int16)
            else:
                out["z_est" if name == "estimates" else "z_unc"] = normal_from_unit(part)
        return out

    def nominal(self) -> Evaluation:
        """The policy's own result, computed by this model (one sample, nothing varied)."""
        cached = self.__dict__.get("_nominal")
        if cached is None:
            cached = self.evaluate({}, n=1)
            object.__setattr__(self, "_nominal", cached)
        return cached

    def evaluate(self, states: Mapping[str, np.ndarray], n: int | None = None) -> Evaluation:
        """Score, tier and rank every country under each assumption set in ``states``.

        Missing keys take the policy's value. A row's numbers depend only on that row and
        on the batch it is evaluated in; the runners always evaluate whole seeding blocks,
        so results do not depend on the chunk size."""
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
        if out_rows.size:
            w[out_rows, drop[out_rows] - 1] = 0.0
            w[out_rows] /= w[out_rows].sum(axis=1, keepdims=True)
        config = rule * self.n_drop + drop
        geometric = np.array([a == "geometric" for a in self.aggregations])[agg]

        score = self._static_part(w, norm, config, geometric)
        self._add_noisy(score, states, config, norm, drop, w, geometric)
        geo_rows = np.flatnonzero(geometric)
        if geo_rows.size:
            score[geo_rows] = np.exp(score[geo_rows])
        score *= self.scale

        eligible = self.ok_static[config]
        if self.noisy.size:
            eligible &= ~np.isnan(score)
        ineligible, cap = self._gates(states, n)
        if ineligible is not None:
            eligible &= ~ineligible
        if self.nan_static.any():
            np.copyto(score, np.nan, where=self.nan_static[config])
        if self.tier_method == "absolute":
            thr = self.tier_params
        else:
            from burdenshare.scoring.aggregate import quantile_thresholds

            thr = quantile_thresholds(score, eligible, self.tier_params)
        not_ranked = len(self.tier_names) - 1
        tier = tier_index(score, thr, eligible, cap, not_ranked)
        order = rank_order(score, tier, eligible)
        return Evaluation(
            order=order,
            score=score,
            tier=tier,
            eligible=eligible,
            n_ranked=eligible.sum(axis=1),
        )

    # -- pieces ---------------------------------------------------------------------------

    def _static_part(
        self, w: np.ndarray, norm: np.ndarray, config: np.ndarray, geometric: np.ndarray
    ) -> np.ndarray:
        """Sum over the indicators without noise of ``w_bj N_bj`` (``w_bj ln N_bj`` for
        geometric rows): one matrix product per group of rows sharing a table."""
        n, k, m_count = w.shape[0], self.k, self.n_methods
        a = np.zeros((n, k * m_count))
        np.put_along_axis(a, np.arange(k) * m_count + norm, w, axis=1)
        g = self.table_of[config] + geometric * (self.tables.shape[0] // 2)
        c = len(self.countries)
        if (g == g[0]).all():
            return a @ self.tables[g[0]]
        order = np.argsort(g, kind="stable")
        gs = g[order]
        a = a[order]
        cuts = [0, *(np.flatnonzero(np.diff(gs)) + 1).tolist(), n]
        part = np.empty((n, c))
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            np.matmul(a[lo:hi], self.tables[gs[lo]], out=part[lo:hi])
        out = np.empty((n, c))
        out[order] = part
        return out

    def _add_noisy(
        self,
        score: np.ndarray,
        states: Mapping[str, np.ndarray],
        config: np.ndarray,
        norm: np.ndarray,
        drop: np.ndarray,
        w: np.ndarray,
        geometric: np.ndarray,
    ) -> None:
        """Add the contributions of the indicators with noisy values to ``score``.

        Per-cell methods (goalposts, distance to target): the unflagged cells are in the
        static tables, so only the flagged cells are normalised and added. Methods with
        statistics over the countries renormalise the perturbed column per sample with the
        engine's formulas (:class:`_NoisyColumn`; z-scores through ``normalise_matrix``)
        and add it whole (their static table entries are zero)."""
        from burdenshare.scoring.normalise import normalise_matrix

        if self.noisy.size == 0:
            return
        n = score.shape[0]
        factors = self._factors(states)
        for i, j in enumerate(self.noisy):
            j = int(j)
            col = self.columns[self.noisy_column[i]]
            xf = col.flagged_raw(factors, n)
            if self.log1p[j]:
                with np.errstate(invalid="ignore"):
                    xf = np.log1p(np.maximum(xf, 0.0))
            params = {key: val[j : j + 1] for key, val in self.params.items()}
            higher = self.higher[j : j + 1]
            use = drop != j + 1  # a left-out indicator contributes nothing
            choice = norm[:, j]
            # a flagged cell of a country excluded under the row's missing-data rule: NaN
            np.copyto(xf, np.nan, where=np.take(self.noisy_excluded[i], config, axis=0))
            for m, method in enumerate(self.methods[j]):
                rows = np.flatnonzero(use & (choice == m))
                if rows.size == 0:
                    continue
                flagged = xf[rows]
                if method in _PER_CELL:
                    vals = normalise_matrix(flagged[:, :, None], [method], params, higher)
                    vals = vals[:, :, 0]
                    target = (rows[:, None], col.rows[None, :])
                elif method in ("minmax", "percentile"):
                    yf = flagged if higher[0] else -flagged
                    vals = self.noisy_stats[i].normalise(method, yf, config[rows])
                    target = rows
                else:
                    x = np.take(self.noisy_filled[i], config[rows], axis=0)
                    x[:, col.rows] = flagged
                    vals = normalise_matrix(x[:, :, None], [method], params, higher)[:, :, 0]
                    target = rows
                geo = geometric[rows]
                if geo.any():
                    where = np.broadcast_to(geo[:, None], vals.shape)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        np.maximum(vals, self.floor, out=vals, where=where)
                        np.log(vals, out=vals, where=where)
                vals *= w[rows, j, None]
                score[target] += vals

    def _factors(self, states: Mapping[str, np.ndarray]):
        """Per-country noise factors ``exp(spread * z)`` (estimates, uncertain), or None."""
        out = []
        for key, spread in (
            ("z_est", self.variation.estimate_spread),
            ("z_unc", self.variation.uncertain_spread),
        ):
            z = states.get(key)
            out.append(None if z is None else np.exp(spread * np.asarray(z, dtype=float)))
        return tuple(out)

    def _gates(
        self, states: Mapping[str, np.ndarray], n: int
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Per-sample results of the gates on noisy columns: (ineligible or None, cap).

        Only flagged cells can change a gate's verdict; the unflagged cells' verdicts at
        the published values are already in :attr:`ineligible` and :attr:`cap`."""
        if not self.noisy_gates:
            return None, self.cap
        c = len(self.countries)
        ineligible = np.broadcast_to(self.ineligible, (n, c)).copy()
        cap = np.broadcast_to(self.cap, (n, c)).astype(np.int8)
        factors = self._factors(states)
        for member, col, op, threshold, effect, max_tier in self.noisy_gates:
            column = self.columns[col]
            v = column.flagged_raw(factors, n)
            with np.errstate(invalid="ignore"):
                cond = member & ((v < threshold) if op == "below" else (v >= threshold))
            rows = column.rows
            if effect == "ineligible":
                ineligible[:, rows] |= cond
            else:
                cap[:, rows] = np.maximum(cap[:, rows], np.where(cond, max_tier - 1, 0))
        return ineligible, cap


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
) -> np.ndarray:
    """Tier index per cell as int8: the number of thresholds above the score (absolute
    ``(T-1,)`` or per row ``(n, T-1)``), raised to the gates' ``cap``; ``not_ranked`` where
    not eligible. Same rule as the engine's ``assign_tiers``, without its (n, C, T)
    temporary."""
    thr = np.asarray(thresholds, dtype=float)
    idx = np.zeros(score.shape, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        for t in range(thr.shape[-1]):
            th = thr[..., t]
            idx += score < (th[..., None] if th.ndim else th)
    np.maximum(idx, np.asarray(cap, dtype=np.int8), out=idx)
    np.copyto(idx, np.int8(not_ranked), where=~eligible)
    return idx


#: Tier offsets of the sort key, by tier index (the last entry: not ranked).
_TIER_UNIT = 2.0 ** (_SCORE_BITS + _IDX_BITS)


def rank_order(score: np.ndarray, tier: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Countries in rank order per row (int64 positions into ``countries``).

    The engine's order (``aggregate.rank_order``): tier, then score rounded to 1e-9 (higher
    first), then the tie-break order, which is the country's position here; countries not
    ranked come last. One uint64 key per cell, ``tier | 2**45 - rint(score * 1e9) |
    position``, built in float64 (exact below 2**53) and sorted with NumPy's SIMD sort; a
    lexsort when the scores do not fit the key."""
    n, c = score.shape
    q = score * 1e9
    np.rint(q, out=q)
    np.copyto(q, 0.0, where=~eligible)
    if c >= 1 << _IDX_BITS or np.abs(q).max(initial=0) >= 2.0 ** (_SCORE_BITS - 1):
        pos = np.broadcast_to(np.arange(c), (n, c))
        return np.lexsort((pos, -q, tier), axis=-1)
    np.subtract(2.0 ** (_SCORE_BITS - 1), q, out=q)
    q *= 2.0**_IDX_BITS
    tiers = np.arange(int(tier.max(initial=0)) + 1) * _TIER_UNIT
    q += tiers[tier]
    key = q.astype(np.uint64)
    key |= np.arange(c, dtype=np.uint64)
    key.sort(axis=1)
    key &= np.uint64((1 << _IDX_BITS) - 1)
    return key.view(np.int64)


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
        tie_keys,
        transform,
    )
    from burdenshare.scoring.normalise import normalise_matrix

    variation = variation or Variation()
    policy = load_policy(policy)
    prep = prepare(policy)
    ctx = context(panel, prep)
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
        if "normalisation" in vary:
            alts += [m for m in variation.normalisations if m != own]
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
                stack[s, m] = normalise_matrix(x_f, meth, prep.params, prep.higher).T

    # Data noise: flagged values of the policy's panel columns and of gate columns.
    noise_on = {"estimates", "uncertain"} & vary
    tg = targets()
    pct_all = panel.values[ctx.rows, panel.indicators.index("milex_gdp_pct")]
    trend_all = np.asarray(panel.base.get("trend", np.full(len(panel.countries), np.nan)))
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
        log_stack = np.log(np.maximum(stack, policy.geometric_floor))
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
    tables = np.ascontiguousarray(np.concatenate([lin[unique], log[unique]]))

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

    noisy_ix = np.array(noisy, dtype=np.intp)
    noisy_filled = np.ascontiguousarray(filled[:, perm][:, :, noisy_ix].transpose(2, 0, 1))
    noisy_stats = []
    for i, j in enumerate(noisy):
        rows = columns[names.index(prep.indicators[j])].rows
        y = noisy_filled[i] if prep.higher[j] else -noisy_filled[i]
        noisy_stats.append(_NoisyColumn.build(y, rows))

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
        noisy_stack=np.ascontiguousarray(
            stack[:, :, noisy_ix, :]
            .transpose(2, 0, 1, 3)
            .reshape(len(noisy), n_static * m_count, c)
        ),
        noisy_filled=noisy_filled,
        noisy_stats=tuple(noisy_stats),
        noisy_excluded=tuple(
            np.ascontiguousarray(
                excluded[:, perm][:, columns[names.index(prep.indicators[j])].rows]
            )
            for j in noisy
        ),
        log1p=np.asarray(prep.log1p, dtype=bool),
        params={name: np.asarray(val, dtype=float) for name, val in prep.params.items()},
        higher=np.asarray(prep.higher, dtype=bool),
        n_est=int(est_any.sum()),
        n_unc=int(unc_any.sum()),
        ineligible=gate_inel,
        cap=gate_cap,
        noisy_gates=tuple(noisy_gates),
        tier_method=policy.tiers.method,
        tier_params=tier_params,
        floor=float(policy.geometric_floor),
        scale=float(SCALE),
        _groups=groups,
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
