"""Partner scoring: panel + policy -> scores, ranks, tiers, contributions, counterfactuals.

High level::

    from burdenshare.panel import build_panel
    from burdenshare.scoring import score, explain, what_it_would_take
    result = score(build_panel(facts, year=2024), "eo14383")
    result.table            # iso3 -> name, theater, score, rank, tier, eligible, status, ...
    result.contributions    # iso3 x indicator, adds up to score (arithmetic)

Building blocks for batch work (Monte Carlo, sensitivity), all pure numpy functions that
accept leading batch axes; ``n`` countries, ``k`` indicators, ``B`` variants:

- ``normalise_matrix(X, methods, params, higher)``: X (..., n, k) -> N (..., n, k), along
  the countries axis, NaN-aware; methods per column: minmax, zscore, percentile/rank,
  goalposts (params lower/upper), distance_to_target (params target/scale).
- ``aggregate(N, w, method, floor=)``: N (..., n, k), w (k,) or (B, k) -> scores (..., n)
  or (B, n); method arithmetic, geometric or topsis. ``contributions(N, w, method)``.
- ``quantile_thresholds(scores, eligible, top_shares)`` and
  ``assign_tiers(scores, thresholds, eligible, cap)``: tier index (0 = tier 1, -1 none).
- ``rank_order(scores, tiers, tie_keys, code_order)``: ranks 1..m, NaN when unranked.
- ``prepare(policy) -> PreparedPolicy`` (methods, params, higher, effective weights as
  arrays), ``context(panel, prepared)``, ``gate_effects(P, prepared, ctx)`` -> (applies,
  ineligible mask, tier cap), and ``evaluate(P, prepared, ctx)``: the whole pipeline on panel
  values P (..., n_panel, k_panel), e.g. ``panel.spending_matrix(rows, new_pct)``.
- ``effective_weights(policy)``: pillar weight x indicator weight within pillar, (k,).

Score scale: 100 x the aggregate of normalised values (0-100 for bounded normalisations).
"""

from __future__ import annotations

from burdenshare.scoring.aggregate import (
    AGGREGATIONS,
    aggregate,
    assign_tiers,
    contributions,
    quantile_thresholds,
    rank_order,
    topsis,
)
from burdenshare.scoring.engine import (
    PreparedPolicy,
    ScoreResult,
    context,
    effective_weights,
    evaluate,
    gate_effects,
    prepare,
    score,
)
from burdenshare.scoring.explain import Explanation, explain
from burdenshare.scoring.normalise import METHODS, normalise_matrix
from burdenshare.scoring.whatif import what_it_would_take, whatif

__all__ = [
    "AGGREGATIONS",
    "METHODS",
    "Explanation",
    "PreparedPolicy",
    "ScoreResult",
    "aggregate",
    "assign_tiers",
    "context",
    "contributions",
    "effective_weights",
    "evaluate",
    "explain",
    "gate_effects",
    "normalise_matrix",
    "prepare",
    "quantile_thresholds",
    "rank_order",
    "score",
    "topsis",
    "what_it_would_take",
    "whatif",
]
