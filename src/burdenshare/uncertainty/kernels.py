"""Compiled per-sample kernels of the batch model (numba), for the steps that NumPy can only
do in many passes over temporaries.

A batch of samples goes through: :func:`gather_columns` (the flagged cells' perturbed
values, a contiguous array per noisy column), :func:`weighted_rows` (each row's weights
times its configuration's table of normalised values: the indicators without noise),
:func:`noisy_rows` (per indicator with noisy values, each row's drawn method on the
perturbed column), :func:`finish_scores` (scale, geometric mean back from its logs),
:func:`score_keys` and NumPy's sort, then :func:`tiers_and_order` (re-anchored cut-offs,
tiers and the rank order, or straight into the Monte Carlo count tables).

Written for the compiler's vectoriser: numba here has no vector math library, so logs and
exps come from :func:`fast_log` and :func:`fast_exp` (polynomials on the float's bits,
within 2 and 1 ulp of the C library's); the error model is NumPy's (no zero-division check
per division); a loop that a branch, an early return or a nested loop would keep scalar is
split (each such change is timed in ``benchmarks/bench_robustness.py``).

Reference counts: a compiled function that hands arrays to another compiled function (one
the compiler keeps as a call) takes a reference to each of its own array arguments at
entry and gives it back at exit, an atomic increment and decrement apiece, on counters that
both threads share for the model's arrays. So the functions called once per row are leaves
(they pass no array on), and the row loops live in the functions called once per batch:
:func:`noisy_rows` calls a pass per method (:func:`_goalposts_rows`, :func:`_minmax_rows`,
:func:`_percentile_rows`), each with its row loop inside; :func:`tiers_and_order` calls
leaves per row. (Per-row calls of non-leaves cost about 6% of a batch, and more when both
threads share the counters.)

A Monte Carlo sample with data noise renormalises every column whose flagged cells moved
(min-max and percentile ranks have statistics over all countries). In NumPy that is a dozen
vectorised passes per column over ``(rows, countries)`` temporaries (sorts, searches,
cumulative histograms, gathers); compiled, it is one pass per row over the ~40 flagged
values and the ~100 distinct unflagged values, with nothing allocated per row. The kernels
release the GIL, so the threaded NumPy backend runs them on every core.

The normalised values are the engine's (``burdenshare.scoring.normalise``): the same
formulas in the same order of operations, tested bit for bit against the engine's functions
(``tests/uncertainty/test_model.py``, ``test_fast_paths.py``). Percentile ranks are exact
integers (twice the average rank minus 2) until the last division, as in the engine's
``rankdata`` path. Logs (the geometric mean's, the outlier treatment's) come from
:func:`fast_log` (within 2 ulp of the C library's) rather than NumPy's vectorised ones, and
sums add in their own order: scores may differ from the engine's in the last bits (tested
to 1e-9; ranks compare scores at 1e-9).

Modes of the row value (``mode``): 0 the normalised value ``N``; 1 the arithmetic mean's
contribution ``weight * N``; 2 the geometric mean's ``weight * ln(1 + 99 N)`` (COINr's
[1, 100] range, :data:`burdenshare.scoring.aggregate.GEOMETRIC_TOP`). Mode 0 writes the row;
modes 1 and 2 add it to the score.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from burdenshare.scoring.aggregate import GEOMETRIC_TOP

#: ``ln(1 + (TOP - 1) N)``: the geometric mean's log on [1, TOP].
_TOP_LESS_ONE = GEOMETRIC_TOP - 1.0
NORMALISED, ARITHMETIC, GEOMETRIC = 0, 1, 2

# error_model "numpy": a float division by zero gives inf/NaN as in NumPy instead of a
# Python exception, whose check in every division keeps the compiler from vectorising the
# loops (min-max tables ran 1.3-1.7x slower with it)
_JIT = {"nogil": True, "cache": True, "boundscheck": False, "error_model": "numpy"}


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE 754 bits of a float64 as an int64 (a bit cast, no conversion)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, bits):
    """The float64 whose IEEE 754 bits are the int64 ``bits`` (a bit cast)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that e * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SQRT2 = math.sqrt(2.0)
_MANTISSA = (1 << 52) - 1
_ONE_BITS = 1023 << 52


#: ``(atanh(s) / s - 1) / s^2`` in powers of ``z = s^2``, highest first: 1/21 ... 1/3.
_ATANH_SERIES = tuple(1.0 / k for k in range(21, 1, -2))
#: ``e^r`` in powers of ``r``, highest first: 1/13! ... 1/1!, 1.
_EXP_SERIES = tuple(1.0 / math.factorial(k) for k in range(13, -1, -1))


@njit(**_JIT)
def _horner(coefficients, x):
    """The polynomial with ``coefficients`` (highest power first) at ``x``, by Horner's
    rule (a fixed tuple: the compiler unrolls the loop)."""
    p = 0.0
    for c in coefficients:
        p = p * x + c
    return p


@njit(**_JIT)
def fast_log(x: float) -> float:
    """``ln x`` for a positive, normal, finite ``x`` (NaN returns NaN; zero, negative,
    subnormal and infinite arguments are not handled), within 2 ulp of the C library's
    ``log`` (tested), in a form the compiler vectorises: the C library's scalar ``log``
    is a call per value, three times slower in the kernels' loops (numba here has no
    vector math library).

    ``x = 2^e m`` with ``m`` in [sqrt(1/2), sqrt(2)) (bit operations), then ``ln m = 2
    atanh(s)``, ``s = (m - 1) / (m + 1)``, ``|s| < 0.172``, by its series to ``s^21``
    (the next term is below 1e-18), and ``e ln 2`` in two parts."""
    bits = _float_bits(x)
    e = np.float64(((bits >> 52) & 0x7FF) - 1023)
    m = _bits_float((bits & _MANTISSA) | _ONE_BITS)
    if m > _SQRT2:
        m *= 0.5
        e += 1.0
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = _horner(_ATANH_SERIES, z)
    r = e * _LN2_HI + (e * _LN2_LO + (2.0 * s * z * p + 2.0 * s))
    return r if x == x else x


_INV_LN2 = 1.0 / math.log(2.0)


@njit(**_JIT)
def fast_exp(x: float) -> float:
    """``e^x`` for ``|x| < 708`` (NaN returns NaN), within 1 ulp of the C library's
    ``exp`` (tested), in a form the compiler vectorises (see :func:`fast_log`).

    ``x = k ln 2 + r`` with ``k`` the nearest integer to ``x / ln 2`` (``|r| <= ln 2 /
    2``, ``ln 2`` in two parts), ``e^r`` by its Taylor series to ``r^13`` (the next term
    is below 2e-17), times ``2^k`` built from its bits."""
    ok = x == x
    k = np.rint(x * _INV_LN2) if ok else 0.0
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _horner(_EXP_SERIES, r)
    return p * _bits_float((np.int64(k) + 1023) << 52) if ok else x


@njit(**_JIT)
def finish_scores(score, geometric, scale):
    """Scores on the policy's scale, in place: ``scale`` times the weighted sum, or for
    ``geometric`` rows times the geometric mean back on [0, 1], ``(e^S - 1) / 99`` (``S``
    the weighted sum of logs; ``e^S - 1`` rather than ``expm1``: the sum is in [0, ln
    100], where they differ by an ulp of 100, ~1e-14). NaN stays NaN."""
    n, c = score.shape
    for b in range(n):
        if geometric[b]:
            for i in range(c):
                score[b, i] = (fast_exp(score[b, i]) - 1.0) / _TOP_LESS_ONE * scale
        else:
            for i in range(c):
                score[b, i] *= scale


@njit(**_JIT)
def _geo_log(n: float) -> float:
    """``ln(1 + 99 n)``, the geometric mean's log on [1, 100] (``n`` in [0, 1]), by
    :func:`fast_log`: it and ``log1p`` differ by a few ulp of the sum, ~1e-15 (scores are
    compared at 1e-9)."""
    return fast_log(1.0 + n * _TOP_LESS_ONE)


@njit(**_JIT)
def _contribution(n: float, weight: float, mode: int) -> float:
    """A normalised value ``n`` as the row's mode wants it (see the module docstring)."""
    if mode == ARITHMETIC:
        return n * weight
    if mode == GEOMETRIC:
        return _geo_log(n) * weight
    return n


@njit(**_JIT)
def _put_row(score, row, table, index, g, mode):
    """``score[row] = table[index[g]]`` (mode 0) or ``+=`` (modes 1, 2): the row of
    distinct values gathered into the countries."""
    c = index.shape[1]
    if mode == NORMALISED:
        for i in range(c):
            score[row, i] = table[index[g, i]]
    else:
        for i in range(c):
            score[row, i] = table[index[g, i]] + score[row, i]


@njit(**_JIT)
def _fill_half(table, flagged, nu, half):
    """A row of ``E`` for a column with at most one distinct value: ``half`` (0.5 as the
    mode wants it) wherever there is a value, NaN elsewhere (the engine's rule for a
    constant column, in min-max and percentile alike)."""
    for t in range(nu):
        table[t] = half
    for a in range(flagged.size):
        table[nu + 1 + a] = half if flagged[a] == flagged[a] else np.nan


@njit(**_JIT)
def _oriented_row(xf, r, higher, treat, a, b, y):
    """Row ``r`` of the flagged values as min-max and percentile ranks see them
    (:func:`_oriented`) into ``y``."""
    for k in range(y.size):
        y[k] = _oriented(xf[r, k], higher, treat, a, b)


@njit(**_JIT)
def _minmax_rows(score, rows, xf, mode, weight, config, column, group_of, values, lohi, index):
    """Min-max of the column into ``score[r]`` for each row ``r`` of ``rows``: ``(y - lo) /
    (hi - lo)`` with ``lo``/``hi`` the row's group's unflagged extremes widened by its
    flagged values ``y`` (treated and oriented, :func:`_oriented`; NaN: no value), 0.5
    wherever there is a value if the column is constant (the engine's ``normalise.minmax``).

    The geometric mean's logs of the unflagged values are kept per group while ``lo`` and
    ``hi`` stay the same (they usually do: the extremes are seldom flagged values), so a
    row computes only its flagged cells' logs."""
    higher, treat, treat_a, treat_b = column
    nu = values.size
    f = xf.shape[1]
    y = np.empty(f)
    table = np.empty(nu + 1 + f)  # the row E (NaN in its no-value slot)
    table[nu] = np.nan
    n_groups = lohi.shape[0]
    logs = np.empty((n_groups, nu))
    logs_lohi = np.full((n_groups, 2), np.nan)  # the extremes the logs are for (none yet)
    for r in rows:
        _oriented_row(xf, r, higher, treat, treat_a, treat_b, y)
        g = group_of[config[r]]
        w = weight[r]
        m = mode[r]
        lo, hi = lohi[g, 0], lohi[g, 1]
        for a in range(f):  # fmin / fmax: NaN on one side gives the other
            v = y[a]
            if v == v:
                if not (lo <= v):
                    lo = v
                if not (hi >= v):
                    hi = v
        span = hi - lo
        if span > 0 and m == GEOMETRIC:
            if not (logs_lohi[g, 0] == lo and logs_lohi[g, 1] == hi):
                for t in range(nu):
                    logs[g, t] = _geo_log((values[t] - lo) / span)
                logs_lohi[g, 0] = lo
                logs_lohi[g, 1] = hi
            for t in range(nu):
                table[t] = logs[g, t] * w
        elif span > 0:
            for t in range(nu):
                table[t] = _contribution((values[t] - lo) / span, w, m)
        else:  # constant (or empty) column
            _fill_half(table, y, nu, _contribution(0.5, w, m))
            _put_row(score, r, table, index, g, m)
            continue
        for a in range(f):
            v = y[a]
            table[nu + 1 + a] = _contribution((v - lo) / span, w, m) if v == v else np.nan
        _put_row(score, r, table, index, g, m)


@njit(**_JIT)
def _percentile_rows(
    score, rows, xf, mode, weight, config, higher, group_of, values, twice, below, count,
    index, guide, guide_at,
):  # fmt: skip
    """Percentile ranks ``(R - 1) / (m - 1)`` (``R`` the average rank among the row's ``m``
    values; 0.5 if ``m <= 1``) of the column into ``score[r]`` for each row ``r`` of
    ``rows``, without sorting: a value ``U[t]`` among its group's unflagged values has
    twice its rank minus 2 in ``twice[g, t]``, to which the row's flagged values ``y``
    (oriented, untreated) below it add 2 and those equal add 1 (a prefix sum over a
    histogram of their places among ``U``); a flagged value ``v`` has ``2 lt + eq - 1``
    among the flagged (``lt`` below it, ``eq`` equal, itself included) plus ``below`` of
    its place among ``U`` and of the place after the equal one. The counts among the
    flagged are a branch-free loop the compiler vectorises (with ~40 flagged values that
    beats sorting, whose branches the noise makes unpredictable); a place among ``U``
    starts from the bin of ``guide`` the value falls in (the count of ``U`` below the bin's
    start, ``guide_at``: the range's start and bins per unit) and steps to the exact place,
    a step or two where a count over ``U`` took ~100 comparisons."""
    nu = values.size
    f = xf.shape[1]
    y = np.empty(f)
    table = np.empty(nu + 1 + f)  # the row E (NaN in its no-value slot)
    table[nu] = np.nan
    hist = np.zeros(nu + 1, dtype=np.int64)  # the flagged values' places among U
    logs = np.empty(2 * (count.max() + f) + 1)  # ln(1 + 99 x / top), x = 0 .. top
    logs_top = -1  # the top they are for (none yet)
    for r in rows:
        _oriented_row(xf, r, higher, 0, 0.0, 0.0, y)
        g = group_of[config[r]]
        w = weight[r]
        md = mode[r]
        nv = 0
        for a in range(f):
            nv += y[a] == y[a]
        m = count[g] + nv
        top = 2 * (m - 1)
        if m <= 1:  # at most one value: 0.5 wherever there is one
            _fill_half(table, y, nu, _contribution(0.5, w, md))
            _put_row(score, r, table, index, g, md)
            continue
        if md == GEOMETRIC and top != logs_top:
            for x in range(top + 1):
                logs[x] = math.log1p((x / float(top)) * _TOP_LESS_ONE)
            logs_top = top
        denominator = 2.0 * (m - 1.0)
        coef = w / denominator
        for t in range(nu + 1):
            hist[t] = 0
        for a in range(f):
            v = y[a]
            if v != v:
                table[nu + 1 + a] = np.nan
                continue
            twice_lt_eq = 0  # 2 lt + eq as lt + le: one sum, which vectorises better
            for b in range(f):
                x = y[b]
                twice_lt_eq += (x < v) + (x <= v)
            # lo: the values below v, from the guide's bin (a first guess) corrected by steps
            at = (v - guide_at[0]) * guide_at[1]
            lo = guide[int(min(at, guide.size - 1.0)) if at > 0.0 else 0]
            while lo > 0 and values[lo - 1] >= v:
                lo -= 1
            while lo < nu and values[lo] < v:
                lo += 1
            hi = lo + 1 if (lo < nu and values[lo] == v) else lo
            hist[lo] += 1
            hist[hi] += 1
            x = twice_lt_eq - 1 + below[g, lo] + below[g, hi]
            table[nu + 1 + a] = _rank_value(x, denominator, coef, logs, w, md)
        run = 0
        for t in range(nu):
            run += hist[t]
            table[t] = _rank_value(twice[g, t] + run, denominator, coef, logs, w, md)
        _put_row(score, r, table, index, g, md)


@njit(**_JIT)
def _rank_value(twice_rank, denominator, coef, logs, weight, mode):
    """A percentile rank from ``x = 2 R - 2`` as the mode wants it, with the operations of
    the NumPy path: ``x / (2 (m - 1))`` normalised, ``x * (w / (2 (m - 1)))`` arithmetic,
    ``ln(1 + 99 x / (2 (m - 1))) * w`` geometric (from the row's table of logs)."""
    if mode == ARITHMETIC:
        return twice_rank * coef
    if mode == GEOMETRIC:
        return logs[twice_rank] * weight
    return twice_rank / denominator


@njit(**_JIT)
def count_rows(order, n_ranked, tier, rank_counts, tier_counts):
    """Add a batch to the Monte Carlo count tables in one pass: ``rank_counts[c, p]`` for
    the country ``c`` at position ``p < n_ranked`` of a row's ``order``, ``rank_counts[c,
    C]`` for the others (not ranked), ``tier_counts[c, tier]`` for every country."""
    n, c = order.shape
    for b in range(n):
        m = n_ranked[b]
        for p in range(m):
            rank_counts[order[b, p], p] += 1
        for p in range(m, c):
            rank_counts[order[b, p], c] += 1
        for i in range(c):
            tier_counts[i, tier[b, i]] += 1


#: Count tables to pass to :func:`tiers_and_order` when it is not counting.
NO_COUNTS = np.zeros((0, 0), dtype=np.int64)

#: The rank sort key (int32): not eligible (bit :data:`KEY_NOT_ELIGIBLE`) | the score
#: rounded to 1e-9, coarsened to :data:`KEY_SCORE_BITS` | the country's position
#: (:data:`KEY_IDX_BITS`: the kernels take at most 256 countries). NumPy's SIMD sort of
#: int32 keys takes less than half the time of int64 keys, which would hold the whole
#: rounded score; the few runs whose rounded scores share a coarse key are put in exact
#: order after the sort (:func:`_exact_runs`).
KEY_IDX_BITS, KEY_SCORE_BITS = 8, 22
KEY_NOT_ELIGIBLE = np.int32(1 << (KEY_SCORE_BITS + KEY_IDX_BITS))
_KEY_MASK = (1 << KEY_IDX_BITS) - 1
#: The most countries the keys hold (positions 0 .. 255).
KEY_COUNTRIES = 1 << KEY_IDX_BITS
#: A rounded score ``rint(score * 1e9)`` must stay below this (exact int64 arithmetic).
_ROUNDED_LIMIT = 2**45


@njit(**_JIT)
def _rounded(x: float) -> float:
    """The score as the engine compares it: ``rint(-x * 1e9)`` (ascending: higher first)."""
    return np.rint(x * -1e9)


@njit(**_JIT)
def score_keys(score, eligible, key, scale):
    """Per cell, the int32 sort key ``u >> shift << 8 | position`` for the eligible (``u =
    rint(-score * 1e9) + rint(scale * 1e9)``, clipped to ``[0, 2**(22 + shift))``, the
    ``shift`` that puts ``[0, scale]`` in 22 bits), ``1 << 30 | position`` for the others:
    sorting a row's keys puts its eligible countries in the engine's order (score compared
    at 1e-9, higher first, then position) up to runs of equal coarse scores, which
    :func:`_exact_runs` orders, and the others last, by position. The coarse part is a
    non-decreasing function of the rounded score (a shift and a clip), so that order is
    exact between runs. Returns False if an eligible score is NaN or its rounded value
    does not fit an exact int64 sum (the caller takes the NumPy path)."""
    n, c = score.shape
    span = np.int64(np.rint(scale * 1e9))
    shift = 0
    while (span >> shift) >= (1 << KEY_SCORE_BITS):
        shift += 1
    top = (np.int64(1) << (KEY_SCORE_BITS + shift)) - 1
    for b in range(n):
        bad = False  # checked after the row: a return inside the loop kept it scalar
        for i in range(c):
            q = _rounded(score[b, i])
            fits = -_ROUNDED_LIMIT < q < _ROUNDED_LIMIT
            e = eligible[b, i]
            bad |= e and not fits
            u = min(max((np.int64(q) if fits else np.int64(0)) + span, 0), top)
            coarse = np.int32(u >> shift) << KEY_IDX_BITS
            key[b, i] = (coarse | np.int32(i)) if e else (KEY_NOT_ELIGIBLE | np.int32(i))
        if bad:
            return False
    return True


@njit(**_JIT)
def _exact_runs(kb, m, score, b):
    """Put the sorted keys' runs of equal coarse scores among the first ``m`` (eligible)
    in the exact order: rounded score (:func:`_rounded`, of ``score[b]``), then position.
    A vectorised look for equal neighbours first: most rows have no such run."""
    ties = 0
    for j in range(m - 1):
        ties += (kb[j] >> KEY_IDX_BITS) == (kb[j + 1] >> KEY_IDX_BITS)
    if ties == 0:
        return
    lo = 0
    while lo < m - 1:
        hi = lo
        while hi + 1 < m and (kb[hi + 1] >> KEY_IDX_BITS) == (kb[lo] >> KEY_IDX_BITS):
            hi += 1
        for k in range(lo + 1, hi + 1):  # insertion sort on (rounded score, position)
            v = kb[k]
            q = _rounded(score[b, v & _KEY_MASK])
            t = k
            while t > lo:
                w = kb[t - 1]
                qw = _rounded(score[b, w & _KEY_MASK])
                if qw < q or (qw == q and (w & _KEY_MASK) < (v & _KEY_MASK)):
                    break
                kb[t] = w
                t -= 1
            kb[t] = v
        lo = hi + 1


@njit(**_JIT)
def _quantile(score, b, kb, m, top, level, run):
    """The linear quantile at ``level`` (NumPy's default method) of row ``b``'s ``m``
    eligible scores (``top = m - 1``), from the two order statistics around it.

    The ``p``-th smallest exact score comes from the sorted keys ``kb`` (descending
    rounded score): where scores closer than 1e-9 share a rounded key, the run of equal
    keys is sorted on the exact scores (in ``run``)."""
    virtual = level * float(top)
    prev = np.floor(virtual)
    gamma = virtual - prev
    below = min(max(int(prev), 0), top)
    a = z = 0.0  # the order statistics below and above the level
    for e in range(2):
        p = below if e == 0 else min(below + 1, top)
        d = m - 1 - p
        rk = kb[d] >> KEY_IDX_BITS
        lo = d
        while lo > 0 and (kb[lo - 1] >> KEY_IDX_BITS) == rk:
            lo -= 1
        hi = d
        while hi + 1 < m and (kb[hi + 1] >> KEY_IDX_BITS) == rk:
            hi += 1
        if lo == hi:
            x = score[b, kb[d] & _KEY_MASK]
        else:
            for j in range(hi - lo + 1):  # insertion sort of the run's exact scores
                v = score[b, kb[lo + j] & _KEY_MASK]
                t = j
                while t > 0 and run[t - 1] > v:
                    run[t] = run[t - 1]
                    t -= 1
                run[t] = v
            x = run[p - (m - 1 - hi)]
        if e == 0:
            a = x
        else:
            z = x
    diff = z - a
    return z - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


@njit(**_JIT)
def _row_tiers(score, b, cap, cap_cells, cap_extra, thr, kb, m, not_ranked, row_tier):
    """Row ``b``'s tier per country into ``row_tier``: the cut-offs above the score raised to
    the static cap, in country order (a pass per cut-off over the contiguous scores: each
    vectorises, where a loop over the cut-offs inside the loop over the countries did not),
    then to the row's caps of the countries ``cap_cells``, then ``not_ranked`` for the
    countries after the ``m`` eligible in the sorted keys ``kb``."""
    c = score.shape[1]
    for i in range(c):
        row_tier[i] = 0
    for k in range(thr.size):
        cut = thr[k]
        for i in range(c):
            row_tier[i] += score[b, i] < cut
    for i in range(c):
        row_tier[i] = max(row_tier[i], np.int64(cap[i]))
    for q in range(cap_cells.size):
        i = cap_cells[q]
        row_tier[i] = max(row_tier[i], np.int64(cap_extra[b, q]))
    for j in range(m, c):
        row_tier[kb[j] & _KEY_MASK] = not_ranked


@njit(**_JIT)
def _count_row(kb, m, row_tier, rank_counts, batch_tiers):
    """Add one row to the count tables, for policies with at most 3 ranked tiers (tiers
    0-2, 3 not ranked): ``batch_tiers[t, i]`` for country ``i``'s tier, ``rank_counts[i,
    p]`` for its place ``p`` in the order (a stable counting sort of the score order
    ``kb`` by tier), ``rank_counts[i, C]`` for the not ranked.

    Each tier's next place is kept in a register and picked by a branch-free select: the
    general pass's counter array puts a store and a load in a chain at every country,
    which made the tier pass about 30% slower."""
    c = row_tier.size
    in_0 = 0
    in_1 = 0
    for i in range(c):  # by (tier, country): vectorises, where a scatter per country does not
        t = row_tier[i]
        in_0 += t == 0
        in_1 += t == 1
        batch_tiers[0, i] += t == 0
        batch_tiers[1, i] += t == 1
        batch_tiers[2, i] += t == 2
        batch_tiers[3, i] += t == 3
    next_0 = 0
    next_1 = in_0
    next_2 = in_0 + in_1
    for j in range(m):
        i = kb[j] & _KEY_MASK
        t = row_tier[i]
        p = next_0 if t == 0 else (next_1 if t == 1 else next_2)
        next_0 += t == 0
        next_1 += t == 1
        next_2 += t == 2
        rank_counts[i, p] += 1
    for j in range(m, c):
        rank_counts[kb[j] & _KEY_MASK, c] += 1


@njit(**_JIT)
def tiers_and_order(
    score,
    keys,
    absolute,
    quantile_row,
    levels,
    infinite,
    cap,
    cap_cells,
    cap_extra,
    not_ranked,
    tier,
    order,
    counting,
    rank_counts,
    tier_counts,
):
    """Tiers and rank order of every row from its sorted :func:`score_keys`, in one pass.

    Cut-offs: ``absolute`` (``T-1``) for rows on the policy's scale; for rows with
    ``quantile_row`` the linear quantiles of the row's eligible scores at ``levels``
    (NumPy's ``quantile`` formulas, on the exact scores: the same numbers as
    :func:`burdenshare.scoring.aggregate._row_quantiles`), +inf where ``infinite`` or
    the row has no eligible score. Tier: the cut-offs above the score, raised to ``cap``
    (``(C,)``, the gates on published values) and in row ``b`` to ``cap_extra[b, q]`` for
    country ``cap_cells[q]`` (gates on noisy values; caps stay below ``not_ranked``, as a
    policy's max_tier is at most its number of tiers), ``not_ranked`` where not eligible.
    Order: a stable counting sort of the score order by tier, which is the engine's order
    (tier, score, position).

    ``counting`` True: instead of writing ``tier`` and ``order``, add the batch to the Monte
    Carlo count tables as :func:`count_rows` would (``rank_counts[c, p]`` for the country at
    position ``p`` of the order, column ``C`` for the not ranked; ``tier_counts[c, t]``),
    saving the write and the second pass over both (otherwise the tables are not used and
    may be empty: :data:`NO_COUNTS`)."""
    n, c = score.shape
    thr = np.empty(absolute.size)
    run = np.empty(c)
    row_tier = np.empty(c, dtype=np.int64)  # by country
    # (tier, country) counts of this call (the fast count path), added to tier_counts last
    registers = counting and not_ranked <= 3
    batch_tiers = np.zeros((4 if registers else 0, c), dtype=np.int64)
    count = np.zeros(not_ranked + 1, dtype=np.int64)
    start = np.zeros(not_ranked + 1, dtype=np.int64)
    # a row's keys copied into kb: a view keys[b] (and score[b], cap_extra[b]) would take
    # a reference per row (an atomic increment and decrement)
    kb = np.empty(c, dtype=keys.dtype)
    for b in range(n):
        for j in range(c):
            kb[j] = keys[b, j]
        m = np.searchsorted(kb, KEY_NOT_ELIGIBLE)  # eligible: the keys before the flag
        _exact_runs(kb, m, score, b)
        top = m - 1 if m > 1 else 0
        for k in range(thr.size):  # the cut-offs (a leaf call: see the module docstring)
            if not quantile_row[b]:
                thr[k] = absolute[k]
            elif m == 0 or infinite[k]:
                thr[k] = np.inf
            else:
                thr[k] = _quantile(score, b, kb, m, top, levels[k], run)
        _row_tiers(score, b, cap, cap_cells, cap_extra, thr, kb, m, not_ranked, row_tier)
        if registers:
            _count_row(kb, m, row_tier, rank_counts, batch_tiers)
            continue
        # the general pass: any number of tiers, counting or writing the tiers and order.
        # A stable counting sort of the sorted keys by tier: within a tier the score order;
        # the not eligible (tier not_ranked, keys last, by position) keep their places j >= m
        count[:] = 0
        for i in range(c):
            count[row_tier[i]] += 1
        acc = 0
        for t in range(not_ranked + 1):
            start[t] = acc
            acc += count[t]
        for j in range(c):
            i = kb[j] & _KEY_MASK
            t = row_tier[i]
            p = start[t]
            start[t] += 1
            if counting:
                rank_counts[i, p if j < m else c] += 1
                tier_counts[i, t] += 1
            else:
                tier[b, i] = t
                order[b, p] = i
    if registers:
        for i in range(c):
            for t in range(not_ranked + 1):
                tier_counts[i, t] += batch_tiers[t, i]


@njit(**_JIT)
def _goalpost(x, lower, span, higher):
    """The engine's goalposts: ``clip((x - lower) / span, 0, 1)``, ``1 -`` that before the
    clip when lower values are better (NaN stays NaN)."""
    v = (x - lower) / span
    if not higher:
        v = 1.0 - v
    return 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)


@njit(**_JIT)
def _goalposts_rows(score, rows, x, mode, weight, keep, cells, lower, upper, higher):
    """Goalposts (:func:`_goalpost`) of a noisy indicator's flagged cells ``x[r]`` added to
    ``score[r]`` as row ``r``'s mode wants them, for each row ``r`` of ``rows``. ``keep``:
    the flagged cells this model holds, ``cells`` their countries (the unflagged cells are
    in the static tables).

    Geometric rows go through ``part``: gathered, then logged in a loop that vectorises,
    then added to the countries (with the gather or the scatter in it, the loop stays
    scalar, where :func:`fast_log` is slower than the C library's)."""
    span = upper - lower
    nk = keep.size
    part = np.empty(nk)
    for r in rows:
        w = weight[r]
        md = mode[r]
        if md != GEOMETRIC:
            for a in range(nk):
                v = _goalpost(x[r, keep[a]], lower, span, higher)
                score[r, cells[a]] = _contribution(v, w, md) + score[r, cells[a]]
            continue
        for a in range(nk):
            part[a] = x[r, keep[a]]
        for a in range(nk):
            part[a] = _geo_log(_goalpost(part[a], lower, span, higher)) * w
        for a in range(nk):
            score[r, cells[a]] = part[a] + score[r, cells[a]]


@njit(**_JIT)
def _oriented(x, higher, treat, a, b):
    """A value as min-max and percentile ranks see it: the outlier treatment ``treat``
    (:mod:`burdenshare.scoring.outliers`: 1 winsorise to [a, b], 2 ``log(max(x, a) - a +
    b)``, 0 none; NaN stays NaN), then negated when lower values are better."""
    if x == x:
        if treat == 1:
            x = min(max(x, a), b)
        elif treat == 2:
            x = fast_log(max(x, a) - a + b)  # >= b > 0
    return x if higher else -x


#: Method codes of :func:`noisy_rows` (an indicator's alternatives, in order; -1: another
#: method, which the caller computes).
GOALPOSTS_CODE, MINMAX_CODE, PERCENTILE_CODE = 0, 1, 2


@njit(**_JIT)
def noisy_rows(score, xf, choice, mode, weight, config, codes, column, goalposts, minmax, pct):
    """Add one noisy indicator's contributions to every row of ``score``, each row by the
    method it drew: ``choice[r]`` indexes ``codes`` (-1: the indicator is left out), and
    ``mode[r]`` says arithmetic or geometric. ``xf`` (n, F): the flagged cells' values
    (transformed; NaN where the row's missing-data rule excludes the country).

    Goalposts add only the flagged cells (the others are in the static tables); min-max and
    percentile ranks renormalise the whole column (:func:`_minmax_rows` on the treated
    values, :func:`_percentile_rows` on the untreated, as the engine does). ``column``:
    ``(higher, treat, treat_a, treat_b)``; ``goalposts``: ``(keep, cells, lower, upper)``;
    ``minmax`` and ``pct``: each method's :class:`~burdenshare.uncertainty.model._NoisyColumn`
    arrays ``(group_of, values, lohi, index)`` and ``(group_of, values, twice, below,
    count, index, guide, guide_at)``."""
    keep, cells, lower, upper = goalposts
    mm_group_of, mm_values, mm_lohi, mm_index = minmax
    pc_group_of, pc_values, pc_twice, pc_below, pc_count, pc_index, pc_guide, pc_at = pct
    # the rows of each method, then a call per method: the row loop inside it (a call per
    # row took a reference to each array argument at entry and gave it back at exit, an
    # atomic increment and decrement apiece, on counters the threads share for the model's)
    n = choice.size
    rows = np.empty(n, dtype=np.int64)
    bounds = np.zeros(4, dtype=np.int64)  # rows of code k: rows[bounds[k] : bounds[k + 1]]
    k = 0
    for code in range(3):  # the codes are 0, 1, 2
        for r in range(n):
            m = choice[r]
            if m >= 0 and codes[m] == code:
                rows[k] = r
                k += 1
        bounds[code + 1] = k
    gp = rows[bounds[GOALPOSTS_CODE] : bounds[GOALPOSTS_CODE + 1]]
    _goalposts_rows(score, gp, xf, mode, weight, keep, cells, lower, upper, column[0])
    mm = rows[bounds[MINMAX_CODE] : bounds[MINMAX_CODE + 1]]
    _minmax_rows(
        score, mm, xf, mode, weight, config, column,
        mm_group_of, mm_values, mm_lohi, mm_index,
    )  # fmt: skip
    pc = rows[bounds[PERCENTILE_CODE] : bounds[PERCENTILE_CODE + 1]]
    _percentile_rows(
        score, pc, xf, mode, weight, config, column[0], pc_group_of,
        pc_values, pc_twice, pc_below, pc_count, pc_index, pc_guide, pc_at,
    )  # fmt: skip


@njit(**_JIT)
def gather_columns(factors, index, values, scaled, out):
    """``out[k][b, a] = factors[b, index[s + a]]`` for the ``k``-th noisy column, whose
    flagged cells are ``s .. s + F_k`` of ``index`` (the columns one after another), times
    ``values[s + a]`` (the published value) when ``scaled``: each column's perturbed cells
    in a contiguous array of its own, in one pass (NumPy took a gather, a product and a
    copy per column)."""
    n = factors.shape[0]
    start = 0
    for k in range(len(out)):
        part = out[k]
        f = part.shape[1]
        for b in range(n):
            for a in range(f):
                x = factors[b, index[start + a]]
                part[b, a] = x * values[start + a] if scaled else x
        start += f


@njit(**_JIT)
def weighted_rows(w, norm, column, n_methods, table, tables, out):
    """``out[b] = a_b @ tables[table[b]]``, each row on its own: ``a_b`` holds row ``b``'s
    weight of indicator ``j`` at the table row ``column[j * n_methods + norm[b, j]]`` of
    its drawn method (``L``, past the ``L`` table rows, for a method without one: ignored);
    the weighted sum goes over the table rows with a non-zero weight, in table order. A
    sample weighs about 7 of the ~22 rows (one method per indicator), which a matrix
    product of the batch would all multiply; and a row's numbers depend on nothing but
    the row, whatever batch it comes in.

    The terms are added four table rows per pass over the countries (``((out + t0) + t1)
    + ...``: the same additions in the same order as one row per pass, so the same bits,
    with a quarter of the loads and stores of ``out``)."""
    n, n_ind = w.shape
    live = tables.shape[1]
    c = out.shape[1]
    rows = np.empty(live, dtype=np.int64)
    a_b = np.empty(live + 1)
    for b in range(n):
        for t in range(live + 1):
            a_b[t] = 0.0
        for j in range(n_ind):
            a_b[column[j * n_methods + norm[b, j]]] = w[b, j]
        t_b = tables[table[b]]
        k = 0
        for t in range(live):
            if a_b[t] != 0.0:
                rows[k] = t
                k += 1
        out_b = out[b]
        for i in range(c):
            out_b[i] = 0.0
        q = 0
        while q + 4 <= k:
            r0, r1, r2, r3 = t_b[rows[q]], t_b[rows[q + 1]], t_b[rows[q + 2]], t_b[rows[q + 3]]
            w0, w1, w2, w3 = a_b[rows[q]], a_b[rows[q + 1]], a_b[rows[q + 2]], a_b[rows[q + 3]]
            for i in range(c):
                out_b[i] = out_b[i] + w0 * r0[i] + w1 * r1[i] + w2 * r2[i] + w3 * r3[i]
            q += 4
        while q < k:
            r0 = t_b[rows[q]]
            w0 = a_b[rows[q]]
            for i in range(c):
                out_b[i] += w0 * r0[i]
            q += 1
