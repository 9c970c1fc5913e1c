"""The batch model agrees with the scoring engine and varies what it says it varies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_helpers import COUNTRIES, SYNTH_POLICY, make_panel, synth_values

from burdenshare.errors import UserError
from burdenshare.policy import parse_policy
from burdenshare.scoring import score
from burdenshare.scoring.aggregate import assign_tiers as engine_assign_tiers
from burdenshare.scoring.aggregate import rank_order as engine_rank_order
from burdenshare.scoring.normalise import minmax as engine_minmax
from burdenshare.scoring.normalise import percentile as engine_percentile
from burdenshare.uncertainty.model import (
    ASSUMPTIONS,
    Variation,
    assign_tiers,
    build_model,
    parse_vary,
    rank_order,
    tier_index,
)
from burdenshare.uncertainty.sampling import block_rng


def _engine_view(result, countries):
    """Engine's rank (None: not ranked), tier index (None), score, in the model's order."""
    t = result.table.reindex(list(countries))
    rank = [None if pd.isna(r) else int(r) for r in t["rank"]]
    tier = [None if pd.isna(x) else int(x) - 1 for x in t["tier"]]
    return rank, tier, t["score"].to_numpy(dtype=float)


def _model_view(model):
    nom = model.nominal()
    c = len(model.countries)
    ranks = [None if r > c else int(r) for r in nom.ranks()[0]]
    not_ranked = len(model.tier_names) - 1
    tiers = [None if t == not_ranked else int(t) for t in nom.tier[0]]
    return ranks, tiers, nom.score[0]


@pytest.mark.parametrize("vary", ["none", "all"])
def test_nominal_run_is_the_engines_result_on_the_starter_panel(starter_panel, vary):
    model = build_model(starter_panel, "eo14383", Variation(vary=vary))
    e_rank, e_tier, e_score = _engine_view(score(starter_panel, "eo14383"), model.countries)
    m_rank, m_tier, m_score = _model_view(model)
    assert m_rank == e_rank
    assert m_tier == e_tier
    np.testing.assert_allclose(m_score, e_score, rtol=0, atol=1e-9)


def test_nominal_run_is_the_engines_result_on_the_real_files(real_panel):
    assert len(real_panel.countries) >= 150
    model = build_model(real_panel, "eo14383")
    e_rank, e_tier, e_score = _engine_view(score(real_panel, "eo14383"), model.countries)
    m_rank, m_tier, m_score = _model_view(model)
    assert m_rank == e_rank and m_tier == e_tier
    np.testing.assert_allclose(m_score, e_score, rtol=0, atol=1e-9)
    # the SIPRI flags reach the model: blue (estimate) and red (uncertain) cells get noise
    assert model.n_est > 10 and model.n_unc >= 1
    assert "milex_gdp_pct" in [c.name for c in model.columns]


def test_every_assumption_set_matches_the_engine_on_that_policy(synth_panel, synth_policy):
    """A sampled state (weights, methods, aggregation, rule, indicator left out) scored by the
    model equals the engine scoring a policy rewritten to that state."""
    model = build_model(
        synth_panel,
        synth_policy,
        Variation(vary="all,leave_one_out", estimate_spread=0, uncertain_spread=0),
    )
    states = model.draw(np.random.default_rng(5), 12)
    ev = model.evaluate(states)
    for b in range(12):
        policy = _policy_for(model, synth_policy, {k: v[b] for k, v in states.items()})
        e_rank, e_tier, e_score = _engine_view(score(synth_panel, policy), model.countries)
        c = len(model.countries)
        ranks = ev.ranks()[b]
        assert [None if r > c else int(r) for r in ranks] == e_rank
        np.testing.assert_allclose(ev.score[b], e_score, rtol=1e-12, atol=1e-9)


def _policy_for(model, policy, state):
    """The synthetic policy rewritten to one sampled state, as YAML for the engine."""
    import yaml

    doc = yaml.safe_load(SYNTH_POLICY)
    names = list(model.indicators)
    w = np.array(state["weights"], dtype=float)
    drop = int(state.get("drop", 0))
    if drop:
        w[drop - 1] = 0.0
        w = w / w.sum()
    doc["weights_sum_to_one"] = False
    doc["pillars"] = {"all": {"weight": 1.0}}
    rules = model.rule_sets[int(state["rule"])]
    for j, name in enumerate(names):
        spec = doc["indicators"][name]
        spec["pillar"] = "all"
        spec["weight"] = float(w[j])
        method = model.methods[j][int(state["norm"][j])]
        if method != spec["normalise"]["method"]:
            spec["normalise"] = {"method": method}
        rule = rules[j]
        if drop == j + 1 and rule == "exclude":
            rule = "worst"
        spec["missing"] = rule
    agg = int(state["agg"])
    doc["aggregation"] = model.aggregations[agg]
    if not model.on_scale(np.asarray(state["norm"])[None, :], np.array([agg]))[0]:
        shares = model.anchored_shares()  # off the policy's scale: the nominal shares
        levels = doc["tiers"]["levels"]
        doc["tiers"] = {
            "method": "quantile",
            "levels": [
                *(
                    {"label": lv["label"], "top_share": float(x)}
                    for lv, x in zip(levels[:-1], shares, strict=True)
                ),
                {"label": levels[-1]["label"]},
            ],
        }
    return parse_policy(yaml.safe_dump(doc), "rewritten.yaml")


def test_zero_variation_collapses_to_the_nominal_rank(synth_panel, synth_policy):
    from burdenshare.uncertainty import analyse

    model = build_model(synth_panel, synth_policy, Variation(vary="none"))
    res = analyse(model, n_samples=3000, seed=1)  # nothing varies: no Sobol' analysis
    assert res.sobol is None and res.to_dict()["sobol"] == {}
    np.testing.assert_array_equal(res.rank_p05, res.nominal_rank)
    np.testing.assert_array_equal(res.rank_p95, res.nominal_rank)
    np.testing.assert_array_equal(res.rank_median, res.nominal_rank)
    assert (res.p_tier_changed == 0).all() and (res.p_eligibility_changed == 0).all()
    np.testing.assert_array_equal(res.tier_probabilities.argmax(axis=1), res.nominal_tier)
    # data noise switched on with zero spread, uniform weights with zero spread: same
    model = build_model(
        synth_panel,
        synth_policy,
        Variation(
            vary="weights,estimates,uncertain",
            weight_scheme="uniform",
            weight_spread=0.0,
            estimate_spread=0.0,
            uncertain_spread=0.0,
        ),
    )
    assert set(model.groups) == {"weights", "estimates", "uncertain"}
    res = analyse(model, n_samples=2048, seed=2, sobol_samples=0)
    np.testing.assert_array_equal(res.rank_p05, res.nominal_rank)
    np.testing.assert_array_equal(res.rank_p95, res.nominal_rank)


def test_only_flagged_values_move_under_data_noise(synth_panel, synth_policy):
    """With cell-by-cell normalisations (goalposts), noise on a flagged value moves only the
    score of the country that has it."""
    import yaml

    doc = yaml.safe_load(SYNTH_POLICY)
    doc["indicators"]["milex_gdp_pct"]["normalise"] = {
        "method": "goalposts",
        "lower": 0,
        "upper": 5,
    }
    doc["indicators"]["milex_per_capita_usd"]["normalise"] = {
        "method": "goalposts",
        "lower": 0,
        "upper": 5000,
    }
    policy = parse_policy(yaml.safe_dump(doc), "goalposts.yaml")
    model = build_model(synth_panel, policy, Variation(vary="estimates,uncertain"))
    ev = model.evaluate(model.draw(block_rng(3, 0, 0), 500))
    flagged = {COUNTRIES[r] for r in (0, 1, 2, 3)}  # the fixture's flagged rows
    nominal = model.nominal().score[0]
    for i, iso3 in enumerate(model.countries):
        s = ev.score[:, i]
        if np.isnan(nominal[i]):
            assert np.isnan(s).all()
        elif iso3 in flagged:
            assert np.std(s) > 0
        else:  # equal up to the last bits of the weighted sum
            np.testing.assert_allclose(s, nominal[i], rtol=1e-13, atol=0)


def test_a_noisy_gate_changes_eligibility_of_the_flagged_country_only(synth_policy):
    import yaml

    doc = yaml.safe_load(SYNTH_POLICY)
    doc["gates"][1] = {
        "id": "low",
        "description": "needs 1%",
        "effect": "ineligible",
        "when": {"indicator": "milex_gdp_pct", "below": 1.0},
    }
    policy = parse_policy(yaml.safe_dump(doc), "gate.yaml")
    vals = synth_values()
    vals[3, 0] = 1.0  # DEU right at the gate, and its value highly uncertain
    panel = make_panel(vals, flags={(3, 0): "uncertain"})
    model = build_model(panel, policy, Variation(vary="uncertain", uncertain_spread=0.3))
    assert len(model.noisy_gates) == 1
    from burdenshare.uncertainty.montecarlo import run_montecarlo

    counts = run_montecarlo(model, 4096, seed=4)
    i = model.countries.index("DEU")
    share = counts.eligibility_changed[i] / counts.n
    assert 0.4 < share < 0.6  # ineligible whenever the factor is below 1
    others = [j for j in range(len(model.countries)) if j != i]
    assert (counts.eligibility_changed[others] == 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    vary=st.sampled_from(["all", "weights,normalisation", "aggregation,leave_one_out", "data"]),
)
def test_a_country_dominating_every_indicator_is_always_first(seed, vary):
    rng = np.random.default_rng(seed)
    c = len(COUNTRIES)
    vals = np.column_stack(
        [
            rng.uniform(1.1, 3.0, c),
            rng.uniform(20, 900, c),
            rng.integers(0, 3, c).astype(float),
            rng.uniform(0.5, 3.0, c),
        ]
    )
    star = int(rng.integers(0, c))
    vals[star] = [4.5, 5000.0, 3.0, 0.01]  # best on all four (UNGA distance: lower is better)
    flags = {(r, 0): "estimate" for r in range(c) if r != star}
    flags.update({(r, 1): "uncertain" for r in range(0, c, 3) if r != star})
    policy = parse_policy(SYNTH_POLICY, "synth.yaml")
    model = build_model(make_panel(vals, flags=flags), policy, Variation(vary=vary))
    ev = model.evaluate(model.draw(np.random.default_rng(seed), 400))
    assert (ev.order[:, 0] == model.countries.index(COUNTRIES[star])).all()


def test_tier_probabilities_sum_to_one_and_counts_are_consistent(synth_panel, synth_policy):
    from burdenshare.uncertainty import analyse

    res = analyse(build_model(synth_panel, synth_policy), n_samples=5000, seed=9, sobol_samples=0)
    np.testing.assert_allclose(res.tier_probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert ((res.p_top_n >= 0) & (res.p_top_n <= 1)).all()
    assert (res.rank_p05 <= res.rank_median).all() and (res.rank_median <= res.rank_p95).all()
    # the gated country is never ranked; the one without spending data never scored
    i = res.countries.index("RUS")
    assert res.tier_probabilities[i, -1] == 1.0 and res.rank(res.rank_median[i]) is None


def test_unit_hypercube_mapping_has_the_sampler_distribution(synth_panel, synth_policy):
    model = build_model(synth_panel, synth_policy)
    a = model.draw(np.random.default_rng(0), 40_000)
    d = sum(dim for _, dim in model.unit_layout())
    b = model.states_from_unit(np.random.default_rng(1).random((40_000, d)))
    assert a.keys() == b.keys()
    np.testing.assert_allclose(a["weights"].mean(0), b["weights"].mean(0), atol=3e-3)
    np.testing.assert_allclose(a["weights"].std(0), b["weights"].std(0), rtol=0.05)
    for key in ("norm", "agg", "rule"):
        pa = np.bincount(a[key].ravel()) / a[key].size
        pb = np.bincount(b[key].ravel()) / b[key].size
        np.testing.assert_allclose(pa, pb, atol=0.01)
    np.testing.assert_allclose(b["z_est"].std(0), 1.0, atol=0.02)


# --- kernels against the engine's functions ----------------------------------------------

finite = st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 1))  # ties likely


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 7))
def test_tiers_and_rank_order_equal_the_engine(data, n, c):
    scores = np.array(
        data.draw(
            st.lists(
                st.lists(
                    st.one_of(finite.map(lambda v: v * 10 + 50), st.just(float("nan"))),
                    min_size=c,
                    max_size=c,
                ),
                min_size=n,
                max_size=n,
            )
        )
    )
    eligible = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=c, max_size=c), min_size=n, max_size=n))
    )
    cap = np.array(data.draw(st.lists(st.integers(0, 2), min_size=c, max_size=c)))
    thr = np.array([60.0, 45.0])
    theirs = engine_assign_tiers(scores, thr, eligible, cap)
    np.testing.assert_array_equal(assign_tiers(scores, thr, eligible, cap), theirs)
    ok = eligible & ~np.isnan(scores)
    tiers = tier_index(scores, thr, ok, cap, 3)
    order = rank_order(scores, tiers, ok)
    expected = engine_rank_order(scores, theirs, [], np.arange(c))  # ties: position
    for b in range(n):
        m = int(ok[b].sum())
        ranks = np.full(c, np.nan)
        ranks[order[b, :m]] = np.arange(1, m + 1)
        np.testing.assert_array_equal(ranks, expected[b])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), higher=st.booleans(), method=st.sampled_from(["minmax", "percentile"]))
def test_noisy_column_normalisation_equals_the_engine(data, higher, method):
    """Min-max and percentile of a column whose flagged cells move, from precomputed
    statistics of the unflagged cells, equal the engine's functions on the whole column
    (ties, NaN, several configurations, outliers that crowd the other values into the
    percentile guide's first bins, flagged values beyond the unflagged range)."""
    from burdenshare.uncertainty.model import _NoisyColumn

    c = data.draw(st.integers(2, 24))
    n_conf = data.draw(st.integers(1, 3))
    cell = st.one_of(finite, st.just(float("nan")), st.sampled_from([1e3, -40.0, 7.25]))
    static = np.array(
        data.draw(
            st.lists(st.lists(cell, min_size=c, max_size=c), min_size=n_conf, max_size=n_conf)
        )
    )
    flagged = np.array(sorted(data.draw(st.sets(st.integers(0, c - 1), min_size=1))))
    n = data.draw(st.integers(1, 6))
    yf = np.array(
        data.draw(
            st.lists(
                st.lists(cell, min_size=flagged.size, max_size=flagged.size), min_size=n, max_size=n
            )
        )
    )
    config = np.array(data.draw(st.lists(st.integers(0, n_conf - 1), min_size=n, max_size=n)))
    oriented = static if higher else -static
    column = _NoisyColumn.build(oriented, flagged)
    ours = column.normalise(method, yf if higher else -yf, config)
    x = static[config].copy()
    x[:, flagged] = yf
    engine = engine_minmax if method == "minmax" else engine_percentile
    theirs = engine(x[:, :, None], np.array([higher]))[:, :, 0]
    np.testing.assert_array_equal(ours, theirs)


# --- options ---------------------------------------------------------------------------


def test_vary_names_aliases_and_errors():
    # "all" is every uncertainty; leave-one-out is a separate set of named scenarios
    assert parse_vary("all") == tuple(a for a in ASSUMPTIONS if a != "leave_one_out")
    assert parse_vary("all,leave_one_out") == ASSUMPTIONS
    assert parse_vary("data, weights") == ("weights", "estimates", "uncertain")
    assert parse_vary("none") == ()
    with pytest.raises(UserError, match="unknown assumption 'wieghts'.*did you mean weights"):
        parse_vary("wieghts")


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"estimate_spread": 1.5}, "--estimate-spread"),
        ({"uncertain_spread": -0.1}, "--uncertain-spread"),
        ({"concentration": 0.0}, "--concentration"),
        ({"weight_spread": 1.0}, "--weight-spread"),
        ({"normalisations": ("minmax", "softmax")}, "--normalisations"),
        ({"normalisations": ("zscore",)}, "--normalisations"),
        ({"weight_scheme": "gaussian"}, "--weight-scheme"),
    ],
)
def test_bad_variation_settings_name_the_option(kwargs, where):
    with pytest.raises(UserError) as err:
        Variation(**kwargs)
    assert str(err.value).startswith(where)


@pytest.mark.parametrize("guess", ["none below", "all below", "random"])
def test_percentile_places_are_exact_whatever_the_guide_guesses(guess):
    """The percentile guide is only a first guess of a flagged value's place among the
    unflagged values: with guesses as wrong as they can be, the ranks still equal the
    engine's (the kernel steps down and up to the exact place)."""
    import dataclasses

    from burdenshare.uncertainty.model import _NoisyColumn

    rng = np.random.default_rng(3)
    static = np.round(rng.lognormal(0.0, 1.0, (2, 40)), 2)
    static[1, 5] = np.nan
    flagged = np.array([0, 3, 17, 39])
    yf = np.concatenate(
        [np.round(rng.lognormal(0.0, 1.0, (30, 4)), 2), static[0][None, [1, 2, 4, 6]]]
    )  # last row: ties with unflagged values
    config = rng.integers(0, 2, len(yf))
    column = _NoisyColumn.build(static, flagged)
    u = column.values.size
    wrong = {
        "none below": np.zeros_like(column.guide),
        "all below": np.full_like(column.guide, u),
        "random": rng.integers(0, u + 1, column.guide.size),
    }[guess]
    ours = dataclasses.replace(column, guide=wrong).normalise("percentile", yf, config)
    x = static[config].copy()
    x[:, flagged] = yf
    theirs = engine_percentile(x[:, :, None], np.array([True]))[:, :, 0]
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(column.normalise("percentile", yf, config), theirs)
