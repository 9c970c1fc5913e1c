"""The chunked Monte Carlo and Saltelli runners, independent of what the model is.

A *batch model* (:class:`BatchModel`) draws ``n`` random states and evaluates a whole batch
of states at once as array operations over the panel, returning for every sample the order
of the countries (rank 1 first), their scores, tiers and eligibility (:class:`Evaluation`).

Monte Carlo never keeps the ranks of all samples: each chunk is reduced to integer count
tables (:class:`MCCounts`: rank histogram per country, tier counts, changes from the nominal
run), which add up exactly, so the totals are the same for any chunk size, any order of
completion and any backend. Memory stays bounded by the chunk size.

Saltelli's design keeps the outputs (ranks as int16, scores as float32, tiers as int8) of
its ``N * (G + 2)`` rows, since the Sobol' estimators need them row by row. Its base samples
``A`` and ``B`` are by default the two halves of one scrambled Sobol' low-discrepancy
sequence (``scipy.stats.qmc.Sobol``, dimension ``2D``, mapped to the assumptions'
distributions through the model's ``states_from_unit``), as Saltelli et al. (2010)
recommend: quasi-random points converge faster than pseudo-random ones; ``design="random"``
keeps the seeded pseudo-random streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from burdenshare.uncertainty.sampling import (
    BLOCK_SIZE,
    Chunk,
    States,
    Stream,
    draw_chunk,
    mix_states,
    plan_chunks,
    stream_rng,
)
from burdenshare.uncertainty.sobol import SobolIndices, analyze

#: Memory a chunk may use for its temporaries (bytes); chunks are sized to fit.
DEFAULT_CHUNK_MEMORY = 256 * 2**20
#: Upper bound on the samples in one chunk (beyond it, larger chunks stop paying off, and
#: smaller ones even out the work of the threads or workers at the end of a run).
MAX_CHUNK = 16 * BLOCK_SIZE


@dataclass(frozen=True)
class Evaluation:
    """Outcome of a batch of ``n`` samples over ``C`` countries.

    ``order[b, j]``: index of the country at rank ``j + 1`` in sample ``b`` (ties broken by
    the model, explicitly). ``score``: float32 scores (NaN where none). ``tier``: index into
    the model's ``tier_names`` (the last one: not ranked). ``eligible``: passes the
    policy's gates and has a score. ``n_ranked[b]``: countries ranked in sample ``b`` (the
    first ``n_ranked`` of ``order``; the others are not ranked).
    """

    order: np.ndarray
    score: np.ndarray
    tier: np.ndarray
    eligible: np.ndarray
    n_ranked: np.ndarray

    def positions(self) -> np.ndarray:
        """``(n, C)`` rank bin of the country at each position: its 0-based rank, or ``C``
        (not ranked) beyond ``n_ranked``."""
        return _position_table(self.order.shape[1])[self.n_ranked]

    def ranks(self) -> np.ndarray:
        """``ranks[b, c]``: 1-based rank of country ``c`` in sample ``b`` (int16); ``C + 1``
        when it is not ranked (after every ranked country)."""
        n, c = self.order.shape
        out = np.empty((n, c), dtype=np.int16)
        np.put_along_axis(
            out, self.order.astype(np.intp), (self.positions() + 1).astype(np.int16), axis=1
        )
        return out


class BatchModel(Protocol):
    """What the runners need from a model (see :mod:`burdenshare.uncertainty.model`).

    ``batch_rows`` must be a whole number of seeding blocks, and a row's numbers may depend
    only on its own block, so that results do not depend on how rows are batched. A model
    may also offer ``counting_view() -> (model, positions)``, a model over the countries
    that can be ranked at all, which Monte Carlo then evaluates instead
    (:func:`mc_chunk`), and ``add_counts(states, rank_counts, tier_counts)``, which adds a
    batch to the count tables directly (the same tables :func:`count` of ``evaluate``
    gives)."""

    countries: tuple[str, ...]
    tier_names: tuple[str, ...]

    @property
    def groups(self) -> Mapping[str, tuple[str, ...]]:
        """Assumption name -> the state keys it varies (only varied assumptions)."""

    def draw(self, rng: np.random.Generator, n: int) -> States: ...

    def evaluate(self, states: States) -> Evaluation: ...

    def nominal(self) -> Evaluation: ...

    def bytes_per_sample(self) -> int: ...

    def batch_bytes(self) -> int: ...

    batch_rows: int


def auto_chunk_size(model: BatchModel, memory: int = DEFAULT_CHUNK_MEMORY) -> int:
    """Samples per chunk so that a chunk fits in ``memory`` bytes: its draws
    (``bytes_per_sample`` each) plus the temporaries of one evaluation batch
    (``batch_bytes``); a whole number of blocks, at least one, at most :data:`MAX_CHUNK`."""
    per = max(1, int(model.bytes_per_sample()))
    room = max(memory - int(model.batch_bytes()), per)
    blocks = max(1, min(MAX_CHUNK, room // per) // BLOCK_SIZE)
    return blocks * BLOCK_SIZE


# --- Monte Carlo ----------------------------------------------------------------------


@dataclass
class MCCounts:
    """Additive count tables from ``n`` Monte Carlo samples.

    ``rank_counts[c, r]``: samples where country ``c`` had rank ``r + 1``; the last column
    (``r = C``) counts the samples where it was not ranked.
    ``tier_counts[c, t]``: samples where it was in tier ``t``.
    ``eligible``: samples where it passed the gates; ``eligibility_changed`` /
    ``tier_changed``: samples where eligibility / tier differ from the nominal run.
    """

    n: int
    rank_counts: np.ndarray
    tier_counts: np.ndarray
    eligible: np.ndarray
    eligibility_changed: np.ndarray
    tier_changed: np.ndarray

    @classmethod
    def zeros(cls, n_countries: int, n_tiers: int) -> MCCounts:
        z = np.zeros(n_countries, dtype=np.int64)
        return cls(
            n=0,
            rank_counts=np.zeros((n_countries, n_countries + 1), dtype=np.int64),
            tier_counts=np.zeros((n_countries, n_tiers), dtype=np.int64),
            eligible=z.copy(),
            eligibility_changed=z.copy(),
            tier_changed=z.copy(),
        )

    def __add__(self, other: MCCounts) -> MCCounts:
        return MCCounts(
            n=self.n + other.n,
            rank_counts=self.rank_counts + other.rank_counts,
            tier_counts=self.tier_counts + other.tier_counts,
            eligible=self.eligible + other.eligible,
            eligibility_changed=self.eligibility_changed + other.eligibility_changed,
            tier_changed=self.tier_changed + other.tier_changed,
        )


def count(evaluation: Evaluation, nominal: Evaluation, n_tiers: int) -> MCCounts:
    """Reduce a batch to count tables in one compiled pass
    (:func:`burdenshare.uncertainty.kernels.count_rows`: ranks in columns ``0..C-1``,
    column ``C`` meaning not ranked; tiers ``0..T-1``)."""
    from burdenshare.uncertainty.kernels import count_rows

    order = np.ascontiguousarray(evaluation.order, dtype=np.int64)
    n, c = order.shape
    rank_counts = np.zeros((c, c + 1), dtype=np.int64)
    tier_counts = np.zeros((c, n_tiers), dtype=np.int64)
    count_rows(
        order,
        np.asarray(evaluation.n_ranked, dtype=np.int64),
        np.ascontiguousarray(evaluation.tier, dtype=np.int8),
        rank_counts,
        tier_counts,
    )
    return from_tables(n, rank_counts, tier_counts, nominal)


def from_tables(
    n: int, rank_counts: np.ndarray, tier_counts: np.ndarray, nominal: Evaluation
) -> MCCounts:
    """:class:`MCCounts` of ``n`` samples from their rank and tier count tables.

    A country is ranked exactly when it is eligible (the model puts the others last, in
    the last tier, "not ranked"), so eligibility and the changes from the nominal run
    are read off the two tables rather than counted again."""
    c = rank_counts.shape[0]
    eligible = n - rank_counts[:, c]
    nominal_eligible = nominal.eligible[0]
    nominal_tier = nominal.tier[0].astype(np.intp)
    return MCCounts(
        n=n,
        rank_counts=rank_counts,
        tier_counts=tier_counts,
        eligible=eligible,
        eligibility_changed=np.where(nominal_eligible, n - eligible, eligible),
        tier_changed=n - tier_counts[np.arange(c), nominal_tier],
    )


_POSITIONS: dict[int, np.ndarray] = {}


def _position_table(c: int) -> np.ndarray:
    """``table[m]``: the rank bin of each position when ``m`` countries are ranked
    (0..m-1, then ``c`` for not ranked)."""
    table = _POSITIONS.get(c)
    if table is None:
        pos = np.arange(c, dtype=np.intp)
        table = np.where(pos[None, :] < np.arange(c + 1)[:, None], pos[None, :], c)
        _POSITIONS[c] = table
    return table


def batches(states: States, size: int):
    """Slices of ``states`` of at most ``size`` rows (views, in order)."""
    n = len(next(iter(states.values()))) if states else 0
    for start in range(0, n, size):
        yield {key: val[start : start + size] for key, val in states.items()}


def mc_chunk(model: BatchModel, seed: int, chunk: Chunk) -> MCCounts:
    """Draw and evaluate one chunk of Monte Carlo samples; return its count tables.

    The chunk is evaluated :attr:`batch_rows` samples at a time, so its temporaries stay
    small whatever the chunk size. A model with a ``counting_view`` (the countries that
    can be ranked at all) is evaluated on that view; every other country is "not ranked"
    in every sample, as in the nominal run, and its rows of the tables say so."""
    states = draw_chunk(model.draw, seed, Stream.MONTE_CARLO, chunk)
    n_tiers = len(model.tier_names)
    view, keep = model.counting_view() if hasattr(model, "counting_view") else (model, None)
    nominal = view.nominal()
    if not states:  # nothing varies: every sample is the nominal run
        one = count(view.evaluate({}, n=1), nominal, n_tiers)
        total = MCCounts(
            n=chunk.size,
            rank_counts=one.rank_counts * chunk.size,
            tier_counts=one.tier_counts * chunk.size,
            eligible=one.eligible * chunk.size,
            eligibility_changed=one.eligibility_changed * chunk.size,
            tier_changed=one.tier_changed * chunk.size,
        )
    elif hasattr(view, "add_counts"):  # counted as the batches are ranked
        c = len(view.countries)
        rank_counts = np.zeros((c, c + 1), dtype=np.int64)
        tier_counts = np.zeros((c, n_tiers), dtype=np.int64)
        for part in batches(states, model.batch_rows):
            view.add_counts(part, rank_counts, tier_counts)
        total = from_tables(chunk.size, rank_counts, tier_counts, nominal)
    else:
        total = MCCounts.zeros(len(view.countries), n_tiers)
        for part in batches(states, model.batch_rows):
            total = total + count(view.evaluate(part), nominal, n_tiers)
    return total if keep is None else _expand(total, keep, len(model.countries), n_tiers)


def _expand(counts: MCCounts, keep: np.ndarray, c: int, n_tiers: int) -> MCCounts:
    """Count tables of a counting view (countries at positions ``keep``) for all ``c``
    countries: the others never ranked, always in the last tier, never eligible, as in
    the nominal run (no change)."""
    n, k = counts.n, keep.size
    full = MCCounts.zeros(c, n_tiers)
    full.n = n
    full.rank_counts[:, c] = n
    full.rank_counts[keep, :k] = counts.rank_counts[:, :k]
    full.rank_counts[keep, c] = counts.rank_counts[:, k]
    full.tier_counts[:, n_tiers - 1] = n
    full.tier_counts[keep] = counts.tier_counts
    full.eligible[keep] = counts.eligible
    full.eligibility_changed[keep] = counts.eligibility_changed
    full.tier_changed[keep] = counts.tier_changed
    return full


Progress = Callable[[int], None]


def run_montecarlo(
    model: BatchModel,
    n_samples: int,
    seed: int,
    *,
    backend: Backend | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> MCCounts:
    """``n_samples`` Monte Carlo samples of ``model`` -> summed count tables.

    Identical for the same ``seed`` whatever ``chunk_size`` and ``backend`` (block seeding,
    integer tables). ``progress(k)`` is called with the samples of each finished chunk.
    """
    from burdenshare.uncertainty.backends import NumpyBackend

    backend = backend or NumpyBackend()
    size = chunk_size or _spread(auto_chunk_size(model), n_samples, backend)
    chunks = plan_chunks(n_samples, size)
    total = MCCounts.zeros(len(model.countries), len(model.tier_names))
    for result in backend.map(mc_chunk, model, [(seed, ch) for ch in chunks], progress, chunks):
        total = total + result
    return total


# --- Saltelli design ------------------------------------------------------------------


@dataclass(frozen=True)
class SaltelliOutputs:
    """Outputs of the design in the layout :func:`sobol.analyze` wants:
    ``ranks`` int16, ``scores`` float32 and ``tiers`` int8 of shape ``(G + 2, N, C)``, rows
    ``A, AB_1 .. AB_G, B`` in the order of ``names``; ``design`` says how ``A`` and ``B``
    were sampled."""

    names: tuple[str, ...]
    ranks: np.ndarray
    scores: np.ndarray
    tiers: np.ndarray | None = None
    design: str = "random"


def sobol_chunk(
    model: BatchModel,
    seed: int,
    chunk: Chunk,
    names: Sequence[str],
    unit_a: np.ndarray | None = None,
    unit_b: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate the rows ``A, AB_1..AB_G, B`` of the base samples in ``chunk``.

    ``A`` and ``B`` come from the points ``unit_a``, ``unit_b`` of the unit hypercube (the
    chunk's rows of the quasi-random design) or, without them, from two independent
    pseudo-random streams; ``AB_i`` takes the state keys of assumption ``i`` from ``B``
    (grouped factors: Jansen 1999, Saltelli 2002)."""
    if unit_a is not None and unit_b is not None:
        a = model.states_from_unit(unit_a)
        b = model.states_from_unit(unit_b)
    else:
        a = draw_chunk(model.draw, seed, Stream.SOBOL_A, chunk)
        b = draw_chunk(model.draw, seed, Stream.SOBOL_B, chunk)
    groups = model.groups
    designs = [a, *[mix_states(a, b, groups[name]) for name in names], b]
    c = len(model.countries)
    ranks = np.empty((len(designs), chunk.size, c), dtype=np.int16)
    scores = np.empty((len(designs), chunk.size, c), dtype=np.float32)
    tiers = np.empty((len(designs), chunk.size, c), dtype=np.int8)
    step = model.batch_rows
    for d, states in enumerate(designs):
        for i, part in enumerate(batches(states, step)):
            ev = model.evaluate(part)
            ranks[d, i * step : i * step + len(ev.order)] = ev.ranks()
            scores[d, i * step : i * step + len(ev.order)] = ev.score
            tiers[d, i * step : i * step + len(ev.order)] = ev.tier
    return ranks, scores, tiers


def qmc_design(model: BatchModel, n_base: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The base samples ``A`` and ``B`` as points of the unit hypercube: the first
    ``n_base`` points of a scrambled Sobol' sequence of dimension ``2D`` (``D`` the model's
    ``unit_layout`` dimensions), ``A`` the first ``D`` coordinates and ``B`` the others
    (Saltelli et al. 2010, section 3). A power of two keeps the sequence balanced."""
    import warnings

    from scipy.stats import qmc

    d = sum(dim for _, dim in model.unit_layout())
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(Stream.SOBOL_A, 1 << 20)))
    )
    engine = qmc.Sobol(d=2 * d, scramble=True, seed=rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # not a power of two: still fine
        u = engine.random(n_base)
    return np.ascontiguousarray(u[:, :d]), np.ascontiguousarray(u[:, d:])


@dataclass(frozen=True)
class SobolResult:
    """Sobol' indices of the assumptions on the ranks and on the scores, and on the two
    declared targets (``targets``), with their convergence (``convergence``)."""

    rank: SobolIndices
    score: SobolIndices
    n_base: int
    targets: dict[str, SobolIndices] = field(default_factory=dict)
    convergence: dict[str, Any] = field(default_factory=dict)
    design: str = "random"

    @property
    def n_evaluations(self) -> int:
        return self.n_base * (len(self.rank.names) + 2)

    @property
    def extra(self) -> dict[str, Any]:
        """The declared targets, their convergence and the design, for the JSON output."""
        if not self.targets:
            return {}
        return {
            "sobol_design": (
                "Saltelli design, A and B from one scrambled Sobol' sequence "
                "(scipy.stats.qmc.Sobol)"
                if self.design == "qmc"
                else "Saltelli design, A and B pseudo-random (seeded streams)"
            ),
            "sobol_targets": {
                name: {"definition": TARGETS[name], "indices": idx.to_dict()}
                for name, idx in self.targets.items()
            },
            "sobol_convergence": self.convergence,
        }


def run_saltelli(
    model: BatchModel,
    n_base: int,
    seed: int,
    *,
    backend: Backend | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    design: str = "qmc",
) -> SaltelliOutputs:
    """Evaluate Saltelli's design with ``n_base`` base samples (``N * (G + 2)`` runs);
    ``design`` ``qmc`` (scrambled Sobol' sequence, default) or ``random``."""
    if design not in ("qmc", "random"):
        raise ValueError(f"unknown design {design!r}; use qmc or random")
    from burdenshare.uncertainty.backends import NumpyBackend

    names = tuple(model.groups)
    if not names:
        raise ValueError("no assumption is varied: nothing to attribute variance to")
    backend = backend or NumpyBackend()
    rows = len(names) + 2
    size = chunk_size or auto_chunk_size(model)
    size = max(1, size // rows)
    if not chunk_size:
        size = _spread(size, n_base, backend)
    chunks = plan_chunks(n_base, size)
    c = len(model.countries)
    ranks = np.empty((rows, n_base, c), dtype=np.int16)
    scores = np.empty((rows, n_base, c), dtype=np.float32)
    tiers = np.empty((rows, n_base, c), dtype=np.int8)
    if design == "qmc":
        ua, ub = qmc_design(model, n_base, seed)
        args = [(seed, ch, names, ua[ch.start : ch.stop], ub[ch.start : ch.stop]) for ch in chunks]
    else:
        args = [(seed, ch, names) for ch in chunks]
    for ch, (r, s, t) in zip(
        chunks, backend.map(sobol_chunk, model, args, _scaled(progress, rows), chunks), strict=True
    ):
        ranks[:, ch.start : ch.stop] = r
        scores[:, ch.start : ch.stop] = s
        tiers[:, ch.start : ch.stop] = t
    return SaltelliOutputs(names=names, ranks=ranks, scores=scores, tiers=tiers, design=design)


def _spread(size: int, n: int, backend: Backend) -> int:
    """A default chunk size cut down so that every worker of ``backend`` gets about two
    chunks (whole blocks; the numbers do not depend on it)."""
    workers = int(getattr(backend, "workers", 1))
    n_blocks = -(-n // BLOCK_SIZE)
    per_chunk = max(1, -(-n_blocks // (2 * workers)))
    return min(size, per_chunk * BLOCK_SIZE)


def _scaled(progress: Progress | None, factor: int) -> Progress | None:
    if progress is None:
        return None
    return lambda k: progress(k * factor)


#: The declared outputs the Sobol' indices are computed on (issue 12: "a declared target").
TARGETS: dict[str, str] = {
    "mean_abs_rank_shift": (
        "mean over the countries ranked in the nominal run of |rank in the sample - nominal "
        "rank|, ranks taken within that fixed set (a country of the set not ranked in the "
        "sample counts as the set size + 1)"
    ),
    "tier1_membership": (
        "for every country, 1 if it is in tier 1 in the sample, else 0; indices combined "
        "over countries weighted by variance (Gamboa et al. 2013)"
    ),
}
#: Convergence: the total-effect indices at N/2 and N base samples differ by less than this.
CONVERGENCE_TOLERANCE = 0.05


def fixed_set_ranks(ranks: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Ranks 1..m within the countries ``fixed`` (positions), per row of ``ranks`` (..., C)
    with "not ranked" coded above every rank; ``m + 1`` where a country is not ranked."""
    r = np.asarray(ranks)[..., fixed].astype(np.int64)
    c = np.asarray(ranks).shape[-1]
    order = np.argsort(r, axis=-1, kind="stable")
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.broadcast_to(np.arange(r.shape[-1]), r.shape), axis=-1)
    return np.where(r > c, fixed.size + 1, pos + 1)


def target_outputs(outputs: SaltelliOutputs, nominal_ranks: np.ndarray) -> dict[str, np.ndarray]:
    """The declared targets (:data:`TARGETS`) on every design row: shape (G + 2, N) for the
    mean absolute rank shift, (G + 2, N, C) for tier-1 membership."""
    c = outputs.ranks.shape[-1]
    fixed = np.flatnonzero(np.asarray(nominal_ranks) <= c)
    out: dict[str, np.ndarray] = {}
    if fixed.size:
        base = fixed_set_ranks(np.asarray(nominal_ranks)[None], fixed)[0]
        within = fixed_set_ranks(outputs.ranks, fixed)
        out["mean_abs_rank_shift"] = np.abs(within - base).mean(axis=-1).astype(np.float64)
    if outputs.tiers is not None:
        out["tier1_membership"] = (outputs.tiers == 0).astype(np.float64)
    return out


def convergence(
    y: np.ndarray, names: Sequence[str], seed: int, *, n_resamples: int = 200
) -> dict[str, Any]:
    """Total-effect indices of target ``y`` (G + 2, N[, M]) at N/4, N/2 and N base samples
    (prefixes of the design: balanced for a Sobol' sequence of 2^k points), each with its
    bootstrap interval, and whether the N/2 and N estimates agree within
    :data:`CONVERGENCE_TOLERANCE`."""
    n = y.shape[1]
    sizes = [m for m in (n // 4, n // 2, n) if m >= 2]
    steps = []
    st_at: dict[int, np.ndarray] = {}
    for m in dict.fromkeys(sizes):
        rng = stream_rng(seed, Stream.BOOTSTRAP)
        part = y[:, :m]
        idx = analyze(part[0], part[-1], part[1:-1], names=names, rng=rng, n_resamples=n_resamples)
        st_at[m] = idx.ST
        steps.append(
            {
                "n_base": m,
                "ST": {nm: _num(idx.ST[g]) for g, nm in enumerate(names)},
                "ST_ci": {
                    nm: [_num(idx.ST_ci[g, 0]), _num(idx.ST_ci[g, 1])] for g, nm in enumerate(names)
                },
            }
        )
    half = st_at.get(n // 2)
    diff = None if half is None else float(np.nanmax(np.abs(st_at[n] - half)))
    return {
        "steps": steps,
        "max_abs_change_ST_half_to_full": None if diff is None or np.isnan(diff) else diff,
        "tolerance": CONVERGENCE_TOLERANCE,
        "converged": bool(diff is not None and diff < CONVERGENCE_TOLERANCE),
    }


def _num(x: float) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, 6)


def analyze_outputs(
    outputs: SaltelliOutputs,
    seed: int,
    *,
    n_resamples: int = 200,
    conf_level: float = 0.95,
    nominal_ranks: np.ndarray | None = None,
) -> SobolResult:
    """Sobol' indices on ranks and on scores (bootstrap from the seed's own stream).

    Ranks: "not ranked" counts as rank ``C + 1``. Scores: countries without a score in
    some design row (no data under some missing-data rule) are left out of the score
    indices, whose variance would otherwise be dominated by "has a score or not"."""
    rng = stream_rng(seed, Stream.BOOTSTRAP)
    r = outputs.ranks.astype(np.float64)
    s = outputs.scores.astype(np.float64)
    keep = ~np.isnan(s).any(axis=(0, 1))
    s = s[:, :, keep]
    kw = dict(names=outputs.names, rng=rng, n_resamples=n_resamples, conf_level=conf_level)
    rank = analyze(r[0], r[-1], r[1:-1], **kw)
    score = analyze(s[0], s[-1], s[1:-1], **kw)
    targets: dict[str, SobolIndices] = {}
    conv: dict[str, Any] = {}
    if nominal_ranks is not None:
        for name, y in target_outputs(outputs, nominal_ranks).items():
            kw["rng"] = stream_rng(seed, Stream.BOOTSTRAP)
            targets[name] = analyze(y[0], y[-1], y[1:-1], **kw)
            conv[name] = convergence(y, outputs.names, seed, n_resamples=n_resamples)
    return SobolResult(
        rank=rank,
        score=score,
        n_base=outputs.ranks.shape[1],
        targets=targets,
        convergence=conv,
        design=outputs.design,
    )


class Backend(Protocol):
    """Where chunks run (see :mod:`burdenshare.uncertainty.backends`): ``map`` calls
    ``fn(model, *args)`` for every args tuple, reports each finished chunk's size to
    ``progress`` and yields the results in input order."""

    name: str

    @property
    def workers(self) -> int:
        """Chunks that run at once (the default chunk plan gives each about two)."""

    def map(
        self,
        fn: Callable[..., Any],
        model: BatchModel,
        args_list: Sequence[tuple[Any, ...]],
        progress: Progress | None,
        chunks: Sequence[Chunk],
    ) -> Iterator[Any]: ...


__all__ = [
    "Evaluation",
    "BatchModel",
    "MCCounts",
    "SaltelliOutputs",
    "SobolResult",
    "auto_chunk_size",
    "count",
    "mc_chunk",
    "sobol_chunk",
    "run_montecarlo",
    "run_saltelli",
    "analyze_outputs",
]
