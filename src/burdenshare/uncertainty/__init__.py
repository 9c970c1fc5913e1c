"""Robustness: how certain is each priority?

Monte Carlo over the assumptions a policy makes (weights, normalisation, aggregation,
missing-data rule, the precision of estimated data) gives every country a distribution of
ranks and tiers; Sobol' indices on a quasi-random Saltelli design say which assumption the
ranking is most sensitive to; :func:`audit` adds each indicator's effective importance and
the leave-one-out scenarios (METHOD.md). ::

    from burdenshare.uncertainty import robustness, robustness_line
    result = robustness(panel, "eo14383", n_samples=100_000, seed=1)
    result.to_dict()["countries"][0]   # iso3, rank_median, rank_p05, rank_p95, ...
    robustness_line(result, "JPN")     # one line for ``explain``

Modules: :mod:`.model` (panel + policy -> batch model), :mod:`.sampling` (seeded,
chunk-independent draws), :mod:`.montecarlo` (chunked runners, count tables),
:mod:`.backends` (numpy, Dask), :mod:`.sobol` (estimators), :mod:`.summary` (per-country
figures), :mod:`.plot` (rank-interval chart).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from burdenshare.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from burdenshare.uncertainty.model import RobustnessModel, Variation
    from burdenshare.uncertainty.summary import RobustnessResult

#: Default Monte Carlo samples and Saltelli base samples of the CLI.
DEFAULT_SAMPLES = 10_000
DEFAULT_SOBOL_SAMPLES = 2048


def check_counts(n_samples: int, sobol_samples: int, seed: int) -> None:
    """Reject sample counts and seeds that cannot work, naming the option."""
    if int(n_samples) < 1:
        raise UserError(f"must be a positive number of samples, not {n_samples}", where="--samples")
    if int(sobol_samples) < 0 or int(sobol_samples) == 1:
        raise UserError(
            f"must be 0 (no Sobol' analysis) or at least 2, not {sobol_samples}",
            where="--sobol-samples",
        )
    if int(seed) < 0:
        raise UserError(f"must be a non-negative integer, not {seed}", where="--seed")


def analyse(
    model: RobustnessModel,
    *,
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    sobol_samples: int = DEFAULT_SOBOL_SAMPLES,
    backend: Any = None,
    chunk_size: int | None = None,
    top_n: int = 10,
    n_resamples: int = 200,
    progress: Callable[[int], None] | None = None,
) -> RobustnessResult:
    """Monte Carlo (and, when anything varies and ``sobol_samples`` > 0, Sobol') analysis
    of a compiled model. ``progress(k)`` is told about every ``k`` model evaluations."""
    from burdenshare.uncertainty.montecarlo import analyze_outputs, run_montecarlo, run_saltelli
    from burdenshare.uncertainty.summary import summarise

    check_counts(n_samples, sobol_samples, seed)
    counts = run_montecarlo(
        model, n_samples, seed, backend=backend, chunk_size=chunk_size, progress=progress
    )
    sobol = None
    if sobol_samples and model.groups:
        outputs = run_saltelli(
            model, sobol_samples, seed, backend=backend, chunk_size=chunk_size, progress=progress
        )
        sobol = analyze_outputs(
            outputs, seed, n_resamples=n_resamples, nominal_ranks=model.nominal().ranks()[0]
        )
    nominal = model.nominal()
    v = model.variation
    groups = model.groups
    # Only what was applied: the alternatives of an assumption that did not vary are not
    # listed (they would suggest a variation that never happened).
    settings: dict[str, Any] = {"policy": model.policy_name, "year": model.year}
    if "weights" in groups:
        settings["weight_scheme"] = v.weight_scheme
        if v.weight_scheme == "dirichlet":
            settings["concentration"] = v.concentration
        else:
            settings["weight_spread"] = v.weight_spread
    if "normalisation" in groups:
        settings["normalisations"] = ["policy", *v.normalisations]
        settings["normalisation_switch"] = "one method for the whole index per sample"
    if "aggregation" in groups:
        settings["aggregations"] = list(model.aggregations)
    if "missing" in groups:
        settings["missing_rules"] = ["policy", *v.missing_rules]
    if "estimates" in groups:
        settings["estimate_spread"] = v.estimate_spread
    if "uncertain" in groups:
        settings["uncertain_spread"] = v.uncertain_spread
    settings["tiers"] = model.tier_basis()
    settings["rank_vs_score"] = (
        "rank is the priority order: tier first (gates cap tiers), then score; a country "
        "with a higher score can rank below a lower-scored one in a better tier"
    )
    settings["sobol_samples"] = int(sobol_samples) if sobol is not None else 0
    settings["backend"] = getattr(backend, "name", "numpy")
    return summarise(
        counts,
        countries=model.countries,
        tier_names=model.tier_names,
        nominal_rank=nominal.ranks()[0],
        nominal_tier=nominal.tier[0],
        nominal_score=nominal.score[0],
        nominal_eligible=nominal.eligible[0],
        seed=seed,
        varied=tuple(model.groups),
        top_n=top_n,
        sobol=sobol,
        settings=settings,
        outside=model.outside,
    )


def audit(panel: Any, policy: Any) -> dict[str, Any]:
    """The engine-based parts of the audit of ``policy`` on ``panel``: each indicator's
    effective importance next to its nominal weight (:mod:`burdenshare.scoring.importance`)
    and the leave-one-out scenarios over the nominally ranked countries
    (:mod:`burdenshare.scoring.scenarios`)."""
    from burdenshare.scoring.engine import score
    from burdenshare.scoring.importance import importance_of
    from burdenshare.scoring.scenarios import leave_one_out

    return {
        "effective_importance": importance_of(score(panel, policy)).to_dict(),
        "leave_one_out": leave_one_out(panel, policy).to_dict(),
    }


def with_audit(result: RobustnessResult, panel: Any, policy: Any) -> RobustnessResult:
    """``result`` with :func:`audit` attached (shown by ``to_dict`` and the CLI table)."""
    import dataclasses

    return dataclasses.replace(result, audit=audit(panel, policy))


def robustness(
    panel: Any,
    policy: Any,
    *,
    variation: Variation | None = None,
    **kwargs: Any,
) -> RobustnessResult:
    """Robustness of ``policy``'s ranking of ``panel``: :func:`model.build_model` then
    :func:`analyse` (keyword arguments as there)."""
    from burdenshare.uncertainty.model import build_model

    check_counts(
        kwargs.get("n_samples", DEFAULT_SAMPLES),
        kwargs.get("sobol_samples", DEFAULT_SOBOL_SAMPLES),
        kwargs.get("seed", 0),
    )
    return analyse(build_model(panel, policy, variation), **kwargs)


def robustness_line(result: RobustnessResult, iso3: str) -> str:
    """One line for ``explain`` (see :func:`summary.robustness_line`)."""
    from burdenshare.uncertainty.summary import robustness_line as _line

    return _line(result, iso3)


__all__ = ["analyse", "audit", "check_counts", "robustness", "robustness_line", "with_audit"]
